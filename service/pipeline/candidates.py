"""The assigner's candidate index: every story's time span, version and dense centroid, held
in memory by each process that ingests, so that finding the stories an article may join
costs the same at a hundred thousand stories as at a thousand.

Without it, every article read the centroid of every story in its time window from the
store (a window that holds more stories the denser the corpus: 4 ms of row fetching per
article at 100k stories). With it, an article costs one primary-key read (the ingest
counter), a vectorised time mask and one matrix product over the window's rows.

**Freshness.** The index is read and changed only inside the ingest write transaction (the
store-wide assignment lock is held), so nobody writes stories meanwhile. At the start of a
transaction it compares the global ingest counter (the ``term_stats`` row every ingest bumps
in the same transaction) with the value it last synced to: equal means nothing was written
since by anyone else, and nothing is read. When another process (a second gunicorn worker,
an RQ worker, the CLI) has ingested, the stories whose ``updated_at`` is at or after the
watermark minus ``slack`` are listed with their version and the changed ones re-read. The
stories this transaction creates or changes are kept aside (``Pending``) and merged only
after the commit succeeded, so a rolled-back batch leaves no trace. A counter that went
backwards (a store that was emptied or replaced) rebuilds the index from scratch. Nothing in
it is the only copy of anything.
"""
from __future__ import annotations

import math
import os
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.store.db import as_utc
from service.store.models import Story

_NAN = float("nan")


def epoch(value: datetime | None) -> float:
    """Seconds since the epoch of a stored time (NaN when unknown)."""
    v = as_utc(value)
    return v.timestamp() if v is not None else _NAN


def span(first: float, last: float) -> tuple[float, float]:
    """A story's (first, last) epoch span; known at one end only, it is that one point."""
    return (last if math.isnan(first) else first), (first if math.isnan(last) else last)


@dataclass
class Pending:
    """What one transaction changed: story id -> (version, first, last, centroid), the span
    as :func:`span` gives it."""

    rows: dict[int, tuple[int, float, float, np.ndarray]] = field(default_factory=dict)


class CandidateIndex:
    """Story spans and centroids by row; see the module docstring.

    The centroids only choose which of the window's stories are scored (the assigner scores
    them from their stored states), so they are kept as int8 with a scale per row: a quarter
    of float32's memory (13 MB instead of 54 MB at 35,000 stories), cosines within 0.0015
    of the exact ones, and 0.04 ms more per article than float32 (numpy converts int8 fast;
    float16 would have cost 0.45 ms)."""

    #: how far before the watermark a later-committed writer may have stamped updated_at
    SLACK = timedelta(seconds=120)

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self.full_loads = 0
        self.incremental_loads = 0
        self._reset_arrays()

    def _reset_arrays(self) -> None:
        self.row_of: dict[int, int] = {}
        cap = 1024
        self.sid = np.zeros(cap, dtype=np.int64)
        self.version = np.zeros(cap, dtype=np.int64)
        self.first = np.full(cap, np.nan)
        self.last = np.full(cap, np.nan)
        self.q8: np.ndarray | None = None  # (capacity, dim) int8 centroids
        self.scale = np.zeros(cap, dtype=np.float32)  # a row's centroid = q8[row] * scale[row]
        self.n = 0
        self.n_undated = 0
        self.counter: int | None = None
        self.watermark: datetime | None = None

    # -- freshness --------------------------------------------------------------------------
    def sync(self, session: Session, counter: int) -> bool:
        """Bring the index up to the store as this write transaction sees it; True when it
        was rebuilt from scratch (first use, or a store that was emptied or replaced: what
        the caller caches by story id and version is then no longer to be trusted)."""
        if self._pid != os.getpid():  # a forked copy (gunicorn preload) is not this process's
            self._reset()
        with self._lock:
            rebuilt = self.counter is None or counter < self.counter
            if rebuilt:
                self._reset_arrays()
                self._load(session, None)
                self.full_loads += 1
            elif counter != self.counter:
                self._load(session, self.watermark - self.SLACK if self.watermark else None)
                self.incremental_loads += 1
            self.counter = counter
            return rebuilt

    def _load(self, session: Session, since: datetime | None) -> None:
        q = select(Story.id, Story.version, Story.updated_at).where(Story.state.is_not(None))
        if since is not None:
            q = q.where(Story.updated_at >= since)
        pairs = session.execute(q).all()
        stamps = [as_utc(p[2]) for p in pairs if p[2] is not None]
        if stamps:
            self.watermark = max([self.watermark, *stamps] if self.watermark else stamps)
        changed = [sid for sid, ver, _ in pairs
                   if (row := self.row_of.get(sid)) is None or self.version[row] != ver]
        while self.sid.shape[0] < self.n + len(changed):
            self._grow()
        for start in range(0, len(changed), 5000):
            chunk = changed[start:start + 5000]
            for sid, ver, first, last, cent in session.execute(
                    select(Story.id, Story.version, Story.first_seen, Story.last_seen, Story.centroid)
                    .where(Story.id.in_(chunk))):
                if cent is not None:
                    self._put(sid, ver, epoch(first), epoch(last), np.frombuffer(cent, dtype=np.float32))

    def centroid(self, row: int) -> np.ndarray:
        """A row's centroid as the index holds it (float32)."""
        return self.q8[row].astype(np.float32) * self.scale[row]

    def _put(self, sid: int, version: int, first: float, last: float, centroid: np.ndarray) -> None:
        if self.q8 is None:
            self.q8 = np.zeros((self.sid.shape[0], centroid.shape[0]), dtype=np.int8)
        if centroid.shape[0] != self.q8.shape[1]:
            return  # a vector of another model (the store was built with another backend)
        row = self.row_of.get(sid)
        if row is None:
            if self.n == self.sid.shape[0]:
                self._grow()
            row = self.n
            self.n += 1
            self.row_of[sid] = row
            self.sid[row] = sid
        else:
            self.n_undated -= int(np.isnan(self.last[row]))
        self.version[row] = version
        self.first[row], self.last[row] = span(first, last)
        self.n_undated += int(np.isnan(self.last[row]))
        top = float(np.abs(centroid).max())
        scale = top / 127.0 if top > 0 else 1.0
        self.q8[row] = np.rint(centroid / scale).astype(np.int8)
        self.scale[row] = scale

    def _grow(self) -> None:
        cap = self.sid.shape[0] * 2
        for name, fill in (("sid", 0), ("version", 0), ("first", np.nan), ("last", np.nan), ("scale", 0.0)):
            a = getattr(self, name)
            b = np.full(cap, fill, dtype=a.dtype)
            b[: a.shape[0]] = a
            setattr(self, name, b)
        if self.q8 is not None:
            c = np.zeros((cap, self.q8.shape[1]), dtype=np.int8)
            c[: self.q8.shape[0]] = self.q8
            self.q8 = c

    def commit(self, pending: Pending, counter: int) -> None:
        """Merge a committed transaction's changes (call only after the commit succeeded);
        ``counter`` is the ingest counter that transaction left."""
        with self._lock:
            for sid, (ver, first, last, cent) in pending.rows.items():
                self._put(sid, ver, first, last, cent)
            if self.counter is not None:
                self.counter = counter

    # -- queries ----------------------------------------------------------------------------
    def window(self, lo: float | None, hi: float | None, dense: np.ndarray, limit: int | None,
               pending: Pending) -> list[tuple[int, int]]:
        """(story id, version) of the stories whose span meets [lo, hi] (undated stories
        always do; ``lo is None``: every story), the ``limit`` with the closest centroids
        when there are more (None: all). This transaction's own changes take precedence."""
        n = self.n
        if lo is None:
            mask = np.ones(n, dtype=bool)
        else:
            # NaN compares False: an undated story fails both tests and joins by ``undated``
            mask = (self.last[:n] >= lo) & (self.first[:n] <= hi)
            if self.n_undated:
                mask |= np.isnan(self.last[:n])
        if pending.rows:
            own = [self.row_of[sid] for sid in pending.rows if sid in self.row_of]
            mask[own] = False  # superseded by the pending copies below
        rows = np.flatnonzero(mask)
        ids = self.sid[rows]
        versions = self.version[rows]
        extra = [(sid, ver, cent) for sid, (ver, first, last, cent) in pending.rows.items()
                 if lo is None or np.isnan(last) or (last >= lo and first <= hi)]
        total = rows.size + len(extra)
        if limit is not None and total > limit:
            if rows.size:
                sims = (self.q8[rows].astype(np.float32) @ dense) * self.scale[rows]
            else:
                sims = np.zeros(0, dtype=np.float32)
            if extra:
                sims = np.concatenate([sims, np.array([float(c @ dense) for _, _, c in extra], dtype=np.float32)])
            best = np.argpartition(-sims, limit - 1)[:limit]
        else:
            best = np.arange(total)
        out = []
        for i in best:
            i = int(i)
            if i < rows.size:
                out.append((int(ids[i]), int(versions[i])))
            else:
                sid, ver, _ = extra[i - rows.size]
                out.append((sid, ver))
        return out

    def stats(self) -> dict[str, int | None]:
        return {"stories": self.n, "counter": self.counter, "full_loads": self.full_loads,
                "incremental_loads": self.incremental_loads}
