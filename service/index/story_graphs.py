"""The HNSW graphs of the story index (``StoryIndex`` inherits them): built in a background
thread while the exact search serves, updated in place as rows change, rebuilt when too many
of their rows are stale. The attributes they read (``rows``, ``params``, ``cent``,
``headlines``, ``graph_c``/``graph_h``, ``_graph_building``, ``_graph_dirty``) are the index's."""
from __future__ import annotations

import logging
import time

import numpy as np
from service.index.heap import trim_heap
from service.index.hnsw import build_graphs, start_build

log = logging.getLogger(__name__)


class StoryGraphs:
    """Graph upkeep for :class:`service.index.stories.StoryIndex`."""

    # -- graphs ----------------------------------------------------------------------------
    def use_graphs(self) -> bool:
        """Whether the graphs propose the candidates (built, and not set aside by
        ``backend = "numpy"``)."""
        return self.params.backend != "numpy" and self.graph_c is not None and self.graph_h is not None

    def _want_graphs(self) -> bool:
        p = self.params
        if p.backend == "numpy" or self.dim is None or self.headlines is None:
            return False
        if p.backend == "hnsw":
            return True
        return (self.headlines.live + self.size) >= p.ann_min_rows

    def wait_for_graphs(self, poll_s: float = 0.2) -> None:
        """Wait until a graph build in progress is done (benchmarks)."""
        while self._want_graphs() and self._graph_building:
            time.sleep(poll_s)

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
        # forced ("hnsw"): tests and benchmarks want the graph now
        start_build(self._build_graphs, wait=self.params.backend == "hnsw")

    def _build_graphs(self) -> None:
        """Build both graphs (``hnsw.build_graphs``: in chunks, the lock held only to copy
        each), then, under the lock, apply what changed meanwhile and swap them in. The exact
        search serves until then. The rows written since the build began are recorded in
        ``_graph_dirty``; each graph takes their current vectors at the end (a row copied
        after its change is already right: ``HnswGraph.put`` then does nothing)."""
        lock = self.rows.lock

        def stories(lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
            rows = lo + np.flatnonzero(self._has_data(lo, hi))
            return rows, self.cent[rows]

        def headlines(lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
            rows = lo + np.flatnonzero(self.headlines.owner[lo:hi] >= 0)
            return rows, self.headlines.data[rows]

        try:
            t0 = time.perf_counter()
            with lock:
                self._graph_dirty = (set(), set())
                n, hm = self.n_rows, self.headlines.n
            built = build_graphs(self.dim, self.params, lock, [(n, stories), (hm, headlines)])
            if built is None:
                return
            gc, gh = built
            with lock:
                dirty_c, dirty_h = self._graph_dirty
                self._graph_dirty = None
                m = self.headlines
                for g, dirty, alive, now in ((gc, dirty_c, self._has_data(0, self.n_rows), self.cent),
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
        except Exception:  # the exact search keeps serving
            with lock:
                self._graph_dirty = None
            log.exception("could not build the HNSW graphs; exact search goes on")
        finally:
            self._graph_building = False
