"""Tone: own voice only, topic words neutral, clause about the person, negation, band."""
from __future__ import annotations

from clustering.compare import CompareParams
from clustering.compare.tone import calibrate_neutral_band
from tests.test_compare_helpers import article, compare, hashing_embed, outlet


def _tone(text: str, name: str = "A", params: CompareParams | None = None) -> dict:
    result = compare([article(1, name, "Port dispute", text)], hashing_embed, params)
    return outlet(result, name)["tone"]


def test_quoted_words_are_not_the_outlets_tone():
    quoted = _tone("“This is a disgraceful, disastrous and cruel decision,” Mayor Elena Kovač said.")
    own = _tone("Mayor Elena Kovač made a disgraceful, disastrous and cruel decision.")
    assert quoted["overall"] == 0.0
    assert own["overall"] < -0.3
    assert own["evidence"] and own["evidence"][0]["score"] < 0


def test_topic_words_are_neutral():
    tone = _tone("The war killed dozens of soldiers after an attack on the port, officials said.")
    assert tone["overall"] == 0.0


def test_tone_towards_a_person_uses_the_clause_about_that_person():
    tone = _tone(
        "Piotr Lind gave a brilliant, inspiring speech, while Mayor Elena Kovač made a "
        "disastrous, incompetent decision."
    )
    assert tone["measured_by_entity"]["Piotr Lind"] > 0.25
    assert tone["measured_by_entity"]["Elena Kovač"] < -0.25


def test_a_speaker_is_not_scored_by_what_they_say():
    tone = _tone("Mayor Elena Kovač said the union leaders were liars and cowards.")
    assert tone["measured_by_entity"].get("Elena Kovač", 0.0) == 0.0


def test_negation_flips_and_band_zeroes_weak_scores():
    negated = _tone("The mayor's plan was not a disaster for the port.")
    assert negated["overall"] >= 0.0
    weak = _tone("The port reopened and the mayor seemed fine with the outcome.", params=CompareParams(tone_neutral_band=0.99))
    assert weak["overall"] == 0.0


def test_calibrate_neutral_band():
    scores = [0.0, 0.05, -0.1, 0.2, -0.3, 0.4, 0.6, -0.8, 0.9, 1.0]
    assert calibrate_neutral_band(scores, 0.5) == 0.3
    assert calibrate_neutral_band([], 0.7) == 0.0


def test_no_tone_claim_towards_a_person_without_a_validated_method():
    """Held-out precision on BASIL-dev stays below 0.9 at every threshold (docs/tone.md), so a
    clearly negative clause is measured but not claimed: the comparison says "no clear tone"."""
    tone = _tone("Mayor Elena Kovač made a disastrous, incompetent and shameful decision.")
    assert tone["measured_by_entity"]["Elena Kovač"] < -0.25
    assert tone["by_entity"] == {"Elena Kovač": None}
    assert tone["by_entity_reason"]["Elena Kovač"].startswith("no clear tone")
    assert tone["tone_abstain_reason"].startswith("no clear tone")
