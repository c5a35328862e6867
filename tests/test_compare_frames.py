"""Frames: codebook cues, scores, the present decision and evidence."""
from __future__ import annotations

from clustering.compare import CompareParams
from tests.test_compare_helpers import DOCK_STRIKE, article, compare, hashing_embed, lexicons, outlet


def test_codebook_has_the_generic_frames():
    ids = {f.id for f in lexicons().frames}
    assert {"conflict", "responsibility", "economic", "human_interest", "morality", "security_defense", "legality"} <= ids


CALM = "The weather was calm on Monday.\n\nShips waited in the bay.\n\nThe harbour master spoke to the crews."


#: The hand-made texts here are a few sentences long; the sentence floor is tested on its own.
SHORT = CompareParams(frame_min_outlet_sentences=0, claim_frames=True)


def _frames(text: str, params: CompareParams | None = None, other: str = CALM) -> dict:
    """Frames of outlet A, compared with outlet B writing ``other``."""
    result = compare([article(1, "A", "Port", text), article(2, "B", "Harbour", other)], hashing_embed, params or SHORT)
    return {f["frame"]: f for f in outlet(result, "A")["frames"]}


def test_economic_and_human_interest_frames_with_evidence():
    frames = _frames(
        "The strike costs the port millions of dollars a day in lost exports.\n\n"
        "Traders expect grain prices to rise and the budget to shrink.\n\n"
        "Anna, a mother of two, says her family has no income and her children go hungry.\n\n"
        "The weather was calm."
    )
    eco = frames["economic"]
    # 2 cue sentences of 5 (the headline "Port" is a sentence too)
    assert eco["present"] and eco["score"] == 0.4 and eco["sentences"] == 2
    assert all("cues" in e and e["cues"] for e in eco["evidence"])
    human = frames["human_interest"]
    assert human["sentences"] == 1 and not human["present"]  # one sentence is not enough
    assert "morality" not in frames


def test_conflict_and_legality_in_the_dock_strike():
    result = compare(DOCK_STRIKE, hashing_embed)
    herald = {f["frame"]: f for f in outlet(result, "Harbour Herald")["frames"]}
    assert herald["legality"]["vs_others"] > 0
    # all three outlets call the strike illegal, each sentence with a single legal word:
    # the Herald does not clearly stress legality more than the others
    assert not herald["legality"]["present"]
    assert herald["legality"]["evidence"] == []  # no sentence expresses the frame on its own
    scores = [f["score"] for f in outlet(result, "Harbour Herald")["frames"]]
    assert scores == sorted(scores, reverse=True)


def test_thresholds_decide_present():
    text = "The strike costs the port millions of dollars in lost exports.\n\nThe weather was calm.\n\nShips waited."
    assert not _frames(text)["economic"]["present"]
    assert _frames(text, CompareParams(frame_min_sentences=1, frame_min_outlet_sentences=0, claim_frames=True))["economic"]["present"]


def test_no_stress_without_a_clear_margin_or_self_expressing_evidence():
    text = ("The strike costs the port millions of dollars a day in lost exports.\n\n"
            "Traders expect grain prices to rise and the budget to shrink.")
    # the other outlet uses the frame just as much: nobody stresses it more
    assert not _frames(text, other=text)["economic"]["present"]
    # a single economic word per sentence does not make the sentence express the frame
    weak = "The strike has a cost.\n\nTraders waited.\n\nThe budget was discussed."
    assert not _frames(weak)["economic"]["present"]
    # a single outlet stresses nothing "more than the others"
    alone = compare([article(1, "A", "Port", text)], hashing_embed, SHORT)
    assert not any(f["present"] for f in outlet(alone, "A")["frames"])


def test_no_frame_is_stressed_between_texts_too_short_to_compare():
    text = ("The strike costs the port millions of dollars a day in lost exports.\n\n"
            "Traders expect grain prices to rise and the budget to shrink.\n\nThe weather was calm.")
    assert _frames(text)["economic"]["present"]  # the floor off (SHORT)
    assert not _frames(text, CompareParams())["economic"]["present"]  # by default: 4 and 4 sentences
    # the page says why no frame is claimed
    result = compare([article(1, "A", "Port", text), article(2, "B", "Harbour", CALM)], hashing_embed)
    notes = [n["statement"] for n in result["abstentions"] if n["kind"] == "frame" and n["outlet"] == "A"]
    assert notes and "too short" in notes[0]
    calm = " ".join(f"Ship number {i} waited in the bay." for i in range(10))
    longer = text + "\n\n" + " ".join(f"Crew {i} rested." for i in range(6))
    assert _frames(longer, CompareParams(claim_frames=True), other=calm)["economic"]["present"]


def test_frames_are_measured_but_not_claimed_unless_switched_on():
    # audited "stresses F more" claims held half the time: by default the frame is measured
    # (present, with evidence) and the page says it is not a finding; claim_frames=True claims it
    text = ("The strike costs the port millions of dollars a day in lost exports.\n\n"
            "Traders expect grain prices to rise and the budget to shrink.\n\nThe weather was calm.")
    arts = [article(1, "A", "Port", text), article(2, "B", "Harbour", CALM)]
    result = compare(arts, hashing_embed, CompareParams(frame_min_outlet_sentences=0))
    eco = {f["frame"]: f for f in outlet(result, "A")["frames"]}["economic"]
    # the row says nothing is stressed (the audit sheet reads "present"); the measurement stays
    assert eco["measured_present"] and not eco["present"] and eco["withheld"] and eco["score"] > 0
    assert not [c for c in result["claims"] if c["kind"] == "frame"]
    notes = [n["statement"] for n in result["abstentions"] if n["kind"] == "frame" and n["outlet"] == "A"]
    assert notes and "not claimed" in notes[0]
    claimed = compare(arts, hashing_embed, SHORT)
    frames = [c for c in claimed["claims"] if c["kind"] == "frame"]
    assert [c["outlet"] for c in frames] == ["A"] and "Economic" in frames[0]["statement"]
