"""Coverage: the same fact told differently in another outlet stops "alone reports" and
"leaves out" claims (hand-made stories: fiction written for these tests)."""
from __future__ import annotations

import pytest

from clustering.compare.coverage import lenient_match, strict_match
from tests.test_compare_helpers import article, compare, outlet

FILLER = ("The city council met on Tuesday to discuss the budget.\n\n"
          "A new library will open in the spring, the mayor's office said.")

PARAPHRASES = [
    # numbers written differently
    ("Engineers said the repairs to the Harlow bridge would take two months.",
     "Repairs on the Harlow bridge will last 2 months, according to engineers."),
    # active and passive
    ("Police arrested three protesters outside the Harlow parliament on Monday.",
     "Three protesters were arrested by police outside the parliament in Harlow on Monday."),
    # quote and reported speech
    ("“We will not raise fuel taxes this year,” Finance Minister Ilse Varga said.",
     "Finance Minister Ilse Varga said the government would not raise fuel taxes this year."),
    # the two below embed far apart (the fact grouping keeps them apart): only the coverage
    # tests see that they are the same fact
    ("“It will all be finished in a month and a half, two at most,” Finance Minister Ilse Varga told reporters.",
     "Varga claimed the walkout could end within 2 months."),
    ("“Every move they make and all their cynical tricks are aimed at making this strike endless,” "
     "Finance Minister Ilse Varga said.",
     "Varga accused the union of using cynical tricks to prolong the strike."),
]
ONLY_ONE = "A ferry company called Nordline diverted four ships to the port of Kessel."


def _story(original: str, paraphrase: str) -> dict:
    return compare([
        article(1, "First Post", "Harlow news", f"{original}\n\n{ONLY_ONE}\n\n{FILLER}"),
        article(2, "Second Times", "Harlow today", f"{paraphrase}\n\n{FILLER}"),
        article(3, "Third Herald", "In Harlow", FILLER),
    ])


def _about(items: list[dict], words: tuple[str, ...]) -> list[dict]:
    return [i for i in items if all(w in (i.get("text") or "") + (i.get("label") or "") for w in words)]


@pytest.mark.parametrize("original,paraphrase", PARAPHRASES,
                         ids=["numbers", "passive", "reported-speech", "figures-in-words", "quote-vs-report"])
def test_a_paraphrase_elsewhere_prevents_alone_and_leaves_out(original, paraphrase):
    result = _story(original, paraphrase)
    key = next((w,) for w in ("bridge", "protesters", "taxes", "month", "tricks") if w in original)
    first, second = outlet(result, "First Post"), outlet(result, "Second Times")
    assert not _about(first["unique_facts"], key), first["unique_facts"]
    assert not _about(second["unique_facts"], key), second["unique_facts"]
    assert not _about(first["omitted_facts"], key) and not _about(second["omitted_facts"], key)
    claims = [c for c in result["claims"] if c["kind"] in ("unique", "omitted") and c["outlet"] != "Third Herald"]
    assert not [c for c in claims if all(w in c["statement"] for w in key)]
    # the control: a fact no other outlet has in any words is still First Post's alone
    assert _about(first["unique_facts"], ("Nordline",))


def test_leaves_out_needs_two_strict_carriers():
    result = _story(*PARAPHRASES[1])
    third = outlet(result, "Third Herald")
    # carried by one outlet in each wording: the strict test may tie them or not, but the
    # Nordline ferry (one outlet) is never an omission of the others
    assert not _about(third["omitted_facts"], ("Nordline",))
    assert not _about(outlet(result, "Second Times")["omitted_facts"], ("Nordline",))
    for m in third["omitted_facts"]:
        assert len(m["covered_by"]) >= 2


def test_pair_tests_on_tokens():
    two = frozenset({"repair", "bridge", "#2", "month"})
    same = frozenset({"repair", "bridge", "#2", "month", "last"})
    other = frozenset({"repair", "bridge", "#5", "month"})
    assert lenient_match(0.5, two, same) and strict_match(0.7, two, same)
    assert not lenient_match(0.5, two, other)  # different figures at moderate similarity
    assert lenient_match(0.3, two, same)  # the same figure and words, in other words
    assert not lenient_match(0.25, two, same)  # too far apart in meaning
    assert not strict_match(0.5, two, same)
    # the same people alone are not the same fact
    assert not lenient_match(0.5, frozenset({"@1", "@2", "talk"}), frozenset({"@1", "@2", "afraid"}))
