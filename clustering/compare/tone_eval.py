"""Tone checked against people: the engine's tone towards an entity versus BASIL's annotated
author feeling (``../shared/data/basil-dev``), cross-validated by story.

Usage::

    python -m clustering.compare.tone_eval [--data ../shared/data/basil-dev/articles.jsonl] [--folds 5]
        [--min-claims 10]

Prints, for plain VADER (mean compound of the sentences naming the entity's last name, BASIL's
sentence split), for the engine's tone model (a logistic model over a few own-voice
features, :data:`clustering.compare.tone.FEATURES`), for the span sentence model
(:mod:`clustering.compare.tone_spans`: BASIL's bias spans as training labels), for both
stacked (nested story folds) and for the mean rank of the three scores, everything fitted on
the training folds only (folds by story id, :func:`story_folds`):

- within-story order: the pairs of outlets of one story whose annotated feelings towards the
  same entity differ (neg < neu < pos); the share the scores order the same way (ties and
  missing scores count one half);
- negative AUC: how well the score separates entities annotated ``neg`` from the rest
  (missing scores count as neutral);
- the precision of a "negative tone" claim at each confidence threshold of the held-out
  predictions, and the threshold a claim would need (the lowest one whose held-out precision
  is at least 0.9 over at least ``--min-claims`` claims), or none. With none, the engine makes
  no tone claim towards a person (:data:`clustering.compare.tone.NO_CLEAR_TONE`).
"""
from __future__ import annotations

import argparse
import json
import math
import re
import tomllib
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from .articles import CompareArticle
from .lexicons import LEXICON_FILES, Lexicons
from .naming import build_entity_index
from .params import CompareParams
from .quoted import quoted_ranges
from .quotes import extract_quotes
from .sentences import parse_articles
from .tone import FEATURES, ToneScorer, about_sentences, entity_features, own_voice, plain_vader
from .tone_spans import fit_span_model, span_scores

LABELS = {"neg": -1, "neu": 0, "pos": 1}
PRECISION_TARGET = 0.9


def load_lexicons(root: Path) -> Lexicons:
    """The lexicons of ``config/`` under ``root`` (as the service builds them)."""
    tables = {}
    for name, rel in LEXICON_FILES.items():
        path = root / rel
        if path.exists():
            with open(path, "rb") as fh:
                tables[name] = tomllib.load(fh)
    return Lexicons.from_dict(tables)


def _surname(entity: str) -> str:
    return entity.replace("_", " ").split()[-1]


def within_story_order(items: list[dict[str, Any]], key: str) -> tuple[float, int]:
    """Share of differing-label outlet pairs (same story and entity) ordered as annotated."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for it in items:
        groups[(it["story"], it["entity"])].append(it)
    good = 0.0
    pairs = 0
    for rows in groups.values():
        for i in range(len(rows)):
            for j in range(i + 1, len(rows)):
                a, b = rows[i], rows[j]
                if a["label"] == b["label"]:
                    continue
                pairs += 1
                sa, sb = a.get(key), b.get(key)
                if sa is None or sb is None or sa == sb:
                    good += 0.5
                elif (sa < sb) == (a["label"] < b["label"]):
                    good += 1.0
    return (good / pairs if pairs else float("nan")), pairs


def negative_auc(items: list[dict[str, Any]], key: str) -> float:
    """AUC of "lower score means annotated neg" (missing scores count as 0, neutral)."""
    neg = [it.get(key) or 0.0 for it in items if it["label"] == -1]
    rest = [it.get(key) or 0.0 for it in items if it["label"] != -1]
    if not neg or not rest:
        return float("nan")
    wins = sum((1.0 if n < r else 0.5 if n == r else 0.0) for n in neg for r in rest)
    return wins / (len(neg) * len(rest))


def collect(data: Path, lexicons: Lexicons, params: CompareParams) -> list[dict[str, Any]]:
    """One item per (article, annotated entity): label, VADER baseline score, model features."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    plain = SentimentIntensityAnalyzer()
    stories: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in data.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            stories[row["story_id"]].append(row)
    scorer = ToneScorer(lexicons.tone, lexicons.attribution, params.tone_neutral_band,
                        params.tone_reported_weight, params.tone_hedge_factor)
    items = []
    for story_id in sorted(stories):
        rows = stories[story_id]
        arts = [CompareArticle(id=i + 1, external_id=r["id"], outlet=r["outlet"], title=r["title"] or "",
                               text=r["text"], url=None, published_at=None) for i, r in enumerate(rows)]
        parsed = parse_articles(arts, params.spacy_model)
        index = build_entity_index(parsed, lexicons.names, lexicons.attribution.reporting)
        quotes = extract_quotes(parsed, index, lexicons.attribution, params.quote_min_words, params.scare_quote_max_words)
        ranges = quoted_ranges(quotes)
        for pos, (row, pa) in enumerate(zip(rows, parsed)):
            for entity, feeling in row["article_annotations"]["author_feeling"].items():
                if entity == "main_event" or feeling not in LABELS:
                    continue
                surname = _surname(entity)
                pattern = re.compile(r"(?<!\w)" + re.escape(surname) + r"(?!\w)")
                sents = [row["text"][s["start"]:s["end"]] for s in row.get("sentences", [])]
                vals = [plain.polarity_scores(t)["compound"] for t in sents if pattern.search(t)]
                ent = index.resolve_word(surname)
                body = [s for s in pa.sentences if s.field == "text"]
                feats = entity_features(body, ranges, index, ent.id if ent is not None else None, surname, scorer)
                about = about_sentences(body, index, ent.id if ent is not None else None, surname)
                items.append({
                    "story": story_id, "article": row["id"], "entity": entity, "label": LABELS[feeling],
                    "vader": sum(vals) / len(vals) if vals else None,
                    "features": feats,
                    "sentences": [_sentence_row(s, ranges, scorer, row["bias_spans"], entity) for s in about],
                })
    return items


def _sentence_row(s: Any, ranges: dict, scorer: ToneScorer, spans: list[dict[str, Any]], entity: str) -> dict[str, Any]:
    """A sentence about the person for :mod:`.tone_spans`; ``neg_span`` (a negative bias span
    aimed at the person overlaps it) is a training label only."""
    own = own_voice(s, ranges, scorer.neutral)
    neg = any(b["field"] == s.field and b["start"] < s.end and s.start < b["end"] and b["polarity"] == "negative"
              and b["target"] == entity for b in spans)
    return {"own": own, "plain": float(plain_vader().polarity_scores(s.text)["compound"]),
            "own_score": scorer.raw(own), "neg_span": neg}


def _matrix(items: list[dict[str, Any]]) -> np.ndarray:
    return np.array([[it["features"][f] if it["features"] else 0.0 for f in FEATURES] for it in items], dtype=float)


def _fit(x: np.ndarray, y: np.ndarray) -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=0.5, max_iter=1000)).fit(x, y)


def _fit_predict(x: np.ndarray, y: np.ndarray, x_test: np.ndarray) -> np.ndarray:
    """P(class 1) for ``x_test``; a training part with one class only predicts its share."""
    if len(set(y.tolist())) < 2:
        return np.full(len(x_test), float(y.mean()) if len(y) else 0.0)
    return _fit(x, y).predict_proba(x_test)[:, 1]


def story_folds(items: list[dict[str, Any]], folds: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(train, test)`` index arrays, ``folds`` of them (fewer with fewer stories): no story
    has items on both sides."""
    from sklearn.model_selection import GroupKFold

    groups = np.array([it["story"] for it in items])
    n = min(folds, len(set(groups.tolist())))
    if n < 2:
        return []
    return list(GroupKFold(n_splits=n).split(np.zeros(len(items)), groups=groups))


def _span_column(train: list[dict[str, Any]], test: list[dict[str, Any]]) -> list[float | None]:
    return span_scores(fit_span_model(train), test)


def _filled(values: list[float | None]) -> np.ndarray:
    return np.array([0.0 if v is None else v for v in values], dtype=float)


def cross_validate(items: list[dict[str, Any]], folds: int) -> None:
    """Fill the held-out predictions of every item from models fitted without its story.

    ``p_neg`` / ``p_pos`` / ``model``: the engine's tone model; ``span``: −(mean sentence
    probability of a negative span aimed at the person, :mod:`.tone_spans`); ``p_neg_stacked``:
    a logistic model over the engine's features plus that mean probability, whose training
    values come from an inner story cross-validation of the training folds.
    """
    x = _matrix(items)
    y = np.array([it["label"] for it in items])
    for train, test in story_folds(items, folds):
        p_neg = _fit_predict(x[train], (y[train] == -1).astype(int), x[test])
        p_pos = _fit_predict(x[train], (y[train] == 1).astype(int), x[test])
        train_items = [items[i] for i in train]
        test_items = [items[i] for i in test]
        span_test = _span_column(train_items, test_items)
        span_train: list[float | None] = [None] * len(train_items)
        for inner_train, inner_test in story_folds(train_items, folds):
            inner = _span_column([train_items[i] for i in inner_train], [train_items[i] for i in inner_test])
            for k, i in enumerate(inner_test):
                span_train[i] = inner[k]
        stacked = _fit_predict(np.column_stack([x[train], _filled(span_train)]), (y[train] == -1).astype(int),
                               np.column_stack([x[test], _filled(span_test)]))
        for k, i in enumerate(test):
            items[i]["p_neg"] = float(p_neg[k])
            items[i]["p_pos"] = float(p_pos[k])
            items[i]["model"] = float(p_pos[k] - p_neg[k])
            items[i]["span"] = None if span_test[k] is None else -span_test[k]
            items[i]["p_neg_stacked"] = float(stacked[k])


def mean_rank(items: list[dict[str, Any]], keys: list[str]) -> list[float]:
    """Mean over ``keys`` of each item's rank share (missing scores count as 0, neutral)."""
    from scipy.stats import rankdata

    cols = [rankdata(_filled([it.get(k) for it in items])) / len(items) for k in keys]
    return [float(v) for v in np.mean(cols, axis=0)]


def precision_table(items: list[dict[str, Any]], key: str, label: int, thresholds: list[float]) -> list[tuple[float, int, float]]:
    """``(threshold, claims, precision)`` of claiming ``label`` where ``item[key] >= threshold``."""
    out = []
    for t in thresholds:
        claimed = [it for it in items if it["features"] and it.get(key, 0.0) >= t]
        right = sum(1 for it in claimed if it["label"] == label)
        out.append((t, len(claimed), right / len(claimed) if claimed else float("nan")))
    return out


def choose_threshold(table: list[tuple[float, int, float]], min_claims: int) -> float | None:
    """The lowest threshold whose precision reaches the target over enough claims."""
    for t, n, p in table:
        if n >= min_claims and not math.isnan(p) and p >= PRECISION_TARGET:
            return t
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default="../shared/data/basil-dev/articles.jsonl")
    ap.add_argument("--root", default=".", help="repository root (config/lexicons is read from there)")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--min-claims", type=int, default=10)
    args = ap.parse_args(argv)
    data = Path(args.data)
    if not data.exists():
        print(f"{data} not found: the BASIL development half lives in ../shared/data/basil-dev")
        return 2
    lexicons = load_lexicons(Path(args.root))
    items = collect(data, lexicons, CompareParams())
    cross_validate(items, args.folds)
    scored_v = sum(1 for it in items if it["vader"] is not None)
    scored_m = sum(1 for it in items if it["features"])
    scored_s = sum(1 for it in items if it.get("span") is not None)
    print(f"BASIL-dev: {len({it['story'] for it in items})} stories, {len(items)} (article, entity) items, "
          f"{sum(1 for it in items if it['label'] == -1)} neg; {args.folds} folds by story\n")
    for it in items:
        it["neg_score"] = -it["p_neg"] if it["features"] and "p_neg" in it else None
        it["stacked_score"] = -it["p_neg_stacked"] if it["features"] and "p_neg_stacked" in it else None
    for it, v in zip(items, mean_rank(items, ["vader", "neg_score", "span"])):
        it["rank_mean"] = v
    print("| method | within-story order | pairs | negative AUC | items scored |")
    print("|---|---|---|---|---|")
    for name, key, scored in (
        ("plain VADER (sentences naming the last name)", "vader", scored_v),
        ("engine tone model, P(pos) - P(neg) (held-out folds)", "model", scored_m),
        ("engine tone model, -P(neg) (held-out folds)", "neg_score", scored_m),
        ("span sentence model, -mean P(neg span at the person) (held-out folds)", "span", scored_s),
        ("engine features + span model, stacked, -P(neg) (held-out folds)", "stacked_score", scored_m),
        ("mean rank of plain VADER, engine -P(neg), span model", "rank_mean", len(items)),
    ):
        order, pairs = within_story_order(items, key)
        print(f"| {name} | {order:.3f} | {pairs} | {negative_auc(items, key):.3f} | {scored} / {len(items)} |")
    thresholds = [round(0.3 + 0.05 * k, 2) for k in range(14)]
    chosen = {}
    for label_name, key, label in (("negative", "p_neg", -1), ("positive", "p_pos", 1),
                                   ("negative (stacked)", "p_neg_stacked", -1)):
        table = precision_table(items, key, label, thresholds)
        print(f"\n'{label_name} tone' claims on held-out folds: threshold, claims, precision")
        for t, n, p in table:
            print(f"  {t:.2f}  {n:4d}  {p:.3f}" if n else f"  {t:.2f}  {n:4d}  -")
        chosen[label_name] = choose_threshold(table, args.min_claims)
        print(f"  chosen: {chosen[label_name] if chosen[label_name] is not None else 'none (no threshold reaches 0.9 precision over ' + str(args.min_claims) + ' claims)'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
