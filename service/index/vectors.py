"""Growable matrices of unit vectors and the top-k helpers of the dense search."""
from __future__ import annotations

import numpy as np


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
        """Store ``vec`` for ``owner`` in a free row (growing the matrix if none); its row."""
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
        """Free ``row`` (nothing when it is free already)."""
        if self.owner[row] < 0:
            return
        self.owner[row] = -1
        self.data[row] = 0.0
        self.free.append(row)
        self.live -= 1


def unit(v: np.ndarray) -> np.ndarray:
    """``v`` scaled to unit length (a zero vector stays zero), as float32."""
    n = float(np.linalg.norm(v))
    return (v / n).astype(np.float32) if n > 0 else v.astype(np.float32)


def topk(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest finite scores, best first."""
    k = min(k, scores.shape[0])
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    return top[np.isfinite(scores[top])]
