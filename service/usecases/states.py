"""Decoded assigner states (``StoryState``) by story id and version, per process.

Decoding a state blob is the per-candidate cost of scoring a story; ingest and match both
keep the states they decoded under the version they are stored with, so a story changed by
anyone is decoded again and nothing stale is ever scored.
"""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from clustering.state import StoryState
from service.store.models import Story

log = logging.getLogger(__name__)
_warned = False


def decode_state(raw: bytes | None) -> StoryState | None:
    """The story's assigner state, or None when absent or unreadable (a format older than
    the assigner: the story is not scored until its next version rewrites the state)."""
    global _warned
    if raw is None:
        return None
    try:
        return StoryState.from_bytes(raw)
    except (ValueError, KeyError, TypeError) as exc:
        if not _warned:
            log.warning("unreadable story state (%s: %s); such stories are skipped until rewritten",
                        type(exc).__name__, exc)
            _warned = True
        return None


class StateCache:
    """Bounded LRU of (version, state) by story id; thread-safe."""

    def __init__(self, max_items: int = 20_000) -> None:
        self.max_items = max_items
        self._data: OrderedDict[int, tuple[int, StoryState]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, sid: int, version: int) -> StoryState | None:
        """The story's state if cached at that version."""
        with self._lock:
            hit = self._data.get(sid)
            if hit is None or hit[0] != version:
                return None
            self._data.move_to_end(sid)
            return hit[1]

    def put(self, sid: int, version: int, state: StoryState) -> None:
        """Cache the story's state at ``version`` (the least recently used go first)."""
        with self._lock:
            self._data[sid] = (version, state)
            self._data.move_to_end(sid)
            while len(self._data) > self.max_items:
                self._data.popitem(last=False)

    def clear(self) -> None:
        """Forget every state."""
        with self._lock:
            self._data.clear()

    def fetch(self, session: Session, wanted: list[tuple[int, int]]) -> dict[int, StoryState]:
        """The states of the (id, version) pairs: from the cache when held at that version,
        else decoded from the store in one query (and cached under the stored version). A
        blob that cannot be decoded is left out: that story is not scored."""
        out: dict[int, StoryState] = {}
        missing = []
        for sid, ver in wanted:
            st = self.get(sid, ver)
            if st is None:
                missing.append(sid)
            else:
                out[sid] = st
        if missing:
            for sid, ver, raw in session.execute(
                    select(Story.id, Story.version, Story.state).where(Story.id.in_(missing))):
                state = decode_state(raw)
                if state is not None:
                    self.put(sid, ver, state)
                    out[sid] = state
        return out
