"""``newsprism evaluate-copies``: precision and recall of copy detection on a labelled pair set.

The pair set (``docs/data/copy-pairs.jsonl``) names articles of ``../shared/data`` by id and
never holds a text:

- ``variant`` pairs (copies): an article and the variant a recipe of
  :mod:`service.devtools.copy_variants` makes of it (new headline, added first paragraph or
  byline, trimmed ending, reordered paragraphs, or several at once);
- ``same_story`` pairs (not copies): two outlets' articles on one event (AllSides and BASIL
  story groups), the hard case for a near-duplicate detector;
- ``rewrite`` pairs (not copies): a seed article and the aggregator's paraphrase of it;
- ``variant_other`` pairs (not copies): a variant of one article against another outlet's
  article of the same story;
- ``found`` pairs: the most similar cross-outlet pairs the LSH finds in the data sets, labelled
  by reading them (``note`` says why).

A pair is detected as a copy when the LSH makes it a candidate (the two bodies share a band
key) and the exact check accepts it (``clustering.copies.Verdict.is_copy``): the same two
steps as ingest. The report also scores the exact content hash (the old deduplication) as
the baseline, and the decision rule at other thresholds.
"""
from __future__ import annotations

import json
import random
from collections import defaultdict
from dataclasses import replace
from itertools import combinations
from pathlib import Path
from typing import Any

from clustering.cleaning import CleaningRules, clean_text, content_hash
from clustering.copies import CopyParams, compare_texts, fingerprint
from service.devtools.copy_variants import RECIPES, make_variant

DATASETS = ("allsides-neus-2021", "basil-dev", "seed-putin")
#: pairs labelled by reading them (the LSH's most similar cross-outlet pairs in the data)
FOUND = [
    {"a": "allsides-5807-left", "b": "allsides-5807-right", "label": False, "kind": "found",
     "note": "The Daily Wire quotes two sentences of the New York Times report, attributed: not a republication"},
    {"a": "basil-d1344998-0e7c-409e-aaad-df5be687fc94-fox", "b": "basil-d1344998-0e7c-409e-aaad-df5be687fc94-hpo",
     "label": False, "kind": "found", "note": "Fox News and HuffPost quote the same statement; own reports otherwise"},
]


def load_articles(data_dir: Path, rules: CleaningRules) -> dict[str, dict[str, Any]]:
    """Every article of the data sets by id, its body cleaned as ingest cleans it."""
    out = {}
    for ds in DATASETS:
        path = data_dir / ds / "articles.jsonl"
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            row["clean"] = clean_text(row.get("text") or "", rules)
            row["dataset"] = ds
            out[row["id"]] = row
    return out


def make_pairs(articles: dict[str, dict[str, Any]], n_variants: int = 120, n_same_story: int = 500,
               seed: int = 16) -> list[dict[str, Any]]:
    """The labelled pair set (ids and recipes only), deterministic for a seed."""
    rng = random.Random(seed)
    ids = sorted(i for i, a in articles.items() if len(a["clean"].split()) >= 80)
    pairs: list[dict[str, Any]] = []
    for k, aid in enumerate(rng.sample(ids, min(n_variants, len(ids)))):
        recipe = sorted(RECIPES)[k % len(RECIPES)]
        pairs.append({"a": aid, "b": aid, "recipe": recipe, "seed": k, "label": True, "kind": "variant"})
    stories: dict[str, list[str]] = defaultdict(list)
    for aid in sorted(articles):
        a = articles[aid]
        if a.get("story_id"):
            stories[f"{a['dataset']}:{a['story_id']}"].append(aid)
    same = [(x, y) for group in stories.values() for x, y in combinations(group, 2)
            if articles[x]["outlet"] != articles[y]["outlet"]]
    for x, y in rng.sample(same, min(n_same_story, len(same))):
        pairs.append({"a": x, "b": y, "label": False, "kind": "same_story"})
    for x, y in rng.sample(same, min(n_variants // 2, len(same))):
        recipe = sorted(RECIPES)[len(pairs) % len(RECIPES)]
        pairs.append({"a": y, "b": x, "recipe": recipe, "seed": len(pairs), "label": False, "kind": "variant_other"})
    for aid in sorted(i for i, a in articles.items() if a.get("aggregator_rewrite")):
        pairs.append({"a": aid, "b": aid, "b_field": "aggregator_rewrite", "label": False, "kind": "rewrite"})
    pairs.extend(p for p in FOUND if p["a"] in articles and p["b"] in articles)
    return pairs


def pair_texts(p: dict[str, Any], articles: dict[str, dict[str, Any]], rules: CleaningRules
               ) -> tuple[tuple[str, str], tuple[str, str]]:
    """((title, body), (title, body)) of a labelled pair, rebuilt from the data set."""
    a = articles[p["a"]]
    b = articles[p["b"]]
    first = (a.get("title") or "", a["clean"])
    if p.get("recipe"):
        title, body = make_variant(p["recipe"], b.get("title") or "", b.get("text") or "", p.get("seed", 0))
        second = (title, clean_text(body, rules))
    elif p.get("b_field"):
        second = (b.get("title") or "", clean_text(b.get(p["b_field"]) or "", rules))
    else:
        second = (b.get("title") or "", b["clean"])
    return first, second


def _scores(pred: list[bool], gold: list[bool]) -> dict[str, Any]:
    tp = sum(p and g for p, g in zip(pred, gold))
    fp = sum(p and not g for p, g in zip(pred, gold))
    fn = sum(g and not p for p, g in zip(pred, gold))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "tp": tp, "fp": fp, "fn": fn}


def evaluate(pairs: list[dict[str, Any]], articles: dict[str, dict[str, Any]], rules: CleaningRules,
             params: CopyParams | None = None) -> dict[str, Any]:
    """Precision and recall of the detector (LSH candidate + exact check) on the pair set, with
    the exact-hash baseline and the decision rule at other thresholds."""
    params = params or CopyParams()
    rows = []
    for p in pairs:
        if p["a"] not in articles or p["b"] not in articles:
            continue
        (ta, a), (tb, b) = pair_texts(p, articles, rules)
        v = compare_texts(a, b, params)
        candidate = bool(set(fingerprint(a, params).bands) & set(fingerprint(b, params).bands))
        rows.append({"pair": p, "verdict": v, "candidate": candidate,
                     "same_hash": content_hash(ta, a) == content_hash(tb, b)})
    gold = [r["pair"]["label"] for r in rows]
    detected = [r["candidate"] and r["verdict"].is_copy(params) for r in rows]
    report: dict[str, Any] = {
        "pairs": len(rows), "copies": sum(gold), "not_copies": len(gold) - sum(gold),
        "params": {"shingle": params.shingle, "num_perm": params.num_perm, "bands_rows": params.bands_rows(),
                   "lsh_threshold": params.lsh_threshold, "threshold": params.threshold,
                   "containment": params.containment, "min_shingles": params.min_shingles},
        "detector": _scores(detected, gold),
        "baseline_exact_hash": _scores([r["same_hash"] for r in rows], gold),
        "lsh_candidate_recall": round(sum(r["candidate"] for r in rows if r["pair"]["label"]) / max(1, sum(gold)), 4),
    }
    by_kind: dict[str, dict[str, Any]] = {}
    for kind in sorted({r["pair"]["kind"] for r in rows}):
        sub = [(d, g) for d, g, r in zip(detected, gold, rows) if r["pair"]["kind"] == kind]
        by_kind[kind] = {"n": len(sub), "detected_as_copy": sum(d for d, _ in sub)}
    by_recipe: dict[str, dict[str, Any]] = {}
    for r, d in zip(rows, detected):
        if r["pair"]["kind"] == "variant":
            e = by_recipe.setdefault(r["pair"]["recipe"], {"n": 0, "detected": 0, "min_jaccard": 1.0})
            e["n"] += 1
            e["detected"] += int(d)
            e["min_jaccard"] = round(min(e["min_jaccard"], r["verdict"].jaccard), 4)
    report["by_kind"] = by_kind
    report["by_recipe"] = by_recipe
    negatives = [r["verdict"] for r in rows if not r["pair"]["label"]]
    report["max_not_copy"] = {"jaccard": round(max((v.jaccard for v in negatives), default=0.0), 4),
                              "containment": round(max((v.containment for v in negatives), default=0.0), 4)}
    sweep = []
    for t in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        alt = replace(params, threshold=t, containment=max(t, params.containment))
        pred = [r["candidate"] and r["verdict"].is_copy(alt) for r in rows]
        sweep.append({"threshold": t, "containment": alt.containment, **_scores(pred, gold)})
    report["sweep"] = sweep
    return report
