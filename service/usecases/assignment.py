"""Online story assignment through the store: ``clustering.assign.StoryAssigner`` does the
maths; this module finds the candidate stories (the process's story rows), decodes their
states and changes story rows through ``service.store.stories.StoryWriter``. It runs inside
the ingest write transaction (the store-wide assignment lock is held).
"""
from __future__ import annotations

from datetime import datetime

import numpy as np
from sqlalchemy.orm import Session

from clustering.assign import AssignParams, StoryAssigner
from clustering.signals import ArticleSignals, build_signals, texts_to_embed
from clustering.state import StoryState
from service.index.rows import Pending, PendingRow, StoryRows, epoch, span
from service.store.models import Article, Story
from service.store.stories import StoryWriter, state_centroid
from service.usecases.states import StateCache
from service.usecases.termstats import SqlTermStats


class Assignment:
    """Per process: the assigner and its params, the decoded-state cache, and the story rows
    (``index``, shared with search and match) that answer which stories are candidates."""

    def __init__(self, params: AssignParams, rows: StoryRows | None = None) -> None:
        self.params = params
        self.assigner = StoryAssigner(params)
        # the time window's stories are what is reused (a few thousand at a busy hour); a
        # decoded state is 5-80 KB, so this bounds the cache near 100 MB a process
        self.states = StateCache(max_items=4000)
        self.index = rows if rows is not None else StoryRows()

    def texts(self, title: str, clean: str) -> list[str]:
        """The texts to embed for one article (the first is the stored article embedding)."""
        return texts_to_embed(title, clean, self.params)

    def signals(self, title: str, clean: str, published_at: datetime | None,
                vectors: list[np.ndarray]) -> ArticleSignals:
        """The article's signals from the vectors of :meth:`texts`."""
        return build_signals(title, clean, published_at, vectors, self.params)

    def sync(self, session: Session, counter: int) -> None:
        """Bring the story rows up to ``session``'s store (whose ingest counter is ``counter``);
        a rebuild from scratch empties the state cache too."""
        if self.index.sync(session, counter):
            self.states.clear()

    def begin(self, session: Session) -> AssignmentTransaction:
        """Start assigning inside ``session``, a write transaction holding the assignment lock."""
        return AssignmentTransaction(self, session)


class AssignmentTransaction:
    """Assigns articles one by one within one write transaction.

    Call :meth:`finish` before the commit and :meth:`committed` after it succeeded; a
    transaction that rolls back leaves the story rows and caches as they were (the state
    cache only ever holds states under the version they are stored with)."""

    def __init__(self, owner: Assignment, session: Session) -> None:
        self.owner = owner
        self.session = session
        self.stats = SqlTermStats(session)
        self.stories = StoryWriter(session)
        self.pending = Pending()
        self._states: dict[int, tuple[int, StoryState]] = {}  # this transaction's, by story
        owner.sync(session, self.stats.ingest_counter)

    def candidates(self, published_at: datetime | None, dense: np.ndarray,
                   estimated: bool = False) -> list[tuple[int, int]]:
        """(id, version) of the stories the article may join: those whose span meets the
        assigner's time window (``StoryAssigner.time_bounds``; ``estimated``: the time is an
        undated article's stand-in, the wider window applies; undated stories always
        qualify), and when the window holds more than ``AssignParams.max_candidates``, those whose
        centroid is closest to the article. No store read: the story rows answer."""
        bounds = self.owner.assigner.time_bounds(published_at, estimated)
        lo, hi = (epoch(bounds[0]), epoch(bounds[1])) if bounds is not None else (None, None)
        limit = self.owner.params.max_candidates or None
        return self.owner.index.window(lo, hi, dense, limit, self.pending)

    def assign(self, signals: ArticleSignals, article: Article) -> Story:
        """Join ``article`` to the best story above the threshold, or open a new one; sets the
        article's story and score, and the story's row (``StoryWriter.add_article``)."""
        assigner = self.owner.assigner
        wanted = self.candidates(signals.published_at, np.asarray(signals.dense, dtype=np.float32),
                                 signals.time_estimated)
        stored = self.owner.states.fetch(self.session, [w for w in wanted if w[0] not in self._states])
        pairs = [(sid, st) for sid, ver in sorted(wanted) if (st := self._state(sid, ver, stored)) is not None]
        pairs = [(sid, st) for sid, st in pairs
                 if assigner.is_candidate(st, signals.published_at, signals.time_estimated)]
        states = [st for _, st in pairs]
        index, score = assigner.choose(signals, states, self.stats) if states else (None, 0.0)
        if index is None:
            story = self.stories.open(article.title)
            state = assigner.new_story(signals)
        else:
            story = self.stories.get(pairs[index][0])
            state = assigner.absorb(states[index], signals)
        self.stories.add_article(story, article, state)
        article.assign_score = float(score)
        self._states[story.id] = (story.version, state)
        # the row's span is the story's real dates (as a rebuild from the store reads them), not
        # the state's stand-in span: search's date filters must never show a guessed date, and
        # the stand-in window is applied to the decoded states above
        self.pending.rows[story.id] = PendingRow(story.version, *span(epoch(story.first_seen), epoch(story.last_seen)),
                                                 state_centroid(state), story.article_count, story.outlet_count)
        self.stats.add(assigner.stat_terms(signals))
        return story

    def _state(self, sid: int, version: int, stored: dict[int, StoryState]) -> StoryState | None:
        own = self._states.get(sid)
        if own is not None and own[0] == version:
            return own[1]
        return stored.get(sid) or self.owner.states.get(sid, version)

    def finish(self) -> None:
        """Write the term statistics (inside the transaction, before the commit)."""
        self.stats.flush()

    def committed(self) -> None:
        """The transaction committed: publish its stories to the story rows and the cache."""
        for sid, (ver, state) in self._states.items():
            self.owner.states.put(sid, ver, state)
        self.owner.index.commit(self.pending, self.stats.ingest_counter)
