"""The per-process story rows: every live story's id, version, time span, dense centroid and
counts in numpy arrays, one row per story, shared by assignment (candidate stories), search
and match, and kept in step with the store by one refresh.

**Freshness.** :meth:`StoryRows.sync` compares the global ingest counter
(``service.store.counter``) with the value the rows last synced to: equal means nobody wrote
articles since, and nothing is read. Otherwise the stories whose ``updated_at`` is at or
after the watermark minus ``slack_seconds`` (which covers transactions that stamped
``updated_at`` before an earlier-committed one) are listed with their version, and the
changed ones re-read. A full scan (every ``full_scan_seconds``, asked for by the search
index) compares every (id, version) pair, which also drops stories that vanished. A counter
that went backwards (a store emptied or replaced) rebuilds the rows from scratch. Nothing in
them is the only copy of anything.

Assignment syncs inside the ingest write transaction (the store-wide assignment lock is held,
so nobody else writes meanwhile) and keeps the stories it creates or changes aside
(:class:`Pending`) until the commit succeeded (:meth:`StoryRows.commit`), so a rolled-back
batch leaves no trace. Search and match sync from their own sessions before they read
(``service.index.stories``). Syncs and commits of one process take turns (one lock), so a
refresh that read the store before a commit never overwrites what that commit published.
"""
from __future__ import annotations

import math
import os
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.store.db import as_utc
from service.store.models import Story

_NAN = float("nan")
_CHUNK = 5000  # stories read per query


def epoch(value: datetime | None) -> float:
    """Seconds since the epoch of a stored time (NaN when unknown)."""
    v = as_utc(value)
    return v.timestamp() if v is not None else _NAN


def span(first: float, last: float) -> tuple[float, float]:
    """A story's (first, last) epoch span; known at one end only, it is that one point."""
    return (last if math.isnan(first) else first), (first if math.isnan(last) else last)


@dataclass
class PendingRow:
    """A story as one write transaction left it (published by :meth:`StoryRows.commit`)."""

    version: int
    first: float
    last: float
    centroid: np.ndarray
    n_articles: int
    n_outlets: int


@dataclass
class Pending:
    """What one transaction changed, by story id (spans as :func:`span` gives them)."""

    rows: dict[int, PendingRow] = field(default_factory=dict)


class StoryRows:
    """Story columns by row (see the module docstring).

    Readers hold :meth:`reading` while they compute over the arrays: growing them swaps whole
    arrays, and a refresh writes rows. Rows of removed stories are reused (``alive`` says
    which rows hold a story)."""

    def __init__(self, slack_seconds: float = 300.0) -> None:
        self.slack = timedelta(seconds=slack_seconds)
        self._reset()

    # -- state --------------------------------------------------------------------------
    def _reset(self) -> None:
        self._pid = os.getpid()
        self.lock = threading.RLock()  # the arrays: writers, and readers that need a stable view
        self._sync_lock = threading.Lock()  # syncs and commits take turns
        self.generation = 0  # bumped when the rows are rebuilt from scratch
        self.mutations = 0  # bumped whenever a row changes (readers with per-row data follow it)
        self.full_loads = 0
        self.incremental_loads = 0
        self._reset_rows()

    def _reset_rows(self) -> None:
        self.row_of: dict[int, int] = {}
        cap = 1024
        self.sid = np.zeros(cap, dtype=np.int64)
        self.version = np.zeros(cap, dtype=np.int64)
        self.first = np.full(cap, np.nan)
        self.last = np.full(cap, np.nan)
        self.n_articles = np.zeros(cap, dtype=np.int32)
        self.n_outlets = np.zeros(cap, dtype=np.int32)
        self.alive = np.zeros(cap, dtype=bool)
        self.dim: int | None = None
        self.cent: np.ndarray | None = None  # (capacity, dim) float32 unit centroids
        self.n_rows = 0  # rows ever used (high-water mark)
        self.free_rows: list[int] = []
        self.n_undated = 0
        self.counter: int | None = None
        self.watermark: datetime | None = None

    def _check_fork(self) -> None:
        # gunicorn forks workers after preload: a copy inherited from the master (and its
        # locks) is not this worker's; start over
        if self._pid != os.getpid():
            self._reset()

    @property
    def capacity(self) -> int:
        """Rows the arrays hold before they grow."""
        return self.sid.shape[0]

    @property
    def size(self) -> int:
        """Stories held."""
        return len(self.row_of)

    def reading(self) -> threading.RLock:
        """Hold while computing over the arrays (a refresh swaps and grows them)."""
        return self.lock

    def centroid(self, row: int) -> np.ndarray:
        """A row's centroid (float32, unit length)."""
        return self.cent[row]

    # -- freshness ----------------------------------------------------------------------
    def sync(self, session: Session, counter: int, *, full_scan: bool = False, poll: bool = False) -> bool:
        """Bring the rows up to the store as ``session`` sees it, whose ingest counter is
        ``counter``. ``poll``: list the recently updated stories even when the counter did not
        move (re-clustering changes versions without ingesting); ``full_scan``: compare every
        story. Returns True when the rows were rebuilt from scratch (first use, or a store that
        was emptied or replaced: what a caller keeps by story id and version is then no
        longer to be trusted)."""
        self._check_fork()
        with self._sync_lock:
            rebuilt = self.counter is None or counter < self.counter
            if rebuilt:
                with self.lock:
                    self._reset_rows()
                    self.generation += 1
                    self.mutations += 1
                self._list(session, since=None, drop_missing=True)
                self.full_loads += 1
            elif full_scan:
                self._list(session, since=None, drop_missing=True)
                self.incremental_loads += 1
            elif counter != self.counter or poll:
                self._list(session, since=self.watermark - self.slack if self.watermark else None)
                self.incremental_loads += 1
            self.counter = counter
            return rebuilt

    def _list(self, session: Session, since: datetime | None, drop_missing: bool = False) -> None:
        q = select(Story.id, Story.version, Story.updated_at, Story.article_count)
        if since is not None:
            q = q.where(Story.updated_at >= since)
        listed = session.execute(q).all()
        changed, gone = [], []
        for sid, ver, _, n in listed:
            row = self.row_of.get(sid)
            if not n:
                if row is not None:
                    gone.append(sid)
            elif row is None or self.version[row] != ver:
                changed.append(sid)
        if drop_missing:
            present = {sid for sid, _, _, n in listed if n}
            gone.extend(sid for sid in self.row_of if sid not in present)
        stamps = [as_utc(p[2]) for p in listed if p[2] is not None]
        if stamps:
            self.watermark = max([self.watermark, *stamps] if self.watermark else stamps)
        with self.lock:
            for sid in gone:
                self._remove(sid)
        for start in range(0, len(changed), _CHUNK):
            chunk = changed[start:start + _CHUNK]
            fetched = session.execute(
                select(Story.id, Story.version, Story.first_seen, Story.last_seen, Story.centroid,
                       Story.article_count, Story.outlet_count).where(Story.id.in_(chunk))).all()
            with self.lock:
                for sid, ver, first, last, cent, n_articles, n_outlets in fetched:
                    if cent is None or not n_articles:
                        self._remove(sid)
                        continue
                    self._put(sid, PendingRow(ver, *span(epoch(first), epoch(last)),
                                              np.frombuffer(cent, dtype=np.float32), n_articles, n_outlets))

    def commit(self, pending: Pending, counter: int) -> None:
        """Publish a committed transaction's stories (call only after the commit succeeded);
        ``counter`` is the ingest counter that transaction left."""
        self._check_fork()
        with self._sync_lock, self.lock:
            for sid, row in pending.rows.items():
                self._put(sid, row)
            if self.counter is not None:
                self.counter = counter

    # -- rows ---------------------------------------------------------------------------
    def _put(self, sid: int, r: PendingRow) -> None:
        if self.dim is None:
            self.dim = int(r.centroid.shape[0])
            self.cent = np.zeros((self.capacity, self.dim), dtype=np.float32)
        if r.centroid.shape[0] != self.dim:
            return  # a vector of another model (the store was built with another backend)
        row = self.row_of.get(sid)
        if row is None:
            if self.free_rows:
                row = self.free_rows.pop()
            else:
                if self.n_rows == self.capacity:
                    self._grow()
                row = self.n_rows
                self.n_rows += 1
            self.row_of[sid] = row
            self.sid[row] = sid
            self.alive[row] = True
        else:
            self.n_undated -= int(np.isnan(self.last[row]))
        self.version[row] = r.version
        self.first[row], self.last[row] = span(r.first, r.last)
        self.n_undated += int(np.isnan(self.last[row]))
        self.cent[row] = r.centroid
        self.n_articles[row] = r.n_articles
        self.n_outlets[row] = r.n_outlets
        self.mutations += 1

    def _remove(self, sid: int) -> None:
        row = self.row_of.pop(sid, None)
        if row is None:
            return
        self.n_undated -= int(np.isnan(self.last[row]))
        self.alive[row] = False
        self.cent[row] = 0.0
        self.first[row] = self.last[row] = np.nan
        self.free_rows.append(row)
        self.mutations += 1

    def _grow(self) -> None:
        cap = self.capacity * 2

        def grow(a: np.ndarray, fill: Any) -> np.ndarray:
            b = np.full((cap, *a.shape[1:]), fill, dtype=a.dtype)
            b[: a.shape[0]] = a
            return b

        # readers keep the old arrays: swap whole arrays, never resize in place
        self.sid = grow(self.sid, 0)
        self.version = grow(self.version, 0)
        self.first = grow(self.first, np.nan)
        self.last = grow(self.last, np.nan)
        self.n_articles = grow(self.n_articles, 0)
        self.n_outlets = grow(self.n_outlets, 0)
        self.alive = grow(self.alive, False)
        if self.cent is not None:
            self.cent = grow(self.cent, 0.0)

    # -- queries ------------------------------------------------------------------------
    def span_mask(self, lo: float | None, hi: float | None) -> np.ndarray:
        """Live rows whose span meets [lo, hi] (epoch seconds); undated stories always do,
        and ``lo is None`` means every story."""
        n = self.n_rows
        mask = self.alive[:n].copy()
        if lo is None:
            return mask
        last = self.last[:n]
        # NaN compares False: an undated story fails both tests and joins by isnan
        hit = (last >= lo) & (self.first[:n] <= hi)
        if self.n_undated:
            hit |= np.isnan(last)
        return mask & hit

    def window(self, lo: float | None, hi: float | None, dense: np.ndarray, limit: int | None,
               pending: Pending) -> list[tuple[int, int]]:
        """(story id, version) of the stories whose span meets [lo, hi] (:meth:`span_mask`),
        the ``limit`` with the closest centroids when there are more (None: all). A
        transaction's own changes (``pending``) take precedence over the rows."""
        with self.lock:
            mask = self.span_mask(lo, hi)
            if pending.rows:
                own = [self.row_of[sid] for sid in pending.rows if sid in self.row_of]
                mask[own] = False  # superseded by the pending copies below
            rows = np.flatnonzero(mask)
            ids = self.sid[rows]
            versions = self.version[rows]
            extra = [(sid, r.version, r.centroid) for sid, r in pending.rows.items()
                     if lo is None or np.isnan(r.last) or (r.last >= lo and r.first <= hi)]
            total = rows.size + len(extra)
            if limit is not None and total > limit:
                sims = self.cent[rows] @ dense if rows.size else np.zeros(0, dtype=np.float32)
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

    def newest(self) -> float:
        """The latest ``last`` of the live stories (NaN when none is dated)."""
        n = self.n_rows
        vals = self.last[:n][self.alive[:n]]
        vals = vals[~np.isnan(vals)]
        return float(vals.max()) if vals.size else math.nan

    def stats(self) -> dict[str, int | None]:
        """What ``/api/v1/health`` shows as ``assignment_index``."""
        return {"stories": self.size, "counter": self.counter, "full_loads": self.full_loads,
                "incremental_loads": self.incremental_loads}
