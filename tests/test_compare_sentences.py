"""Sentence splitting: offsets, abbreviations, quotes, headings, duplicates."""
from __future__ import annotations

from clustering.compare import CompareParams
from clustering.compare.sentences import parse_articles
from tests.test_compare_helpers import article


def _split(title: str, text: str):
    art = article(1, "Test Outlet", title, text)
    (parsed,) = parse_articles([art], CompareParams().spacy_model)
    return art, parsed


def test_offsets_index_title_and_text():
    art, parsed = _split("A headline", "First sentence here. Second one follows.\n\nA new paragraph starts.")
    for s in parsed.sentences:
        assert art.field_text(s.field)[s.start:s.end] == s.text
    assert parsed.sentences[0].field == "title" and parsed.sentences[0].heading
    assert [s.text for s in parsed.body] == ["First sentence here.", "Second one follows.", "A new paragraph starts."]


def test_abbreviations_do_not_split():
    _, parsed = _split("T", "Mr. Smith met Lt. Gen. Keith Kellogg in Washington on Tuesday. Then Dr. Jones left.")
    assert [s.text for s in parsed.body] == [
        "Mr. Smith met Lt. Gen. Keith Kellogg in Washington on Tuesday.",
        "Then Dr. Jones left.",
    ]


def test_closing_quote_stays_with_its_sentence():
    _, parsed = _split("T", "“We will win. They will lose,” the minister said. Nobody answered.")
    texts = [s.text for s in parsed.body]
    assert texts[-1] == "Nobody answered."
    assert not any(t.startswith("”") for t in texts)
    assert "the minister said." in texts[-2]


def test_sentence_never_crosses_paragraphs_and_headings_are_marked():
    _, parsed = _split(
        "Live blog",
        "Where the front line runs: Mapped\n\nTroops advanced near the river on Monday.",
    )
    body = parsed.body
    assert body[0].text == "Where the front line runs: Mapped"  # "Mapped" is not a sentence of its own
    assert body[0].heading and not body[1].heading


def test_headline_repeated_in_body_is_skipped_and_duplicates_marked():
    _, parsed = _split(
        "‘Afraid of leaders’: the minister reacts",
        "'Afraid of leaders': the minister reacts\n\nThe minister spoke.\n\nThe minister spoke.",
    )
    body = parsed.body
    assert [s.text for s in body] == ["The minister spoke.", "The minister spoke."]
    assert body[0].duplicate_of is None and body[1].duplicate_of == body[0].index
