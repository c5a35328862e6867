"""Whether the speaker found for a quotation is certain enough to be shown as a claim.

The attribution in ``speakers.py`` finds the most likely speaker; a claim needs more than that.
A quotation is shown as someone's words only when the text makes the speaker certain:

- the speaker is a name or a role tied to a name or organisation ("a Pentagon spokesperson",
  "Pence’s spokesperson"), never a pronoun, a relative pronoun ("which"), a weekday or month
  ("Tuesday"), or a bare role ("a spokesperson");
- a document (report, memo, statute, amendment, lawsuit ...) is not a speaker, and a quotation
  introduced by one is not the speech of the person named nearby;
- a speaker carried over from an earlier sentence ("..., he told") only when nobody else is
  named in between and the earlier speaker is near;
- a surname two people of the story share ("Clinton") names neither with certainty;
- a speaker found without any speech verb ("Farenthold reflected on ... “...”") is a guess;
- a headline quotation only when the article body gives the same words to the same person.

Everything else is counted as a quoted passage without a certain speaker.
"""
from __future__ import annotations

import re
from typing import Any

from .entity_index import courtesy, courtesy_conflict
from .naming import EntityIndex, ambiguous

PRONOUNS = {"he", "she", "they", "it", "we", "i", "you", "him", "her", "them", "this", "these", "those"}
RELATIVES = {"which", "who", "whom", "whose", "that", "what", "where", "when", "whoever", "whatever"}
CALENDAR = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "today", "yesterday",
    "tonight", "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
}
DOCUMENTS = {
    "report", "memo", "memorandum", "statute", "amendment", "law", "constitution", "clause", "ruling",
    "opinion", "decision", "filing", "complaint", "lawsuit", "suit", "indictment", "document", "documents",
    "bill", "order", "brief", "petition", "study", "survey", "poll", "transcript", "policy", "code",
    "website", "site", "bio", "biography", "page", "profile", "platform", "manifesto", "textbook",
}
ARTICLES = {"the", "a", "an", "one", "another", "some", "two", "three", "several"}
# verbs of thought: "Trump thinks Moore “will do the right thing”" quotes no one's speech
THOUGHT_VERBS = {"think", "believe", "feel", "hope", "expect", "want", "wish", "know"}
INHERIT_MAX_CHARS = 700
_WORD = re.compile(r"[^\W\d_][\w’'.-]*")


def _words(text: str) -> list[str]:
    return _WORD.findall(text or "")


def speaker_words_ok(speaker: str | None, entity: int | None) -> bool:
    """The written speaker can speak: not a pronoun, relative pronoun, date or document, and
    (unless resolved to a person) names a person or organisation."""
    words = _words(speaker or "")
    if not words:
        return False
    low = [w.lower().rstrip(".’'") for w in words]
    bare = [w.removesuffix("’s").removesuffix("'s") for w in low]
    if low[0] in RELATIVES or low[-1] in PRONOUNS | RELATIVES:
        return False
    if any(w in CALENDAR for w in bare):
        return False
    if bare[-1] in DOCUMENTS:
        return False
    if entity is not None:
        return True
    # a bare role ("a spokesperson", "officials") does not say who speaks
    return any(w[:1].isupper() and w.lower() not in ARTICLES for w in words)


def _document_intro(text: str, start: int, sentence_start: int) -> bool:
    """A document noun within the few words before the opening mark in the same sentence:
    "the report found the offer “fully consistent ...”", "the 14th Amendment, which says “...”"."""
    before = text[max(sentence_start, start - 80):start]
    tail = [w.lower().rstrip(".’'") for w in _words(before)][-8:]
    return any(w.removesuffix("’s").removesuffix("'s") in DOCUMENTS for w in tail)


def _someone_between(
    index: EntityIndex, article: int, lo: int, hi: int, entity: int | None, speaker: str, ranges: list[tuple[int, int]]
) -> bool:
    words = set(_words(speaker))
    for m in index.in_span(article, "text", lo, hi):
        if any(a <= m.start < b for a, b in ranges):
            continue
        if entity is not None:
            if m.entity != entity:
                return True
        elif not set(m.form.split()) <= words:
            return True
    return False


def certain(
    q: Any,
    field_text: str,
    sentence_start: int,
    index: EntityIndex,
    ranges: list[tuple[int, int]],
    body_quotes: list[Any],
) -> bool:
    """Whether quotation ``q`` has a speaker the text makes certain.

    Args:
        q: A :class:`~clustering.compare.quote.Quote` with its speaker filled in (or not).
        field_text: The text of the quotation's field.
        sentence_start: Offset where the quotation's sentence starts in that field.
        index: The entity index of the story.
        ranges: Quoted ranges (outer offsets) of the article's body.
        body_quotes: The article's body quotations (for headline quotations).
    """
    if not speaker_words_ok(q.speaker, q.entity):
        return False
    if q.meta.get("attributed_by") == "subject without speech verb":
        return False
    if (q.verb_lemma or "") in THOUGHT_VERBS:
        return False
    if _shared_surname(q, index):
        return False  # "Clinton" where Bill and Hillary Clinton are both named
    if q.field == "title":
        key = " ".join(_words(q.text.lower()))
        return q.entity is not None and any(
            b.entity == q.entity and key and key in " ".join(_words(b.text.lower())) for b in body_quotes
        )
    if _document_intro(field_text, q.outer_start, sentence_start):
        return False
    if q.inherited:
        since = q.meta.get("since")
        if since is None or q.outer_start - since > INHERIT_MAX_CHARS:
            return False
        if _someone_between(index, q.article, since, q.outer_start, q.entity, q.speaker or "", ranges):
            return False
    return True


def short_certain(q: Any, sentence: Any, base: int, reporting: frozenset[str], ranges: list[tuple[int, int]]) -> bool:
    """A short quoted phrase given to a speaker keeps that speaker only when no one else
    speaks in the sentence: "Emanuel asked Clinton to explore “options of service” ..., the
    White House said" could be either one's words."""
    if sentence is None or not q.speaker:
        return True
    mine = set(_words(q.speaker))
    for tok in sentence:
        if tok.pos_ not in ("VERB", "AUX") or tok.lemma_.lower() not in reporting:
            continue
        if base + tok.idx == q.verb_start or any(a <= base + tok.idx < b for a, b in ranges):
            continue
        subj = next((c for c in tok.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subj is None or subj.lower_ in PRONOUNS:
            continue
        if not set(_words(" ".join(t.text for t in subj.subtree))) & mine:
            return False
    return True


def _shared_surname(q: Any, index: EntityIndex) -> bool:
    """The speaker's surname is two people's (Bill and Hillary Clinton, "Mr." and "Mrs. Cruz")
    and the speaker's words do not name which one."""
    if q.entity is None:
        return False
    ent = index.entity(q.entity)
    return (ambiguous(ent, index.lexicon.titles) and ent.name.split()[0] not in (q.speaker or "").split()) or _couple(q, index)


def _couple(q: Any, index: EntityIndex) -> bool:
    """A short phrase's speaker shares the surname with someone of the other sex in the same
    article ("Mr. Cruz" and "Mrs. Cruz") and was found without a courtesy title of its own, or
    only as the one surname of its sentence: which of the two speaks is not certain."""
    if q.entity is None:
        return False
    if not courtesy_conflict(index.entity(q.entity), q.article):
        return False
    return courtesy(q.speaker or "") is None or q.meta.get("attributed_by") in ("sentence", "pronoun", "same words")


def mark_certain(parsed: list[Any], quotes: list[Any], index: EntityIndex, reporting: frozenset[str] = frozenset()) -> None:
    """Set ``q.meta["certain"]`` on every quotation of a story (see :func:`certain`) and on
    short quoted phrases given to a speaker (see :func:`short_certain`)."""
    by_article: dict[int, list[Any]] = {}
    for q in quotes:
        by_article.setdefault(q.article, []).append(q)
    for pa in parsed:
        qs = by_article.get(pa.position, [])
        body = [q for q in qs if q.field == "text" and not q.nested]
        ranges = [(q.outer_start, q.outer_end) for q in qs if q.field == "text"]
        for q in qs:
            if q.nested:
                continue
            s = next((s for s in pa.sentences if s.field == q.field and s.start <= q.outer_start < max(s.end, s.start + 1)), None)
            start = s.start if s is not None else 0
            if q.kind == "short":
                if q.speaker:
                    text = pa.article.field_text(q.field)
                    span = s.span if s is not None else None
                    base = (s.start - span.start_char) if span is not None else 0
                    field_ranges = [(a, b) for a, b in ranges] if q.field == "text" else []
                    q.meta["certain"] = not _document_intro(text, q.outer_start, start) and short_certain(
                        q, span, base, reporting, field_ranges
                    ) and not _couple(q, index)
                continue
            q.meta["certain"] = certain(q, pa.article.field_text(q.field), start, index, ranges, body)
