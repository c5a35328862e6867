"""The tone evaluation against BASIL-dev: its two measures on hand-made items, the claim
threshold rule, and one real run on two BASIL stories (skipped without ../shared/data)."""
from __future__ import annotations

import json
import math

import pytest

from clustering.compare.tone_eval import (
    choose_threshold,
    main,
    negative_auc,
    precision_table,
    within_story_order,
)
from tests.test_compare_helpers import SHARED

BASIL = SHARED / "basil-dev" / "articles.jsonl"


def _item(story, entity, label, score, features=True):
    return {"story": story, "entity": entity, "label": label, "s": score, "features": {"x": 0.0} if features else None}


def test_within_story_order_counts_only_differing_pairs_and_halves_ties():
    items = [
        _item("a", "X", -1, -0.5), _item("a", "X", 0, 0.1), _item("a", "X", 0, 0.2),  # 2 pairs, both right
        _item("b", "X", 1, -0.2), _item("b", "X", -1, 0.3),  # 1 pair, wrong
        _item("c", "Y", 0, None), _item("c", "Y", 1, 0.4),  # 1 pair, missing: one half
        _item("a", "Z", 0, 0.0),  # alone for its entity: no pair
    ]
    order, pairs = within_story_order(items, "s")
    assert pairs == 4
    assert order == pytest.approx((1 + 1 + 0 + 0.5) / 4)


def test_negative_auc_is_one_when_every_negative_scores_lowest_and_half_at_chance():
    perfect = [_item("a", "X", -1, -0.9), _item("a", "Y", -1, -0.4), _item("a", "Z", 0, 0.0), _item("b", "X", 1, 0.5)]
    assert negative_auc(perfect, "s") == 1.0
    flat = [_item("a", "X", -1, 0.0), _item("a", "Z", 0, 0.0)]
    assert negative_auc(flat, "s") == 0.5
    assert math.isnan(negative_auc([_item("a", "Z", 0, 0.0)], "s"))


def test_threshold_needs_the_precision_over_enough_claims():
    items = [dict(_item("a", str(i), -1 if i < 9 else 0, 0.0), p=0.8) for i in range(10)]
    items += [dict(_item("b", str(i), 0, 0.0), p=0.5) for i in range(10)]
    table = precision_table(items, "p", -1, [0.4, 0.6, 0.9])
    assert table[0][1:] == (20, pytest.approx(9 / 20))
    assert table[1][1:] == (10, pytest.approx(0.9))
    assert choose_threshold(table, min_claims=10) == 0.6
    assert choose_threshold(table, min_claims=11) is None


def test_evaluation_runs_on_two_basil_stories(tmp_path, capsys):
    if not BASIL.exists():
        pytest.skip(f"{BASIL} not present: the BASIL development half lives in ../shared/data/basil-dev")
    stories: dict[str, list[str]] = {}
    for line in BASIL.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        stories.setdefault(row["story_id"], []).append(line)
    small = tmp_path / "basil-two.jsonl"
    small.write_text("\n".join(sum(sorted(stories.values())[:2], [])) + "\n", encoding="utf-8")
    assert main(["--data", str(small), "--folds", "2", "--min-claims", "1"]) == 0
    out = capsys.readouterr().out
    assert "BASIL-dev: 2 stories" in out
    assert "| plain VADER" in out and "| engine tone model, -P(neg) (held-out folds) |" in out
    assert "chosen:" in out
