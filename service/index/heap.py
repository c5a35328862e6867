"""Giving the C heap's free pages back to the operating system after a large build."""
from __future__ import annotations

import ctypes
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _malloc_trim() -> Any:
    try:
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
