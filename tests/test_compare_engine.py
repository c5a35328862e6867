"""The engine's contract: output fields, offsets, JSON, config loading, edge cases."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import clustering.compare
from clustering.compare import CompareParams, Lexicons, check_offsets, compare_story, load_config
from tests.test_compare_helpers import DOCK_STRIKE, article, compare, hashing_embed, read_toml

OUTLET_KEYS = {
    "outlet", "articles", "headline", "lead", "distinctive_terms", "shared_facts", "unique_facts",
    "omitted_facts", "quotes", "attribution", "naming", "tone", "frames", "summary",
    "first_published", "was_first", "length",
}


def test_output_contract_and_offsets():
    result = compare(DOCK_STRIKE, hashing_embed)
    json.dumps(result)  # JSON-serialisable as it is
    assert set(result) >= {"story", "facts", "outlets"}
    assert set(result["story"]) >= {"id", "label", "version", "article_count", "outlets"}
    assert result["story"]["article_count"] == 3
    for fact in result["facts"]:
        assert set(fact) >= {"id", "text", "outlets", "sentences"}
        for s in fact["sentences"]:
            assert set(s) >= {"article_id", "external_id", "outlet", "text", "start", "end", "field"}
    for o in result["outlets"]:
        assert OUTLET_KEYS <= set(o)
        assert set(o["attribution"]) >= {"verbs", "contested", "hedges", "scare_quotes"}
        assert set(o["tone"]) >= {"overall", "by_entity", "evidence"}
        assert isinstance(o["summary"], str) and "\n" not in o["summary"]
        for u in o["unique_facts"]:
            assert set(u) >= {"fact_id", "text", "external_id", "start", "end"}
        for m in o["omitted_facts"]:
            assert set(m) >= {"fact_id", "text", "covered_by"}
        for q in o["quotes"]:
            assert set(q) >= {"speaker", "verb", "text", "external_id", "start", "end"}
        for n in o["naming"]:
            assert set(n) >= {"entity", "form", "count"}
        for f in o["frames"]:
            assert set(f) >= {"frame", "score", "evidence"}
    assert check_offsets(result, DOCK_STRIKE) == []


def test_publication_order_and_length():
    result = compare(DOCK_STRIKE, hashing_embed)
    assert result["story"]["first_published"]["outlet"] == "Harbour Herald"
    firsts = {o["outlet"]: o["was_first"] for o in result["outlets"]}
    assert firsts == {"Harbour Herald": True, "Valdria Daily": False, "Coastal Wire": False}
    wire = next(o for o in result["outlets"] if o["outlet"] == "Coastal Wire")
    assert wire["length"] == len(DOCK_STRIKE[2].text.split())
    assert wire["headline"] == DOCK_STRIKE[2].title and wire["lead"].startswith("Cargo traffic")


def test_empty_single_and_headline_only_stories():
    empty = compare_story({"id": 9, "label": "x", "version": 1}, [], hashing_embed)
    assert empty["facts"] == [] and empty["outlets"] == [] and empty["story"]["article_count"] == 0
    single = compare([DOCK_STRIKE[0]], hashing_embed)
    (only,) = single["outlets"]
    assert only["omitted_facts"] == [] and only["shared_facts"] == []
    bare_articles = [article(1, "A", "Strike shuts port", ""), article(2, "B", "Port shut by strike", "")]
    bare = compare(bare_articles, hashing_embed)
    assert check_offsets(bare, bare_articles) == []
    assert all(s["field"] == "title" for f in bare["facts"] for s in f["sentences"])
    assert [o["lead"] for o in bare["outlets"]] == ["", ""]


def test_multiple_articles_of_one_outlet_are_compared_together():
    arts = DOCK_STRIKE + [article(7, "Coastal Wire", "Update: talks to resume", "Talks between the union and the city will resume on Friday.", day=6)]
    result = compare(arts, hashing_embed)
    wire = next(o for o in result["outlets"] if o["outlet"] == "Coastal Wire")
    assert [a["id"] for a in wire["articles"]] == [3, 7]
    assert result["story"]["outlets"] == ["Harbour Herald", "Valdria Daily", "Coastal Wire"]


def test_config_loading_from_toml_tables():
    params, lex = load_config(read_toml, {"fact_threshold": 0.55, "max_terms": 5})
    assert params.fact_threshold == 0.55 and params.max_terms == 5 and len(lex.frames) >= 7
    with pytest.raises(ValueError, match="unknown compare parameter"):
        CompareParams.from_dict({"fact_treshold": 0.5})
    with pytest.raises(ValueError, match="unknown lexicon table"):
        Lexicons.from_dict({"attribtion": {}})
    with pytest.raises(ValueError, match="bad hedge pattern"):
        Lexicons.from_dict({"attribution": {"hedges": {"patterns": ["("]}}})

    def missing(rel: str) -> dict:
        raise FileNotFoundError(rel)

    params, lex = load_config(missing)
    assert lex.frames == () and "say" in lex.attribution.neutral  # built-in core


def test_engine_runs_without_lexicons():
    result = compare_story({"id": 1, "label": "x", "version": 1}, DOCK_STRIKE, hashing_embed)
    assert result["outlets"][0]["frames"] == []
    assert result["outlets"][0]["attribution"]["by_class"]["contested"] == {"claimed": 1}


def test_the_package_imports_no_service_code():
    package = Path(clustering.compare.__file__).parent
    banned = re.compile(r"^\s*(from|import)\s+(flask|redis|sqlalchemy|service)\b", re.MULTILINE)
    for path in package.glob("*.py"):
        assert not banned.search(path.read_text(encoding="utf-8")), path.name
