"""Fitting the assigner's logistic model on labelled corpora (``docs/clustering.md``).

* :func:`training_pairs`: one row of :meth:`StoryAssigner.features` per (article, gold story
  it could join), exactly as the online assigner would see it: the articles in arrival order,
  the gold stories built with :meth:`StoryAssigner.absorb`, the candidates those passing
  :meth:`StoryAssigner.is_candidate`. A seeded share of the articles is treated as undated
  (the stand-in rule: their true date as the stand-in, the wider window, time unknown).
* :func:`fit_logistic`: L2-regularised logistic regression with sign constraints (similarities
  may only raise the score, time gaps only lower it) and per-row weights, by L-BFGS-B.
* :func:`choose_lone` / :func:`cross_validate_lone`: the lone-candidate path
  (``lone_threshold``, ``lone_dense``) chosen from :data:`LONE_GRID` on a corpus, and its
  story-fold cross-validation (the BASIL-dev row of ``newsprism evaluate``).
* :data:`BEFORE`: the model in force before issue 15 (the table's "before" column).

Everything is deterministic for a given seed.
"""
from __future__ import annotations

import copy
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np

from clustering.assign import StoryAssigner
from clustering.params import FEATURES, AssignParams
from clustering.signals import ArticleSignals
from clustering.state import InMemoryTermStats, StoryState

#: The three-corpus refit of issue 15's first round (``docs/clustering.md``; not the shipped
#: model, which is the AllSides fit plus the lone-candidate path): the corpora AllSides
#: April-June (``allsides``), BASIL-dev (``basil``) and the seed (``seed``), the loss share of
#: each, the regularisation, the undated augmentation, the seeds and the corpora the threshold
#: is chosen on.
RECIPE: dict[str, Any] = {
    "share": {"allsides": 1.0, "basil": 0.05, "seed": 0.5},
    "c": 1.0,
    # no TF-IDF cosine: its IDF comes from whatever the store holds, so the same two articles
    # would score differently in a store full of other news (the seed after AllSides)
    "use": tuple(f for f in FEATURES if f not in {"tfidf", "entity_none"}),
    # a guard set by hand against template events ("Dockworkers strike at X port over pay"):
    # the corpora hold too few of them for the fit to weigh it
    "fixed": {"entity_none": -4.5},
    "undated_share": {"allsides": 0.2, "basil": 0.2, "seed": 0.0},
    "seeds": (0, 1),
    "threshold_on": ("allsides", "basil", "seed"),
}

#: The fit of the shipped model for rows whose times are both real (``AssignParams.intercept``,
#: ``coef``, ``threshold``): ``fit_model({"allsides": AllSides April-June}, AssignParams(),
#: **DATED_RECIPE)``. The features are those the AllSides fit made before issue 15 uses; no
#: undated augmentation (rows with an unknown or stand-in time are scored by the ``undated_*``
#: model); ``time_unknown``, never 1 in these rows, held at that older model's weight.
DATED_RECIPE: dict[str, Any] = {
    "use": ("cohesion_gap", "title_mean", "title_overlap", "time", "time_log", "time_unknown",
            "mix_mean", "mix_gap", "title_rel", "dense_rel", "mix_rel"),
    "fixed": {"time_unknown": -1.552},
    "undated_share": 0.0,
    "seeds": (0,),
}

#: features whose coefficient must be <= 0 (all others >= 0)
NEGATIVE = frozenset({"time", "time_log", "time_unknown", "entity_none"})


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
                 use: Sequence[str] = FEATURES, fixed: Mapping[str, float] | None = None
                 ) -> tuple[float, tuple[float, ...]]:
    """Sign-constrained, L2-regularised (strength ``1/c``, intercept free) logistic regression.

    Args:
        x: Feature rows (columns as :data:`FEATURES`).
        y: 0/1 labels.
        weights: Row weights (None: 1 each); the loss is their weighted sum.
        c: Inverse regularisation strength, as scikit-learn's ``C``.
        use: Features allowed a non-zero coefficient.
        fixed: Coefficients set by hand, kept as they are (the others are fitted around them).

    Returns:
        ``(intercept, coef)`` with one coefficient per name in :data:`FEATURES`.
    """
    from scipy.optimize import minimize

    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=np.float64)
    yy = np.asarray(y, dtype=np.float64)
    fixed = dict(fixed or {})
    bounds = [(None, None)] + [
        ((fixed[f], fixed[f]) if f in fixed else (0.0, 0.0) if f not in use
         else (None, 0.0) if f in NEGATIVE else (0.0, None)) for f in FEATURES
    ]

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = theta[0] + x @ theta[1:]
        p = 1.0 / (1.0 + np.exp(-z))
        ll = np.logaddexp(0.0, z) - yy * z
        grad_z = w * (p - yy)
        reg = 0.5 * float(theta[1:] @ theta[1:]) / c
        grad = np.concatenate(([grad_z.sum()], x.T @ grad_z + theta[1:] / c))
        return float(w @ ll) + reg, grad

    start = np.array([0.0] + [fixed.get(f, 0.0) for f in FEATURES])
    res = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=bounds)
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


def online_labels(articles: Sequence[ArticleSignals], params: AssignParams) -> list[int]:
    """The in-memory driver's stories for articles in arrival order."""
    from clustering.assign import OnlineStoryClusterer

    return OnlineStoryClusterer(params).fit_predict(articles)


def _online_f1(corpora: Mapping[str, tuple[Sequence[ArticleSignals], Sequence[Hashable]]],
               params: AssignParams) -> float:
    from clustering.metrics import bcubed

    scores = [bcubed(list(g), online_labels(a, params))[2] for a, g in corpora.values() if len(g)]
    return float(np.mean(scores)) if scores else 0.0


def fit_model(
    corpora: Mapping[str, tuple[Sequence[ArticleSignals], Sequence[Hashable]]],
    params: AssignParams | None = None,
    share: Mapping[str, float] | None = None,
    c: float = 1.0,
    use: Sequence[str] = FEATURES,
    fixed: Mapping[str, float] | None = None,
    undated_share: float | Mapping[str, float] = 0.2,
    seeds: Sequence[int] = (0, 1),
    thresholds: Sequence[float] = (0.35, 0.4, 0.45, 0.5, 0.55, 0.6),
    threshold_on: Sequence[str] | None = None,
) -> AssignParams:
    """Fit the logistic model on several corpora at once and choose its threshold.

    Args:
        corpora: Name -> (signals in arrival order, gold story per article).
        params: Signal and window settings (None: defaults); the model is replaced.
        share: Name -> share of the total loss weight the corpus carries (missing: 1); a
            small corpus can then count as much as a large one without drowning it.
        c: Inverse L2 strength.
        use: Features allowed a non-zero coefficient.
        fixed: Coefficients set by hand (kept).
        undated_share: Share of the dated articles also scored as undated (per seed); a
            mapping gives it per corpus (missing: 0).
        seeds: One pass of pairs per seed (the undated draw differs).
        thresholds: Candidates for ``threshold``: the one with the best mean online B-cubed
            F1 over ``threshold_on`` corpora (default all) wins (ties: the first).
        threshold_on: Corpora the threshold is chosen on.

    Returns:
        ``params`` with the fitted ``intercept``, ``coef`` and ``threshold``.
    """
    base = params or AssignParams()
    xs, ys, ws = [], [], []
    sizes: dict[str, int] = {}
    parts: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name, (arts, gold) in corpora.items():
        share_u = undated_share.get(name, 0.0) if isinstance(undated_share, Mapping) else undated_share
        px, py = zip(*(training_pairs(arts, gold, base, share_u, s) for s in seeds))
        parts[name] = (np.vstack(px), np.concatenate(py))
        sizes[name] = len(parts[name][1])
    weight = corpus_weights(sizes, share or {})
    for name, (x, y) in parts.items():
        xs.append(x)
        ys.append(y)
        ws.append(np.full(len(y), weight[name]))
    intercept, coef = fit_logistic(np.vstack(xs), np.concatenate(ys), np.concatenate(ws), c, use, fixed)
    fitted = with_model(base, intercept, coef)
    chosen = {k: v for k, v in corpora.items() if threshold_on is None or k in threshold_on}
    best: tuple[float, float] | None = None
    for t in thresholds:
        fitted.threshold = float(t)
        f1 = _online_f1(chosen, fitted)
        if best is None or f1 > best[0] + 1e-9:
            best = (f1, float(t))
    fitted.threshold = best[1] if best else base.threshold
    return fitted


def story_folds(gold: Sequence[Hashable], k: int = 5, seed: int = 0) -> list[set[Hashable]]:
    """The gold stories split into ``k`` folds (seeded shuffle of the sorted story ids)."""
    ids = sorted(set(gold), key=str)
    order = np.random.default_rng(seed).permutation(len(ids))
    return [{ids[i] for i in order[j::k]} for j in range(k)]


def cross_validate(
    target: str,
    corpora: Mapping[str, tuple[Sequence[ArticleSignals], Sequence[Hashable]]],
    k: int = 5, seed: int = 0, **fit_args: Any,
) -> tuple[list[str], list[AssignParams]]:
    """Story-fold cross-validation on corpus ``target``: for each fold, fit on the other
    corpora plus the other folds of ``target`` (:func:`fit_model`), then cluster the fold's
    articles alone with that model.

    Returns:
        (one predicted label per article of ``target``, ``"<fold>-<story>"``; the k models).
    """
    arts, gold = corpora[target]
    labels = [""] * len(gold)
    models = []
    for j, fold in enumerate(story_folds(gold, k, seed)):
        train = {n: v for n, v in corpora.items() if n != target}
        keep = [i for i, g in enumerate(gold) if g not in fold]
        held = [i for i, g in enumerate(gold) if g in fold]
        train[target] = ([arts[i] for i in keep], [gold[i] for i in keep])
        model = fit_model(train, **fit_args)
        models.append(model)
        for i, lab in zip(held, online_labels([arts[i] for i in held], model)):
            labels[i] = f"{j}-{lab}"
    return labels, models


#: The model in force before issue 15 (commit 88445e4, fitted on AllSides April-June alone,
#: IDF-weighted overlaps, no lone-candidate path): the "before" column of ``newsprism evaluate``.
_BEFORE_MODEL = dict(zip(FEATURES, (0.0, 0.0, 0.0, 1.711, 0.0, 2.096, 0.0, 0.0, 0.0, 0.461, -0.461, -2.616,
                                     -1.552, 0.626, 4.673, 4.841, 0.658, 2.768, 0.0)))
BEFORE: dict[str, Any] = {
    "threshold": 0.5, "background_prior": 0.3, "intercept": -2.898, "overlap_idf": True,
    "lone_threshold": 0.5, "lone_dense": 0.0, "coef": _BEFORE_MODEL,
    # one model for every article then, dated or not
    "undated_threshold": 0.5, "undated_intercept": -2.898, "undated_coef": _BEFORE_MODEL,
}

#: Candidates for the lone-candidate path (``lone_threshold``, ``lone_dense``); (threshold, 0.0)
#: is "no lone path". The shipped values were chosen on BASIL-dev from this grid.
LONE_GRID: tuple[tuple[float, float], ...] = tuple(
    (t, d) for t in (0.5, 0.4, 0.3, 0.2, 0.1) for d in (0.0, 0.65, 0.6, 0.55, 0.5))


def choose_lone(articles: Sequence[ArticleSignals], gold: Sequence[Hashable], params: AssignParams,
                grid: Sequence[tuple[float, float]] = LONE_GRID) -> AssignParams:
    """``params`` with the (``lone_threshold``, ``lone_dense``) of ``grid`` that gives the best
    online B-cubed F1 on one corpus (ties: the first, i.e. the most conservative)."""
    from clustering.metrics import bcubed

    best: tuple[float, AssignParams] | None = None
    for t, d in grid:
        p = copy.copy(params)
        p.lone_threshold, p.lone_dense = float(t), float(d)
        f1 = bcubed(list(gold), online_labels(articles, p))[2]
        if best is None or f1 > best[0] + 1e-9:
            best = (f1, p)
    return best[1] if best else params


def cross_validate_lone(articles: Sequence[ArticleSignals], gold: Sequence[Hashable], params: AssignParams,
                        k: int = 5, seed: int = 0) -> tuple[list[str], list[AssignParams]]:
    """Story-fold cross-validation of the lone-candidate path: for each fold, choose it
    (:func:`choose_lone`) on the other folds' stories, then cluster the fold alone with it.
    The logistic model itself stays ``params``' (not fitted on this corpus).

    Returns:
        (one predicted label per article, ``"<fold>-<story>"``; the k chosen parameter sets).
    """
    labels = [""] * len(gold)
    chosen = []
    for j, fold in enumerate(story_folds(gold, k, seed)):
        keep = [i for i, g in enumerate(gold) if g not in fold]
        held = [i for i, g in enumerate(gold) if g in fold]
        p = choose_lone([articles[i] for i in keep], [gold[i] for i in keep], params)
        chosen.append(p)
        for i, lab in zip(held, online_labels([articles[i] for i in held], p)):
            labels[i] = f"{j}-{lab}"
    return labels, chosen
