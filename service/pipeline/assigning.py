"""Online story assignment through the store: ``clustering.assign`` does the maths, this
module finds the candidate stories, keeps their state in the ``stories`` table and bumps
versions. It runs inside the ingest write transaction (the assignment lock is held).
"""
from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta
import numpy as np
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, defer

from clustering.assign import AssignParams, StoryAssigner, StoryState
from clustering.signals import ArticleSignals, build_signals, texts_to_embed
from service.pipeline.termstats import SqlTermStats
from service.store.models import Story, utcnow


class StateCache:
    """Decoded story states by (id, version) — decoding is the per-candidate cost."""

    def __init__(self, max_items: int = 20_000) -> None:
        self.max_items = max_items
        self._data: OrderedDict[int, tuple[int, StoryState]] = OrderedDict()

    def get(self, story: Story) -> StoryState:
        hit = self._data.get(story.id)
        if hit is not None and hit[0] == story.version:
            self._data.move_to_end(story.id)
            return hit[1]
        state = StoryState.from_bytes(story.state)
        self.put(story.id, story.version, state)
        return state

    def preload(self, session: Session, stories: list[Story]) -> None:
        """Decode, in one query, the states of ``stories`` that are not cached at their version."""
        missing = {st.id: st.version for st in stories
                   if (hit := self._data.get(st.id)) is None or hit[0] != st.version}
        if not missing:
            return
        for sid, raw in session.execute(select(Story.id, Story.state).where(Story.id.in_(list(missing)))):
            self.put(sid, missing[sid], StoryState.from_bytes(raw))

    def put(self, story_id: int, version: int, state: StoryState) -> None:
        self._data[story_id] = (version, state)
        self._data.move_to_end(story_id)
        while len(self._data) > self.max_items:
            self._data.popitem(last=False)


class StoryAssignment:
    """Factory of per-transaction assignment sessions; holds the params and state cache."""

    def __init__(self, params: AssignParams, max_candidates: int = 64) -> None:
        self.params = params
        #: above this many stories in the time window, only the closest by centroid are
        #: scored (and serve as the relative features' background); the AllSides window
        #: never gets near it, so the calibration is unaffected
        self.max_candidates = max_candidates
        self.assigner = StoryAssigner(params)
        self.states = StateCache()

    def texts(self, title: str, clean: str) -> list[str]:
        """The texts to embed for one article (the first is the stored article embedding)."""
        return texts_to_embed(title, clean, self.params)

    def signals(self, title: str, clean: str, published_at: datetime | None,
                vectors: list[np.ndarray]) -> ArticleSignals:
        return build_signals(title, clean, published_at, vectors, self.params)

    def begin(self, session: Session) -> "AssignSession":
        return AssignSession(self, session)


class AssignSession:
    """Assigns articles one by one within one write transaction."""

    #: bound on candidates for undated articles (they cannot use the time window)
    MAX_UNDATED_CANDIDATES = 2000
    #: how far after the article a candidate story's newest article may be
    MAX_SPAN = timedelta(days=30)

    def __init__(self, owner: StoryAssignment, session: Session) -> None:
        self.owner = owner
        self.session = session
        self.stats = SqlTermStats(session)

    def candidates(self, published_at: datetime | None, dense: np.ndarray) -> list[Story]:
        """The stories the article may join: those of its time window (the SQL form of
        ``StoryAssigner.is_candidate``; undated stories always qualify), then, when the window
        holds more than ``max_candidates``, the ones whose centroid is closest to the article.

        Only light columns are read for the window; full rows (and state blobs, which the
        per-worker cache usually already holds) only for the kept few. This is what keeps the
        cost per article flat as the corpus grows.
        """
        bounds = self.owner.assigner.time_bounds(published_at)
        base = select(Story.id, Story.centroid).where(Story.state.is_not(None))
        if bounds is not None:
            lo, hi = bounds
            # two index range scans instead of an OR the planner cannot index: stories whose
            # newest article is in [lo, hi + MAX_SPAN] and started by hi, and undated stories.
            # (A story that started before the article and ran on for more than MAX_SPAN after
            # it is the one case this misses; ingest in time order never meets it.)
            light = self.session.execute(base.where(
                Story.last_seen >= lo, Story.last_seen <= hi + self.MAX_SPAN, Story.first_seen <= hi)).all()
            light += self.session.execute(base.where(Story.last_seen.is_(None))
                                          .order_by(Story.updated_at.desc()).limit(self.MAX_UNDATED_CANDIDATES)).all()
        else:
            light = self.session.execute(base.order_by(Story.updated_at.desc())
                                         .limit(self.MAX_UNDATED_CANDIDATES)).all()
        limit = self.owner.max_candidates
        if len(light) > limit:
            matrix = np.stack([np.frombuffer(c, dtype=np.float32) for _, c in light])
            best = np.argpartition(-(matrix @ dense), limit - 1)[:limit]
            ids = [light[i][0] for i in best]
        else:
            ids = [sid for sid, _ in light]
        if not ids:
            return []
        return list(self.session.execute(
            select(Story).options(defer(Story.state)).where(Story.id.in_(ids)).order_by(Story.id)).scalars())

    def assign(self, signals: ArticleSignals, published_at: datetime | None, title: str) -> tuple[Story, float]:
        """Join the best story above the threshold or open a new one; returns (story, score)."""
        assigner = self.owner.assigner
        rows = self.candidates(published_at, np.asarray(signals.dense, dtype=np.float32))
        self.owner.states.preload(self.session, rows)
        states = [self.owner.states.get(r) for r in rows]
        keep = [i for i, st in enumerate(states) if assigner.is_candidate(st, signals.published_at)]
        rows = [rows[i] for i in keep]
        states = [states[i] for i in keep]
        index, score = assigner.choose(signals, states, self.stats) if states else (None, 0.0)
        if index is None:
            story = Story(version=0, label=title, article_count=0, outlet_count=0, keywords=[],
                          created_at=utcnow(), updated_at=utcnow())
            self.session.add(story)
            self.session.flush()
            state = assigner.new_story(signals)
        else:
            story = rows[index]
            state = assigner.absorb(states[index], signals)
        story.state = state.to_bytes()
        story.centroid = np.asarray(state_centroid(state), dtype=np.float32).tobytes()
        # the caller bumps the version; cache under the version it will have
        self.owner.states.put(story.id, (story.version or 0) + 1, state)
        self.stats.add(assigner.stat_terms(signals))
        return story, float(score)

    def finish(self) -> None:
        self.stats.flush()


def state_centroid(state: StoryState) -> np.ndarray:
    """The story's L2-normalised dense centroid (for the search index)."""
    c = state.centroid
    return np.asarray(c() if callable(c) else c, dtype=np.float32)
