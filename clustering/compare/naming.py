"""Naming: which surface forms each outlet uses for the same person.

Mentions come from spaCy's PERSON entities, from proper-noun tokens that match a known
spelling (the small English model often tags "Zelenskyy" as GPE or misses it), and from the
epithets of the alias lexicon ("Kremlin leader"). Surnames are grouped across romanisations by
a transliteration key ("Zelenskyy", "Zelenskiy" -> "zelensky") and, for typos ("Zekensky"),
by string similarity of the keys. The same index resolves quoted speakers and the targets of
tone.
"""
from __future__ import annotations

import bisect
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher
from typing import Any

from .lexicons import KnownEntity, NamesLexicon
from .sentences import ParsedArticle

_POSSESSIVE = ("’s", "'s", "’", "'")
_HONORIFICS = {"mr", "ms", "mrs", "miss", "mx", "dr", "sir", "dame"}
# appositions that show a "PERSON" entity is really a place ("Dvorichna, a key village")
_PLACE_NOUNS = {
    "village", "town", "city", "region", "district", "province", "county", "country", "river",
    "airport", "plant", "stronghold", "settlement", "island", "state", "capital", "port",
}
_FUZZY_RATIO = 0.86
_FUZZY_MIN_LEN = 5


def translit_key(word: str, rules: tuple[tuple[str, str], ...]) -> str:
    """Romanisation-independent key of a surname ("Zelenskiy" -> "zelensky")."""
    text = unicodedata.normalize("NFKD", word.casefold())
    text = "".join(ch for ch in text if ch.isalpha())
    for old, new in rules:
        text = text.replace(old, new)
    return text


def _is_place(root: Any) -> bool:
    """A "PERSON" entity that the parse shows to be a place ("the village of Dvorichna")."""
    if any(c.dep_ == "appos" and c.lemma_.lower() in _PLACE_NOUNS for c in root.children):
        return True
    if root.dep_ == "appos" and root.head.lemma_.lower() in _PLACE_NOUNS:
        return True
    return root.dep_ == "pobj" and root.head.head.lemma_.lower() in _PLACE_NOUNS


def _similar(a: str, b: str) -> bool:
    if a == b:
        return True
    if min(len(a), len(b)) < _FUZZY_MIN_LEN or a[0] != b[0]:
        return False
    return SequenceMatcher(None, a, b).ratio() >= _FUZZY_RATIO


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
            len(k) >= _FUZZY_MIN_LEN and _similar(key, k) for k in e.keys))]
        return found[0] if len(found) == 1 else None

    def main_entities(self, limit: int) -> list[Entity]:
        """The story's main people: mentioned by the most outlets, then most often."""
        ranked = sorted(
            self.entities,
            key=lambda e: (-len(e.outlets(self.parsed)), -len(e.mentions), e.name),
        )
        return [e for e in ranked if e.mentions][:limit]


def _article_day(pa: ParsedArticle, fallback: date | None) -> date | None:
    when = pa.article.published_at
    return when.date() if when is not None else fallback


def _sentence_at(starts: dict[tuple[int, str], tuple[list[int], list[int]]], article: int, field_name: str, pos: int) -> int:
    offsets, indices = starts.get((article, field_name), ([], []))
    i = bisect.bisect_right(offsets, pos) - 1
    return indices[i] if i >= 0 else -1


def build_entity_index(
    parsed: list[ParsedArticle], lexicon: NamesLexicon, reporting: frozenset[str] = frozenset()
) -> EntityIndex:
    """Find and group the people of a story.

    Args:
        parsed: The story's parsed articles.
        lexicon: Titles, transliteration rules and known entities.
        reporting: Reporting-verb lemmas: a proper name that is the subject of one ("Dr.
            Anthony Fauci said") is a person even where the NER model does not say so.

    Returns:
        The entity index (entities ordered by number of mentions).
    """
    rules = lexicon.translit
    titles = lexicon.titles
    not_people = {translit_key(w, rules) for w in lexicon.not_people}
    starts: dict[tuple[int, str], tuple[list[int], list[int]]] = {}
    for pa in parsed:
        for s in pa.sentences:
            offs, idx = starts.setdefault((pa.position, s.field), ([], []))
            offs.append(s.start)
            idx.append(s.index)

    known_keys: dict[str, int] = {}  # key -> index into lexicon.entities
    for k, known in enumerate(lexicon.entities):
        for spelling in known.spellings:
            known_keys[translit_key(spelling, rules)] = k

    raw: list[Mention] = []
    other_label: Counter[str] = Counter()
    person_label: Counter[str] = Counter()

    def name_mention(pa: ParsedArticle, para: Any, tokens: list[Any]) -> Mention | None:
        # strip possessive and titles; keep honorifics ("Mr Zelensky" is a house-style choice)
        words = [t for t in tokens if t.text not in _POSSESSIVE and not t.is_punct]
        while words and words[-1].text.lower() in _POSSESSIVE:
            words.pop()
        lead = []
        while words and words[0].text.lower().rstrip(".") in titles:
            lead.append(words.pop(0))
        if not words:
            return None
        last_word = words[-1]
        if last_word.is_stop or not last_word.text[:1].isupper() or any(ch.isdigit() for t in words for ch in t.text):
            return None  # "Biden Dips Into", "Bill 90": a headline fragment or a label, not a name
        honor = [t for t in lead if t.text.lower().rstrip(".") in _HONORIFICS][-1:]
        form_tokens = honor + words
        first, last = form_tokens[0], form_tokens[-1]
        start = para.start + first.idx
        end = para.start + last.idx + len(last.text)
        surname = words[-1].text
        return Mention(
            article=pa.position,
            field=para.field,
            start=start,
            end=end,
            form=pa.article.field_text(para.field)[start:end],
            kind="name",
            surname=surname,
            token=words[-1],
        )

    for pa in parsed:
        for para in pa.paragraphs:
            doc = para.doc
            for ent in doc.ents:
                if ent.label_ != "PERSON":
                    if ent.label_ in ("GPE", "LOC", "ORG", "NORP", "FAC"):
                        other_label[translit_key(ent[-1].text, rules)] += 1
                    continue
                root = ent.root
                if len(ent) > 4:
                    continue  # "Rand Paul Accuses Fauci of Lying": a title-case headline, not a name
                if root.dep_ == "compound" and root.head.i >= ent.end:
                    continue  # "Patriot air-defense missiles": a name used as a modifier
                if _is_place(root):
                    continue
                tokens = list(ent)
                if ent.start > 0 and doc[ent.start - 1].text.lower().rstrip(".") in _HONORIFICS:
                    tokens = [doc[ent.start - 1]] + tokens
                m = name_mention(pa, para, tokens)
                if m is None:
                    continue
                key = translit_key(m.surname, rules)
                if key in not_people:
                    continue
                person_label[key] += 1
                raw.append(m)
            # "Dr. Anthony Fauci said": the subject of a reporting verb, spelled as a name
            taken_idx = {m.start - para.start for m in raw if m.article == pa.position and m.field == para.field}
            for tok in doc:
                if not (
                    tok.dep_ in ("nsubj", "nsubjpass")
                    and tok.pos_ == "PROPN"
                    and tok.head.lemma_.lower() in reporting
                    and tok.ent_type_ not in ("ORG", "GPE", "NORP", "LOC", "FAC", "PERSON")
                ):
                    continue
                chain = [c for c in tok.lefts if c.dep_ in ("compound", "flat") and c.pos_ == "PROPN"] + [tok]
                prev = doc[chain[0].i - 1] if chain[0].i > 0 else None
                titled = prev is not None and prev.text.lower().rstrip(".") in titles
                if len(chain) < 2 and not titled:
                    continue
                if prev is not None and titled:
                    chain = [prev] + chain
                if any(t.idx in taken_idx for t in chain):
                    continue
                m = name_mention(pa, para, chain)
                if m is not None:
                    key = translit_key(m.surname, rules)
                    if key not in not_people:
                        person_label[key] += 1
                        raw.append(m)

    # second pass: capitalised words spelled like a person found above or in the lexicon but
    # not tagged PERSON where they occur (the small model misses "Zelenskyy accuses ...")
    found_keys = {translit_key(m.surname, rules) for m in raw}
    candidate_keys = set(known_keys) | {k for k in found_keys if k not in not_people}
    taken = {(m.article, m.field, m.start) for m in raw}
    for pa in parsed:
        for para in pa.paragraphs:
            doc = para.doc
            inside = set()
            for m in raw:
                if m.article == pa.position and m.field == para.field and para.start <= m.start < para.end:
                    inside.update(range(m.start - para.start, m.end - para.start))
            for tok in doc:
                if tok.idx in inside or not tok.text[:1].isupper() or tok.is_punct:
                    continue
                key = translit_key(tok.text, rules)
                if len(key) < 3 or key in not_people:
                    continue
                if key not in candidate_keys and not any(
                    _similar(key, k) for k in candidate_keys if len(k) >= _FUZZY_MIN_LEN
                ):
                    continue
                if tok.dep_ == "compound" and tok.head.i > tok.i and tok.head.pos_ == "NOUN":
                    continue
                if _modifies_other_name(tok):
                    continue  # "Trump Tower", "the Trump Organization": a building's or a firm's name
                text = para.doc.text
                if text[tok.idx - 1 : tok.idx] == "-" or text[tok.idx + len(tok.text) : tok.idx + len(tok.text) + 1] == "-":
                    continue  # "pro-Trump", "Trump-appointed": an adjective, not a mention
                span = [tok]
                known = lexicon.entities[known_keys[key]] if key in known_keys else None
                prev = doc[tok.i - 1] if tok.i > 0 else None
                if prev is not None and prev.idx not in inside and (
                    (known and prev.text in known.first_names)
                    or prev.text.lower().rstrip(".") in _HONORIFICS
                ):
                    span = [prev, tok]
                elif (
                    prev is not None and prev.idx not in inside and prev.pos_ == "PROPN"
                    and prev.text[:1].isupper() and prev.head.i == tok.i and prev.dep_ in ("compound", "flat")
                    and prev.ent_type_ in ("", "PERSON") and prev.text.lower().rstrip(".") not in titles
                ):
                    # "Andy Harris" missed by the NER model: the first name belongs to the
                    # mention (else the outlet would be counted as writing the surname alone)
                    span = [prev, tok]
                elif _full_name_before(tok, inside):
                    span = _full_name_before(tok, inside) + [tok]
                m = name_mention(pa, para, span)
                if m is not None and (m.article, m.field, m.start) not in taken:
                    raw.append(m)
                    taken.add((m.article, m.field, m.start))
                    inside.update(range(m.start - para.start, m.end - para.start))

    # group surname keys: lexicon spellings first, then transliteration/fuzzy similarity
    key_count = Counter(translit_key(m.surname, rules) for m in raw)
    groups: list[dict[str, Any]] = []
    for k, known in enumerate(lexicon.entities):
        keys = {translit_key(s, rules) for s in known.spellings}
        if _other_person(known, [m for m in raw if translit_key(m.surname, rules) in keys], titles):
            # "Rep. Andy Harris" is not Kamala Harris: the story's person of that surname is
            # someone the lexicon does not know (no lexicon spellings, epithets or first names)
            groups.append({"keys": set(keys), "known": None})
            continue
        groups.append({"keys": keys, "known": known})
    for key, _ in key_count.most_common():
        home = next((g for g in groups if key in g["keys"]), None)
        if home is None:
            home = next((g for g in groups if any(_similar(key, k) for k in g["keys"])), None)
        if home is None:
            # a "person" mostly tagged as a place/organisation elsewhere (e.g. "Kyiv") is dropped
            if other_label[key] > person_label[key]:
                continue
            home = {"keys": set(), "known": None}
            groups.append(home)
        home["keys"].add(key)

    entities: list[Entity] = []
    for g in groups:
        ent = Entity(id=-1, name="", keys=set(g["keys"]), known=g["known"])
        entities.append(ent)
    for m in raw:
        key = translit_key(m.surname, rules)
        for i, ent in enumerate(entities):
            if key in ent.keys:
                ent.mentions.append(m)
                break

    # epithets of known people who are named somewhere in the story
    days = [pa.article.published_at.date() for pa in parsed if pa.article.published_at]
    fallback_day = max(days) if days else None
    for ent in entities:
        if ent.known is None or not ent.mentions:
            continue
        for pa in parsed:
            day = _article_day(pa, fallback_day)
            for para in pa.paragraphs:
                text = para.doc.text
                for ep in ent.known.epithets:
                    if not ep.valid_on(day):
                        continue
                    for hit in ep.pattern.finditer(text):
                        after = text[hit.end():hit.end() + 40]
                        stripped = after.lstrip()
                        if stripped[:1].isupper() and after[:1] == " ":
                            continue  # a title before the name: "Russian President Vladimir Putin"
                        span = para.doc.char_span(hit.start(), hit.end(), alignment_mode="expand")
                        if span is None:
                            continue
                        if any(e.label_ == "PERSON" for e in span.ents):
                            continue
                        ent.mentions.append(
                            Mention(
                                article=pa.position,
                                field=para.field,
                                start=para.start + hit.start(),
                                end=para.start + hit.end(),
                                form=hit.group(0),
                                kind="epithet",
                                token=span.root,
                                evaluative=ep.evaluative,
                            )
                        )

    entities = [e for e in entities if e.mentions]
    entities.sort(key=lambda e: -len(e.mentions))
    for i, ent in enumerate(entities):
        ent.id = i
        for m in ent.mentions:
            m.entity = i
            m.sentence = _sentence_at(starts, m.article, m.field, m.start)
        ent.mentions.sort(key=lambda m: (m.article, m.field != "title", m.start))
        ent.name = _canonical_name(ent, titles)
    # drop overlapping duplicates (an epithet inside a name span, a name found twice)
    for ent in entities:
        seen: list[Mention] = []
        for m in ent.mentions:
            if any(o.article == m.article and o.field == m.field and o.start < m.end and m.start < o.end for o in seen):
                continue
            seen.append(m)
        ent.mentions = seen
    return EntityIndex(entities, parsed, lexicon)


_ROLE_WORDS = {"senate", "house", "minority", "majority", "leader", "whip", "committee", "council", "party",
               "administration", "department", "ministry", "office", "state", "federal", "national"}
_FUNCTION_WORDS = {"between", "and", "but", "with", "for", "from", "after", "before", "as", "at", "in", "on",
                   "of", "to", "by", "when", "while", "if", "the", "a", "an", "says", "said"}


def _strip_function_words(form: str) -> str:
    """"Between Obama" (a headline run) -> "Obama"."""
    words = form.split()
    while len(words) > 1 and words[0].lower() in _FUNCTION_WORDS:
        words.pop(0)
    return " ".join(words)


def _canonical_name(ent: Entity, titles: frozenset[str]) -> str:
    if ent.known is not None:
        return ent.known.name
    forms = Counter()
    for m in ent.mentions:
        if m.kind != "name":
            continue
        words = [w for w in m.form.split() if w.lower().rstrip(".") not in titles]
        while words and words[0].lower() in _FUNCTION_WORDS:
            words.pop(0)  # "Between Obama" (a headline run): the name is "Obama"
        if words:
            forms[" ".join(words)] += 1
    full = [(n, f) for f, n in forms.items() if len(f.split()) >= 2]
    if full:
        return max(full)[1]
    return forms.most_common(1)[0][0] if forms else "?"


# set phrases the NER model takes for people ("a Hail Mary pass")
_IDIOMS = {"hail mary", "john doe", "jane doe", "uncle sam", "mother nature", "father time", "lady liberty",
           "peeping tom", "doubting thomas", "good samaritan", "holy spirit", "santa claus"}


def _first_name(m: Mention, titles: frozenset[str]) -> str | None:
    """The first name of a full-name mention ("Hillary" of "Hillary Rodham Clinton"), if any."""
    words = [w for w in _strip_function_words(m.form).split() if w.lower().rstrip(".") not in titles]
    if len(words) < 2 or len(words[0].rstrip(".")) < 2:
        return None  # a surname alone, or an initial ("J. Smith")
    return words[0]


def _other_person(known: Any, mentions: list[Mention], titles: frozenset[str]) -> bool:
    """The story's full names with a known person's surname all have another first name
    ("Andy Harris" for Kamala Harris): a different first name never maps to a known person.
    False when the lexicon gives no first names or the story writes the surname alone only."""
    if not known.first_names:
        return False
    firsts = {f for m in mentions if m.kind == "name" for f in [_first_name(m, titles)] if f}
    return bool(firsts) and not any(_same_first(f, k) for f in firsts for k in known.first_names)


_NOT_PERSON = ("ORG", "FAC", "GPE", "LOC", "NORP", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW")


def _modifies_other_name(tok: Any) -> bool:
    """The token starts or sits inside a longer name the parser gives to a firm, building or
    place, with words after it ("Trump Tower", "the Trump Organization"): not a mention of the
    person. (Words before it, "Patton Boggs", are a full name's shape: see `_full_name_before`.)"""
    if tok.ent_type_ not in _NOT_PERSON:
        return False
    ent = next((e for e in tok.doc.ents if e.start <= tok.i < e.end), None)
    return ent is not None and any(not t.is_punct and t.text not in _POSSESSIVE for t in tok.doc[tok.i + 1:ent.end])


def _full_name_before(tok: Any, inside: set[int]) -> list[Any]:
    """Capitalised proper nouns right before the token inside the same entity ("Mark Sheridan"
    tagged ORG, "Patton Boggs"): the outlet wrote the full name, not the surname alone."""
    ent = next((e for e in tok.doc.ents if e.start <= tok.i < e.end), None)
    if ent is None or tok.i == ent.start:
        return []
    words = list(tok.doc[ent.start:tok.i])
    if all(t.pos_ == "PROPN" and t.text[:1].isupper() and t.idx not in inside for t in words) and len(words) <= 2:
        return words
    return []


def first_names(ent: Entity, titles: frozenset[str]) -> set[str]:
    """The distinct first names an entity's mentions use."""
    return {f for m in ent.mentions if m.kind == "name" for f in [_first_name(m, titles)] if f}


def ambiguous(ent: Entity, titles: frozenset[str]) -> bool:
    """Two people share the surname (Bill and Hillary Clinton): the surname key groups them as
    one, so neither a form nor a speaker can be given to a person with certainty. A first
    name that starts another ("Joe", "Joseph") is the same person."""
    names = sorted({_plain(f) for f in first_names(ent, titles)}, key=len)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            if not b.startswith(a):
                return True
    return False


def _plain(word: str) -> str:
    """Lower case without accents ("Raúl" -> "raul")."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(ch))


def _same_first(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return False
    a, b = sorted((_plain(a), _plain(b)), key=len)
    return b.startswith(a)


def _in_ranges(m: Mention, quoted: dict[tuple[int, str], list[tuple[int, int]]] | None) -> bool:
    if not quoted:
        return False
    return any(a <= m.start < b for a, b in quoted.get((m.article, m.field), []))


def naming_for_outlet(
    index: EntityIndex,
    outlet: str,
    entity_ids: list[int],
    quoted: dict[tuple[int, str], list[tuple[int, int]]] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The forms an outlet uses for the given entities, and its dominant surname spellings.

    Only the outlet's own voice counts: a name inside a quotation is the speaker's choice. An
    entity whose surname two people share (Bill and Hillary Clinton) is left out, and so is a
    set phrase the parser took for a person ("Hail Mary"). A first name used alone ("Raúl")
    is counted as a form of the one person with that first name, and left out when none or
    several have it.

    Args:
        index: The story's entity index.
        outlet: The outlet's name.
        entity_ids: Entities to report (the story's people that matter for the comparison).
        quoted: Quoted ranges (marks included) per ``(article, field)``.

    Returns:
        ``(rows, spellings)``: rows ``{"entity", "form", "count", "kind"}`` sorted by entity
        then count, and ``{entity name: surname spelling}``.
    """
    titles = index.lexicon.titles
    rows: list[dict[str, Any]] = []
    spellings: dict[str, str] = {}
    # first names of the story's full-name people, for first-name-only entities
    owners: dict[str, set[int]] = {}
    for ent in index.entities:
        for f in first_names(ent, titles):
            owners.setdefault(_plain(f), set()).add(ent.id)
    extra: dict[int, list[Mention]] = {}
    skip: set[int] = set()
    for eid in entity_ids:
        ent = index.entity(eid)
        if ent.known is None and all(m.kind == "name" and len(m.form.split()) == 1 for m in ent.mentions):
            word = ent.mentions[0].form if ent.mentions else ""
            home = owners.get(_plain(word), set()) - {eid}
            if home:
                skip.add(eid)
                if len(home) == 1:
                    extra.setdefault(next(iter(home)), []).extend(ent.mentions)
    for eid in entity_ids:
        ent = index.entity(eid)
        if eid in skip or ent.name.lower() in _IDIOMS:
            continue
        own_first = _first_name(next((m for m in ent.mentions if m.form == ent.name), ent.mentions[0]), titles) if ent.mentions else None
        shared = ambiguous(ent, titles)
        if not any(m.field == "text" for m in ent.mentions):
            continue  # named in headlines only ("Blake Farenthold Resigns"): not a sure person
        if ent.known is None and all(
            w.lower().rstrip(".") in titles or w.lower() in _ROLE_WORDS for w in ent.name.split()
        ):
            continue  # "Senate Minority Leader": a role the parser took for a name, not a person
        ms = [
            m for m in ent.mentions + extra.get(eid, [])
            if index.parsed[m.article].article.outlet == outlet and not _in_ranges(m, quoted)
            and _strip_function_words(m.form).lower() not in _IDIOMS
            # a shared surname: only full names with this person's first name are theirs
            and not (shared and not _same_first(_first_name(m, titles), own_first))
        ]
        if not ms:
            continue
        forms = Counter((_strip_function_words(m.form), m.kind, m.evaluative) for m in ms)
        label = ent.name
        if len(label.split()) == 1:
            # an entity grouped under a first name ("Steve"): label it with its full name
            longer = Counter(f for m in ent.mentions for f in [_strip_function_words(m.form)]
                             if len(f.split()) >= 2 and f.split()[0] == label)
            if longer:
                label = longer.most_common(1)[0][0]
        for (form, kind, evaluative), count in sorted(forms.items(), key=lambda kv: (-kv[1], kv[0][0])):
            row = {"entity": label, "form": form, "count": count, "kind": kind}
            if evaluative:
                row["evaluative"] = True
            rows.append(row)
        spelled = Counter(m.surname for m in ms if m.kind == "name" and m.surname)
        if spelled:
            spellings[ent.name] = spelled.most_common(1)[0][0]
    return rows, spellings


def naming_variants(index: EntityIndex, outlets: list[str], entity_ids: list[int]) -> list[dict[str, Any]]:
    """Entities whose surname the outlets spell differently.

    Returns:
        ``[{"entity", "spellings": {outlet: spelling}, "counts": {outlet: {spelling: n}}}]``.
    """
    out = []
    for eid in entity_ids:
        ent = index.entity(eid)
        per: dict[str, Counter[str]] = {}
        for m in ent.mentions:
            if m.kind == "name" and m.surname:
                per.setdefault(index.parsed[m.article].article.outlet, Counter())[m.surname] += 1
        dominant = {o: c.most_common(1)[0][0] for o, c in per.items()}
        if len(set(dominant.values())) > 1:
            out.append(
                {
                    "entity": ent.name,
                    "spellings": {o: dominant[o] for o in outlets if o in dominant},
                    "counts": {o: dict(per[o]) for o in outlets if o in per},
                }
            )
    return out
