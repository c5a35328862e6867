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
    story_folds,
    within_story_order,
)
from clustering.compare.tone import FEATURES
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
    assert "| span sentence model" in out
    assert "chosen:" in out


def _story_items(stories: int, per_story: int) -> list[dict]:
    items = []
    for s in range(stories):
        for k in range(per_story + s % 3):  # uneven stories: item-wise folds would cut one
            label = -1 if k == 0 else 0
            sentences = [{"own": f"story{s} word{k} {'bad awful' if label == -1 else 'plain calm'} text",
                          "plain": -0.5 if label == -1 else 0.0, "own_score": -0.5 if label == -1 else 0.0,
                          "neg_span": label == -1}]
            items.append({"story": f"s{s}", "article": f"s{s}-{k}", "entity": "X", "label": label, "vader": 0.0,
                          "features": {f: float(k) for f in FEATURES}, "sentences": sentences})
    return items


def test_story_folds_never_put_a_story_on_both_sides():
    items = _story_items(stories=7, per_story=5)
    folds = story_folds(items, 5)
    assert len(folds) == 5
    tested = []
    for train, test in folds:
        train_stories = {items[i]["story"] for i in train}
        test_stories = {items[i]["story"] for i in test}
        assert train_stories and test_stories
        assert not train_stories & test_stories
        tested += list(test)
    assert sorted(tested) == list(range(len(items)))  # every item held out exactly once
    assert story_folds(_story_items(stories=1, per_story=4), 5) == []  # one story: nothing to hold out


def test_cross_validation_fits_the_span_model_without_the_held_out_stories(monkeypatch):
    """Every fit (outer and inner) sees no story of the items it then scores."""
    import clustering.compare.tone_eval as tone_eval

    calls = []
    real = tone_eval._span_column

    def spy(train, test):
        calls.append(({it["story"] for it in train}, {it["story"] for it in test}))
        return real(train, test)

    monkeypatch.setattr(tone_eval, "_span_column", spy)
    items = _story_items(stories=6, per_story=4)
    tone_eval.cross_validate(items, 3)
    assert len(calls) == 3 + 3 * 3  # each outer fold, and each inner fold of its training part
    for train_stories, test_stories in calls:
        assert train_stories and test_stories and not train_stories & test_stories
    assert all("p_neg" in it and "p_neg_stacked" in it and "span" in it for it in items)
