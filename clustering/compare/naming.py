"""Naming: which surface forms each outlet uses for the same person.

Mentions come from spaCy's PERSON entities, from proper-noun tokens that match a known
spelling (the small English model often tags "Zelenskyy" as GPE or misses it), and from the
epithets of the alias lexicon ("Kremlin leader"). Surnames are grouped across romanisations by
a transliteration key ("Zelenskyy", "Zelenskiy" -> "zelensky") and, for typos ("Zekensky"),
by string similarity of the keys. The same index resolves quoted speakers and the targets of
tone.

This module builds the index (:func:`build_entity_index`). The index itself lives in
:mod:`.entity_index`, the spelling key and name-shape cues in :mod:`.name_shapes`, and each
outlet's naming rows and spellings in :mod:`.outlet_naming`; their public names are imported
from here, as before.
"""
from __future__ import annotations

import bisect
import re
from collections import Counter
from datetime import date
from typing import Any

from clustering.signals import is_title_case

from .entity_index import Entity, EntityIndex, Mention, first_name, ambiguous, first_names
from .lexicons import NamesLexicon
from .name_shapes import (
    FUNCTION_WORDS,
    FUZZY_MIN_LEN,
    HONORIFICS,
    POSSESSIVE,
    full_name_before,
    is_place,
    modifies_other_name,
    same_first,
    similar_key,
    translit_key,
)
from .outlet_naming import naming_for_outlet, naming_variants
from .sentences import ParsedArticle

# the names callers import from here (the index, its builder, the per-outlet rows)
__all__ = [
    "Entity",
    "EntityIndex",
    "Mention",
    "ambiguous",
    "build_entity_index",
    "first_names",
    "naming_for_outlet",
    "naming_variants",
    "translit_key",
]


#: Last words of the names of bodies, never of people ("County Police Department").
NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
INSTITUTION_NOUNS = frozenset({
    "department", "police", "office", "committee", "court", "council", "agency", "ministry", "service", "services",
    "bureau", "administration", "association", "university", "college", "party", "company", "corporation",
    "commission", "institute", "foundation", "board", "authority", "senate", "congress", "parliament", "network",
    "doctrine", "policy", "caucus", "coalition", "union", "alliance", "federation", "league", "organization",
    "organisation", "center", "centre", "society", "assembly",
})


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
        words = [t for t in tokens if t.text not in POSSESSIVE and not t.is_punct]
        while words and words[-1].text.lower() in POSSESSIVE:
            words.pop()
        lead = []
        while words and words[0].text.lower().rstrip(".") in titles:
            lead.append(words.pop(0))
        if not words:
            return None
        suffix = []  # "Cy Vance Jr.": the generation is part of the name, never the surname itself
        while len(words) > 1 and words[-1].text.lower().rstrip(".") in NAME_SUFFIXES:
            suffix.insert(0, words.pop())
        last_word = words[-1]
        if last_word.is_stop or not last_word.text[:1].isupper() or any(ch.isdigit() for t in words for ch in t.text):
            return None  # "Biden Dips Into", "Bill 90": a headline fragment or a label, not a name
        if last_word.text.lower().rstrip(".") in titles or any(t.tag_ == "JJS" for t in words):
            return None  # "America's Toughest Sheriff": a title or an epithet, not a person's name
        if last_word.text.lower() in INSTITUTION_NOUNS:
            return None  # "County Police Department": a body, not a person
        if any(t.text in POSSESSIVE for t in tokens[:-1]):
            return None  # "Trump’s Twitter": something of a person's, not a name
        before = last_word.doc[words[0].i - 1] if words[0].i > 0 else None
        if re.fullmatch(r"[A-Z]\.", words[0].text) and before is not None and before.text[:1].isupper():
            return None  # "Paul D. Ryan" read from its middle initial: a piece of a longer name
        if before is not None and before.lower_ == "the" and last_word.text.endswith("s") and len(words) == 1:
            return None  # "the Clintons": a family, not one person
        honor = [t for t in lead if t.text.lower().rstrip(".") in HONORIFICS][-1:]
        form_tokens = honor + words + suffix
        first, last = form_tokens[0], form_tokens[-1]
        start = para.start + first.idx
        end = para.start + last.idx + len(last.text)
        # "Donald Trump Jr." is not Donald Trump: the generation keeps the name apart
        surname = " ".join([words[-1].text] + [t.text.rstrip(".") for t in suffix])
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

    bodies = "\n".join(pa.article.field_text("text") for pa in parsed)
    for pa in parsed:
        for para in pa.paragraphs:
            doc = para.doc
            title_case = para.field == "title" and is_title_case(doc.text)
            for ent in doc.ents:
                if ent.label_ != "PERSON":
                    if ent.label_ in ("GPE", "LOC", "ORG", "NORP", "FAC"):
                        other_label[translit_key(ent[-1].text, rules)] += 1
                    continue
                root = ent.root
                if len(ent) > 4:
                    continue  # "Rand Paul Accuses Fauci of Lying": a title-case headline, not a name
                if title_case and len(ent) > 1 and ent.text not in bodies:
                    continue  # "... to Allow Schools to Censor ...": headline words no text writes as a name
                if root.dep_ == "compound" and root.head.i >= ent.end:
                    continue  # "Patriot air-defense missiles": a name used as a modifier
                if is_place(root):
                    continue
                tokens = list(ent)
                if ent.start > 0 and doc[ent.start - 1].text.lower().rstrip(".") in HONORIFICS:
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
                    similar_key(key, k) for k in candidate_keys if len(k) >= FUZZY_MIN_LEN
                ):
                    continue
                if tok.dep_ == "compound" and tok.head.i > tok.i and tok.head.pos_ == "NOUN":
                    continue
                if modifies_other_name(tok):
                    continue  # "Trump Tower", "the Trump Organization": a building's or a firm's name
                text = para.doc.text
                if text[tok.idx - 1 : tok.idx] == "-" or text[tok.idx + len(tok.text) : tok.idx + len(tok.text) + 1] == "-":
                    continue  # "pro-Trump", "Trump-appointed": an adjective, not a mention
                span = [tok]
                known = lexicon.entities[known_keys[key]] if key in known_keys else None
                prev = doc[tok.i - 1] if tok.i > 0 else None
                if prev is not None and prev.idx not in inside and (
                    (known and prev.text in known.first_names)
                    or prev.text.lower().rstrip(".") in HONORIFICS
                ):
                    span = [prev, tok]
                elif (
                    prev is not None and prev.idx not in inside and prev.pos_ == "PROPN"
                    and prev.text[:1].isupper() and prev.head.i == tok.i and prev.dep_ in ("compound", "flat")
                    and prev.ent_type_ in ("", "PERSON") and prev.text.lower().rstrip(".") not in titles
                    # "FDA Clears Pfizer Coronavirus Vaccine": in a title-case headline every word is
                    # capitalised; the word before is a first name only if some body writes the two so
                    and not (para.field == "title" and is_title_case(doc.text) and f"{prev.text} {tok.text}" not in bodies)
                ):
                    # "Andy Harris" missed by the NER model: the first name belongs to the
                    # mention (else the outlet would be counted as writing the surname alone)
                    span = [prev, tok]
                elif full_name_before(tok, inside):
                    span = full_name_before(tok, inside) + [tok]
                m = name_mention(pa, para, span)
                if m is not None and (m.article, m.field, m.start) not in taken:
                    raw.append(m)
                    taken.add((m.article, m.field, m.start))
                    inside.update(range(m.start - para.start, m.end - para.start))

    # group surname keys: lexicon spellings first, then transliteration/fuzzy similarity
    key_count = Counter(translit_key(m.surname, rules) for m in raw)
    suffixed = {translit_key(m.surname, rules) for m in raw if " " in m.surname}  # "Trump Jr", "Mueller III"
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
        if home is None and key not in suffixed:
            # "Donald Trump Jr." is never Donald Trump by a likeness of spelling; the same man
            # written with and without his generation ("Robert S. Mueller III", "Mr. Mueller")
            # counts as two names, each true of what the text writes
            home = next((g for g in groups if any(similar_key(key, k) for k in g["keys"] if k not in suffixed)), None)
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
    # "over Twitter", "Infowars": a name the lexicon does not know, never written in the story
    # with a first name, an honorific or a title, is no evidence of a person (the small model
    # tags platforms and firms PERSON); its mentions make no claims and speak no quotations
    entities = [e for e in entities if e.known is not None or not e.mentions
                or any(_person_shaped(m, titles) for m in e.mentions)]

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


def _canonical_name(ent: Entity, titles: frozenset[str]) -> str:
    if ent.known is not None:
        return ent.known.name
    forms = Counter()
    for m in ent.mentions:
        if m.kind != "name":
            continue
        # "[special counsel Robert] Mueller": an editor's bracket inside a quotation is no part of the name
        words = [w.strip("[]") for w in m.form.split() if w.strip("[]") and w.strip("[]").lower().rstrip(".") not in titles]
        while words and words[0].lower() in FUNCTION_WORDS:
            words.pop(0)  # "Between Obama" (a headline run): the name is "Obama"
        if words:
            forms[" ".join(words)] += 1
    full = [(n, f) for f, n in forms.items() if len(f.split()) >= 2]
    if full:
        return max(full)[1]
    return forms.most_common(1)[0][0] if forms else "?"


def _person_shaped(m: Mention, titles: frozenset[str]) -> bool:
    """A mention written as a person's name: two or more words ("Alex Jones", "Mr. Trump") or
    one word after a title ("President Obama", "Sen. Tlaib")."""
    if len(m.form.split()) > 1:
        return True
    tok = m.token
    if tok is None or tok.i == 0:
        return False
    prev = tok.doc[tok.i - 1].text.lower().rstrip(".")
    return prev in titles or prev in HONORIFICS


def _other_person(known: Any, mentions: list[Mention], titles: frozenset[str]) -> bool:
    """The story's full names with a known person's surname all have another first name
    ("Andy Harris" for Kamala Harris): a different first name never maps to a known person.
    False when the lexicon gives no first names or the story writes the surname alone only."""
    if not known.first_names:
        return False
    firsts = {f for m in mentions if m.kind == "name" for f in [first_name(m, titles)] if f}
    return bool(firsts) and not any(same_first(f, k) for f in firsts for k in known.first_names)
