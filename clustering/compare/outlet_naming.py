"""Per-outlet naming: the forms an outlet uses for the story's people in its own voice, its
surname spellings, and the people whose surname the outlets spell differently."""
from __future__ import annotations

from collections import Counter
from typing import Any

from .entity_index import EntityIndex, Mention, ambiguous, courtesy_conflict, first_name, first_names
from .name_shapes import plain_form, same_first, strip_function_words

_ROLE_WORDS = {"senate", "house", "minority", "majority", "leader", "whip", "committee", "council", "party",
               "administration", "department", "ministry", "office", "state", "federal", "national"}


# set phrases the NER model takes for people ("a Hail Mary pass")
_IDIOMS = {"hail mary", "john doe", "jane doe", "uncle sam", "mother nature", "father time", "lady liberty",
           "peeping tom", "doubting thomas", "good samaritan", "holy spirit", "santa claus"}


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
            owners.setdefault(plain_form(f), set()).add(ent.id)
    extra: dict[int, list[Mention]] = {}
    skip: set[int] = set()
    for eid in entity_ids:
        ent = index.entity(eid)
        if ent.known is None and all(m.kind == "name" and len(m.form.split()) == 1 for m in ent.mentions):
            word = ent.mentions[0].form if ent.mentions else ""
            home = owners.get(plain_form(word), set()) - {eid}
            if home:
                skip.add(eid)
                if len(home) == 1:
                    extra.setdefault(next(iter(home)), []).extend(ent.mentions)
    for eid in entity_ids:
        ent = index.entity(eid)
        if eid in skip or ent.name.lower() in _IDIOMS:
            continue
        own_first = first_name(next((m for m in ent.mentions if m.form == ent.name), ent.mentions[0]), titles) if ent.mentions else None
        shared = ambiguous(ent, titles) or any(
            courtesy_conflict(ent, pa.position) for pa in index.parsed if pa.article.outlet == outlet)
        if not any(m.field == "text" for m in ent.mentions):
            continue  # named in headlines only ("Blake Farenthold Resigns"): not a sure person
        if ent.known is None and all(
            w.lower().rstrip(".") in titles or w.lower() in _ROLE_WORDS for w in ent.name.split()
        ):
            continue  # "Senate Minority Leader": a role the parser took for a name, not a person
        ms = [
            m for m in ent.mentions + extra.get(eid, [])
            if index.parsed[m.article].article.outlet == outlet and not _in_ranges(m, quoted)
            and strip_function_words(m.form).lower() not in _IDIOMS
            # a shared surname: only full names with this person's first name are theirs
            and not (shared and not same_first(first_name(m, titles), own_first))
        ]
        if not ms:
            continue
        forms = Counter((strip_function_words(m.form), m.kind, m.evaluative) for m in ms)
        label = ent.name
        if len(label.split()) == 1:
            # an entity grouped under a first name ("Steve"): label it with its full name
            longer = Counter(f for m in ent.mentions for f in [strip_function_words(m.form)]
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
