"""Round-2 voices rules, one hand-made sentence each: a quotation is a claim only with a
certain speaker; distancing verbs, hedges and naming only in the outlet's own voice and sense."""
from __future__ import annotations

from clustering.compare import CompareParams
from clustering.compare.certainty import mark_certain, speaker_words_ok
from clustering.compare.naming import build_entity_index, naming_for_outlet
from clustering.compare.quoted import quoted_ranges
from clustering.compare.quotes import extract_quotes
from clustering.compare.sentences import parse_articles
from tests.test_compare_helpers import article, compare, hashing_embed, lexicons, outlet


def _marked(text: str, title: str = "A plain headline"):
    parsed = parse_articles([article(1, "Test Outlet", title, text)], CompareParams().spacy_model)
    lex = lexicons()
    index = build_entity_index(parsed, lex.names, lex.attribution.reporting)
    quotes = extract_quotes(parsed, index, lex.attribution, 4, 3)
    mark_certain(parsed, quotes, index)
    return quotes, index


def _certain(quotes, words: str) -> bool:
    found = [q for q in quotes if words in q.text and not q.nested]
    assert len(found) == 1, [q.text for q in quotes]
    return bool(found[0].meta.get("certain"))


def test_speaker_words_that_cannot_speak():
    assert not speaker_words_ok("Tuesday", None)
    assert not speaker_words_ok("which", None)
    assert not speaker_words_ok("A spokesperson", None)
    assert not speaker_words_ok("the report", None)
    assert not speaker_words_ok("he", None)
    assert speaker_words_ok("a Pentagon spokesperson", None)
    assert speaker_words_ok("Kovač", 3)


def test_direct_said_is_certain_and_a_weekday_never_speaks():
    quotes, _ = _marked(
        "“We will rebuild the harbour before winter comes,” Mayor Elena Kovač said on Tuesday.\n\n"
        "Lawyers argued on Tuesday. “If somebody tells you how to exercise discretion, you don't have it,” "
        "the court heard Tuesday."
    )
    assert _certain(quotes, "rebuild the harbour")
    assert not _certain(quotes, "somebody tells you")


def test_he_told_after_another_person_is_named_is_not_certain():
    # Lind spoke last, then Kovač is named; "he told" could be either
    quotes, _ = _marked(
        "Union leader Piotr Lind said the strike would go on. Judge Elena Kovač was unconvinced.\n\n"
        "“I am getting pulled two ways here and I cannot follow you,” she told the court."
    )
    assert not _certain(quotes, "pulled two ways")


def test_quoted_document_is_not_the_nearest_persons_speech():
    quotes, _ = _marked(
        "Senator Piotr Lind cited the statute, which says that officials “shall not be removed from office "
        "without a hearing before the full council”."
    )
    assert not _certain(quotes, "shall not be removed")


def test_spokesperson_for_a_person_is_not_that_person():
    result = compare([article(1, "Test Outlet", "Harbour plan",
                              "A spokesperson for Mayor Elena Kovač said the plan “will be put to the council next "
                              "week and we expect it to pass.”")], hashing_embed)
    rows = outlet(result, "Test Outlet")["quotes"]
    assert all(r["speaker"] != "Elena Kovač" for r in rows), rows


def test_thought_is_not_speech():
    quotes, _ = _marked("Mayor Elena Kovač thinks the union “will do the right thing and end the strike”.")
    assert not _certain(quotes, "right thing")


def test_headline_quote_needs_the_same_words_from_the_same_person_in_the_body():
    quotes, _ = _marked("Mayor Elena Kovač met the union on Monday.",
                        title="Elena Kovač: ‘It Was Forty Years Ago’ and More")
    assert not any(q.meta.get("certain") for q in quotes if q.field == "title")


def _att(text: str) -> dict:
    return outlet(compare([article(1, "Test Outlet", "Port dispute", text)], hashing_embed), "Test Outlet")["attribution"]


def test_lawsuit_claims_and_claim_residency_are_not_distancing():
    att = _att(
        "The lawsuit claims that the port owners favour men in pay and promotions. "
        "The 10-year-old suit, argued in lively exchanges at the court Tuesday, claims that the owners favour men. "
        "It also alleges that managers were given too much freedom. "
        "Some workers try to claim residency in the city to keep their jobs. "
        "Mayor Elena Kovač claimed that the strike had cost the city millions."
    )
    verbs = [c["verb"] for c in att["contested"]]
    assert verbs == ["claimed"], att["contested"]


def test_emphatic_couldnt_possibly_is_no_hedge_but_possibly_is():
    att = _att(
        "The port's lawyer argued that every worker couldn't possibly meet the same standard. "
        "The strike will possibly end next week."
    )
    texts = [h["text"] for h in att["hedges"]]
    assert len(texts) == 1 and "next week" in texts[0], att["hedges"]


def test_naming_counts_own_voice_only_and_splits_shared_surnames():
    text = ("Former President Bill Clinton met the mayor on Monday. Clinton spoke for an hour. "
            "Hillary Clinton was not there. Bill Clinton left at noon.\n\n"
            "“Hail Mary, we will see,” the mayor said of a deal Bill Clinton might broker. "
            "Mayor Elena Kovač said: “Kovač never gives up, and Elena never will.”")
    parsed = parse_articles([article(1, "Test Outlet", "A plain headline", text)], CompareParams().spacy_model)
    lex = lexicons()
    index = build_entity_index(parsed, lex.names, lex.attribution.reporting)
    quotes = extract_quotes(parsed, index, lex.attribution, 4, 3)
    rows, _ = naming_for_outlet(index, "Test Outlet", [e.id for e in index.entities], quoted_ranges(quotes))
    forms = {(r["entity"], r["form"]): r["count"] for r in rows}
    assert not any(form in ("Hillary Clinton", "Clinton", "Mary", "Hail Mary", "Elena") for _e, form in forms), forms
    assert forms.get(("Bill Clinton", "Bill Clinton")) == 3, forms
    kovac = [c for (e, f), c in forms.items() if f.endswith("Kovač")]
    assert sum(kovac) == 1, forms  # the quoted "Kovač" is the speaker's word, not the outlet's


def test_shared_surname_speaker_and_topic_of_a_short_quote():
    quotes, _ = _marked(
        "Former President Bill Clinton met the mayor. Hillary Clinton stayed home.\n\n"
        "“We want elections, not appointments, in this city,” Clinton said.\n\n"
        "Piotr Lind, the party chairman, backed the mayor. But he also said that Mr. Moore was not guilty of "
        "“forcible rape.”"
    )
    assert not _certain(quotes, "elections, not appointments")
    short = [q for q in quotes if "forcible" in q.text][0]
    assert short.entity is None or "Moore" not in (short.speaker or "")


def test_short_phrase_in_a_sentence_where_someone_else_speaks_is_unclear():
    att = _att("Mayor Elena Kovač asked Piotr Lind last summer to explore “options of service” on a harbour "
               "board, the city council said in a statement.")
    assert att["scare_quotes"] == [], att["scare_quotes"]
    assert [u["text"] for u in att["scare_quotes_unclear"]] == ["options of service"]


def test_accented_first_name_is_the_same_person_not_a_shared_surname():
    text = ("Raúl Labrador said he would run. Raul Labrador, a Republican, spoke on Friday.\n\n"
            "“I was stunned when the leader lost his primary election this week,” Labrador said.")
    quotes, index = _marked(text)
    assert _certain(quotes, "I was stunned")
    rows, _ = naming_for_outlet(index, "Test Outlet", [e.id for e in index.entities])
    assert any(r["form"] == "Labrador" for r in rows), rows
