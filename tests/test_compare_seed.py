"""The seed story (../shared/data/seed-putin): what the comparison must say about it.

The texts are read from the shared data folder beside the repository and cleaned with the
project's boilerplate rules first; the aggregator's rewrite is never used.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from functools import lru_cache

import pytest

from clustering.cleaning import CleaningRules, clean_text
from clustering.compare import CompareArticle, CompareParams, check_offsets, compare_story
from tests.test_compare_helpers import SHARED, embed, lexicons, outlet, read_toml

SEED = SHARED / "seed-putin" / "articles.jsonl"
STORY_ID = "putin-zelensky-illegitimate"
SEED_IDS = ("seed-01", "seed-03", "seed-04", "seed-05", "seed-06", "seed-07")


@lru_cache(maxsize=1)
def seed_articles() -> tuple[CompareArticle, ...]:
    if not SEED.exists():
        pytest.skip(f"{SEED} not present: the shared data sets live beside the repository in ../shared/data")
    rules = CleaningRules.from_dict(read_toml("config/boilerplate.toml"))
    out = []
    for line in SEED.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["id"] not in SEED_IDS or row["story_id"] != STORY_ID:
            continue
        when = datetime.fromisoformat(row["published_at"]).replace(tzinfo=timezone.utc) if row.get("published_at") else None
        out.append(
            CompareArticle(
                id=len(out) + 1,
                external_id=row["id"],
                outlet=row["outlet"],
                title=row["title"],
                text=clean_text(row["text"], rules),  # the outlet's text, never "aggregator_rewrite"
                url=row.get("url"),
                published_at=when,
            )
        )
    assert len(out) == 6
    return tuple(out)


@lru_cache(maxsize=1)
def seed_result() -> dict:
    return compare_story({"id": STORY_ID, "label": "Putin rules out talks with Zelensky", "version": 1},
                         list(seed_articles()), embed, CompareParams(), lexicons())


APPEAL_WORDS = {"support", "journalism", "undesirable", "foreign", "agent", "donation", "contribution",
                "readers", "monthly", "repression", "silenced", "prosecution", "patron"}
BOILERPLATE_WORDS = {"advertisement", "subscribe", "newsletter", "click", "app", "remind", "payment",
                     "paiment", "methods", "getty", "reuters", "photo", "credit"}


def test_seed_offsets_and_json():
    result = seed_result()
    json.dumps(result)
    assert check_offsets(result, seed_articles()) == []
    assert result["story"]["article_count"] == 6 and len(result["outlets"]) == 6


def test_moscow_times_terms_carry_no_donation_appeal_and_no_outlet_has_boilerplate():
    result = seed_result()
    mt = [t["term"] for t in outlet(result, "The Moscow Times")["distinctive_terms"]]
    assert mt, "The Moscow Times has distinctive terms"
    assert not {w for t in mt for w in t.split()} & APPEAL_WORDS, mt
    for o in result["outlets"]:
        words = {w for t in o["distinctive_terms"] for w in t["term"].split()}
        assert not words & (BOILERPLATE_WORDS | APPEAL_WORDS), (o["outlet"], words & (BOILERPLATE_WORDS | APPEAL_WORDS))


def test_zelensky_spellings_per_outlet():
    result = seed_result()
    expected = {
        "The Moscow Times": "Zelensky",
        "The Independent": "Zelensky",
        "RFE/RL": "Zelenskiy",
        "NBC News": "Zelenskyy",
        "The Times of India": "Zelenskyy",
        "The Guardian": "Zelenskyy",
    }
    variant = next(v for v in result["story"]["naming_variants"] if v["entity"] == "Volodymyr Zelensky")
    assert variant["spellings"] == expected
    for name, spelling in expected.items():
        o = outlet(result, name)
        assert o["spellings"]["Volodymyr Zelensky"] == spelling
        forms = {n["form"] for n in o["naming"] if n["entity"] == "Volodymyr Zelensky"}
        assert any(f.endswith(spelling) for f in forms)
    assert "writes “zelenskiy”" in outlet(result, "RFE/RL")["summary"].lower()


def test_drone_strikes_are_one_fact_and_an_omission_of_two_outlets():
    result = seed_result()
    drones = next(
        f for f in result["facts"]
        if any(s["external_id"] == "seed-04" and "drone strikes" in s["text"] for s in f["sentences"])
    )
    carried = set(drones["outlets"])
    assert {"RFE/RL", "The Times of India", "The Independent", "The Guardian"} <= carried
    assert not carried & {"The Moscow Times", "NBC News"}
    # each of the four carries it with its own drone sentence
    by_outlet = {s["outlet"] for s in drones["sentences"] if "drone" in s["text"].lower()}
    assert {"RFE/RL", "The Times of India", "The Independent", "The Guardian"} <= by_outlet
    for name in ("The Moscow Times", "NBC News"):
        assert drones["id"] in [m["fact_id"] for m in outlet(result, name)["omitted_facts"]]


def test_north_korean_artillery_and_oscar_jenkins_are_independent_unique_facts():
    result = seed_result()
    unique = outlet(result, "The Independent")["unique_facts"]
    facts = {f["id"]: f for f in result["facts"]}

    def unique_about(words: tuple[str, ...]) -> bool:
        return any(
            any(all(w in s["text"] for w in words) for s in facts[u["fact_id"]]["sentences"]) for u in unique
        )

    assert unique_about(("North Korea", "artillery"))
    assert unique_about(("Oscar Jenkins",))
    for u in unique:
        assert facts[u["fact_id"]]["outlets"] == ["The Independent"]


def test_putin_is_quoted_in_the_moscow_times_and_claimed_is_contested():
    result = seed_result()
    mt = outlet(result, "The Moscow Times")
    quote = next(q for q in mt["quotes"] if "send people to take part" in q["text"])
    assert "Putin" in quote["speaker"] and quote["verb"] == "said"
    assert any("Putin" in v["speaker"] for v in mt["voices"])
    for name in ("The Moscow Times", "The Times of India"):
        attribution = outlet(result, name)["attribution"]
        assert "claimed" in attribution["by_class"]["contested"], name
        assert any(e["verb"] == "claimed" for e in attribution["contested"])
