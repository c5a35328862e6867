"""clustering.diagnose: the reason each split article did not join its gold mates. Hand-made
vectors; no model."""
from __future__ import annotations

from clustering.assign import OnlineStoryClusterer
from clustering.diagnose import split_cases, split_reasons
from tests.test_assign import art_row


def test_each_reason_is_named():
    arts = [
        art_row([1, 0, 0], when="2021-06-03"),  # A opens a story
        art_row([0, 1, 0], terms={"vote": 1.0}, when="2021-06-03"),  # B opens one
        art_row([0, 1, 0], terms={"vote": 1.0}, when="2021-06-03"),  # A, told as B is: joins B
        art_row([0, 0, 1], terms={"court": 1.0}, when="2021-06-03"),  # B again, in other words
        art_row([1, 0, 0], when="2021-07-10"),  # A, a month later: out of the window
    ]
    cases = split_cases(arts, ["A", "B", "A", "B", "A"])
    assert [(c.index, c.reason) for c in cases] == [(2, "rival"), (3, "under_bar"), (4, "not_candidate")]
    assert cases[0].best_score > 0.5 and cases[0].mate_score < 0.4 and cases[0].mates == [0]
    assert cases[1].mate_score is not None and cases[1].mate_score < 0.4 and cases[1].candidates == 2
    assert cases[2].mate_score is None and cases[2].mates == [0, 2]
    assert split_reasons(cases) == {"not_candidate": 1, "rival": 1, "under_bar": 1}


def test_the_trace_makes_the_same_decisions_as_the_driver():
    arts = [art_row([1, 0, 0]), art_row([1, 0.1, 0]), art_row([0, 1, 0]), art_row([0.1, 1, 0])]
    labels = OnlineStoryClusterer().fit_predict(arts)
    assert labels == [0, 0, 1, 1]
    assert split_cases(arts, ["x", "x", "y", "y"]) == []
    assert [c.index for c in split_cases(arts, ["x", "y", "y", "y"])] == [2]
