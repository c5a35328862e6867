"""BM25 over the stories' documents (every member's headline, weighted up, and lead).

Terms are interned to ids. The postings are a CSR by term id ("base") over the rows'
documents as of the last compaction, plus the documents added since ("delta" rows, few: their
term ids and weights are kept until the next compaction). A row whose document is dropped
after the compaction is flagged in ``_b_dead`` and its base postings are skipped until then.
A term's document frequency is the length of its postings. Dicts of dicts cost ~120 bytes a
posting (and a dict per document ~30 more); this costs ~8 (+8 a delta posting). Term ids are
never reused: a term whose last document goes keeps its id, with no postings (stories rarely
lose terms). The owner (``service.index.stories.StoryIndex``) holds its lock around every call.
"""
from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np


class Bm25Postings:
    """BM25 documents by row; ``k1`` and ``b`` are the BM25 parameters."""

    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b
        cap = 1024
        self.n_rows = 0  # rows that ever had a document (high-water mark): the scores' length
        self.docs = 0  # rows with a document: BM25's N
        self.term_ids: dict[str, int] = {}
        self.doc_len = np.full(cap, -1, dtype=np.int32)  # distinct terms of a row's document (-1: none)
        self._b_ptr = np.zeros(1, dtype=np.int64)  # base postings of term t: [_b_ptr[t], _b_ptr[t + 1])
        self._b_rows = np.zeros(0, dtype=np.int32)
        self._b_tfs = np.zeros(0, dtype=np.float32)
        self._b_dead = np.zeros(cap, dtype=bool)  # rows whose base postings are stale
        self._b_dead_entries = 0
        self._d_rows: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # delta rows: (term ids, weights)
        self._d_entries = 0
        self._d_post: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # delta CSR, lazily
        self._n_terms: int | None = None  # terms with postings (stats), computed when asked
        self.dl = np.zeros(cap, dtype=np.float64)  # BM25 length per member, by row
        self.total_len = 0.0

    def _ensure(self, row: int) -> None:
        self.n_rows = max(self.n_rows, row + 1)
        cap = self.doc_len.shape[0]
        if row < cap:
            return
        new = max(2 * cap, row + 1)
        for name, fill in (("doc_len", -1), ("_b_dead", False), ("dl", 0.0)):
            a = getattr(self, name)
            b = np.full(new, fill, dtype=a.dtype)
            b[:cap] = a
            setattr(self, name, b)

    def add(self, row: int, terms: dict[str, float], members: int = 1) -> None:
        """Make ``terms`` (term → weight) row ``row``'s document; ``members``: the story's
        articles (the length is per member)."""
        self._ensure(row)
        if self.doc_len[row] >= 0:
            self.drop(row)  # a row has one document: its old postings go first
        # length per member: a story is not a longer document for having more articles
        length = float(sum(terms.values())) / max(1, members)
        self.dl[row] = length
        self.total_len += length
        ids = self.term_ids
        tids = []
        for t in terms:
            tid = ids.get(t)
            if tid is None:
                tid = ids[t] = len(ids)
            tids.append(tid)
        self._d_rows[row] = (np.array(tids, dtype=np.int32),
                             np.fromiter(terms.values(), dtype=np.float32, count=len(terms)))
        self.doc_len[row] = len(tids)
        self.docs += 1
        self._d_entries += len(tids)
        self._d_post = None
        self._n_terms = None

    def drop(self, row: int) -> None:
        """Forget row ``row``'s document (nothing when it has none)."""
        if row >= self.doc_len.shape[0]:
            return
        k = int(self.doc_len[row])
        if k < 0:
            return
        if row in self._d_rows:
            del self._d_rows[row]
            self._d_entries -= k
            self._d_post = None
        elif k:
            self._b_dead[row] = True
            self._b_dead_entries += k
        self.total_len -= float(self.dl[row])
        self.dl[row] = 0.0
        self.doc_len[row] = -1
        self.docs -= 1
        self._n_terms = None

    def _delta_postings(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(term ids ascending, rows, tf) of the delta rows' documents, cached until they change."""
        got = self._d_post
        if got is None:
            rows = sorted(self._d_rows)
            docs = [self._d_rows[r] for r in rows]
            if rows:
                lens = np.fromiter((d[0].shape[0] for d in docs), dtype=np.int64, count=len(rows))
                t = np.concatenate([d[0] for d in docs])
                order = np.argsort(t, kind="stable")  # rows ascending within a term
                got = (t[order], np.repeat(np.asarray(rows, dtype=np.int32), lens)[order],
                       np.concatenate([d[1] for d in docs])[order])
            else:
                got = (np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))
            self._d_post = got
        return got

    def compact(self, force: bool = False) -> None:
        """Merge the delta rows' postings into the base and drop the dead rows' postings, when
        they are many (or ``force``). Writers call it, under the lock. The delta stays small
        (1/32 of the base): the first query after each change sorts it, and a compaction
        (a merge of two sorted runs) takes 50-100 ms for 2.6 M postings."""
        waste = self._d_entries + self._b_dead_entries
        if not waste or (not force and waste <= max(20_000, self._b_rows.shape[0] // 32)):
            return
        ptr, b_rows, b_tfs = self._b_ptr, self._b_rows, self._b_tfs
        b_tids = np.repeat(np.arange(ptr.shape[0] - 1, dtype=np.int32), np.diff(ptr))
        if self._b_dead_entries:
            keep = ~self._b_dead[b_rows]
            b_tids, b_rows, b_tfs = b_tids[keep], b_rows[keep], b_tfs[keep]
        d_tids, d_rows, d_tfs = self._delta_postings()
        tids = np.concatenate([b_tids, d_tids])
        del b_tids
        order = np.argsort(tids, kind="stable")  # two sorted runs: a merge
        n_terms = len(self.term_ids)
        new_ptr = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(np.bincount(tids, minlength=n_terms), out=new_ptr[1:])
        del tids
        self._b_rows = np.concatenate([b_rows, d_rows])[order]
        self._b_tfs = np.concatenate([b_tfs, d_tfs])[order]
        self._b_ptr = new_ptr
        self._b_dead[:] = False
        self._b_dead_entries = 0
        self._d_rows = {}
        self._d_entries = 0
        self._d_post = None
        self._n_terms = None

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(rows, tf) of a term as arrays (int32, float32): the base CSR slice without dead
        rows, plus the delta rows' postings; None when no document has the term."""
        tid = self.term_ids.get(term)
        if tid is None:
            return None
        parts: list[tuple[np.ndarray, np.ndarray]] = []
        ptr = self._b_ptr
        if tid + 1 < ptr.shape[0] and ptr[tid + 1] > ptr[tid]:
            lo, hi = int(ptr[tid]), int(ptr[tid + 1])
            rows, tf = self._b_rows[lo:hi], self._b_tfs[lo:hi]
            if self._b_dead_entries:
                keep = ~self._b_dead[rows]
                rows, tf = rows[keep], tf[keep]
            if rows.shape[0]:
                parts.append((rows, tf))
        if self._d_entries:
            d_tids, d_rows, d_tfs = self._delta_postings()
            lo, hi = np.searchsorted(d_tids, tid, "left"), np.searchsorted(d_tids, tid, "right")
            if hi > lo:
                parts.append((d_rows[lo:hi], d_tfs[lo:hi]))
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def bm25_array(self, query_terms: Iterable[str], n_rows: int | None = None) -> np.ndarray:
        """Normalised BM25 of the query for rows ``0 .. n_rows - 1`` (default: every row that
        ever had a document): 0..1, the score divided by its upper bound (every query term
        present and saturated)."""
        k1, b = self.k1, self.b
        n_rows = self.n_rows if n_rows is None else n_rows
        out = np.zeros(n_rows, dtype=np.float64)
        n = max(1, self.docs)
        avg = self.total_len / n if self.total_len > 0 else 1.0
        terms = list(dict.fromkeys(query_terms))
        postings = {t: self.postings(t) for t in terms}
        idfs = {}
        for t, arrays in postings.items():
            df = arrays[0].shape[0] if arrays is not None else 0
            idfs[t] = math.log(1.0 + (n - df + 0.5) / (df + 0.5))
        bound = sum(idfs.values()) * (k1 + 1.0)
        if bound <= 0:
            return out
        dl = self.dl
        for t, arrays in postings.items():
            if arrays is None:
                continue
            rows, tf = arrays
            keep = rows < n_rows
            rows, tf = rows[keep], tf[keep].astype(np.float64)  # the scores in float64, as before
            norm = k1 * (1.0 - b + b * dl[rows] / avg)
            out[rows] += idfs[t] * tf * (k1 + 1.0) / (tf + norm)
        return out / bound

    def term_count(self) -> int:
        """Distinct terms with postings (for stats; computed when asked after a change)."""
        if self._n_terms is None:
            counts = np.diff(self._b_ptr)
            if self._b_dead_entries:
                tids = np.repeat(np.arange(counts.shape[0]), counts)
                counts = counts - np.bincount(tids[self._b_dead[self._b_rows]], minlength=counts.shape[0])
            live = np.zeros(max(len(self.term_ids), counts.shape[0]), dtype=bool)
            live[: counts.shape[0]] = counts > 0
            if self._d_entries:
                live[self._delta_postings()[0]] = True
            self._n_terms = int(live.sum())
        return self._n_terms
