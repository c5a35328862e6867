"""The per-worker story index behind search and match: dense vectors (story centroids and
the members' stored embeddings of headline + lead, "headline vectors" below), a BM25
inverted index over the members' headlines and leads, and the per-story fields the filters
need. It reads ``stories`` (without the assigner's state blob) and ``articles`` only. It follows the store: each worker keeps its own copy and refreshes
it incrementally from ``stories.updated_at``; nothing in it is the only copy of anything
(a worker that restarts rebuilds it from the store).

Dense search is exact (numpy matrix products) for small corpora. Past ``ann_min_rows`` rows
an HNSW graph (usearch, holding half-precision copies) proposes the candidates and the exact
scores are computed for those only; the graph is built in a background thread while the exact search
keeps serving, updated in place for new and changed stories, and rebuilt when too many of
its rows are stale.

Freshness: every read first asks the store for the global ingest counter (the number of
ingested articles, one primary-key lookup). When it moved, or every ``poll_seconds``, the
stories touched since the watermark (minus ``slack_seconds``, which covers transactions that
stamped ``updated_at`` before an earlier-committed one) are re-read if their version changed.
Every ``full_scan_seconds`` all (id, version) pairs are compared, which also drops stories
that vanished (re-clustering).
"""
from __future__ import annotations

import atexit
import logging
import math
import os
import re
import threading
import time
from array import array
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timedelta
from typing import Any, Iterable, Sequence

import numpy as np
from sqlalchemy import func, select

from clustering.signals import fold, normalize_token
from service.store import Database
from service.store.db import as_utc
from service.store.models import Article, Outlet, Story, TermStat

log = logging.getLogger(__name__)

N_DOCS_TERM = ""  # term_stats row counting ingested articles: the global ingest counter


@dataclass
class IndexParams:
    """Knobs of the index (defaults measured in docs/search.md)."""

    #: rows past which an HNSW graph proposes candidates (exact numpy below)
    ann_min_rows: int = 50_000
    #: "auto" (HNSW past ann_min_rows when usearch is importable), "numpy" or "hnsw"
    backend: str = "auto"
    #: a filter keeping at most this many stories (or 5%) is searched exactly, not by graph
    exact_subset: int = 5000
    #: at most this many headline vectors per story (the founder and the newest)
    max_headlines: int = 16
    #: seconds between incremental polls when the ingest counter did not move
    poll_seconds: float = 5.0
    #: re-read stories whose updated_at is within this many seconds before the watermark
    slack_seconds: float = 300.0
    #: seconds between full (id, version) comparisons
    full_scan_seconds: float = 600.0
    #: body words per article in the BM25 document (headlines count ``title_weight`` times)
    lead_words: int = 80
    title_weight: int = 2
    #: BM25 parameters
    bm25_k1: float = 1.2
    bm25_b: float = 0.75
    #: HNSW graph parameters
    hnsw_m: int = 16
    hnsw_ef_construction: int = 100
    hnsw_ef_search: int = 128
    #: how the graph stores its vectors (usearch: "f16", "f32", "i8", ...); candidates only,
    #: the scores are exact
    hnsw_dtype: str = "f16"
    #: rebuild the graph when this share of its rows is stale
    hnsw_rebuild_stale: float = 0.25


def _epoch(value: datetime | None) -> float:
    value = as_utc(value)
    return value.timestamp() if value is not None else math.nan


# numbers first ("498,000", "4.2%"), then words (as clustering.signals tokenises them)
_TOKEN = re.compile(r"\d[\d,.]*\d%?|\d%?|[^\W\d_][^\W_]*(?:['’][^\W_]+)*|[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_EXTRA_STOP = frozenset("""said says say told according new year years week day just like time people news
make did does dont don mr ms mrs it's he's that's wrote added reported statement photo image getty
images ap afp reuters quote details""".split())
_MISS = object()
_GRAPH_CHUNK = 10_000  # rows copied at a time (under the lock) while the HNSW graphs are built
_KEYS: dict[str, str | None] = {}  # token → term key (None: not a term); bounded below


@lru_cache(maxsize=1)
def _stop() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS | _EXTRA_STOP)


def _term_key(token: str) -> str | None:
    if token[0].isdigit():
        return "#" + token.replace(",", "").rstrip(".")
    stop = _stop()
    low = fold(token)
    if low in stop or low.replace("'", "") in stop or low.isdigit() or len(low) < 2:
        return None
    key = normalize_token(token)
    return key if len(key) >= 2 and key not in stop else None


def lexical_terms(text: str, into: dict[str, float] | None = None, weight: float = 1.0) -> Counter[str]:
    """Normalised content terms of a headline, a lead or a query: folded, transliterations
    merged (Zelenskyy = Zelensky), plurals stripped, stop words dropped, as the assigner's
    terms; plus numbers ("498,000" → "#498000", "4.2%" → "#4.2%"), which tell this week's
    jobless claims from last week's. With ``into``, adds ``weight`` per occurrence there
    (index builds are hot: per-token work is cached)."""
    out: dict[str, float] = {} if into is None else into
    keys = _KEYS
    for tok in _TOKEN.findall(text):
        key = keys.get(tok, _MISS)
        if key is _MISS:
            key = _term_key(tok)
            if len(keys) < 500_000:
                keys[tok] = key
        if key is not None:
            out[key] = out.get(key, 0) + weight
    return Counter(out) if into is None else out  # type: ignore[return-value]


class RowMatrix:
    """A growable float32 matrix of unit vectors with free rows and an owner per row."""

    def __init__(self, dim: int, capacity: int = 1024) -> None:
        self.dim = dim
        self.data = np.zeros((capacity, dim), dtype=np.float32)
        self.owner = np.full(capacity, -1, dtype=np.int64)
        self.n = 0  # rows ever used (high-water mark)
        self.free: list[int] = []
        self.live = 0

    def add(self, vec: np.ndarray, owner: int) -> int:
        if self.free:
            row = self.free.pop()
        else:
            if self.n == self.data.shape[0]:
                cap = max(1024, self.data.shape[0] * 2)
                data = np.zeros((cap, self.dim), dtype=np.float32)
                data[: self.n] = self.data[: self.n]
                own = np.full(cap, -1, dtype=np.int64)
                own[: self.n] = self.owner[: self.n]
                # readers hold references to the old arrays: swap whole arrays, never resize
                self.data, self.owner = data, own
            row = self.n
            self.n += 1
        self.data[row] = vec
        self.owner[row] = owner
        self.live += 1
        return row

    def remove(self, row: int) -> None:
        if self.owner[row] < 0:
            return
        self.owner[row] = -1
        self.data[row] = 0.0
        self.free.append(row)
        self.live -= 1


class HnswGraph:
    """A usearch HNSW graph over inner products; keys are row numbers of the index's arrays.

    The graph stores its vectors quantised (``hnsw_dtype``: half precision by default): it
    only proposes candidates, whose exact scores come from the index's float32 matrices.
    hnswlib, used before, holds a float32 copy of every vector beside the matrices (+208 MB
    per worker at 100,000 articles); half precision is half that, with the same candidates
    to within 1% (docs/search.md).

    Which keys the graph holds is one byte per row (0 absent, 1 live, 2 removed), not Python
    sets of ints: ~0.1 MB instead of ~7 MB for 100,000 headline vectors. A removed key
    leaves a tombstone node in the graph until the next rebuild: ``stale`` counts them."""

    ABSENT, LIVE, DELETED = 0, 1, 2

    def __init__(self, dim: int, params: IndexParams) -> None:
        self.dim = dim
        self.params = params
        self.index: Any = None
        self.state = np.zeros(0, dtype=np.uint8)
        self._size = 0  # nodes ever added (live or tombstones)
        self._deleted = 0  # tombstones

    @property
    def size(self) -> int:
        return self._size

    @property
    def stale(self) -> int:
        return self._deleted

    @property
    def live(self) -> int:
        return self._size - self._deleted

    def _state(self, row: int) -> int:
        return int(self.state[row]) if row < self.state.shape[0] else self.ABSENT

    def _set_state(self, rows: np.ndarray, value: int) -> None:
        top = int(rows.max()) + 1 if rows.size else 0
        if top > self.state.shape[0]:
            state = np.zeros(max(top, 2 * self.state.shape[0], 1024), dtype=np.uint8)
            state[: self.state.shape[0]] = self.state
            self.state = state
        self.state[rows] = value

    def start(self) -> None:
        """An empty graph (it grows as rows come)."""
        from usearch.index import Index

        p = self.params
        self.index = Index(ndim=self.dim, metric="ip", dtype=p.hnsw_dtype, connectivity=p.hnsw_m,
                           expansion_add=p.hnsw_ef_construction, expansion_search=p.hnsw_ef_search)
        self.state = np.zeros(0, dtype=np.uint8)
        self._size = self._deleted = 0

    def add(self, data: np.ndarray, rows: np.ndarray) -> None:
        """Add rows the graph does not hold (``data`` holds their vectors, in order), in
        order on one thread: adding in several calls builds the graph one call would."""
        if not len(rows):
            return
        self.index.add(np.asarray(rows, dtype=np.uint64), data, threads=1)
        self._set_state(np.asarray(rows, dtype=np.int64), self.LIVE)
        self._size += len(rows)

    def upsert(self, vec: np.ndarray, row: int) -> None:
        """Make the graph hold ``vec`` for ``row`` (a held row's old node is removed)."""
        self.delete(row)
        self.index.add(row, vec, threads=1)
        self._set_state(np.asarray([row]), self.LIVE)
        self._size += 1

    def put(self, vec: np.ndarray, row: int) -> None:
        """Make the graph hold ``vec`` for ``row`` (nothing to do when it holds it already)."""
        if self._state(row) == self.LIVE:
            held = self.quantised(vec)
            if held is not None and np.array_equal(self.stored(np.asarray([row]))[0], held):
                return
        self.upsert(vec, row)

    def delete(self, row: int) -> None:
        if self._state(row) == self.LIVE:
            self.index.remove(row, threads=1)
            self.state[row] = self.DELETED
            self._deleted += 1

    def stored(self, rows: np.ndarray) -> np.ndarray:
        """The vectors the graph holds for live ``rows``, as float32."""
        return np.asarray(self.index.get(np.asarray(rows, dtype=np.uint64), dtype=np.float32),
                          dtype=np.float32).reshape(len(rows), self.dim)

    def quantised(self, vec: np.ndarray) -> np.ndarray | None:
        """``vec`` as the graph stores it, as float32; None when that is not known here
        (integer storage is scaled by usearch)."""
        dtype = self.params.hnsw_dtype
        if dtype == "f16":
            return np.asarray(vec, dtype=np.float16).astype(np.float32)
        if dtype == "f32":
            return np.asarray(vec, dtype=np.float32)
        return None

    def query(self, q: np.ndarray, k: int) -> np.ndarray:
        k = min(k, self.live)
        if k <= 0:
            return np.zeros(0, dtype=np.int64)
        return np.asarray(self.index.search(q, k, threads=1).keys, dtype=np.int64)


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return (v / n).astype(np.float32) if n > 0 else v.astype(np.float32)


def _topk(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest finite scores, best first."""
    k = min(k, scores.shape[0])
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    return top[np.isfinite(scores[top])]


@lru_cache(maxsize=1)
def _malloc_trim() -> Any:
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None


def trim_heap() -> None:
    """Give the C heap's free pages back to the OS (glibc only; elsewhere nothing). A build
    frees ~100 MB of transients (result rows, embeddings' bytes, per-story term dicts)
    scattered among the long-lived objects; glibc keeps those pages otherwise, and the
    worker's RSS stays that much above what it uses (measured on 100,000 articles)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


#: set at interpreter exit: graph builds stop between two chunks
_EXITING = threading.Event()
_BUILDERS: set[threading.Thread] = set()


@atexit.register
def _stop_builds() -> None:
    """A build is a daemon thread inside usearch's C++ code most of the time; left running
    while the interpreter shuts down it aborts the process ("terminate called without an
    active exception"). Ask builds to stop and wait for the chunk in hand (a second or two)."""
    _EXITING.set()
    for t in list(_BUILDERS):
        t.join(timeout=30)


def ann_available() -> bool:
    try:
        import usearch.index  # noqa: F401
    except ImportError:
        return False
    return True


class StoryIndex:
    """Story vectors, headlines, BM25 postings and filter fields, following the store."""

    def __init__(self, db: Database, params: IndexParams | None = None) -> None:
        self.db = db
        self.params = params or IndexParams()
        self._reset()

    # -- state ---------------------------------------------------------------------------
    def _reset(self) -> None:
        self._pid = os.getpid()
        self._lock = threading.RLock()  # writers (refresh) and BM25 readers
        self._build_lock = threading.Lock()
        self.dim: int | None = None
        self.built = False
        self.row_of: dict[int, int] = {}
        cap = 1024
        self.sid = np.zeros(cap, dtype=np.int64)
        self.version = np.zeros(cap, dtype=np.int64)
        self.first = np.full(cap, np.nan)
        self.last = np.full(cap, np.nan)
        self.n_articles = np.zeros(cap, dtype=np.int32)
        self.n_outlets = np.zeros(cap, dtype=np.int32)
        self.alive = np.zeros(cap, dtype=bool)
        self.n_rows = 0
        self.free_rows: list[int] = []
        # a row's outlet keys (names and slugs, casefolded): one shared string per outlet
        # (self._outlet_key), a tuple per row
        self.outlets: list[tuple[str, ...]] = [()] * cap
        self._outlet_key: dict[str, str] = {}
        # a row's headline rows: an array('i') (a list of ints costs twice as much), () for none
        self.heads: list[Sequence[int]] = [()] * cap
        self.stories_of_outlet: dict[str, set[int]] = {}
        self.cent: np.ndarray | None = None  # (capacity, dim) centroids by story row
        self.headlines: RowMatrix | None = None
        # BM25. Terms are interned to ids. The postings are a CSR by term id ("base") over the
        # rows' documents as of the last compaction, plus the documents added since ("delta"
        # rows, few: their term ids and weights are kept until the next compaction). A row
        # whose document is dropped after the compaction is flagged in _b_dead and its base
        # postings are skipped until then. A term's document frequency is the length of its
        # postings. Dicts of dicts cost ~120 bytes a posting (and a dict per document ~30
        # more); this costs ~8 (+8 a delta posting). Term ids are never reused: a term whose
        # last document goes keeps its id, with no postings (stories rarely lose terms).
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
        # freshness
        self.marker: int | None = None
        self.watermark: datetime | None = None
        self.polled_at = 0.0
        self.full_at = 0.0
        self.refreshes = 0
        self.build_seconds: float | None = None
        # ANN
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

    @property
    def size(self) -> int:
        return len(self.row_of)

    def reading(self) -> threading.RLock:
        """Hold while computing over the arrays (a refresh swaps and grows them)."""
        return self._lock

    # -- freshness -------------------------------------------------------------------------
    def ingest_counter(self) -> int:
        """The global ingest counter (articles ever counted in term statistics)."""
        with self.db.session() as s:
            v = s.execute(select(TermStat.df).where(TermStat.term == N_DOCS_TERM)).scalar_one_or_none()
        return int(v or 0)

    def ensure_fresh(self, force: bool = False) -> None:
        """Bring the index up to date with the store (cheap when nothing changed)."""
        self._check_fork()
        if not self.built:
            with self._build_lock:
                if not self.built:
                    self._full_build()
            return
        now = time.monotonic()
        marker = self.ingest_counter()
        due_full = now - self.full_at >= self.params.full_scan_seconds
        due_poll = now - self.polled_at >= self.params.poll_seconds
        if not (force or marker != self.marker or due_poll or due_full):
            return
        # one refresher at a time; other readers go on with the current state
        if not self._build_lock.acquire(blocking=force):
            return
        try:
            self._incremental(marker, full=due_full)
        finally:
            self._build_lock.release()

    def _full_build(self) -> None:
        t0 = time.perf_counter()
        marker = self.ingest_counter()
        with self.db.session() as s:
            pairs = s.execute(select(Story.id, Story.version, Story.updated_at)
                              .where(Story.article_count > 0)).all()
        ids = [p[0] for p in pairs]
        self._load(ids)
        with self._lock:
            self._compact_postings(force=True)  # all of it in the base
        self.watermark = max((as_utc(p[2]) for p in pairs if p[2] is not None), default=None)
        self.marker = marker
        self.polled_at = self.full_at = time.monotonic()
        self.built = True
        self.build_seconds = time.perf_counter() - t0
        trim_heap()
        self._maybe_graphs()
        log.info("story index built: %d stories, %d headlines in %.2fs", self.size,
                 self.headlines.live if self.headlines else 0, self.build_seconds)

    def _incremental(self, marker: int, full: bool) -> None:
        with self.db.session() as s:
            q = select(Story.id, Story.version, Story.updated_at, Story.article_count)
            if not full and self.watermark is not None:
                q = q.where(Story.updated_at >= self.watermark - timedelta(seconds=self.params.slack_seconds))
            pairs = s.execute(q).all()
        changed = [sid for sid, ver, _, n in pairs
                   if (sid not in self.row_of and n) or (sid in self.row_of and self.version[self.row_of[sid]] != ver)
                   or (sid in self.row_of and not n)]
        gone: list[int] = []
        if full:
            seen = {p[0] for p in pairs if p[3]}
            gone = [sid for sid in self.row_of if sid not in seen]
        if changed or gone:
            self._load(changed, gone)
        stamps = [as_utc(p[2]) for p in pairs if p[2] is not None]
        if stamps:
            self.watermark = max([self.watermark, *stamps] if self.watermark else stamps)
        self.marker = marker
        now = time.monotonic()
        self.polled_at = now
        if full:
            self.full_at = now
        self.refreshes += 1
        self._maybe_graphs()

    # -- loading ---------------------------------------------------------------------------
    def _load(self, ids: list[int], gone: Iterable[int] = ()) -> None:
        """(Re)load the given stories from the store; drop ``gone``.

        Reads ``stories`` (no state blob: the index needs none) and the stories' articles:
        id, headline, the first words of the text, the stored embedding, the outlet."""
        with self._lock:
            for sid in gone:
                self._remove_story(sid)
        lead_chars = self.params.lead_words * 9
        for start in range(0, len(ids), 1000):
            chunk = ids[start:start + 1000]
            with self.db.session() as s:
                rows = s.execute(select(Story.id, Story.version, Story.label, Story.article_count,
                                        Story.outlet_count, Story.first_seen, Story.last_seen,
                                        Story.centroid).where(Story.id.in_(chunk))).all()
                arts = s.execute(select(Article.story_id, Article.id, Article.title,
                                        func.substr(Article.clean_text, 1, lead_chars), Article.embedding,
                                        Outlet.name, Outlet.slug)
                                 .join(Outlet, Outlet.id == Article.outlet_id)
                                 .where(Article.story_id.in_(chunk)).order_by(Article.id)).all()
            members: dict[int, list[tuple[str, str, bytes | None]]] = {}
            outs: dict[int, set[str]] = {}
            for story_id, _aid, title, lead, emb, oname, oslug in arts:
                members.setdefault(story_id, []).append((title or "", lead or "", emb))
                outs.setdefault(story_id, set()).update({oname.casefold(), (oslug or "").casefold()})
            with self._lock:
                for r in rows:
                    self._put_story(r, members.get(r.id, []), outs.get(r.id, set()))
        with self._lock:
            self._compact_postings()

    def _ensure_dim(self, dim: int) -> None:
        if self.dim is None:
            self.dim = dim
            self.cent = np.zeros((self.sid.shape[0], dim), dtype=np.float32)
            self.headlines = RowMatrix(dim)

    def _grow(self) -> None:
        cap = self.sid.shape[0] * 2

        def grow(a: np.ndarray, fill: Any) -> np.ndarray:
            b = np.full(cap, fill, dtype=a.dtype)
            b[: a.shape[0]] = a
            return b

        self.sid = grow(self.sid, 0)
        self.version = grow(self.version, 0)
        self.first = grow(self.first, np.nan)
        self.last = grow(self.last, np.nan)
        self.n_articles = grow(self.n_articles, 0)
        self.n_outlets = grow(self.n_outlets, 0)
        self.alive = grow(self.alive, False)
        if self.cent is not None:
            cent = np.zeros((cap, self.dim), dtype=np.float32)
            cent[: self.cent.shape[0]] = self.cent
            self.cent = cent  # readers keep the old array: swap, never resize in place
        self._b_dead = grow(self._b_dead, False)
        self.doc_len = grow(self.doc_len, -1)
        extra = cap - len(self.outlets)
        self.outlets.extend([()] * extra)
        self.heads.extend([()] * extra)

    def _put_story(self, r: Any, members: list[tuple[str, str, bytes | None]], outlets: set[str]) -> None:
        """Insert or replace one story; ``members`` are (headline, lead, embedding) in id order."""
        vecs = [np.frombuffer(e, dtype=np.float32) for _, _, e in members if e]
        if r.centroid is not None:
            centroid = np.frombuffer(r.centroid, dtype=np.float32)
        elif vecs:
            centroid = _unit(np.sum(vecs, axis=0))
        else:
            centroid = None
        if not r.article_count or centroid is None:
            self._remove_story(r.id)
            return
        self._ensure_dim(centroid.shape[0])
        if centroid.shape[0] != self.dim:
            log.warning("story %s: centroid of dimension %d, index has %d; skipped", r.id, centroid.shape[0], self.dim)
            return
        row = self.row_of.get(r.id)
        if row is None:
            if self.free_rows:
                row = self.free_rows.pop()
            else:
                if self.n_rows == self.sid.shape[0]:
                    self._grow()
                row = self.n_rows
                self.n_rows += 1
            self.row_of[r.id] = row
        else:
            self._clear_row(row)
        self.cent[row] = centroid
        self.sid[row] = r.id
        self.version[row] = r.version or 0
        self.first[row] = _epoch(r.first_seen)
        self.last[row] = _epoch(r.last_seen)
        self.n_articles[row] = r.article_count or 0
        self.n_outlets[row] = r.outlet_count or 0
        keys = self._outlet_key
        self.outlets[row] = tuple(keys.setdefault(o, o) for o in sorted(outlets) if o)
        for o in self.outlets[row]:
            self.stories_of_outlet.setdefault(o, set()).add(row)
        dirty = self._graph_dirty
        if dirty is not None:
            dirty[0].add(row)
        # member vectors: the stored article embeddings (headline + lead), the founder's and
        # the newest ones
        vecs = [v for v in vecs if v.shape[0] == self.dim]
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
            self.graph_c.upsert(centroid, row)
        # BM25 document: every member's headline (counted title_weight times) and lead
        terms: dict[str, float] = {}
        w = self.params.title_weight
        lw = self.params.lead_words
        for title, lead, _ in members or ([(r.label, "", None)] if r.label else []):
            lexical_terms(title, terms, w)
            if lead and lw > 0:
                lexical_terms(" ".join(lead.split()[:lw]), terms)
        self._add_lexical(row, terms, max(1, len(members)))
        self.alive[row] = True

    def _clear_row(self, row: int) -> None:
        """Forget a row's headlines, BM25 document, outlets and graph entries."""
        self._drop_lexical(row)
        self._drop_outlets(row)
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

    def _remove_story(self, sid: int) -> None:
        row = self.row_of.pop(sid, None)
        if row is None:
            return
        self._clear_row(row)
        self.alive[row] = False
        self.cent[row] = 0.0
        self.free_rows.append(row)

    def _drop_outlets(self, row: int) -> None:
        for o in self.outlets[row]:
            rows = self.stories_of_outlet.get(o)
            if rows is not None:
                rows.discard(row)
        self.outlets[row] = ()

    # -- BM25 ------------------------------------------------------------------------------
    def _add_lexical(self, row: int, terms: dict[str, float], members: int = 1) -> None:
        if self.doc_len[row] >= 0:
            self._drop_lexical(row)  # a row has one document: its old postings go first
        # length per member: a story is not a longer document for having more articles
        length = float(sum(terms.values())) / max(1, members)
        if row >= self.dl.shape[0]:
            dl = np.zeros(max(self.sid.shape[0], row + 1), dtype=np.float64)
            dl[: self.dl.shape[0]] = self.dl
            self.dl = dl
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
        self._d_entries += len(tids)
        self._d_post = None
        self._n_terms = None

    def _drop_lexical(self, row: int) -> None:
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

    def _compact_postings(self, force: bool = False) -> None:
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

    def _posting_arrays(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
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

    def bm25_array(self, query_terms: Iterable[str]) -> np.ndarray:
        """Normalised BM25 of the query for every row (0..1: the score divided by its upper
        bound, every query term present and saturated). Callers hold :meth:`reading`."""
        k1, b = self.params.bm25_k1, self.params.bm25_b
        with self._lock:
            n_rows = self.n_rows
            out = np.zeros(n_rows, dtype=np.float64)
            n = max(1, len(self.row_of))
            avg = self.total_len / n if self.total_len > 0 else 1.0
            terms = list(dict.fromkeys(query_terms))
            postings = {t: self._posting_arrays(t) for t in terms}
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
        with self._lock:
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

    def bm25(self, query_terms: Iterable[str], mask: np.ndarray | None = None) -> dict[int, float]:
        """:meth:`bm25_array` as {row: score} for the rows that have a query term (in ``mask``)."""
        arr = self.bm25_array(query_terms)
        nz = np.flatnonzero(arr > 0)
        if mask is not None:
            nz = nz[mask[nz]]
        return {int(r): float(arr[r]) for r in nz}

    # -- dense -----------------------------------------------------------------------------
    def use_graphs(self) -> bool:
        """Whether the graphs propose the candidates (built, and not set aside by
        ``backend = "numpy"``)."""
        return self.params.backend != "numpy" and self.graph_c is not None and self.graph_h is not None

    def _want_graphs(self) -> bool:
        p = self.params
        if p.backend == "numpy" or self.dim is None or not ann_available():
            return False
        if p.backend == "hnsw":
            return True
        return (self.headlines.live + self.size) >= p.ann_min_rows

    def _maybe_graphs(self) -> None:
        if not self._want_graphs():
            return
        if self.graph_c is not None:
            total = self.graph_c.size + self.graph_h.size
            stale = (self.graph_c.stale + self.graph_h.stale) / max(1, total)
            if stale <= self.params.hnsw_rebuild_stale:
                return
        if self._graph_building:
            return
        self._graph_building = True
        t = threading.Thread(target=self._build_graphs, name="newsprism-hnsw", daemon=True)
        _BUILDERS.add(t)
        t.start()
        if self.params.backend == "hnsw":
            t.join()  # forced: tests and benchmarks want the graph now

    def _build_graphs(self) -> None:
        """Build both graphs without the lock, then, under the lock, apply what changed
        meanwhile and swap them in. The exact search serves until then.

        The vectors are added in chunks of ``_GRAPH_CHUNK`` rows, each copied under the lock
        and added outside it: a snapshot of all of them would hold a third copy of the
        vectors (besides the index's and the graph's) until the build ends (+530 MB at the
        peak for 100,000 articles). The rows written since the build began are recorded in
        ``_graph_dirty``; each graph takes their current vectors at the end (a row copied
        after its change is already right: ``HnswGraph.put`` then does nothing)."""
        try:
            t0 = time.perf_counter()
            with self._lock:
                self._graph_dirty = (set(), set())
                n, hm = self.n_rows, self.headlines.n
            gc, gh = HnswGraph(self.dim, self.params), HnswGraph(self.dim, self.params)
            gc.start()
            gh.start()
            for g, end, headlines in ((gc, n, False), (gh, hm, True)):
                for lo in range(0, end, _GRAPH_CHUNK):
                    if _EXITING.is_set():
                        return
                    hi = min(end, lo + _GRAPH_CHUNK)
                    with self._lock:  # a refresh swaps and writes the arrays
                        if headlines:
                            rows = lo + np.flatnonzero(self.headlines.owner[lo:hi] >= 0)
                            data = self.headlines.data[rows]
                        else:
                            rows = lo + np.flatnonzero(self.alive[lo:hi])
                            data = self.cent[rows]
                    g.add(data, rows)
                    del data
            with self._lock:
                dirty_c, dirty_h = self._graph_dirty
                self._graph_dirty = None
                m = self.headlines
                for g, dirty, alive, now in ((gc, dirty_c, self.alive[: self.n_rows], self.cent),
                                             (gh, dirty_h, m.owner[: m.n] >= 0, m.data)):
                    for r in sorted(dirty):
                        if r < alive.shape[0] and alive[r]:
                            g.put(now[r], r)
                        else:
                            g.delete(r)
                self.graph_c, self.graph_h = gc, gh
            trim_heap()
            log.info("HNSW graphs built: %d stories, %d headlines in %.1fs", gc.size, gh.size,
                     time.perf_counter() - t0)
        except Exception:  # noqa: BLE001 - the exact search keeps serving
            with self._lock:
                self._graph_dirty = None
            log.exception("could not build the HNSW graphs; exact search goes on")
        finally:
            self._graph_building = False
            _BUILDERS.discard(threading.current_thread())

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
            return subset[_topk(self.cent[subset] @ q, k)]
        if self.use_graphs():
            with self._lock:  # graph queries must not overlap additions and removals
                rows = self.graph_c.query(q, k if mask is None else 4 * k)
            rows = rows[rows < self.n_rows]
            rows = rows[self.alive[rows] if mask is None else mask[rows]]
            return rows[_topk(self.cent[rows] @ q, k)]  # the graph's order is approximate
        sims = self.centroid_sims(q)
        if mask is not None:
            sims[~mask[: sims.shape[0]]] = -np.inf
        return _topk(sims, k)

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
            hrows = hrows[_topk(m.data[hrows] @ q, 3 * k)]
        elif self.use_graphs():
            with self._lock:
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
            hrows = _topk(sims, 3 * k)
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
        """Rows passing the story-list filters (same meaning as Reader.story_filter)."""
        n = self.n_rows
        mask = self.alive[:n].copy()
        if min_outlets > 1:
            mask &= self.n_outlets[:n] >= min_outlets
        if since is not None:
            mask &= self.last[:n] >= _epoch(since)  # NaN compares False: undated stories drop
        if until is not None:
            mask &= self.first[:n] <= _epoch(until)
        if outlet:
            rows = self.stories_of_outlet.get(outlet.casefold(), set())
            om = np.zeros(n, dtype=bool)
            if rows:
                om[np.fromiter(rows, dtype=np.int64)] = True
            mask &= om
        return mask

    def time_mask(self, when: datetime | None, window_days: float) -> np.ndarray:
        """The assigner's time pre-filter: stories whose span is within the window of ``when``
        (undated stories always qualify)."""
        n = self.n_rows
        mask = self.alive[:n].copy()
        if when is None:
            return mask
        t = _epoch(when)
        w = window_days * 86400.0
        first, last = self.first[:n], self.last[:n]
        dated = ~np.isnan(last)
        first = np.where(np.isnan(first), last, first)
        ok = ~dated | ((last >= t - w) & (first <= t + w))
        return mask & ok

    def newest(self) -> float:
        n = self.n_rows
        vals = self.last[:n][self.alive[:n]]
        vals = vals[~np.isnan(vals)]
        return float(vals.max()) if vals.size else math.nan

    def stats(self) -> dict[str, Any]:
        return {"stories": self.size, "headlines": self.headlines.live if self.headlines else 0,
                "terms": self.term_count(), "ingest_counter": self.marker,
                "backend": "hnsw" if self.use_graphs() else "numpy",
                "build_seconds": round(self.build_seconds, 3) if self.build_seconds else None,
                "refreshes": self.refreshes}
