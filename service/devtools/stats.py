"""The one way the benchmarks and load tests summarise latencies."""
from __future__ import annotations

from typing import Any

import numpy as np


def percentile(values: list[float], q: float, empty: float = float("nan")) -> float:
    """The ``q``-th percentile (numpy's linear interpolation); ``empty`` when there are none."""
    if not values:
        return empty
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


def latency(values_ms: list[float]) -> dict[str, Any]:
    """Count, p50, p95, p99 and max of latencies in milliseconds (None when there are none)."""
    def p(q: float) -> float | None:
        return round(percentile(values_ms, q), 2) if values_ms else None

    return {"n": len(values_ms), "p50_ms": p(50), "p95_ms": p(95), "p99_ms": p(99),
            "max_ms": round(max(values_ms), 2) if values_ms else None}
