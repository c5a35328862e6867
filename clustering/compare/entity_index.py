"""The people of a story: their mentions (:class:`Mention`), the persons they group into
(:class:`Entity`) and the look-ups over them (:class:`EntityIndex`), with the first names that
tell two people of one surname apart. :func:`.naming.build_entity_index` builds the index."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from .lexicons import KnownEntity, NamesLexicon
from .name_shapes import FUZZY_MIN_LEN, plain_form, similar_key, strip_function_words, translit_key
from .sentences import ParsedArticle


@dataclass
class Mention:
    """One reference to a person in one article.

    Attributes:
        article: Position of the article in the input list.
        field: ``"title"`` or ``"text"``.
        start: Start offset into the field.
        end: End offset.
        form: The form as the outlet writes it ("Zelenskiy", "Mr Zelensky", "Kremlin leader").
        kind: ``"name"`` or ``"epithet"``.
        surname: The surname as spelled (names only).
        sentence: Index of the sentence the mention is in.
        token: The spaCy token heading the mention (for clause-level tone).
    """

    article: int
    field: str
    start: int
    end: int
    form: str
    kind: str
    surname: str = ""
    sentence: int = -1
    token: Any = field(default=None, repr=False)
    evaluative: bool = False
    entity: int = -1


@dataclass
class Entity:
    """A person of the story with all its mentions."""

    id: int
    name: str
    keys: set[str]
    known: KnownEntity | None = None
    mentions: list[Mention] = field(default_factory=list)

    def outlets(self, parsed: list[ParsedArticle]) -> set[str]:
        """Outlets that mention the entity."""
        return {parsed[m.article].article.outlet for m in self.mentions}


class EntityIndex:
    """People of a story and their mentions, with look-ups by span and by phrase."""

    def __init__(self, entities: list[Entity], parsed: list[ParsedArticle], lexicon: NamesLexicon):
        self.entities = entities
        self.parsed = parsed
        self.lexicon = lexicon
        self._by_sentence: dict[int, list[Mention]] = defaultdict(list)
        self._by_article: dict[tuple[int, str], list[Mention]] = defaultdict(list)
        for ent in entities:
            for m in ent.mentions:
                self._by_sentence[m.sentence].append(m)
                self._by_article[(m.article, m.field)].append(m)
        for ms in self._by_article.values():
            ms.sort(key=lambda m: m.start)

    def in_sentence(self, sentence: int) -> list[Mention]:
        """Mentions inside a sentence."""
        return self._by_sentence.get(sentence, [])

    def in_span(self, article: int, field_name: str, start: int, end: int) -> list[Mention]:
        """Mentions overlapping ``[start, end)`` of an article's field."""
        return [m for m in self._by_article.get((article, field_name), []) if m.start < end and start < m.end]

    def entity(self, ent_id: int) -> Entity:
        """The entity with this id."""
        return self.entities[ent_id]

    def in_sentence_tokens(self, article: int, token: Any) -> list[Mention]:
        """Mentions headed by a spaCy token (any field of the article)."""
        return [
            m for (a, _f), ms in self._by_article.items() if a == article
            for m in ms if m.token is not None and m.token.doc is token.doc and m.token.i == token.i
        ]

    def resolve_word(self, word: str) -> Entity | None:
        """The one entity whose surname key matches ``word`` ("Zelenskyy" -> Volodymyr Zelensky),
        for names the parser did not mark as a mention (headlines); None if none or several."""
        key = translit_key(word, self.lexicon.translit)
        if len(key) < 3:
            return None
        found = [e for e in self.entities if e.mentions and (key in e.keys or any(
            len(k) >= FUZZY_MIN_LEN and similar_key(key, k) for k in e.keys))]
        return found[0] if len(found) == 1 else None

    def main_entities(self, limit: int) -> list[Entity]:
        """The story's main people: mentioned by the most outlets, then most often."""
        ranked = sorted(
            self.entities,
            key=lambda e: (-len(e.outlets(self.parsed)), -len(e.mentions), e.name),
        )
        return [e for e in ranked if e.mentions][:limit]


def first_name(m: Mention, titles: frozenset[str]) -> str | None:
    """The first name of a full-name mention ("Hillary" of "Hillary Rodham Clinton"), if any."""
    words = [w for w in strip_function_words(m.form).split() if w.lower().rstrip(".") not in titles]
    if len(words) < 2 or len(words[0].rstrip(".")) < 2:
        return None  # a surname alone, or an initial ("J. Smith")
    return words[0]


def first_names(ent: Entity, titles: frozenset[str]) -> set[str]:
    """The distinct first names an entity's mentions use."""
    return {f for m in ent.mentions if m.kind == "name" for f in [first_name(m, titles)] if f}


COURTESY_MALE = frozenset({"mr"})
COURTESY_FEMALE = frozenset({"mrs", "ms", "miss"})


def courtesy(form: str) -> str | None:
    """"mr", "mrs", "ms" or "miss" when a name is written with that courtesy title."""
    words = form.split()
    first = words[0].lower().rstrip(".") if len(words) > 1 else ""
    return first if first in COURTESY_MALE | COURTESY_FEMALE else None


def courtesy_conflict(ent: Entity, article: int | None = None) -> bool:
    """The surname is written with "Mr." and with "Mrs."/"Ms." (in ``article``, or anywhere in
    the story): a man and a woman share it ("Mr. Cruz" and "Mrs. Cruz")."""
    seen = {courtesy(m.form) for m in ent.mentions if m.kind == "name" and (article is None or m.article == article)}
    return bool(seen & COURTESY_MALE) and bool(seen & COURTESY_FEMALE)


def ambiguous(ent: Entity, titles: frozenset[str]) -> bool:
    """Two people share the surname (Bill and Hillary Clinton): the surname key groups them as
    one, so neither a form nor a speaker can be given to a person with certainty. A first
    name that starts another ("Joe", "Joseph") is the same person. (A man and a woman written
    "Mr." and "Mrs." in one article: :func:`courtesy_conflict`.)"""
    names = sorted({plain_form(f) for f in first_names(ent, titles)}, key=len)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            if not b.startswith(a):
                return True
    return False
