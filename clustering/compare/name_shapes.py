"""Name shapes: the romanisation-independent key of a surname and its fuzzy match, possessive
endings and honorifics, function words a headline runs into a name, first names compared
without accents, and the parse cues that a capitalised word is a place's, a firm's or a full
name's (used by the entity index builder in :mod:`.naming`)."""
from __future__ import annotations

import unicodedata
from difflib import SequenceMatcher
from typing import Any

POSSESSIVE = ("’s", "'s", "’", "'")
HONORIFICS = {"mr", "ms", "mrs", "miss", "mx", "dr", "sir", "dame"}
# appositions that show a "PERSON" entity is really a place ("Dvorichna, a key village")
_PLACE_NOUNS = {
    "village", "town", "city", "region", "district", "province", "county", "country", "river",
    "airport", "plant", "stronghold", "settlement", "island", "state", "capital", "port",
}
_FUZZY_RATIO = 0.86
FUZZY_MIN_LEN = 5


def translit_key(word: str, rules: tuple[tuple[str, str], ...]) -> str:
    """Romanisation-independent key of a surname ("Zelenskiy" -> "zelensky")."""
    text = unicodedata.normalize("NFKD", word.casefold())
    text = "".join(ch for ch in text if ch.isalpha())
    for old, new in rules:
        text = text.replace(old, new)
    return text


def is_place(root: Any) -> bool:
    """A "PERSON" entity that the parse shows to be a place ("the village of Dvorichna")."""
    if any(c.dep_ == "appos" and c.lemma_.lower() in _PLACE_NOUNS for c in root.children):
        return True
    if root.dep_ == "appos" and root.head.lemma_.lower() in _PLACE_NOUNS:
        return True
    return root.dep_ == "pobj" and root.head.head.lemma_.lower() in _PLACE_NOUNS


def similar_key(a: str, b: str) -> bool:
    if a == b:
        return True
    if min(len(a), len(b)) < FUZZY_MIN_LEN or a[0] != b[0]:
        return False
    return SequenceMatcher(None, a, b).ratio() >= _FUZZY_RATIO


FUNCTION_WORDS = {"between", "and", "but", "with", "for", "from", "after", "before", "as", "at", "in", "on",
                   "of", "to", "by", "when", "while", "if", "the", "a", "an", "says", "said"}


def strip_function_words(form: str) -> str:
    """"Between Obama" (a headline run) -> "Obama"."""
    words = form.split()
    while len(words) > 1 and words[0].lower() in FUNCTION_WORDS:
        words.pop(0)
    return " ".join(words)


_NOT_PERSON = ("ORG", "FAC", "GPE", "LOC", "NORP", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW")


def modifies_other_name(tok: Any) -> bool:
    """The token starts or sits inside a longer name the parser gives to a firm, building or
    place, with words after it ("Trump Tower", "the Trump Organization"): not a mention of the
    person. (Words before it, "Patton Boggs", are a full name's shape: see `full_name_before`.)"""
    if tok.ent_type_ not in _NOT_PERSON:
        return False
    ent = next((e for e in tok.doc.ents if e.start <= tok.i < e.end), None)
    return ent is not None and any(not t.is_punct and t.text not in POSSESSIVE for t in tok.doc[tok.i + 1:ent.end])


def full_name_before(tok: Any, inside: set[int]) -> list[Any]:
    """Capitalised proper nouns right before the token inside the same entity ("Mark Sheridan"
    tagged ORG, "Patton Boggs"): the outlet wrote the full name, not the surname alone."""
    ent = next((e for e in tok.doc.ents if e.start <= tok.i < e.end), None)
    if ent is None or tok.i == ent.start:
        return []
    words = list(tok.doc[ent.start:tok.i])
    if all(t.pos_ == "PROPN" and t.text[:1].isupper() and t.idx not in inside for t in words) and len(words) <= 2:
        return words
    return []


def plain_form(word: str) -> str:
    """Lower case without accents ("Raúl" -> "raul")."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(ch))


def same_first(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return False
    a, b = sorted((plain_form(a), plain_form(b)), key=len)
    return b.startswith(a)
