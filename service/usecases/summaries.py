"""Per-outlet one-line summaries for the match answer, read from the story's framing
comparison and cached per story version. A cold comparison is not computed in the request:
it is handed to ``newsprism worker`` when one listens (``service.jobs.queue``), else computed
in a background thread (mode "background"), or before answering (mode "inline")."""
from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson

from service.cache import Cache
from service.usecases.compare import Comparisons

log = logging.getLogger(__name__)


class Summaries:
    """Per-outlet one-line summaries from the comparison, cached per story version."""

    def __init__(self, cache: Cache, comparisons: Callable[[], Comparisons], mode: str,
                 offload: Callable[[int, int], bool] | None = None) -> None:
        self.cache = cache
        self.comparisons = comparisons
        self.mode = mode
        #: in background mode, first offered a cold comparison: True when a job worker took it
        self.offload = offload
        self._pid = os.getpid()
        self._pool: ThreadPoolExecutor | None = None
        self._pending: set[str] = set()
        self._lock = threading.Lock()

    def key(self, story_id: int, version: int) -> str:
        """The cache key of a story version's summaries."""
        from clustering.compare.engine import ENGINE_VERSION

        return self.cache.store_key("story", story_id, version, "summaries", ENGINE_VERSION)

    @staticmethod
    def extract(comparison: dict[str, Any]) -> dict[str, str]:
        """outlet name → summary, from whatever shape ``outlets`` has (list or mapping)."""
        outlets = comparison.get("outlets") if isinstance(comparison, dict) else None
        out: dict[str, str] = {}
        items = outlets.items() if isinstance(outlets, dict) else enumerate(outlets or [])
        for k, item in items:
            if not isinstance(item, dict):
                continue
            name = item.get("outlet") or item.get("name") or (k if isinstance(k, str) else None)
            if isinstance(name, dict):
                name = name.get("name")
            summary = item.get("summary")
            if name and isinstance(summary, str) and summary.strip():
                out[str(name)] = summary.strip()
        return out

    def get(self, story_id: int, version: int) -> tuple[dict[str, str] | None, str]:
        """(outlet → summary, status): status is ready, pending or unavailable."""
        if self.mode == "off":
            return None, "unavailable"
        key = self.key(story_id, version)
        found = self.cache.get_json(key)
        if found is not None:
            return found, "ready"
        try:
            comps = self.comparisons()
            full = self.cache.get_bytes(comps.key(story_id, version))
        except Exception:  # noqa: BLE001 - summaries are optional
            return None, "unavailable"
        if full is not None:
            found = self.extract(orjson.loads(full))
            self.cache.set_json(key, found)
            return found, "ready"
        if self.mode == "inline":
            return self._compute(story_id, version)
        if self.mode == "background":
            if self.offload is None or not self.offload(story_id, version):
                self._submit(story_id, version, key)
            return None, "pending"
        return None, "unavailable"

    def _compute(self, story_id: int, version: int) -> tuple[dict[str, str] | None, str]:
        try:
            comp = self.comparisons().get(story_id)
        except Exception as exc:  # noqa: BLE001 - an absent or failing comparison engine degrades
            log.info("no comparison for story %s: %s", story_id, type(exc).__name__)
            return None, "unavailable"
        found = self.extract(comp)
        self.cache.set_json(self.key(story_id, version), found)
        return found, "ready"

    def _submit(self, story_id: int, version: int, key: str) -> None:
        if self._pid != os.getpid():  # forked: the parent's pool is not ours
            self._pid, self._pool, self._pending = os.getpid(), None, set()
        with self._lock:
            if key in self._pending:
                return
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsprism-summaries")
            self._pending.add(key)

        def run() -> None:
            try:
                self._compute(story_id, version)
            finally:
                with self._lock:
                    self._pending.discard(key)

        self._pool.submit(run)
