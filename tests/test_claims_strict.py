"""The strict rules behind "alone reports", "leaves out", stressed frames and the summary
line (hand-made stories: fiction written for these tests, with the real embedding model; one
audited AllSides story read from ../shared/data)."""
from __future__ import annotations

import json

import pytest

from clustering.compare import CompareParams
from clustering.compare.claims import summary_line
from clustering.compare.coverage import loose_match, word_runs
from clustering.compare.engine import whole_sentence
from clustering.compare.frames import SPECIFIC_FRAMES
from tests.test_compare_helpers import SHARED, article, compare, outlet

FILLER = ("The city council met on Tuesday to discuss the budget.\n\n"
          "A new library will open in the spring, the mayor's office said.")
LEAD = "Harbour workers in Harlow walked off the job on Monday over pay."
NORDLINE = "A ferry company called Nordline diverted four ships to the port of Kessel."


def _about(items: list[dict], word: str) -> list[dict]:
    return [i for i in items if word in (i.get("text") or "") + (i.get("label") or "")]


def test_the_same_quoted_words_split_by_the_attribution_are_one_fact():
    split = "“Is it true,” Judge Mara Olsen asked the lawyer, “that the harbour fees rose less than the national average?”"
    whole = '"Is it true that the harbour fees rose less than the national average?" she asked.'
    assert word_runs(split) & word_runs(whole)
    assert loose_match(0.0, frozenset(), frozenset(), word_runs(split), word_runs(whole))
    result = compare([
        article(1, "First Post", "Harlow news", f"{LEAD}\n\n{split}\n\n{NORDLINE}\n\n{FILLER}"),
        article(2, "Second Times", "Harlow today", f"{LEAD}\n\n{whole}\n\n{FILLER}"),
        article(3, "Third Herald", "In Harlow", f"{LEAD}\n\n{FILLER}"),
    ])
    assert not _about(outlet(result, "First Post")["unique_facts"], "national average")
    assert not _about(outlet(result, "Second Times")["unique_facts"], "national average")
    assert _about(outlet(result, "First Post")["unique_facts"], "Nordline")  # the control


def test_loose_match_on_tokens():
    fact = frozenset({"@1", "fee", "rise", "#12", "harbour"})
    assert loose_match(0.5, fact, frozenset({"weather"}))  # above the low cosine bar
    assert loose_match(0.41, fact, frozenset({"#12", "port", "fee"}))  # the same figure and more
    assert loose_match(0.41, fact, frozenset({"@1", "fee", "harbour"}))  # the same person and what
    assert not loose_match(0.41, fact, frozenset({"@1", "weather"}))  # the same person alone
    assert not loose_match(0.41, fact, frozenset({"#12", "weather"}))  # a figure alone
    assert not loose_match(0.1, fact, frozenset({"#12", "port", "fee"}))  # below the floor: coincidence
    # two words making a large share of a short sentence, at a cosine on the same subject
    stake = frozenset({"billion", "dollar", "stake", "allow", "forward"})
    assert loose_match(0.42, stake, frozenset({"billion", "dollar", "cost", "retailer", "ruling"}))
    # since compare-7 the same big figure and a word are near from a cosine of 0.20 (the audit
    # found "Billions of dollars are at stake" / "could cost ... billions of dollars" the same)
    assert loose_match(0.3, stake, frozenset({"billion", "dollar", "cost", "retailer", "ruling"}))
    assert not loose_match(0.15, stake, frozenset({"billion", "dollar", "cost", "retailer", "ruling"}))
    # light verbs are no content: "set to send 100 systems" / "let's set it at 100 days"
    assert not loose_match(0.45, frozenset({"#100", "set", "artillery"}), frozenset({"#100", "set", "day"}))
    # the story's topic words do not bring a sentence near
    assert not loose_match(0.41, fact, frozenset({"#12", "harbour"}), common=frozenset({"harbour"}))


def test_whole_sentences_only():
    assert whole_sentence("Vance said the plan would pass.")
    assert whole_sentence("“Is it true?” she asked.")
    assert whole_sentence("He said: “We will win.”")
    assert not whole_sentence("Vance announced in March...")
    assert not whole_sentence("Vance announced in March…")
    assert not whole_sentence("Vance announced in March that the")


def test_lead_headline_and_cut_off_sentences_are_never_unique():
    cut = "The harbour authority announced in March that the new tariff for container ships..."
    result = compare([
        article(1, "First Post", "Pilots keep tankers out of Harlow bay",
                f"Harbour pilots in Harlow refused to guide tankers into the bay for a third day.\n\n{cut}\n\n"
                f"{NORDLINE}\n\n{FILLER}"),
        article(2, "Second Times", "Harlow today", f"{LEAD}\n\n{FILLER}"),
        article(3, "Third Herald", "In Harlow", f"{LEAD}\n\n{FILLER}"),
    ])
    first = outlet(result, "First Post")["unique_facts"]
    assert not _about(first, "pilots")  # the lead
    assert not _about(first, "tariff")  # cut off
    assert not [u for u in first if u["field"] == "title"]  # the headline
    assert _about(first, "Nordline")


def test_no_omission_when_the_outlet_has_the_figure_and_the_act_in_other_words():
    fact = "Engineers said the repairs to the Harlow bridge would cost 12 million euros and take two months."
    other = "Fixing the Harlow bridge is expected to run to €12 million, officials estimate."
    result = compare([
        article(1, "First Post", "Harlow news", f"{LEAD}\n\n{fact}\n\n{FILLER}"),
        article(2, "Second Times", "Harlow today", f"{LEAD}\n\n{fact}\n\n{FILLER}"),
        article(3, "Third Herald", "In Harlow", f"{LEAD}\n\n{other}\n\n{FILLER}"),
    ])
    assert not _about(outlet(result, "Third Herald")["omitted_facts"], "bridge")


def test_unspecific_frames_are_never_stressed():
    assert "human_interest" not in SPECIFIC_FRAMES and "conflict" not in SPECIFIC_FRAMES
    moving = ("Anna, a mother of two, says her family has lost everything and her children go hungry.\n\n"
              "Her son, a boy of six, cried as the family left the home where his life began.\n\n"
              "Relatives mourned loved ones feared dead in the flood.")
    result = compare([
        article(1, "A", "Flood", moving),
        article(2, "B", "Flood", "The river rose by two metres overnight.\n\nThe weather was calm."),
    ], params=CompareParams(frame_min_outlet_sentences=0, claim_frames=True))  # frames decided and claimed
    assert not any(f["present"] for f in outlet(result, "A")["frames"] if f["frame"] not in SPECIFIC_FRAMES)
    assert not [c for c in result["claims"] if c["kind"] == "frame" and c["frame"] not in SPECIFIC_FRAMES]


def _c(kind: str, confidence: float, **extra) -> dict:
    return {"kind": kind, "outlet": "Post", "statement": "", "confidence": confidence, **extra}


def test_summary_holds_only_the_surest_claims_and_no_counts():
    claims = [
        _c("unique", 0.85, label="A fact the engine is less sure of"),
        _c("unique", 0.95, label="The ferry Nordline went to Kessel"),
        _c("unique", 0.9, label="Another fact"),
        _c("omitted", 0.9, label="Something", carried_by=["X", "Y"]),
        _c("frame", 0.85, label="Economic consequences", frame="economic"),
        _c("quote", 0.9, speaker="Ilse Varga"), _c("quote", 0.9, speaker="Ilse Varga"),
        _c("quote", 0.9, speaker="Mara Olsen"),  # once: not in the summary
        _c("quote", 0.8, speaker="Tom Berg"), _c("quote", 0.8, speaker="Tom Berg"),  # inherited speaker
        _c("contested", 0.85, verb="claimed"),
    ]
    line = summary_line("Post", claims)
    assert line == "Alone reports “The ferry Nordline went to Kessel”; quotes Ilse Varga."
    assert summary_line("Post", [_c("unique", 0.85, label="x")]).startswith("Post: no single statement")
    # the middle tier (0.9: another outlet's sentence within cosine 0.30-0.38) is listed, never summarised
    assert summary_line("Post", [_c("unique", 0.9, label="Another fact")]).startswith("Post: no single statement")
    # a quoted sentence (often a fragment of a longer quotation) is not the summary's example
    quoted = _c("unique", 0.95, label="We will win", evidence=[{"text": "“We will win,” she said."}])
    assert "We will win" not in summary_line("Post", [quoted])


def test_a_quotation_standing_alone_is_never_what_an_outlet_alone_reports(monkeypatch):
    from clustering.compare import outlet_facts

    tweet = ("The mayor wrote on Saturday.\n\n“It is a shame because her harbour contracts with Nordline "
             "were lawful and approved by every auditor.”")
    arts = [
        article(1, "First Post", "Harlow news", f"{LEAD}\n\n{tweet}\n\n{FILLER}"),
        article(2, "Second Times", "Harlow today", f"{LEAD}\n\n{FILLER}"),
        article(3, "Third Herald", "In Harlow", f"{LEAD}\n\n{FILLER}"),
    ]
    first = outlet(compare(arts), "First Post")
    assert not _about(first["unique_facts"], "auditor")
    # the rule, not the sentence, stops it: allowed quoted sentences, the same one is claimed
    monkeypatch.setattr(outlet_facts, "_UNIQUE_MAX_QUOTED", 1.01)
    assert _about(outlet(compare(arts), "First Post")["unique_facts"], "auditor")


def test_a_sentence_near_another_outlets_without_a_mark_of_its_own_is_not_alone():
    # round-5 audit: "the crowd erupted into cheers" was said to be one outlet's alone while the
    # other wrote that she "drew cheers"; MiniLM scores such paraphrases 0.35-0.53. Near another
    # outlet's sentence, an "alone" claim needs a person, figure or name no other outlet has.
    herald = article(1, "Harbour Herald", "Senator Vale vows to fight port deal",
                     "Senator Mara Vale promised on Thursday to fight the port deal at a rally of dockworkers in "
                     "Valdria.\n\n“We are going to stop this deal,” Vale told the rally at the union hall.\n\n"
                     "As she passed the microphone to the union leader, the crowd erupted into cheers.\n\n"
                     "Earlier in the day, volunteer Oscar Jenkins had handed out 2,500 leaflets at the harbour gates.")
    daily = article(2, "Valdria Daily", "Vale's vow against port deal stirs city hall",
                    "Senator Mara Vale vowed on Thursday to block the port deal, speaking to dockworkers in "
                    "Valdria.\n\nPeople stood and applauded at the end.\n\nBy Friday the mayor was asked about the "
                    "deal at a news conference and declined to answer.\n\nThe deal would hand the container "
                    "terminal to a foreign operator for 30 years.")
    alone = outlet(compare([herald, daily]), "Harbour Herald")["unique_facts"]
    texts = " | ".join(u["text"] for u in alone)
    assert "erupted into cheers" not in texts and "stop this deal" not in texts
    assert "Oscar Jenkins" in texts  # a person and a figure no other outlet has: still its own


def test_a_piece_of_a_quotation_cut_at_an_editors_bracket_is_no_fact_of_its_own():
    # "“We are aware there is a discrepancy in the unofficial [ranked choice voting] round by round
    # elimination report,” the BOE said": the splitter may cut at the bracket; the second piece
    # starts mid-quotation and states nothing on its own
    fill = "The city council met on Tuesday to discuss the budget.\n\nA new library will open in the spring."
    first = article(1, "First Post", "Harbour vote count thrown into doubt",
                    "The Harbour Board of Elections called for patience from candidates after discovering an error in "
                    "the latest tally of the port ballot on Tuesday.\n\n“We are aware there is a discrepancy in the "
                    "unofficial [ranked choice voting] round by round elimination report,” the board said in a "
                    "statement on Twitter. “We are working with our technical staff to identify where the "
                    "discrepancy occurred.”\n\n" + fill)
    second = article(2, "Second Times", "Port ballot in disarray",
                     "The port ballot was thrown into disarray on Tuesday after the Harbour Board of Elections "
                     "acknowledged a discrepancy in the count.\n\n" + fill)
    third = article(3, "Third Herald", "Port ballot count", "The port ballot count went on through the night.\n\n" + fill)
    unique = outlet(compare([first, second, third]), "First Post")["unique_facts"]
    assert not [u for u in unique if not u["text"].lstrip("“\"‘'(")[:1].isupper()], unique


def test_the_audited_protasevich_paraphrase_is_not_alone(monkeypatch):
    # compare-41 audit (AllSides story 6016): "Police took Roman Protasevich away when passengers
    # disembarked." was the BBC's alone, while the New York Post wrote that Raman Pratasevich "was
    # busted after the plane touched down in Minsk". MiniLM scores the two 0.33, under the near bar
    # of 0.35 then; from 0.30 such a sentence needs a mark of its own, and the man is no such mark
    # (the Post names him in another spelling). Hand-made stories did not reproduce the fact
    # grouping, so this reads the real excerpts.
    path = SHARED / "allsides-neus-2021" / "articles.jsonl"
    if not path.exists():
        pytest.skip(f"{path} not present: the shared data sets live beside the repository in ../shared/data")
    rows = [r for r in map(json.loads, path.read_text(encoding="utf-8").splitlines()) if r["story_id"] == "allsides-6016"]
    arts = [article(i + 1, r["outlet"], r["title"], r["text"]) for i, r in enumerate(rows)]

    def police(result: dict) -> list[dict]:
        return _about(outlet(result, "BBC News")["unique_facts"], "Police took")

    assert len(arts) == 3 and not police(compare(arts))
    from clustering.compare import outlet_facts
    monkeypatch.setattr(outlet_facts, "UNIQUE_NEAR_BAR", 0.35)
    assert police(compare(arts))  # the bar, not the sentence, stops it
