"""B-cubed, ARI and NMI on hand-made labelings with hand-computed values."""
from __future__ import annotations

import pytest

from clustering.baselines import singletons, tfidf_online
from clustering.metrics import bcubed, cluster_scores, clustering_scores


def test_perfect_clustering_is_one_whatever_the_label_names():
    s = cluster_scores(["a", "a", "b", "c", "c"], [7, 7, 3, 9, 9])
    assert s.bcubed_precision == s.bcubed_recall == s.bcubed_f1 == 1.0
    assert s.ari == pytest.approx(1.0) and s.nmi == pytest.approx(1.0)


def test_singletons_have_precision_one_and_recall_one_over_cluster_size():
    gold = ["a", "a", "a", "b"]
    p, r, f = bcubed(gold, singletons(4))
    assert p == 1.0
    # items of "a" recall 1/3 each, "b" recall 1
    assert r == pytest.approx((3 * (1 / 3) + 1) / 4)
    assert f == pytest.approx(2 * p * r / (p + r))


def test_one_big_cluster_has_recall_one():
    gold = ["a", "a", "b", "b"]
    p, r, _ = bcubed(gold, [0, 0, 0, 0])
    assert r == 1.0
    assert p == pytest.approx(0.5)


def test_hand_computed_mixed_case():
    # gold {1,2,3} {4,5}; predicted {1,2} {3,4,5}
    gold = ["x", "x", "x", "y", "y"]
    pred = [0, 0, 1, 1, 1]
    p, r, f = bcubed(gold, pred)
    # precision: items 1,2 -> 1; item 3 -> 1/3; items 4,5 -> 2/3
    assert p == pytest.approx((1 + 1 + 1 / 3 + 2 / 3 + 2 / 3) / 5)
    # recall: items 1,2 -> 2/3; item 3 -> 1/3; items 4,5 -> 1
    assert r == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1 + 1) / 5)
    assert f == pytest.approx(2 * p * r / (p + r))
    s = cluster_scores(gold, pred)
    assert -1.0 <= s.ari < 1.0 and 0.0 <= s.nmi < 1.0


def test_ari_is_zero_for_singletons_and_dict_form_counts_clusters():
    d = clustering_scores(["a", "a", "b", "b"], [1, 2, 3, 4])
    assert d["ari"] == pytest.approx(0.0)
    assert d["n_clusters"] == 4 and d["n_gold"] == 2
    assert set(d) >= {"bcubed_precision", "bcubed_recall", "bcubed_f1", "ari", "nmi"}


def test_length_mismatch_is_an_error():
    with pytest.raises(ValueError):
        bcubed([1, 2], [1])


def test_empty_input():
    assert bcubed([], []) == (1.0, 1.0, 1.0)


def test_tfidf_baseline_groups_by_words_and_time():
    docs = [
        {"title": "Senate passes infrastructure bill", "text": "The Senate passed the bipartisan infrastructure bill.", "published_at": "2021-08-10"},
        {"title": "Wildfire in California", "text": "A wildfire forced evacuations in northern California.", "published_at": "2021-08-10"},
        {"title": "Infrastructure bill clears Senate", "text": "Senators passed the infrastructure bill on Tuesday.", "published_at": "2021-08-11"},
        # same words, but three weeks later: outside the window
        {"title": "Senate infrastructure bill passes", "text": "The Senate passed the infrastructure bill.", "published_at": "2021-09-01"},
    ]
    labels = tfidf_online(docs, threshold=0.2, window_days=3)
    assert labels[0] == labels[2]
    assert labels[1] != labels[0]
    assert labels[3] not in (labels[0], labels[1])
