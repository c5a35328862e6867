"""Tone checked against people: the engine's tone towards an entity versus BASIL's annotated
author feeling (``../shared/data/basil-dev``), cross-validated by story.

Usage::

    python -m clustering.compare.tone_eval [--data ../shared/data/basil-dev/articles.jsonl] [--folds 5]
        [--min-claims 10]

Prints, for plain VADER (mean compound of the sentences naming the entity's last name, BASIL's
sentence split) and for the engine's tone model (a logistic model over a few own-voice
features, :data:`clustering.compare.tone.FEATURES`, fitted on the training folds only, folds
by story id):

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
from .tone import FEATURES, ToneScorer, entity_features

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
                feats = entity_features([s for s in pa.sentences if s.field == "text"], ranges, index,
                                        ent.id if ent is not None else None, surname, scorer)
                items.append({
                    "story": story_id, "article": row["id"], "entity": entity, "label": LABELS[feeling],
                    "vader": sum(vals) / len(vals) if vals else None,
                    "features": feats,
                })
    return items


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


def cross_validate(items: list[dict[str, Any]], folds: int) -> None:
    """Fill ``p_neg`` / ``p_pos`` / ``model`` of every item from models fitted without its story."""
    from sklearn.model_selection import GroupKFold

    x = _matrix(items)
    y = np.array([it["label"] for it in items])
    groups = np.array([it["story"] for it in items])
    for train, test in GroupKFold(n_splits=folds).split(x, y, groups):
        p_neg = _fit_predict(x[train], (y[train] == -1).astype(int), x[test])
        p_pos = _fit_predict(x[train], (y[train] == 1).astype(int), x[test])
        for k, i in enumerate(test):
            items[i]["p_neg"] = float(p_neg[k])
            items[i]["p_pos"] = float(p_pos[k])
            items[i]["model"] = float(p_pos[k] - p_neg[k])


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
    print(f"BASIL-dev: {len({it['story'] for it in items})} stories, {len(items)} (article, entity) items, "
          f"{sum(1 for it in items if it['label'] == -1)} neg; {args.folds} folds by story\n")
    print("| method | within-story order | pairs | negative AUC | items scored |")
    print("|---|---|---|---|---|")
    for name, key, scored in (("plain VADER (sentences naming the last name)", "vader", scored_v),
                              ("engine tone model, P(pos) - P(neg) (held-out folds)", "model", scored_m)):
        order, pairs = within_story_order(items, key)
        print(f"| {name} | {order:.3f} | {pairs} | {negative_auc(items, key):.3f} | {scored} / {len(items)} |")
    for it in items:
        it["neg_score"] = -it["p_neg"] if it["features"] else None
    order, pairs = within_story_order(items, "neg_score")
    print(f"| engine tone model, -P(neg) (held-out folds) | {order:.3f} | {pairs} | "
          f"{negative_auc(items, 'neg_score'):.3f} | {scored_m} / {len(items)} |")
    thresholds = [round(0.3 + 0.05 * k, 2) for k in range(14)]
    chosen = {}
    for label_name, key, label in (("negative", "p_neg", -1), ("positive", "p_pos", 1)):
        table = precision_table(items, key, label, thresholds)
        print(f"\n'{label_name} tone' claims on held-out folds: threshold, claims, precision")
        for t, n, p in table:
            print(f"  {t:.2f}  {n:4d}  {p:.3f}" if n else f"  {t:.2f}  {n:4d}  -")
        chosen[label_name] = choose_threshold(table, args.min_claims)
        print(f"  chosen: {chosen[label_name] if chosen[label_name] is not None else 'none (no threshold reaches 0.9 precision over ' + str(args.min_claims) + ' claims)'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
