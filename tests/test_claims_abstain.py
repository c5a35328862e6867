"""Where the engine abstains (issue 14, round 3): paraphrases MiniLM scores low, speakers that
are no one, a group's term, a different person with a known surname (hand-made stories:
fiction written for these tests)."""
from __future__ import annotations

from clustering.compare import CompareParams
from clustering.compare.coverage import loose_match
from clustering.compare.distinctive import (
    combination, distinctive, kin_names, name_words, own_mark, shared_distinctive, stem, stems,
)
from clustering.compare.naming import build_entity_index, naming_for_outlet
from clustering.compare.sentences import parse_articles
from clustering.compare.speech_syntax import not_a_speaker
from tests.test_compare_helpers import article, compare, hashing_embed, lexicons, outlet

FILLER = ("The city council met on Tuesday to discuss the budget.\n\n"
          "A new library will open in the spring, the mayor's office said.")
LEAD = "Harbour workers in Harlow walked off the job on Monday over pay."
NORDLINE = "A ferry company called Nordline diverted four ships to the port of Kessel."


def _about(items: list[dict], word: str) -> list[dict]:
    return [i for i in items if word in (i.get("text") or "") + (i.get("label") or "")]


def _attribution(text: str, own_distancing: bool = True) -> dict:
    # these tests check the rules that stop an own-distancing claim, so such claims are switched
    # on (the product withholds them all by default: CompareParams.claim_own_distancing)
    result = compare([article(1, "Test Outlet", "A plain headline", text)], hashing_embed,
                     CompareParams(claim_own_distancing=own_distancing))
    return outlet(result, "Test Outlet")["attribution"]


# --- speakers that are no one -----------------------------------------------------------------

def test_a_pronoun_or_relative_word_is_never_a_speaker():
    for word in ("that", "which", "who", "those", "he", "It", "someone"):
        assert not_a_speaker(word)
    assert not not_a_speaker("the mayor") and not not_a_speaker("Olsen")
    att = _attribution("The council published a report that called the harbour plan “reckless” on Monday.\n\n"
                       f"{FILLER}")
    shown = att["scare_quotes"] + att["scare_quotes_unclear"]
    assert shown, att
    for s in shown:
        assert not not_a_speaker(s["attributed_to"] or "-"), s
        assert not s["own_distancing"], s  # someone's words (the report's), not the outlet's


# --- a group's term is not the outlet's own distancing ----------------------------------------

def test_a_groups_term_is_not_own_distancing():
    for text in (
        "The bill stalled in the House, where some of the party’s more conservative members oppose any form "
        "of legal status as “amnesty.”",
        "The plan would give legal status to workers, in what critics of the harbour board call an “amnesty” "
        "for late payers.",
        "Dock owners have a name for the new fee. It is known among them as the “harbour tax” in Harlow.",
    ):
        att = _attribution(f"{text}\n\n{FILLER}")
        assert not [s for s in att["scare_quotes"] if s["own_distancing"]], (text, att["scare_quotes"])
    # the control: a word in quotation marks that nobody is said to use is the outlet's own
    att = _attribution(f"The council approved the “reform” of the harbour fees on Monday.\n\n{FILLER}")
    assert [s for s in att["scare_quotes"] if s["own_distancing"]]


# --- a different first name never maps to a known person --------------------------------------

def _index(text: str):
    parsed = parse_articles([article(1, "Test Outlet", "A plain headline", text)], CompareParams().spacy_model)
    lex = lexicons()
    return build_entity_index(parsed, lex.names, lex.attribution.reporting)


def test_andy_harris_is_not_kamala_harris():
    index = _index("Rep. Andy Harris, a Maryland Republican, said the bill would fail.\n\n"
                   "Harris added that the caucus would vote against it on Friday.")
    names = {e.name for e in index.entities}
    assert "Kamala Harris" not in names, names
    assert "Andy Harris" in names, names
    # the known person still is who she is
    index = _index("Vice President Kamala Harris said the bill would pass.\n\nHarris added that it was fair.")
    assert "Kamala Harris" in {e.name for e in index.entities}


def test_an_outlet_that_writes_the_full_name_is_not_counted_as_writing_the_surname():
    index = _index("Andy Harris spoke on Monday. Later Andy Harris voted against the plan.\n\n"
                   "The committee chair Andy Harris said the vote was close.")
    ent = next(e for e in index.entities if e.name.endswith("Harris"))
    rows, _ = naming_for_outlet(index, "Test Outlet", [ent.id])
    assert not [r for r in rows if r["form"] == "Harris"], rows


# --- paraphrases that block "alone reports" and "leaves out" ----------------------------------

def test_loose_match_cues_for_paraphrases():
    # the same big figure and a word, at a low cosine ("billions at stake" / "could cost billions")
    assert loose_match(0.25, frozenset({"billion", "dollar", "stake"}), frozenset({"billion", "dollar", "cost"}))
    assert not loose_match(0.1, frozenset({"billion", "dollar", "stake"}), frozenset({"billion", "dollar", "cost"}))
    # the same person and one rare word: the same event ("told WVLK" / "said on WVLK Radio")
    assert loose_match(0.32, frozenset({"@4", "wvlk", "immigration"}), frozenset({"@4", "wvlk", "radio"}))
    assert not loose_match(0.32, frozenset({"@4", "wvlk"}), frozenset({"@4", "weather"}))
    # words agree by their stem, nationality words excepted
    assert stem("approval") == stem("approve") and stem("ukrainian") != stem("ukraine")
    assert loose_match(0.41, frozenset({"senate", "approval", "nominee"}), frozenset({"senate", "approve", "nominee"}))


def test_distinctive_combinations():
    df = {"nordline": 2, "ferry": 2, "weather": 40, "divert": 2}
    marks = distinctive({"@3", "@0", "#40000000", "nordline", "weather", "divert"}, df, 100,
                        main_people=frozenset({"@0"}), names=name_words("Later Nordline diverted ships"))
    assert marks["@0"] == 0.5 and marks["@3"] == 1.0 and "weather" not in marks
    assert marks[stem("nordline")] == 1.0 and marks[stem("divert")] == 0.5
    assert combination(shared_distinctive(marks, stems({"nordline", "#40000000"})))
    assert not combination(shared_distinctive(marks, stems({"divert", "weather"})))
    assert not combination({"@3": 1.0, "@5": 1.0})  # two people alone are no fact


def test_another_spelling_or_an_institution_is_no_mark_of_ones_own():
    # "The Department of Defense announced ... the transfer of Abdul Latif Nasir back to Morocco"
    # beside "the Pentagon ... Abdullatif Nasser ... a Moroccan man": nothing in it is the outlet's own
    others = name_words("In announcing his transfer, the Pentagon cited Abdullatif Nasser, a Westlandic man.")
    texts = [stems({"transfer", "pentagon", "cite", "westlandic"})]
    assert kin_names("nasir", "nasser") and kin_names("latif", "abdullatif") and kin_names(stem("westland"), "westlandic")
    assert not kin_names("nasir", "kessel") and not kin_names("brook", "berg")
    marks = {"@4": 1.0, stem("department"): 1.0, "latif": 1.0, stem("westland"): 1.0, stem("morning"): 0.5}
    assert not own_mark(marks, texts, others, frozenset({"department"}), {"@4": "nasir"})
    # without the other spellings, or with a name nobody else writes, the mark is the outlet's own
    assert own_mark(marks, texts, frozenset(), frozenset({"department"}), {"@4": "nasir"})
    assert own_mark({**marks, "kessel": 1.0}, texts, others, frozenset({"department"}), {"@4": "nasir"})
    assert own_mark({stem("department"): 1.0}, texts, others)  # an institution counts unless it is listed as one


def test_a_fact_told_across_adjacent_sentences_is_a_combination_only_together():
    # "Sibur temporarily suspended production at its Nizhny Novgorod plant" told by another
    # outlet over sentences none of which is near it alone
    df = {"sibur": 1, "suspend": 2, "temporarily": 1, "production": 3, "plant": 3}
    names = name_words("Russian giant Sibur said it has temporarily suspended production at its Nizhny Novgorod plant.")
    marks = distinctive({"sibur", "suspend", "temporarily", "production", "plant", "nizhny", "novgorod"}, df, 200,
                        names=names)
    first, second = stems({"sibur", "statement", "monday"}), stems({"work", "suspend", "temporarily"})
    assert not combination(shared_distinctive(marks, first)) and not combination(shared_distinctive(marks, second))
    assert combination(shared_distinctive(marks, first | second))


def test_no_omission_when_the_outlet_names_the_facts_person_elsewhere():
    fact = "Harbour master Piet Kroon ordered the tankers to anchor outside the bay until the strike ends."
    result = compare([
        article(1, "First Post", "Harlow news", f"{LEAD}\n\n{fact}\n\n{FILLER}"),
        article(2, "Second Times", "Harlow today", f"{LEAD}\n\n{fact}\n\n{FILLER}"),
        article(3, "Third Herald", "In Harlow",
                f"{LEAD}\n\n{FILLER}\n\nPiet Kroon, who has run the port since 2019, declined to comment."),
        article(4, "Fourth Courier", "Harlow port", f"{LEAD}\n\n{FILLER}"),
    ])
    assert not _about(outlet(result, "Third Herald")["omitted_facts"], "tankers")


def test_a_quotation_is_never_claimed_as_left_out():
    said = "“The harbour fees will not rise this year, and nobody will lose a job,” harbour master Piet Kroon said."
    result = compare([
        article(1, "First Post", "Harlow news", f"{LEAD}\n\n{said}\n\n{FILLER}"),
        article(2, "Second Times", "Harlow today", f"{LEAD}\n\n{said}\n\n{FILLER}"),
        article(3, "Third Herald", "In Harlow", f"{LEAD}\n\n{FILLER}"),
    ])
    fact = [f for f in result["facts"] if "nobody will lose a job" in f["text"]]
    assert fact and {"First Post", "Second Times"} <= set(fact[0]["carriers"])  # carried strictly by both
    assert not _about(outlet(result, "Third Herald")["omitted_facts"], "lose a job")


def test_own_distancing_is_withheld_and_said_so():
    # unseen audit rounds 4-10: 3 of 11 "own distancing" claims true; the product abstains and says so
    text = f"The port authority’s “reform” of the harbour fees takes effect in June.\n\n{FILLER}"
    result = compare([article(1, "Test Outlet", "A plain headline", text)], hashing_embed)
    assert not [c for c in result["claims"] if c["kind"] == "scare_quote"]
    notes = [a["statement"] for a in result["abstentions"] if a["kind"] == "scare_quote"]
    assert notes and "not claimed as the outlet’s own distancing" in notes[0]
