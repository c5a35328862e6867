"""Process-local counters for /api/v1/metrics (per worker; scrape each worker or sum)."""
from __future__ import annotations

import threading
from collections import Counter


class Metrics:
    def __init__(self) -> None:
        self._c: Counter[str] = Counter()
        self._lock = threading.Lock()

    def inc(self, name: str, value: float = 1) -> None:
        with self._lock:
            self._c[name] += value

    def snapshot(self) -> dict[str, float]:
        with self._lock:
            return dict(self._c)
