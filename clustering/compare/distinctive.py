"""Distinctive tokens of a fact, and whether another voice's whole text shares them.

MiniLM scores some paraphrases very low ("billions at stake" / "could cost ... billions of
dollars"; "fully consistent with the law" / "no laws were broken"), so the unit-by-unit
coverage tests miss them. "X alone reports F" and "X leaves out F" therefore also look at
the other text as a whole: the people, figures and rare content words that make F what it
is. Sharing a combination of them anywhere stops "alone reports"; sharing any one of them
stops "leaves out" (the engine claims an omission only where it is nearly certain).

Words agree by a six-letter prefix ("approve" / "approval", "nominate" / "nomination")
except nationality and place words ("Ukrainian" / "Ukraine" are different things to say).
"""
from __future__ import annotations

import re
from typing import Iterable

#: Words at least this long agree with others that share their first STEM letters.
STEM = 6
#: Figure words: a shared one counts as a figure ("billions of dollars").
UNIT_WORDS = frozenset({"billion", "million", "trillion", "percent", "percentage", "%"})
#: "Leaves out" is not claimed when a unit of the outlet has this cosine with a carrier's
#: sentence of the fact (the loose test's own bar is 0.50).
OMIT_MAX_COS = 0.45
#: The story's main actors, at most this many (named by every outlet, they tell no fact apart).
MAIN_ACTORS = 3
_NATIONALITY_ENDINGS = ("ian", "ean", "ese", "ish", "ia", "stan")


def stem(token: str) -> str:
    """The comparable form of a content token: a prefix for long plain words, else the token."""
    if token[:1] in "@#" or len(token) < STEM or token.endswith(_NATIONALITY_ENDINGS):
        return token
    return token[:STEM]


def stems(tokens: Iterable[str]) -> frozenset[str]:
    return frozenset(stem(t) for t in tokens)


def is_figure(token: str) -> bool:
    """A figure that identifies a fact: a number of 10 or more or a unit word ("two", "half",
    "first" and "second" are too common to tell facts apart)."""
    if token in UNIT_WORDS:
        return True
    if not token.startswith("#"):
        return False
    try:
        value = float(token[1:])
    except ValueError:
        return False
    return value >= 10


def name_words(text: str, skip: frozenset[str] = frozenset()) -> frozenset[str]:
    """Lower-case words written with a capital inside a sentence ("Sibur", "Nizhny Novgorod", "WVLK"):
    names of places, firms and things (the first word of a sentence tells nothing)."""
    words = re.findall(r"(?<=[\s(“\"‘'])([A-Z][A-Za-z]{2,})", text)
    return frozenset(w.lower() for w in words if w.lower() not in skip)


def distinctive(
    tokens: Iterable[str],
    df: dict[str, int],
    n_sentences: int,
    main_people: frozenset[str] = frozenset(),
    names: frozenset[str] = frozenset(),
    rare_share: float = 0.03,
) -> dict[str, float]:
    """The tokens that make a fact what it is, as stems with a weight: 1 for people other than
    the story's main actors, figures and names (``names``: words the fact's sentences write
    with a capital), 0.5 for the main actors and for other content words in few of the
    story's sentences (at most 3, or 3 %).

    Args:
        tokens: The fact's content tokens (``@id`` people, ``#n`` numbers, lemmas).
        df: Story sentences holding each token.
        n_sentences: Number of the story's sentences.
        main_people: ``@id`` tokens of the story's main actors (every outlet names them).
        names: Lower-case words the fact's sentences capitalise.
        rare_share: A word in more than this share of the sentences is a topic word.
    """
    limit = max(3, rare_share * n_sentences)
    out: dict[str, float] = {}
    for t in tokens:
        if t.startswith("@"):
            # a main actor says little alone, but with a name and a rare word it is the same
            # event ("Ryan told WVLK, a radio station" / "Ryan ... said on WVLK Radio")
            out[t] = 0.5 if t in main_people else 1.0
        elif is_figure(t):
            out[stem(t)] = 1.0
        elif not t.startswith("#") and df.get(t, 0) <= limit:
            out[stem(t)] = max(out.get(stem(t), 0.0), 1.0 if t in names else 0.5)
    return out


def shared_distinctive(marks: dict[str, float], text_stems: frozenset[str]) -> dict[str, float]:
    """The fact's distinctive stems (with their weights) that a text's stems hold."""
    return {t: w for t, w in marks.items() if t in text_stems}


def combination(shared: dict[str, float]) -> bool:
    """Enough of a fact's distinctive tokens together to be the fact in other words: weights
    of at least 2 (two names, people or figures; one and two rare words; four rare words),
    not people alone (two people named together are no fact)."""
    return sum(shared.values()) >= 2 and any(not t.startswith("@") for t in shared)


def own_mark(marks: dict[str, float], other_texts: list[frozenset[str]],
             other_names: frozenset[str] = frozenset(), weak: frozenset[str] = frozenset(),
             surnames: dict[str, str] | None = None) -> bool:
    """A person, figure or name of the fact (weight 1) that none of the other texts holds: what
    makes a fact one outlet's own even when another's sentence on the topic is close.

    A name is not the fact's own when another text writes it another way (``other_names``: the
    words the other texts capitalise; "Nasir" / "Nasser", "Latif" / "Abdullatif": see
    :func:`kin_names`), nor when it is a word that heads an institution's name (``weak``:
    "Department of Defense" / "the Pentagon"). A person (``@id``) is checked the same way by the
    surname ``surnames`` gives them ("Abdul Latif Nasir" / "Abdullatif Nasser")."""
    weak_stems = stems(weak)
    surnames = surnames or {}
    for t, w in marks.items():
        if w < 1.0 or t in weak_stems or any(t in text for text in other_texts):
            continue
        spelled = surnames.get(t) if t.startswith("@") else (None if t.startswith("#") else t)
        if spelled and any(kin_names(spelled, u) for u in other_names):
            continue
        return True
    return False


def _skeleton(word: str) -> str:
    """A word's consonants after its first letter, doubled letters once ("nasser" -> "nsr")."""
    out = word[:1]
    for ch in word[1:]:
        if ch not in "aeiouy" and ch != out[-1]:
            out += ch
    return out


def kin_names(a: str, b: str) -> bool:
    """Two lower-case spellings that may write one name: one inside the other ("latif" /
    "abdullatif"; a stem "depart" / "department"), or the same consonants ("nasir" / "nasser",
    "mohammed" / "muhammad"). Generous on purpose: it only ever stops a claim."""
    if min(len(a), len(b)) >= 4 and (a in b or b in a):
        return True
    sa, sb = _skeleton(a), _skeleton(b)
    return len(sa) >= 3 and sa == sb
