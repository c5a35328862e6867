"""Clustering metrics: B-cubed precision/recall/F1, ARI and NMI.

Labels are any hashable values; only which items share a label matters.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class ClusterScores:
    """Scores of a predicted clustering against gold labels."""

    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    ari: float
    nmi: float
    n_items: int
    n_gold: int
    n_pred: int

    def as_dict(self) -> dict[str, float]:
        """Plain dict (for JSON output)."""
        return asdict(self)


def _check(gold: Sequence[Hashable], pred: Sequence[Hashable]) -> None:
    if len(gold) != len(pred):
        raise ValueError(f"gold and pred differ in length: {len(gold)} != {len(pred)}")


def bcubed(gold: Sequence[Hashable], pred: Sequence[Hashable]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 (Bagga & Baldwin 1998; Amigó et al. 2009).

    For each item, precision is the share of its predicted cluster that shares its gold label,
    recall the share of its gold cluster that shares its predicted label; both are averaged
    over items, and F1 is their harmonic mean.

    Args:
        gold: Gold label per item.
        pred: Predicted label per item.

    Returns:
        ``(precision, recall, f1)``; all 1.0 for empty input.
    """
    _check(gold, pred)
    n = len(gold)
    if n == 0:
        return 1.0, 1.0, 1.0
    pair = Counter(zip(gold, pred))
    g_size = Counter(gold)
    p_size = Counter(pred)
    # every item of the (gold g, pred p) cell has the same per-item precision and recall
    precision = sum(c * c / p_size[p] for (g, p), c in pair.items()) / n
    recall = sum(c * c / g_size[g] for (g, p), c in pair.items()) / n
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return precision, recall, f1


def cluster_scores(gold: Sequence[Hashable], pred: Sequence[Hashable]) -> ClusterScores:
    """B-cubed, adjusted Rand index and normalised mutual information.

    Args:
        gold: Gold label per item.
        pred: Predicted label per item.

    Returns:
        A :class:`ClusterScores`.
    """
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    p, r, f = bcubed(gold, pred)
    # sklearn wants comparable labels; map each to an integer
    g_ids = {v: i for i, v in enumerate(dict.fromkeys(gold))}
    p_ids = {v: i for i, v in enumerate(dict.fromkeys(pred))}
    gi = [g_ids[v] for v in gold]
    pi = [p_ids[v] for v in pred]
    ari = float(adjusted_rand_score(gi, pi)) if gold else 1.0
    nmi = float(normalized_mutual_info_score(gi, pi)) if gold else 1.0
    return ClusterScores(
        bcubed_precision=p, bcubed_recall=r, bcubed_f1=f, ari=ari, nmi=nmi,
        n_items=len(gold), n_gold=len(g_ids), n_pred=len(p_ids),
    )


def clustering_scores(gold: Sequence[Hashable], pred: Sequence[Hashable]) -> dict[str, float]:
    """:func:`cluster_scores` as a plain dict, plus ``n_clusters`` (predicted clusters).

    Args:
        gold: Gold label per item.
        pred: Predicted label per item.

    Returns:
        Keys ``bcubed_precision``, ``bcubed_recall``, ``bcubed_f1``, ``ari``, ``nmi``,
        ``n_items``, ``n_gold``, ``n_pred`` and ``n_clusters`` (= ``n_pred``).
    """
    d: dict[str, float] = dict(cluster_scores(gold, pred).as_dict())
    d["n_clusters"] = d["n_pred"]
    return d
