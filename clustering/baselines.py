"""Reference clusterers printed next to newsprism's by the evaluation.

* :func:`singletons`: every article its own story (the floor: B-cubed precision 1).
* :func:`dense_online`: the plain dense baseline of issue 15 (MiniLM on the title and the first
  120 words, :func:`dense_baseline_text`; online, +/- ``window_days``, join the story whose
  centroid is most similar if cosine >= 0.65).
* :func:`tfidf_online`: the plain greedy online TF-IDF clusterer the AllSides README reports
  (title + excerpt, in ``published_at`` order, a +/- ``window_days`` window, join the most
  similar story centroid if cosine >= ``threshold``).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from clustering.signals import to_datetime


def singletons(n: int) -> list[int]:
    """One story per article.

    Args:
        n: Number of articles.

    Returns:
        ``[0, 1, ..., n-1]``.
    """
    return list(range(n))


def tfidf_online(
    docs: Sequence[Mapping[str, Any]],
    threshold: float = 0.2,
    window_days: float = 3.0,
    order_by_time: bool = True,
) -> list[int]:
    """Greedy online TF-IDF clustering.

    The vectoriser (English stop words, sublinear tf) is fitted on all texts at once, as the
    README's reference did; each article then joins the story whose centroid is most similar
    among stories with an article within ``window_days`` (undated articles and stories are
    never excluded by time), if that cosine is at least ``threshold``.

    Args:
        docs: Mappings with ``title``, ``text`` and optionally ``published_at``.
        threshold: Minimum cosine to join.
        window_days: Time window around the story's newest article.
        order_by_time: Process in ``published_at`` order (ties and undated keep input order,
            undated last); labels are returned in input order either way.

    Returns:
        One label per doc, in input order.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    n = len(docs)
    if n == 0:
        return []
    texts = [f"{d.get('title') or ''}\n{d.get('text') or ''}" for d in docs]
    x = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts)
    times = [to_datetime(d.get("published_at")) for d in docs]
    order = list(range(n))
    if order_by_time:
        # dated articles by time (stable: ties keep input order), undated ones last
        dated = sorted((i for i in order if times[i] is not None), key=lambda i: times[i])
        order = dated + [i for i in order if times[i] is None]
    sums: list[np.ndarray] = []
    last: list[Any] = []
    labels = [0] * n
    for i in order:
        v = x[i].toarray().ravel()
        best, best_j = -1.0, None
        for j, (c, t_last) in enumerate(zip(sums, last)):
            if times[i] is not None and t_last is not None:
                if abs((times[i] - t_last).total_seconds()) > window_days * 86400:
                    continue
            norm = float(np.linalg.norm(c))
            sim = float(c @ v) / norm if norm > 0 else 0.0
            if sim > best:
                best, best_j = sim, j
        if best_j is not None and best >= threshold:
            sums[best_j] = sums[best_j] + v
            if times[i] is not None:
                last[best_j] = max(filter(None, [last[best_j], times[i]]))
            labels[i] = best_j
        else:
            sums.append(v.copy())
            last.append(times[i])
            labels[i] = len(sums) - 1
    return labels


def dense_baseline_text(title: str, text: str, words: int = 120) -> str:
    """What the dense baseline embeds: the title and the first ``words`` words of the body."""
    return f"{title or ''}\n{' '.join((text or '').split()[:words])}"


def dense_online(vectors: np.ndarray, times: Sequence[Any], threshold: float = 0.65,
                 window_days: float = 3.0) -> list[int]:
    """Greedy online clustering of L2-normalised vectors, in the given order.

    Each article joins the story whose (normalised) centroid is most similar among the
    stories with an article within ``window_days`` of it (undated articles and stories are
    never excluded by time), if that cosine is at least ``threshold``; else it opens a story.

    Args:
        vectors: ``(n, dim)`` embeddings (of :func:`dense_baseline_text`), in arrival order.
        times: Publication times (None: unknown), same order.
        threshold: Minimum cosine to join.
        window_days: Time window around the story's [first, last] span.

    Returns:
        One label per article (0, 1, ... in order of opening).
    """
    sums: list[np.ndarray] = []
    spans: list[list[Any]] = []
    labels: list[int] = []
    w = window_days * 86400.0
    for vec, when in zip(np.asarray(vectors, dtype=np.float64), (to_datetime(t) for t in times)):
        best, best_j = -1.0, None
        for j, (c, (lo, hi)) in enumerate(zip(sums, spans)):
            if when is not None and lo is not None:
                if (lo - when).total_seconds() > w or (when - hi).total_seconds() > w:
                    continue
            sim = float(c @ vec) / (float(np.linalg.norm(c)) or 1.0)
            if sim > best:
                best, best_j = sim, j
        if best_j is not None and best >= threshold:
            sums[best_j] = sums[best_j] + vec
            if when is not None:
                lo, hi = spans[best_j]
                spans[best_j] = [min(lo, when) if lo else when, max(hi, when) if hi else when]
            labels.append(best_j)
        else:
            sums.append(vec.copy())
            spans.append([when, when])
            labels.append(len(sums) - 1)
    return labels
