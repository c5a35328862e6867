"""Copies of one text are one voice in the comparison (real spaCy and embedding model):
an agency text run by three outlets is one confirmation, no carrier of the text is said to
leave out what its copies carry, and a copy's column shows only what its own edits add."""
from __future__ import annotations

import dataclasses
from functools import lru_cache

from clustering.compare import CompareArticle, CompareParams, compare_story
from tests.copytexts import NEAR_INTRO, near_copy, own_report, wire
from tests.test_compare_helpers import embed, lexicons
from tests.test_compare_seed import seed_articles

WIRE_OUTLETS = ("Associated Press", "ABC News", "Yahoo News")


def as_article(i: int, d: dict, copy_of: int | None = None, similarity: float | None = None) -> CompareArticle:
    return CompareArticle(id=i, external_id=d["id"], outlet=d["outlet"], title=d["title"], text=d["text"],
                          url=d["url"], copy_of=copy_of, copy_similarity=similarity)


@lru_cache(maxsize=1)
def agency_result() -> dict:
    arts = [as_article(1, wire("Associated Press", "ap", "https://apnews.com/1")),
            as_article(2, wire("ABC News", "abc", "https://abcnews.go.com/2"), copy_of=1, similarity=1.0),
            as_article(3, near_copy("Yahoo News", "y", "https://news.yahoo.com/3"), copy_of=1, similarity=0.83),
            as_article(4, own_report("Le Monde", "lm", "https://lemonde.fr/4"))]
    return compare_story({"id": 1, "label": "Tarn floods", "version": 1}, arts, embed, CompareParams(), lexicons())


def rows(result: dict) -> dict[str, dict]:
    return {r["outlet"]: r for r in result["outlets"]}


def test_the_agency_story_counts_two_voices_and_names_who_ran_whose_text():
    res = agency_result()
    assert res["story"]["outlets"] == ["Associated Press", "ABC News", "Yahoo News", "Le Monde"]
    assert res["story"]["independent_reports"] == 2
    [copy] = res["story"]["copies"]
    assert copy["voice"] == "Associated Press" and copy["original"]["id"] == 1
    assert [(c["outlet"], c["similarity"]) for c in copy["copies"]] == [("ABC News", 1.0), ("Yahoo News", 0.83)]
    by = rows(res)
    assert by["ABC News"]["copy_of"] == {"outlet": "Associated Press", "article_id": 1, "similarity": 1.0}
    assert by["Associated Press"]["copy_of"] is None and by["Le Monde"]["copy_of"] is None
    assert by["Yahoo News"]["summary"].startswith("Runs the Associated Press text, 83 % identical")


def test_a_fact_only_the_wire_text_carries_is_one_voice_not_three_outlets():
    res = agency_result()
    wire_only = [f for f in res["facts"] if set(f["outlets"]) <= set(WIRE_OUTLETS)]
    assert wire_only, "the wire text has facts nobody else reports"
    rail = [f for f in wire_only if "rail" in f["text"]]
    assert rail and set(rail[0]["outlets"]) == set(WIRE_OUTLETS)  # every carrier is listed ...
    for f in wire_only:
        assert f["voices"] == ["Associated Press"]  # ... as one voice
        assert all(f["id"] not in r["shared_facts"] for r in res["outlets"])
    # the wire voice "alone reports" them, in the original's column
    ap_unique = {u["fact_id"] for u in rows(res)["Associated Press"]["unique_facts"]}
    assert {f["id"] for f in rail} <= ap_unique


def test_no_carrier_of_the_text_leaves_out_what_its_copies_carry():
    by = rows(agency_result())
    wire_facts = {f["id"] for f in agency_result()["facts"] if "Associated Press" in f["voices"]}
    for outlet in WIRE_OUTLETS:
        assert not wire_facts & {o["fact_id"] for o in by[outlet]["omitted_facts"]}, outlet
    # Yahoo dropped the last paragraph (the schools): not an omission of Yahoo's
    assert all("schools" not in o["text"] for o in by["Yahoo News"]["omitted_facts"])


def test_a_copy_column_shows_only_what_its_own_edits_add():
    by = rows(agency_result())
    assert by["ABC News"]["unique_facts"] == [] and by["ABC News"]["distinctive_terms"] == []
    yahoo = by["Yahoo News"]["unique_facts"]
    # only the added first paragraph could be its own; as a new lead it is not claimed
    assert all(u["text"] in NEAR_INTRO for u in yahoo)
    assert all(u["text"] not in NEAR_INTRO for u in by["Associated Press"]["unique_facts"])
    # quotes stay per outlet: the independent report's quote is Le Monde's only
    # (Le Monde's "..., she said" has no certain speaker: counted, not a quote claim)
    passages = {o: len(by[o]["quotes"]) + by[o]["unattributed_quotes"]["quotes"] for o in ("Le Monde", "ABC News")}
    assert passages["Le Monde"] >= 1 and passages["ABC News"] == 0, passages


def test_on_the_seed_copies_of_one_outlet_add_no_confirmation():
    seed = list(seed_articles())
    src = next(a for a in seed if a.outlet == "The Moscow Times")
    paras = src.text.split("\n\n")
    exact = dataclasses.replace(src, id=101, external_id="copy-a", outlet="Portal A", copy_of=src.id, copy_similarity=1.0)
    near = dataclasses.replace(src, id=102, external_id="copy-b", outlet="Portal B", title="Republished: " + src.title,
                               text="\n\n".join([NEAR_INTRO] + paras[:-1]), copy_of=src.id, copy_similarity=0.9)
    base = compare_story({"id": 1, "label": "seed", "version": 1}, seed, embed, CompareParams(), lexicons())
    res = compare_story({"id": 1, "label": "seed", "version": 2}, seed + [exact, near], embed, CompareParams(), lexicons())
    n_outlets = len(base["story"]["outlets"])
    assert base["story"]["independent_reports"] == n_outlets
    assert len(res["story"]["outlets"]) == n_outlets + 2 and res["story"]["independent_reports"] == n_outlets
    text_of = {"The Moscow Times", "Portal A", "Portal B"}
    copied = [f for f in res["facts"] if set(f["outlets"]) <= text_of and len(f["outlets"]) >= 2]
    assert copied, "the Moscow Times text is carried by its copies"
    for f in copied:
        assert f["voices"] == ["The Moscow Times"]
        assert all(f["id"] not in r["shared_facts"] for r in res["outlets"])
    # counting voices, the shared facts of the others are those of the story without copies
    shared = lambda r: sorted(len(f["voices"]) for f in r["facts"] if len(f["voices"]) >= 2)  # noqa: E731
    base_shared = sorted(len(f["outlets"]) for f in base["facts"] if len(f["outlets"]) >= 2)
    assert max(shared(res)) <= n_outlets and len(shared(res)) >= len(base_shared) - 2
    assert not rows(res)["Portal A"]["omitted_facts"] and not rows(res)["Portal B"]["omitted_facts"]
