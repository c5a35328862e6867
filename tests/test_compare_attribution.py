"""Attribution: reporting verbs by class, hedges and scare quotes, own voice only."""
from __future__ import annotations

from tests.test_compare_helpers import DOCK_STRIKE, article, compare, hashing_embed, outlet


def test_contested_verbs_and_hedges_with_evidence():
    result = compare(DOCK_STRIKE, hashing_embed)
    herald = outlet(result, "Harbour Herald")["attribution"]
    assert herald["by_class"]["contested"] == {"claimed": 1}
    (ev,) = herald["contested"]
    assert ev["verb"] == "claimed" and ev["text"].startswith("Union leader Piotr Lind claimed")
    assert [h["hedge"] for h in herald["hedges"]] == ["reportedly"]
    wire = outlet(result, "Coastal Wire")["attribution"]
    assert wire["by_class"]["contested"] == {"insisted": 1}
    assert "so-called" in [h["hedge"] for h in wire["hedges"]]
    daily = outlet(result, "Valdria Daily")["attribution"]
    assert daily["by_class"]["contested"] == {} and daily["verbs"]["said"] >= 2


def test_scare_quotes_single_word_in_headline_and_body():
    result = compare(DOCK_STRIKE, hashing_embed)
    herald = outlet(result, "Harbour Herald")["attribution"]["scare_quotes"]
    assert [(s["text"], s["field"]) for s in herald] == [("illegal", "title")]
    daily = outlet(result, "Valdria Daily")["attribution"]["scare_quotes"]
    assert [(s["text"], s["field"], s["verb"]) for s in daily] == [("illegal", "text", "called")]


def test_verbs_and_hedges_inside_quotations_are_the_speakers():
    arts = [
        article(1, "A", "Port row", "“They claimed it was allegedly safe,” the mayor said."),
        article(2, "B", "Port row", "The mayor claimed the port was allegedly safe."),
    ]
    result = compare(arts, hashing_embed)
    a = outlet(result, "A")["attribution"]
    b = outlet(result, "B")["attribution"]
    assert a["by_class"]["contested"] == {} and a["hedges"] == []
    assert b["by_class"]["contested"] == {"claimed": 1} and [h["hedge"] for h in b["hedges"]] == ["allegedly"]


def test_ordinary_verbs_are_not_reporting_verbs():
    arts = [article(1, "A", "Troops", "Troops continue to advance, and officers added two checkpoints.")]
    result = compare(arts, hashing_embed)
    assert outlet(result, "A")["attribution"]["verbs"] == {}
