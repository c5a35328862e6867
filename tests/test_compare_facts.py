"""Facts: paraphrases across outlets join, different facts stay apart, shares and omissions."""
from __future__ import annotations

from clustering.compare import CompareParams
from tests.test_compare_helpers import DOCK_STRIKE, article, compare, fact_with, outlet


def test_paraphrases_across_outlets_are_one_fact():
    result = compare(DOCK_STRIKE)
    strike = fact_with(result, "Thousands of dockworkers walked off the job")
    assert strike["outlets"] == ["Harbour Herald", "Valdria Daily", "Coastal Wire"]
    assert any("Cargo traffic at Valdria's port stopped" in s["text"] for s in strike["sentences"])
    arrests = fact_with(result, "Police reportedly detained two protesters")
    assert any("taken into custody" in s["text"] for s in arrests["sentences"])
    # spellings of the mayor's name do not keep her statement apart
    mayor = fact_with(result, "Mayor Elena Kovač said the strike was illegal")
    assert set(mayor["outlets"]) == {"Harbour Herald", "Valdria Daily", "Coastal Wire"}


def test_different_facts_stay_apart():
    result = compare(DOCK_STRIKE)
    ferry = fact_with(result, "BlueLine diverted three ships")
    grain = fact_with(result, "40 percent of the country’s grain exports")
    strike = fact_with(result, "Thousands of dockworkers walked off the job")
    assert len({ferry["id"], grain["id"], strike["id"]}) == 3
    assert ferry["outlets"] == ["Coastal Wire"]


def test_unique_shared_and_omitted_facts():
    result = compare(DOCK_STRIKE)
    ferry = fact_with(result, "BlueLine diverted three ships")
    grain = fact_with(result, "40 percent of the country’s grain exports")
    wire = outlet(result, "Coastal Wire")
    assert ferry["id"] in [u["fact_id"] for u in wire["unique_facts"]]
    unique = next(u for u in wire["unique_facts"] if u["fact_id"] == ferry["id"])
    assert unique["external_id"] == "hand-3" and "BlueLine" in unique["text"]
    arrests = fact_with(result, "Police reportedly detained two protesters")
    omitted = {o["fact_id"]: o for o in wire["omitted_facts"]}
    assert arrests["id"] in omitted and omitted[arrests["id"]]["covered_by"] == ["Harbour Herald", "Valdria Daily"]
    herald = outlet(result, "Harbour Herald")
    assert grain["id"] in herald["shared_facts"] and ferry["id"] not in herald["shared_facts"]
    # a fact of one other outlet is that outlet's own, not an omission of the rest
    assert ferry["id"] not in [o["fact_id"] for o in herald["omitted_facts"]]


def test_omission_needs_half_of_the_other_outlets():
    extra = [
        article(4, "Fourth Post", "Valdria strike", "Dockworkers in Valdria stopped work on Monday and cargo stood still."),
        article(5, "Fifth Times", "Valdria dock strike", "A strike by dockworkers halted cargo at the port of Valdria on Monday."),
    ]
    result = compare(DOCK_STRIKE + extra)
    ferry = fact_with(result, "BlueLine diverted three ships")
    # one of four other outlets carries the ferry story: not an omission of anybody
    for name in ("Harbour Herald", "Fourth Post"):
        assert ferry["id"] not in [o["fact_id"] for o in outlet(result, name)["omitted_facts"]]
    strike = fact_with(result, "Thousands of dockworkers walked off the job")
    assert len(strike["outlets"]) == 5
    stricter = compare(DOCK_STRIKE + extra, params=CompareParams(omission_share=0.0))
    assert any(o["omitted_facts"] for o in stricter["outlets"])


def test_same_words_by_different_actors_are_different_facts():
    arts = [
        article(1, "One", "Kremlin rules out talks", "Putin ruled out direct talks with Zelensky on Tuesday, saying his term had expired."),
        article(2, "Two", "Kyiv answers Moscow", "Zelensky said Putin was afraid of negotiations and wanted to prolong the war."),
        article(3, "Three", "No talks, says Kremlin", "On Tuesday Putin refused to hold direct talks with Zelensky, whose term he said was over."),
    ]
    result = compare(arts)
    refusal = fact_with(result, "Putin ruled out direct talks")
    assert set(refusal["outlets"]) == {"One", "Three"}
