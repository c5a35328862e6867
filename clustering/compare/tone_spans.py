"""Negative wording towards a person, learned from annotated bias spans (an evaluation variant).

BASIL marks the biased spans of each article with the entity they aim at and their polarity.
:class:`SpanSentenceModel` learns, from training stories only, which own-voice sentences about
a person hold a negative span aimed at that person (TF-IDF of the own-voice words, plus the
sentence's plain and own-voice VADER compounds; a class-balanced logistic model). Applied to a
held-out article, an item's score is the mean probability over its sentences about the person
(:func:`span_scores`). The spans are training labels only: nothing of a held-out article's
annotation is read when it is scored.

``python -m clustering.compare.tone_eval`` measures it beside plain VADER (docs/tone.md); it is
not part of the engine's tone.
"""
from __future__ import annotations

from typing import Any

import numpy as np


class SpanSentenceModel:
    """Probability that a sentence about a person holds a negative bias span aimed at them.

    Args:
        C: Inverse regularisation of the logistic model.
        min_df: Minimum number of training sentences a word must occur in.
    """

    def __init__(self, C: float = 0.1, min_df: int = 2) -> None:
        self.C = C
        self.min_df = min_df

    def _matrix(self, rows: list[dict[str, Any]], fit: bool = False) -> Any:
        from scipy.sparse import csr_matrix, hstack

        texts = [r["own"] for r in rows]
        words = self.vectorizer_.fit_transform(texts) if fit else self.vectorizer_.transform(texts)
        numeric = csr_matrix(np.array([[r["plain"], r["own_score"]] for r in rows], dtype=float).reshape(len(rows), 2))
        return hstack([words, numeric]).tocsr()

    def fit(self, rows: list[dict[str, Any]]) -> "SpanSentenceModel":
        """Fit on sentence rows (``own``, ``plain``, ``own_score``, ``neg_span``).

        Raises:
            ValueError: If the rows hold only one class (no negative span, or only those).
        """
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        labels = [bool(r["neg_span"]) for r in rows]
        if len(set(labels)) < 2:
            raise ValueError("SpanSentenceModel.fit needs sentences with and without a negative span")
        self.vectorizer_ = TfidfVectorizer(min_df=self.min_df, sublinear_tf=True)
        x = self._matrix(rows, fit=True)
        self.model_ = LogisticRegression(C=self.C, max_iter=3000, class_weight="balanced").fit(x, labels)
        return self

    def predict_proba(self, rows: list[dict[str, Any]]) -> np.ndarray:
        """P(negative span aimed at the person) of each sentence row."""
        if not rows:
            return np.zeros(0)
        return self.model_.predict_proba(self._matrix(rows))[:, 1]


def fit_span_model(train: list[dict[str, Any]], C: float = 0.1) -> SpanSentenceModel | None:
    """A model fitted on the sentences of the training items (None: one class only)."""
    rows = [r for it in train for r in it.get("sentences") or []]
    if len({bool(r["neg_span"]) for r in rows}) < 2:
        return None
    return SpanSentenceModel(C=C).fit(rows)


def span_scores(model: SpanSentenceModel | None, items: list[dict[str, Any]]) -> list[float | None]:
    """Mean sentence probability per item (None: no sentence about the person, or no model)."""
    out: list[float | None] = []
    for it in items:
        rows = it.get("sentences") or []
        out.append(float(model.predict_proba(rows).mean()) if model is not None and rows else None)
    return out
