"""Voices: curly and straight quotes, multi-sentence quotes, speakers and verbs, short quotes."""
from __future__ import annotations

from clustering.compare import CompareParams
from clustering.compare.naming import build_entity_index
from clustering.compare.quotes import extract_quotes, quote_spans
from clustering.compare.sentences import parse_articles
from tests.test_compare_helpers import DOCK_STRIKE, article, compare, hashing_embed, lexicons, outlet


def _quotes(text: str, title: str = "A plain headline"):
    art = article(1, "Test Outlet", title, text)
    parsed = parse_articles([art], CompareParams().spacy_model)
    lex = lexicons()
    index = build_entity_index(parsed, lex.names, lex.attribution.reporting)
    quotes = extract_quotes(parsed, index, lex.attribution, 4, 3)
    names = {e.id: e.name for e in index.entities}
    return art, quotes, names


def test_quote_spans_curly_straight_and_apostrophes():
    text = "He said “don’t go,” and ‘illegitimate’ ones don't count; \"straight quote here\" too."
    spans = [text[a + 1 : b] for a, b, _ in quote_spans(text)]
    assert "don’t go," in spans
    assert "illegitimate" in spans
    assert "straight quote here" in spans
    assert not any("t count" in s for s in spans)  # the apostrophe of "don't" pairs with nothing


def test_curly_quote_with_speaker_after_and_epithet_speaker():
    art, quotes, names = _quotes(
        "Vladimir Putin spoke on Tuesday. “We will strive for what suits us, what corresponds to our "
        "interests,” the Kremlin leader added."
    )
    (q,) = [q for q in quotes if q.kind == "quote"]
    assert q.verb == "added"
    assert q.speaker == "the Kremlin leader"
    assert names[q.entity] == "Vladimir Putin"
    assert art.text[q.start:q.end] == q.text and q.text.startswith("We will strive")


def test_multi_sentence_quote_is_one_voice():
    _, quotes, _ = _quotes(
        "“They will not exist for a month if the money runs out. Everything would be over in two "
        "months,” the minister said."
    )
    voices = [q for q in quotes if q.kind == "quote"]
    assert len(voices) == 1
    assert "Everything would be over" in voices[0].text and voices[0].speaker == "the minister"


def test_speaker_before_colon_role_and_verb_first():
    _, quotes, _ = _quotes(
        "An EU official, speaking on condition of anonymity, said: “They agreed on the need for "
        "pressure.”\n\n“All emergency services are heading to the site,” said mayor Anna Berg."
    )
    by_text = {q.text[:8]: q for q in quotes if q.kind == "quote"}
    assert by_text["They agr"].speaker == "An EU official"
    assert by_text["All emer"].speaker is not None and by_text["All emer"].speaker.endswith("Anna Berg")


def test_pronoun_and_unattributed_follow_on_quotes_take_the_last_speaker():
    _, quotes, names = _quotes(
        "“The port will stay closed until Friday,” Mayor Elena Kovač said. “We will not negotiate "
        "under pressure,” she added.\n\n“Every crane will be checked twice.”"
    )
    voices = [q for q in quotes if q.kind == "quote"]
    assert len(voices) == 3
    assert {names.get(q.entity) for q in voices} == {"Elena Kovač"}
    assert voices[1].verb == "added" and voices[2].inherited


def test_short_quotes_are_not_voices_and_know_their_source():
    _, quotes, _ = _quotes("Putin ruled out talks with Zelensky, whom he called “illegitimate”.")
    (q,) = quotes
    assert q.kind == "short" and q.text == "illegitimate" and q.verb == "called"


def test_titles_of_programmes_are_neither_voices_nor_scare_quotes():
    _, quotes, _ = _quotes("The doctor said so on ABC's “This Week” programme.")
    assert [q.kind for q in quotes] == ["title"]


def test_engine_reports_voices_with_words_and_offsets():
    result = compare(DOCK_STRIKE, hashing_embed)
    herald = outlet(result, "Harbour Herald")
    (q,) = herald["quotes"]
    assert q["speaker"] == "Elena Kovač" and q["verb"] == "said"
    assert q["text"] == "This walkout breaks the law. We will not negotiate under pressure"
    assert herald["voices"][0] == {"speaker": "Elena Kovač", "quotes": 1, "words": 11, "entity": True}
    daily = outlet(result, "Valdria Daily")
    assert {q["speaker"] for q in daily["quotes"]} == {"Piotr Lind"}
    assert daily["voices"][0]["words"] == 14  # the two parts of one quotation
    assert outlet(result, "Coastal Wire")["quotes"] == []
