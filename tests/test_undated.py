"""Undated articles (issue 15): a stand-in time bounds their candidates, stories keep a
stand-in span apart from real dates, and the score does not move with unrelated stories.
Hand-made vectors; no model."""
from __future__ import annotations

import copy
from datetime import datetime, timezone

import numpy as np

from clustering.assign import AssignParams, InMemoryTermStats, StoryAssigner, StoryState
from clustering.baselines import dense_baseline_text, dense_online
from clustering.calibrate import fit_logistic, story_folds
from clustering.params import FEATURES
from clustering.signals import to_datetime
from clustering.undated import undated_stand_in
from tests.test_assign import art_row

NOW = datetime(2026, 11, 28, 12, tzinfo=timezone.utc)


def _undated(vec, at, **kw):
    art = art_row(vec, when=at, **kw)
    art.time_estimated = True
    return art


def test_stand_in_is_the_batch_median_else_the_ingest_time():
    assert undated_stand_in(["2025-01-29", None, "2025-01-28", "2025-01-29", None], NOW) == to_datetime("2025-01-29")
    assert undated_stand_in(["2025-01-28", "2025-02-10"], NOW) == to_datetime("2025-01-28")
    assert undated_stand_in([None, None], NOW) == NOW
    assert undated_stand_in([], NOW) == NOW


def test_an_undated_article_only_meets_stories_near_its_stand_in():
    a = StoryAssigner(AssignParams(window_days=3, undated_window_days=7))
    old = a.new_story(art_row([1, 0, 0], when="2025-01-29"))
    near = a.new_story(art_row([1, 0, 0], when="2026-11-24"))
    art = _undated([1, 0, 0], NOW)
    assert not a.is_candidate(old, art.published_at, art.time_estimated)
    assert a.is_candidate(near, art.published_at, art.time_estimated)  # 4 days: inside the wider window
    assert not a.is_candidate(near, art.published_at)  # as a real date it would be outside 3 days
    lo, hi = a.time_bounds(NOW, estimated=True)
    assert (hi - lo).days == 14
    # the identical old story is never chosen: it is not a candidate at all
    j, _ = a.choose(art, [old], InMemoryTermStats())
    assert j is None


def test_stand_in_times_score_as_unknown_and_never_widen_real_spans():
    a = StoryAssigner()
    est = a.new_story(_undated([1, 0, 0], to_datetime("2025-01-29")))
    assert est.time_estimated and est.first_seen == to_datetime("2025-01-29")
    back = StoryState.from_bytes(est.to_bytes())
    assert back.time_estimated
    x = a.features(art_row([1, 0, 0], when="2025-01-30"), [est], InMemoryTermStats())
    assert x[0, FEATURES.index("time_unknown")] == 1.0 and x[0, FEATURES.index("time")] == 0.0
    # the first real date replaces the stand-in span
    real = a.absorb(est, art_row([1, 0, 0], when="2025-01-27"))
    assert not real.time_estimated and real.first_seen == real.last_seen == to_datetime("2025-01-27")
    assert not StoryState.from_bytes(real.to_bytes()).time_estimated
    # a later stand-in does not stretch the real span
    again = a.absorb(real, _undated([1, 0, 0], to_datetime("2025-02-03")))
    assert (again.first_seen, again.last_seen) == (real.first_seen, real.last_seen)


def test_the_score_does_not_change_with_unrelated_stored_stories():
    """Overlaps count words, not IDF: the same pair scores the same in an empty store and in
    one that has counted many unrelated documents."""
    a = StoryAssigner(AssignParams(background_weight=1e9))  # the prior alone as background
    story = a.new_story(art_row([1, 0.2, 0], terms={"putin": 1.0, "talks": 1.0}, ents=["putin"]))
    art = art_row([1, 0.3, 0], terms={"putin": 1.0, "peace": 1.0}, ents=["putin"])
    empty, full = InMemoryTermStats(), InMemoryTermStats()
    for i in range(500):
        full.add({f"w{i}", "talks", "peace"})
    assert a.score(art, [story], empty)[0] == a.score(art, [story], full)[0]


def test_fit_logistic_keeps_the_signs_and_separates():
    rng = np.random.default_rng(0)
    n = 400
    x = np.zeros((n, len(FEATURES)))
    y = rng.integers(0, 2, n)
    sim = FEATURES.index("title_mean")
    gap = FEATURES.index("time")
    x[:, sim] = y * 0.5 + rng.normal(0, 0.1, n)
    x[:, gap] = (1 - y) * 2 + rng.normal(0, 0.3, n)
    b, coef = fit_logistic(x, y)
    assert coef[sim] > 0 and coef[gap] < 0
    assert all(c >= 0 for f, c in zip(FEATURES, coef) if f not in {"time", "time_log", "time_unknown", "entity_none"})
    b2, coef2 = fit_logistic(x, y, use=("title_mean",))
    assert coef2[gap] == 0.0 and coef2[sim] > 0
    b3, coef3 = fit_logistic(x, y, fixed={"time": -0.25})
    assert coef3[gap] == -0.25 and coef3[sim] > 0


def test_story_folds_partition_the_stories_reproducibly():
    gold = [f"s{i // 3}" for i in range(30)]
    folds = story_folds(gold, 5, seed=0)
    assert folds == story_folds(gold, 5, seed=0)
    assert set().union(*folds) == set(gold) and sum(len(f) for f in folds) == 10


def test_dense_baseline_joins_within_the_window_only():
    v = np.array([[1, 0], [0.9, 0.1], [1, 0], [0, 1]], dtype=np.float64)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    labels = dense_online(v, ["2021-05-01", "2021-05-02", "2021-06-01", None])
    assert labels[0] == labels[1] and labels[2] != labels[0] and labels[3] not in labels[:3]
    assert dense_baseline_text("T", "one two three", words=2) == "T\none two"


def test_copy_of_signals_keeps_the_flag():
    art = _undated([1, 0, 0], NOW)
    assert copy.copy(art).time_estimated


def test_rows_with_a_stand_in_time_are_scored_by_the_undated_model():
    """A row whose time is unknown or a stand-in (the article's or the story's) is scored by
    ``undated_*`` against ``undated_threshold``; a row of two real dates by the dated model."""
    only_undated = dict(zip(FEATURES, [0.0] * len(FEATURES)), title_mean=5.0)
    a = StoryAssigner(AssignParams.from_dict({
        "intercept": -10.0, "coef": dict.fromkeys(FEATURES, 0.0), "threshold": 0.4,
        "undated_intercept": -1.0, "undated_coef": only_undated, "undated_threshold": 0.5,
        "lone_threshold": 0.5, "lone_dense": 0.0}))
    assert AssignParams.from_dict(a.params.to_dict()) == a.params
    assert AssignParams.from_dict({"undated_coef": {"title_mean": 9.0}}).undated_coef[FEATURES.index("time_unknown")] \
        == AssignParams().undated_coef[FEATURES.index("time_unknown")]
    dated = a.new_story(art_row([1, 0, 0], when="2025-01-29"))
    est = a.new_story(_undated([1, 0, 0], to_datetime("2025-01-29")))
    art = art_row([1, 0, 0], when="2025-01-29")
    x = a.features(art, [dated, est], InMemoryTermStats())
    scores, bars = a.rate(x)
    assert scores[0] < 0.01 and bars[0] == 0.4  # the dated model: intercept -10 only
    assert scores[1] > 0.9 and bars[1] == 0.5  # the undated model: -1 + 5 * title_mean
    assert np.allclose(a.score(art, [dated, est], InMemoryTermStats()), scores)
    j, best = a.choose(art, [dated, est], InMemoryTermStats())
    assert j == 1 and best == scores[1]
    # a row under its own bar is not joined
    a.params.undated_threshold = 0.99
    assert a.choose(art, [dated, est], InMemoryTermStats())[0] is None
