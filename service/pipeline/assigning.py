"""Online story assignment through the store: ``clustering.assign`` does the maths, this
module finds the candidate stories, keeps their state in the ``stories`` table and bumps
versions. It runs inside the ingest write transaction (the assignment lock is held).
"""
from __future__ import annotations

from datetime import datetime
import numpy as np
from sqlalchemy.orm import Session, defer

from clustering.assign import AssignParams, StoryAssigner, StoryState
from clustering.signals import ArticleSignals, build_signals, texts_to_embed
from service.pipeline.candidates import CandidateIndex, Pending, epoch, span
from service.pipeline.states import StateCache
from service.pipeline.termstats import SqlTermStats
from service.store.models import Story, utcnow


class StoryAssignment:
    """Factory of per-transaction assignment sessions; holds the params, the decoded-state
    cache and the candidate index (per process: see ``service.pipeline.candidates``)."""

    def __init__(self, params: AssignParams) -> None:
        self.params = params
        self.assigner = StoryAssigner(params)
        # the time window's stories are what is reused (a few thousand at a busy hour); a
        # decoded state is 5-80 KB, so this bounds the cache near 100 MB a process
        self.states = StateCache(max_items=4000)
        self.index = CandidateIndex()

    def texts(self, title: str, clean: str) -> list[str]:
        """The texts to embed for one article (the first is the stored article embedding)."""
        return texts_to_embed(title, clean, self.params)

    def signals(self, title: str, clean: str, published_at: datetime | None,
                vectors: list[np.ndarray]) -> ArticleSignals:
        return build_signals(title, clean, published_at, vectors, self.params)

    def warm(self, session: Session) -> None:
        """Build the candidate index now (a fresh worker would otherwise on its first ingest)."""
        self.sync(session, SqlTermStats(session).committed_docs)

    def sync(self, session: Session, counter: int) -> None:
        if self.index.sync(session, counter):
            self.states.clear()

    def begin(self, session: Session) -> "AssignSession":
        """Start assigning inside ``session``, a write transaction holding the assignment lock."""
        return AssignSession(self, session)


class AssignSession:
    """Assigns articles one by one within one write transaction.

    Call :meth:`finish` before the commit and :meth:`committed` after it succeeded; a
    transaction that rolls back leaves the per-process index and caches as they were (the
    state cache only ever holds states under the version they are stored with)."""

    def __init__(self, owner: StoryAssignment, session: Session) -> None:
        self.owner = owner
        self.session = session
        self.stats = SqlTermStats(session)
        self.pending = Pending()
        self._states: dict[int, tuple[int, StoryState]] = {}  # this transaction's, by story
        owner.sync(session, self.stats.committed_docs)

    def candidates(self, published_at: datetime | None, dense: np.ndarray) -> list[tuple[int, int]]:
        """(id, version) of the stories the article may join: those whose span meets the
        assigner's time window (``StoryAssigner.time_bounds``; undated stories always
        qualify), and when the window holds more than ``AssignParams.max_candidates``, those whose
        centroid is closest to the article. No store read: the per-process index answers."""
        bounds = self.owner.assigner.time_bounds(published_at)
        lo, hi = (epoch(bounds[0]), epoch(bounds[1])) if bounds is not None else (None, None)
        limit = self.owner.params.max_candidates or None
        return self.owner.index.window(lo, hi, dense, limit, self.pending)

    def _state(self, sid: int, version: int) -> StoryState | None:
        own = self._states.get(sid)
        if own is not None and own[0] == version:
            return own[1]
        return self.owner.states.get(sid, version)

    def assign(self, signals: ArticleSignals, published_at: datetime | None, title: str) -> tuple[Story, float]:
        """Join the best story above the threshold or open a new one; returns (story, score)."""
        assigner = self.owner.assigner
        wanted = self.candidates(published_at, np.asarray(signals.dense, dtype=np.float32))
        self.owner.states.preload(self.session, [w for w in wanted if w[0] not in self._states])
        pairs = [(sid, st) for sid, ver in sorted(wanted) if (st := self._state(sid, ver)) is not None]
        pairs = [(sid, st) for sid, st in pairs if assigner.is_candidate(st, signals.published_at)]
        states = [st for _, st in pairs]
        index, score = assigner.choose(signals, states, self.stats) if states else (None, 0.0)
        if index is None:
            story = Story(version=0, label=title, article_count=0, outlet_count=0, keywords=[],
                          created_at=utcnow(), updated_at=utcnow())
            self.session.add(story)
            self.session.flush()
            state = assigner.new_story(signals)
        else:
            story = self.session.get(Story, pairs[index][0], options=[defer(Story.state)])
            state = assigner.absorb(states[index], signals)
        centroid = np.asarray(state_centroid(state), dtype=np.float32)
        story.state = state.to_bytes()
        story.centroid = centroid.tobytes()
        # the caller bumps the version (``Ingestor._refresh_story``): record under the new one
        version = (story.version or 0) + 1
        self._states[story.id] = (version, state)
        self.pending.rows[story.id] = (version, *span(epoch(state.first_seen), epoch(state.last_seen)), centroid)
        self.stats.add(assigner.stat_terms(signals))
        return story, float(score)

    def finish(self) -> None:
        """Write the term statistics (inside the transaction, before the commit)."""
        self.stats.flush()

    def committed(self) -> None:
        """The transaction committed: publish its stories to the per-process index and cache."""
        for sid, (ver, state) in self._states.items():
            self.owner.states.put(sid, ver, state)
        self.owner.index.commit(self.pending, self.stats.committed_docs)


def state_centroid(state: StoryState) -> np.ndarray:
    """The story's L2-normalised dense centroid (for the search index)."""
    c = state.centroid
    return np.asarray(c() if callable(c) else c, dtype=np.float32)
