"""The per-worker story index behind search and match: the shared story rows
(``service.index.rows``: ids, versions, spans, centroids, counts) plus, per row, the members'
stored embeddings of headline + lead ("headline vectors"), a BM25 document over their
headlines and leads (``bm25``) and the story's outlets. A worker that restarts rebuilds it.

Dense search is exact (numpy) for small corpora; past ``ann_min_rows`` rows HNSW graphs
(``hnsw``) propose the candidates, which are scored exactly. The graphs are built in a
background thread while the exact search serves, then updated in place, and rebuilt when too
many of their rows are stale.

Freshness: a read syncs the rows when the ingest counter moved, every ``poll_seconds`` and
every ``full_scan_seconds`` (``StoryRows.sync``), then re-reads the per-row data of every row
whose story or version changed, whoever changed it (ingest publishes to the rows at commit).
"""
from __future__ import annotations

import logging
import os
import threading
import time
from array import array
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import numpy as np
from service.index.bm25 import Bm25Postings
from service.index.heap import trim_heap
from service.index.hnsw import HnswGraph
from service.index.lexical import lexical_terms
from service.index.members import Member, read_members
from service.index.rows import StoryRows, epoch
from service.index.story_graphs import StoryGraphs
from service.index.vectors import RowMatrix, topk
from service.params import IndexParams
from service.store import Database
from service.store.counter import read_ingest_counter

log = logging.getLogger(__name__)

class StoryIndex(StoryGraphs):
    """Story vectors, headlines, BM25 postings and filter fields, following the store.

    Args:
        db: The store.
        params: The ``[search.index]`` knobs.
        rows: The process's shared story rows (assignment uses the same); None: rows of its
            own (a second, independent index: tests, benchmarks).
    """

    def __init__(self, db: Database, params: IndexParams | None = None, rows: StoryRows | None = None) -> None:
        self.db = db
        self.params = params or IndexParams()
        self.rows = rows if rows is not None else StoryRows(self.params.slack_seconds)
        self._reset()

    # -- state ---------------------------------------------------------------------------
    def _reset(self) -> None:
        self._pid = os.getpid()
        self._build_lock = threading.Lock()  # one refresher at a time
        self.built = False
        self.polled_at = 0.0
        self.full_at = 0.0
        self.refreshes = 0
        self.build_seconds: float | None = None
        self._reset_rows()

    def _reset_rows(self) -> None:
        cap = 1024
        self._generation = self.rows.generation
        self._seen_mutations = -1
        # which story (and version) a row's data below was read for (0 / -1: none)
        self.data_sid = np.zeros(cap, dtype=np.int64)
        self.data_version = np.full(cap, -1, dtype=np.int64)
        # a row's outlet keys (names and slugs, casefolded): one shared string per outlet
        # (self._outlet_key), a tuple per row
        self.outlets: list[tuple[str, ...]] = [()] * cap
        self._outlet_key: dict[str, str] = {}
        # a row's headline rows: an array('i') (a list of ints costs twice as much), () for none
        self.heads: list[Sequence[int]] = [()] * cap
        self.stories_of_outlet: dict[str, set[int]] = {}
        self.headlines: RowMatrix | None = None
        self.lexical = Bm25Postings(self.params.bm25_k1, self.params.bm25_b)
        # the same documents per member article (its headline and lead): a story is as close
        # to a query as its closest article (search's member term). Document slots are
        # recycled; member_docs[row] lists a row's slots, doc_owner[slot] its row (-1: free)
        self.member_lexical = Bm25Postings(self.params.bm25_k1, self.params.bm25_b)
        self.member_docs: list[Sequence[int]] = [()] * cap
        self.doc_owner = np.full(cap, -1, dtype=np.int64)
        self._free_docs: list[int] = []
        self._n_docs = 0
        self.graph_c: HnswGraph | None = None
        self.graph_h: HnswGraph | None = None
        self._graph_building = False
        # while the graphs are built: (story rows, headline rows) written meanwhile
        self._graph_dirty: tuple[set[int], set[int]] | None = None

    def _check_fork(self) -> None:
        # gunicorn forks workers after preload: a copy inherited from the master (and its
        # locks) is not this worker's; start over
        if self._pid != os.getpid():
            self._reset()

    # the shared rows' columns, as search and match read them
    row_of = property(lambda self: self.rows.row_of)
    sid = property(lambda self: self.rows.sid)
    version = property(lambda self: self.rows.version)
    last = property(lambda self: self.rows.last)
    alive = property(lambda self: self.rows.alive)
    cent = property(lambda self: self.rows.cent)
    n_outlets = property(lambda self: self.rows.n_outlets)
    n_rows = property(lambda self: self.rows.n_rows)
    dim = property(lambda self: self.rows.dim)
    size = property(lambda self: self.rows.size)
    free_rows = property(lambda self: self.rows.free_rows)

    def reading(self) -> threading.RLock:
        """Hold while computing over the arrays (a refresh swaps and grows them)."""
        return self.rows.lock

    def newest(self) -> float:
        """The latest ``last_seen`` of the stories, as epoch seconds (NaN: none is dated)."""
        return self.rows.newest()

    # -- freshness -------------------------------------------------------------------------
    def ingest_counter(self) -> int:
        """The global ingest counter (``service.store.counter``)."""
        with self.db.session() as s:
            return read_ingest_counter(s)

    def ensure_fresh(self, force: bool = False) -> None:
        """Bring the index up to date with the store (cheap when nothing changed)."""
        self._check_fork()
        if not self.built:
            with self._build_lock:
                if not self.built:
                    self._first_build()
            return
        now = time.monotonic()
        counter = self.ingest_counter()
        due_full = now - self.full_at >= self.params.full_scan_seconds
        due_poll = now - self.polled_at >= self.params.poll_seconds
        moved = counter != self.rows.counter or self.rows.mutations != self._seen_mutations
        if not (force or moved or due_poll or due_full):
            return
        # one refresher at a time; other readers go on with the current state
        if not self._build_lock.acquire(blocking=force):
            return
        try:
            self.refresh(counter, full_scan=due_full, poll=force or due_poll)
        finally:
            self._build_lock.release()

    def _first_build(self) -> None:
        t0 = time.perf_counter()
        with self.db.session() as s:
            self.rows.sync(s, read_ingest_counter(s), full_scan=True)
        self._follow_rows(compact=True)  # all of it in the base postings
        self.polled_at = self.full_at = time.monotonic()
        self.built = True
        self.build_seconds = time.perf_counter() - t0
        trim_heap()
        self._maybe_graphs()
        log.info("story index built: %d stories, %d headlines in %.2fs", self.size,
                 self.headlines.live if self.headlines else 0, self.build_seconds)

    def refresh(self, counter: int | None = None, full_scan: bool = False, poll: bool = True) -> None:
        """Sync the rows with the store (``full_scan``: compare every story), then re-read
        the per-row data of the rows that changed."""
        with self.db.session() as s:
            self.rows.sync(s, read_ingest_counter(s) if counter is None else counter,
                           full_scan=full_scan, poll=poll)
        self._follow_rows()
        now = time.monotonic()
        self.polled_at = now
        if full_scan:
            self.full_at = now
        self.refreshes += 1
        self._maybe_graphs()

    # -- per-row data ------------------------------------------------------------------------
    def _follow_rows(self, compact: bool = False) -> None:
        """Drop the data of rows whose story went, and read it for rows whose story is new or
        has another version (whoever changed the shared rows)."""
        rows = self.rows
        with rows.lock:
            if rows.generation != self._generation:  # rebuilt from scratch: start over
                self._reset_rows()
            self._seen_mutations = rows.mutations
            self._ensure_capacity(rows.capacity)
            n = rows.n_rows
            held = self.data_sid[:n] != 0
            for r in np.flatnonzero(~rows.alive[:n] & held):
                self._clear_row(int(r))
            stale = rows.alive[:n] & ((self.data_sid[:n] != rows.sid[:n]) | (self.data_version[:n] != rows.version[:n]))
            ids = rows.sid[:n][stale].tolist()
        self._load(ids)
        with rows.lock:
            self.lexical.compact(force=compact)
            self.member_lexical.compact(force=compact)

    def _load(self, ids: list[int]) -> None:
        for story, members, outlets in read_members(self.db, ids, self.params.lead_words * 9):
            with self.rows.lock:
                row = self.rows.row_of.get(story.id)
                if row is not None:  # else: gone meanwhile
                    self._put(row, story, members, outlets)

    def _ensure_capacity(self, cap: int) -> None:
        have = self.data_sid.shape[0]
        if have >= cap:
            return
        for name, fill in (("data_sid", 0), ("data_version", -1)):
            a = getattr(self, name)
            b = np.full(cap, fill, dtype=a.dtype)
            b[:have] = a
            setattr(self, name, b)
        self.outlets.extend([()] * (cap - have))
        self.heads.extend([()] * (cap - have))
        self.member_docs.extend([()] * (cap - have))

    def _put(self, row: int, r: Any, members: list[Member], outlets: set[str]) -> None:
        """Replace one row's data; ``members`` are (headline, lead, embedding) in id order."""
        self._clear_row(row)
        dim = self.rows.dim
        if self.headlines is None:
            self.headlines = RowMatrix(dim)
        keys = self._outlet_key
        self.outlets[row] = tuple(keys.setdefault(o, o) for o in sorted(outlets) if o)
        for o in self.outlets[row]:
            self.stories_of_outlet.setdefault(o, set()).add(row)
        dirty = self._graph_dirty
        if dirty is not None:
            dirty[0].add(row)
        # member vectors: the stored article embeddings (headline + lead), the founder's and
        # the newest ones
        vecs = [v for _, _, e in members if e and (v := np.frombuffer(e, dtype=np.float32)).shape[0] == dim]
        cap = self.params.max_headlines
        if len(vecs) > cap:
            vecs = [vecs[0], *vecs[len(vecs) - cap + 1:]]
        heads = []
        for v in vecs:
            h = self.headlines.add(v, row)
            heads.append(h)
            if self.graph_h is not None:
                self.graph_h.upsert(v, h)
        self.heads[row] = array("i", heads)
        if dirty is not None:
            dirty[1].update(heads)
        if self.graph_c is not None:
            self.graph_c.upsert(self.rows.cent[row], row)
        # BM25 document: every member's headline (counted title_weight times) and lead
        terms: dict[str, float] = {}
        w = self.params.title_weight
        lw = self.params.lead_words
        docs = []
        for title, lead, _ in members or ([(r.label, "", None)] if r.label else []):
            own: dict[str, float] = {}
            lexical_terms(title, own, w)
            if lead and lw > 0:
                lexical_terms(" ".join(lead.split()[:lw]), own)
            for t, n in own.items():
                terms[t] = terms.get(t, 0) + n
            slot = self._doc_slot(row)
            self.member_lexical.add(slot, own)
            docs.append(slot)
        self.lexical.add(row, terms, max(1, len(members)))
        self.member_docs[row] = array("i", docs)
        self.data_sid[row] = r.id
        self.data_version[row] = r.version or 0

    def _doc_slot(self, row: int) -> int:
        """A free member-document slot, now owned by ``row``."""
        if self._free_docs:
            slot = self._free_docs.pop()
        else:
            slot = self._n_docs
            self._n_docs += 1
            if slot >= self.doc_owner.shape[0]:
                grown = np.full(2 * self.doc_owner.shape[0], -1, dtype=np.int64)
                grown[: slot] = self.doc_owner[: slot]
                self.doc_owner = grown  # readers hold the old array: swap, never resize
        self.doc_owner[slot] = row
        return slot

    def _clear_row(self, row: int) -> None:
        """Forget a row's headlines, BM25 documents, outlets and graph entries."""
        self.lexical.drop(row)
        for slot in self.member_docs[row]:
            self.member_lexical.drop(slot)
            self.doc_owner[slot] = -1
            self._free_docs.append(slot)
        self.member_docs[row] = ()
        for o in self.outlets[row]:
            rows = self.stories_of_outlet.get(o)
            if rows is not None:
                rows.discard(row)
        self.outlets[row] = ()
        dirty = self._graph_dirty
        if dirty is not None:
            dirty[0].add(row)
            dirty[1].update(self.heads[row])
        for h in self.heads[row]:
            self.headlines.remove(h)
            if self.graph_h is not None:
                self.graph_h.delete(h)
        self.heads[row] = ()
        if self.graph_c is not None:
            self.graph_c.delete(row)
        self.data_sid[row] = 0
        self.data_version[row] = -1

    # -- lexical ---------------------------------------------------------------------------
    def bm25_array(self, query_terms: Iterable[str]) -> np.ndarray:
        """Normalised BM25 of the query for every row (0..1: the score divided by its upper
        bound, every query term present and saturated)."""
        with self.rows.lock:
            return self.lexical.bm25_array(query_terms, self.rows.n_rows)

    def member_bm25_array(self, query_terms: Iterable[str]) -> np.ndarray:
        """Per row: the normalised BM25 (0..1) of the query over its best-matching member
        article alone (that article's headline and lead). The story document sums its
        members' terms, so many articles saturating the common terms can outscore a story one
        of whose articles says what the query says; this does not."""
        with self.rows.lock:
            n = self.rows.n_rows
            scores = self.member_lexical.bm25_array(query_terms)
            out = np.zeros(n, dtype=np.float64)
            nz = np.flatnonzero(scores > 0)
            if nz.size:
                owner = self.doc_owner[nz]
                ok = (owner >= 0) & (owner < n)
                np.maximum.at(out, owner[ok], scores[nz[ok]])
            return out

    def bm25(self, query_terms: Iterable[str], mask: np.ndarray | None = None) -> dict[int, float]:
        """:meth:`bm25_array` as {row: score} for the rows that have a query term (in ``mask``)."""
        arr = self.bm25_array(query_terms)
        nz = np.flatnonzero(arr > 0)
        if mask is not None:
            nz = nz[mask[nz]]
        return {int(r): float(arr[r]) for r in nz}

    def _has_data(self, lo: int, hi: int) -> np.ndarray:
        """Rows lo..hi-1 that hold a story whose data is read (what the story graph holds)."""
        return self.alive[lo:hi] & (self.data_sid[lo:hi] == self.sid[lo:hi])

    # -- dense -----------------------------------------------------------------------------
    def _subset(self, mask: np.ndarray | None) -> np.ndarray | None:
        """The rows of a selective mask (exact search over them beats the graph), else None."""
        if mask is None:
            return None
        rows = np.flatnonzero(mask[: self.n_rows])
        return rows if rows.size <= max(self.params.exact_subset, 0.05 * self.size) else None

    def centroid_topk(self, q: np.ndarray, k: int, mask: np.ndarray | None = None) -> np.ndarray:
        """Story rows of the (up to) k centroids nearest to q among ``mask``, best first."""
        subset = self._subset(mask)
        if subset is not None:
            return subset[topk(self.cent[subset] @ q, k)]
        if self.use_graphs():
            with self.rows.lock:  # graph queries must not overlap additions and removals
                rows = self.graph_c.query(q, k if mask is None else 4 * k)
            rows = rows[rows < self.n_rows]
            rows = rows[self.alive[rows] if mask is None else mask[rows]]
            return rows[topk(self.cent[rows] @ q, k)]  # the graph's order is approximate
        sims = self.centroid_sims(q)
        if mask is not None:
            sims[~mask[: sims.shape[0]]] = -np.inf
        return topk(sims, k)

    def headline_topk(self, q: np.ndarray, k: int, mask: np.ndarray | None = None) -> np.ndarray:
        """Story rows owning the headline vectors nearest to q (unique, best first)."""
        m = self.headlines
        if m is None or m.n == 0:
            return np.zeros(0, dtype=np.int64)
        subset = self._subset(mask)
        if subset is not None:
            hrows = np.fromiter((h for r in subset for h in self.heads[int(r)]), dtype=np.int64)
            if hrows.size == 0:
                return np.zeros(0, dtype=np.int64)
            hrows = hrows[topk(m.data[hrows] @ q, 3 * k)]
        elif self.use_graphs():
            with self.rows.lock:
                hrows = self.graph_h.query(q, 3 * k if mask is None else 8 * k)
            hrows = hrows[hrows < m.n]
            hrows = hrows[np.argsort(-(m.data[hrows] @ q), kind="stable")]  # exact order
        else:
            sims = m.data[: m.n] @ q
            own = m.owner[: m.n]
            dead = own < 0
            if mask is not None:
                dead |= ~mask[np.maximum(own, 0)]
            sims[dead] = -np.inf
            hrows = topk(sims, 3 * k)
        owners = m.owner[hrows]
        ok = owners >= 0
        if mask is not None:
            ok &= mask[np.maximum(owners, 0)]
        owners = owners[ok]
        _, first = np.unique(owners, return_index=True)
        return owners[np.sort(first)][:k]

    def centroid_sims(self, q: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Cosine of q to story centroids: of every row (free rows -inf), or of ``rows``."""
        cent = self.cent
        if cent is None:
            return np.zeros(0, dtype=np.float32)
        if rows is not None:
            return cent[rows] @ q
        n = self.n_rows
        sims = cent[:n] @ q
        sims[~self.alive[:n]] = -np.inf
        return sims

    def headline_max(self, q: np.ndarray, rows: np.ndarray | None = None,
                     centroid: np.ndarray | None = None) -> np.ndarray:
        """Best headline cosine per story: of every row, or of ``rows``. A story without
        headline vectors (its state unreadable) falls back to its centroid similarity."""
        m = self.headlines
        if rows is None:
            out = np.full(self.n_rows, -2.0, dtype=np.float32)
            if m is not None and m.n:
                sims = m.data[: m.n] @ q
                own = m.owner[: m.n]
                ok = own >= 0
                np.maximum.at(out, own[ok], sims[ok])
            none = out < -1.5
            if none.any():
                cen = self.centroid_sims(q) if centroid is None else centroid
                out[none] = cen[none]
            return out
        out = np.full(len(rows), -2.0, dtype=np.float32)
        for i, r in enumerate(rows):
            hs = self.heads[int(r)]
            if hs:
                out[i] = float((m.data[hs] @ q).max())
        none = out < -1.5
        if none.any():
            out[none] = self.centroid_sims(q, np.asarray(rows)[none])
        return out

    # -- filters ---------------------------------------------------------------------------
    def filter_mask(self, *, outlet: str | None = None, since: datetime | None = None,
                    until: datetime | None = None, min_outlets: int = 1) -> np.ndarray:
        """Rows passing the story-list filters (same meaning as ``Reader.story_filter``),
        among the stories whose data is read."""
        n = self.n_rows
        mask = self._has_data(0, n)
        if min_outlets > 1:
            mask &= self.n_outlets[:n] >= min_outlets
        if since is not None:
            mask &= self.last[:n] >= epoch(since)  # NaN compares False: undated stories drop
        if until is not None:
            mask &= self.rows.first[:n] <= epoch(until)
        if outlet:
            rows = self.stories_of_outlet.get(outlet.casefold(), set())
            om = np.zeros(n, dtype=bool)
            if rows:
                om[np.fromiter(rows, dtype=np.int64)] = True
            mask &= om
        return mask

    def stats(self) -> dict[str, Any]:
        """What ``/api/v1/health`` shows as ``search_index``."""
        with self.rows.lock:
            terms = self.lexical.term_count()
        return {"stories": self.size, "headlines": self.headlines.live if self.headlines else 0,
                "terms": terms, "ingest_counter": self.rows.counter,
                "backend": "hnsw" if self.use_graphs() else "numpy",
                "build_seconds": round(self.build_seconds, 3) if self.build_seconds else None,
                "refreshes": self.refreshes}
