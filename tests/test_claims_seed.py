"""The claims list on the seed story: the errors the issue found are not made again.

"Month and a half or two" (The Moscow Times) and "cynical tricks" (RFE/RL) are told by other
outlets in other words, so neither is "reported alone"; Keir Giles's "growing consensus"
remark is carried by NBC News alone, so no other outlet is listed as carrying it.
"""
from __future__ import annotations

from tests.test_compare_helpers import outlet
from tests.test_compare_seed import seed_result


def _claims(kind: str, name: str | None = None) -> list[dict]:
    return [c for c in seed_result()["claims"] if c["kind"] == kind and (name is None or c["outlet"] == name)]


def _fact_with(words: str) -> dict:
    return next(f for f in seed_result()["facts"] if any(words in s["text"] for s in f["sentences"]))


def test_month_and_a_half_or_two_is_not_unique_to_the_moscow_times():
    mt = outlet(seed_result(), "The Moscow Times")
    assert not [u for u in mt["unique_facts"] if "month and a half" in u["text"]]
    assert not [c for c in _claims("unique") if "month and a half" in c["statement"]]
    fact = _fact_with("month and a half")
    assert "The Times of India" in fact["outlets"]  # "the war could end within two months"


def test_cynical_tricks_is_not_unique_to_rferl():
    assert not [c for c in _claims("unique") if "cynical tricks" in c["statement"]]
    fact = _fact_with("all his cynical tricks")
    assert {"RFE/RL", "The Moscow Times", "The Times of India"} <= set(fact["outlets"])


def test_giles_growing_consensus_is_carried_by_nbc_news_alone():
    fact = _fact_with("growing consensus")
    assert fact["carriers"] == ["NBC News"]
    for c in _claims("omitted"):
        if "growing consensus" in c["statement"]:
            assert c["carried_by"] == ["NBC News"]
    for o in seed_result()["outlets"]:
        for m in o["omitted_facts"]:
            assert m["fact_id"] != fact["id"] or m["covered_by"] == ["NBC News"]


def test_every_omission_is_absent_from_the_outlet_and_strictly_carried_by_two():
    result = seed_result()
    facts = {f["id"]: f for f in result["facts"]}
    omitted = _claims("omitted")
    assert omitted, "the drone strikes are still an omission of two outlets"
    for c in omitted:
        f = facts[c["fact_id"]]
        assert c["outlet"] not in f["outlets"]
        assert len(c["carried_by"]) >= 2 and set(c["carried_by"]) <= set(f["carriers"])
        assert {e["outlet"] for e in c["evidence"]} <= set(c["carried_by"])


def test_summary_lines_use_only_listed_claims():
    result = seed_result()
    for o in result["outlets"]:
        name = o["outlet"]
        summary = next(c for c in _claims("summary", name))
        assert summary["statement"] == o["summary"]
        line = o["summary"].lower()
        # no counts, no frames, no omissions: only the surest claims
        assert "fact" not in line and "frame" not in line and "leaves out" not in line
        # at most one unique fact, and it is one of the outlet's most confident unique claims
        part = next((p for p in o["summary"].rstrip(".").split("; ") if p.lower().startswith("alone reports ")), "")
        if part:
            sure = [c for c in _claims("unique", name) if c["confidence"] >= 0.9]
            assert any(part.endswith(f"“{c['label'].split()[0]}") or c["label"][:20] in part for c in sure), part
        # every speaker named in the summary is the speaker of two or more confident quotes
        counts: dict[str, int] = {}
        for c in _claims("quote", name):
            if c["speaker"] and c["confidence"] >= 0.9:
                counts[c["speaker"]] = counts.get(c["speaker"], 0) + 1
        part = next((p for p in o["summary"].rstrip(".").split("; ") if p.lower().startswith("quotes ")), "")
        named = part[len("quotes "):].replace(" and ", ", ").split(", ") if part else []
        assert all(counts.get(sp, 0) >= 2 for sp in named), (named, counts)
        assert "words)" not in o["summary"]  # no voice word counts: they are not claims


def test_abstentions_say_what_is_not_claimed():
    notes = seed_result()["abstentions"]
    assert notes and all(n["statement"] and n["outlet"] for n in notes)
    kinds = {n["kind"] for n in notes}
    assert "frame" in kinds or "tone" in kinds
