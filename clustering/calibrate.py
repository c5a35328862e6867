"""Fitting the assigner's logistic model on labelled corpora (``docs/clustering.md``).

* :func:`training_pairs`: one row of :meth:`StoryAssigner.features` per (article, gold story
  it could join), exactly as the online assigner would see it: the articles in arrival order,
  the gold stories built with :meth:`StoryAssigner.absorb`, the candidates those passing
  :meth:`StoryAssigner.is_candidate`. A seeded share of the articles is treated as undated
  (the stand-in rule: their true date as the stand-in, the wider window, time unknown).
* :func:`fit_logistic`: L2-regularised logistic regression with sign constraints (similarities
  may only raise the score, time gaps only lower it) and per-row weights, by L-BFGS-B.

Everything is deterministic for a given seed.
"""
from __future__ import annotations

import copy
from collections.abc import Hashable, Mapping, Sequence

import numpy as np

from clustering.assign import StoryAssigner
from clustering.params import FEATURES, AssignParams
from clustering.signals import ArticleSignals
from clustering.state import InMemoryTermStats, StoryState

#: features whose coefficient must be <= 0 (all others >= 0)
NEGATIVE = frozenset({"time", "time_log", "time_unknown"})


def training_pairs(
    articles: Sequence[ArticleSignals], gold: Sequence[Hashable], params: AssignParams,
    undated_share: float = 0.0, seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Feature rows and labels (1: the article's own gold story) for one corpus.

    Args:
        articles: Signals in arrival order.
        gold: The gold story of each article.
        params: Assignment parameters (window, prior, signal settings).
        undated_share: Share of the articles scored as undated (their date kept as the
            stand-in, ``time_estimated`` set), chosen with ``seed``.
        seed: Random seed.

    Returns:
        ``(X, y)``: ``(pairs, len(FEATURES))`` float64 and ``(pairs,)`` int.
    """
    rng = np.random.default_rng(seed)
    assigner = StoryAssigner(params)
    stats = InMemoryTermStats()
    stories: dict[Hashable, StoryState] = {}
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    for art, g in zip(articles, gold):
        if art.published_at is not None and not art.time_estimated and rng.random() < undated_share:
            art = copy.copy(art)
            art.time_estimated = True
        keys = [k for k, s in stories.items() if assigner.is_candidate(s, art.published_at, art.time_estimated)]
        if keys:
            xs.append(assigner.features(art, [stories[k] for k in keys], stats))
            ys.append(np.array([int(k == g) for k in keys]))
        stories[g] = assigner.absorb(stories[g], art) if g in stories else assigner.new_story(art)
        stats.add(assigner.stat_terms(art))
    if not xs:
        return np.zeros((0, len(FEATURES))), np.zeros(0, dtype=int)
    return np.vstack(xs), np.concatenate(ys)


def fit_logistic(x: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None, c: float = 1.0,
                 use: Sequence[str] = FEATURES) -> tuple[float, tuple[float, ...]]:
    """Sign-constrained, L2-regularised (strength ``1/c``, intercept free) logistic regression.

    Args:
        x: Feature rows (columns as :data:`FEATURES`).
        y: 0/1 labels.
        weights: Row weights (None: 1 each); the loss is their weighted sum.
        c: Inverse regularisation strength, as scikit-learn's ``C``.
        use: Features allowed a non-zero coefficient.

    Returns:
        ``(intercept, coef)`` with one coefficient per name in :data:`FEATURES`.
    """
    from scipy.optimize import minimize

    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=np.float64)
    yy = np.asarray(y, dtype=np.float64)
    bounds = [(None, None)] + [
        ((0.0, 0.0) if f not in use else (None, 0.0) if f in NEGATIVE else (0.0, None)) for f in FEATURES
    ]

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = theta[0] + x @ theta[1:]
        p = 1.0 / (1.0 + np.exp(-z))
        ll = np.logaddexp(0.0, z) - yy * z
        grad_z = w * (p - yy)
        reg = 0.5 * float(theta[1:] @ theta[1:]) / c
        grad = np.concatenate(([grad_z.sum()], x.T @ grad_z + theta[1:] / c))
        return float(w @ ll) + reg, grad

    res = minimize(loss, np.zeros(len(FEATURES) + 1), jac=True, method="L-BFGS-B", bounds=bounds)
    theta = res.x
    return float(theta[0]), tuple(round(float(v), 3) for v in theta[1:])


def with_model(params: AssignParams, intercept: float, coef: Sequence[float],
               threshold: float | None = None) -> AssignParams:
    """A copy of ``params`` with another fitted model (and threshold)."""
    out = AssignParams.from_dict({**params.to_dict(), "coef": dict(zip(FEATURES, coef))})
    out.intercept = float(intercept)
    if threshold is not None:
        out.threshold = float(threshold)
    return out


def corpus_weights(sizes: Mapping[str, int], share: Mapping[str, float]) -> dict[str, float]:
    """Per-row weight for each corpus so that corpus ``k`` carries ``share[k]`` of the total."""
    total = sum(sizes.values())
    return {k: (share.get(k, 1.0) * total / max(1, n)) / sum(share.get(j, 1.0) for j in sizes)
            for k, n in sizes.items()}
