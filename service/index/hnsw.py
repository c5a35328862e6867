"""HNSW graphs (usearch) over the story index's vectors, and the threads that build them.

Past ``ann_min_rows`` rows a graph proposes the candidates of a dense query; the exact scores
of those candidates are computed from the index's float32 matrices.
"""
from __future__ import annotations

import atexit
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from service.params import IndexParams


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
        """Nodes ever added (live or tombstones)."""
        return self._size

    @property
    def stale(self) -> int:
        """Tombstones (removed keys still in the graph)."""
        return self._deleted

    @property
    def live(self) -> int:
        """Keys the graph answers with."""
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
        # imported here, not with the module: loaded before onnxruntime (the onnx-int8
        # embedding backend), usearch's extension makes onnxruntime's import crash the process
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
        """Remove ``row`` (a tombstone stays until the next rebuild)."""
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
        """Rows of the (up to) ``k`` vectors nearest to ``q``, in the graph's approximate order."""
        k = min(k, self.live)
        if k <= 0:
            return np.zeros(0, dtype=np.int64)
        return np.asarray(self.index.search(q, k, threads=1).keys, dtype=np.int64)


GRAPH_CHUNK = 10_000  # rows copied at a time (under the lock) while a graph is built


def build_graphs(dim: int, params: IndexParams, lock: threading.RLock,
                 sources: list[tuple[int, Callable[[int, int], tuple[np.ndarray, np.ndarray]]]]
                 ) -> list[HnswGraph] | None:
    """One graph per source ``(end, copy)``: rows ``0 .. end - 1`` in chunks of ``GRAPH_CHUNK``,
    each copied under ``lock`` by ``copy(lo, hi) -> (rows, vectors)`` and added outside it. A
    snapshot of all of them would hold a third copy of the vectors (besides the index's and
    the graph's) until the build ends (+530 MB at the peak for 100,000 articles). None when
    the interpreter exits meanwhile."""
    graphs = []
    for end, copy in sources:
        g = HnswGraph(dim, params)
        g.start()
        for lo in range(0, end, GRAPH_CHUNK):
            if exiting():
                return None
            with lock:  # a refresh swaps and writes the arrays
                rows, data = copy(lo, min(end, lo + GRAPH_CHUNK))
            g.add(data, rows)
            del data
        graphs.append(g)
    return graphs


#: set at interpreter exit: graph builds stop between two chunks
_EXITING = threading.Event()
_BUILDERS: set[threading.Thread] = set()


def start_build(target: Callable[[], None], wait: bool = False) -> None:
    """Run a graph build in a daemon thread (``wait``: and wait for it)."""
    def run() -> None:
        try:
            target()
        finally:
            _BUILDERS.discard(threading.current_thread())

    t = threading.Thread(target=run, name="newsprism-hnsw", daemon=True)
    _BUILDERS.add(t)
    t.start()
    if wait:
        t.join()


def exiting() -> bool:
    """Whether the interpreter is shutting down (a build stops at its next chunk)."""
    return _EXITING.is_set()


@atexit.register
def _stop_builds() -> None:
    """A build is a daemon thread inside usearch's C++ code most of the time; left running
    while the interpreter shuts down it aborts the process ("terminate called without an
    active exception"). Ask builds to stop and wait for the chunk in hand (a second or two)."""
    _EXITING.set()
    for t in list(_BUILDERS):
        t.join(timeout=30)
