"""Which parts of an article are inside quotation marks (the engine keeps quoted words out
of the outlet's own voice: its tone, hedges and scare quotes)."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .quotes import Quote


def quoted_ranges(quotes: list[Quote]) -> dict[tuple[int, str], list[tuple[int, int]]]:
    """Character ranges (marks included) of every quoted passage, per article field."""
    out: dict[tuple[int, str], list[tuple[int, int]]] = {}
    for q in quotes:
        out.setdefault((q.article, q.field), []).append((q.outer_start, q.outer_end))
    return out


def quoted_share(ranges: list[tuple[int, int]], start: int, end: int) -> float:
    """Share of ``[start, end)`` that lies inside the given quoted ranges."""
    if end <= start:
        return 0.0
    covered = 0
    for a, b in ranges:
        lo, hi = max(a, start), min(b, end)
        if hi > lo:
            covered += hi - lo
    return min(1.0, covered / (end - start))
