"""Who speaks a quotation: the reporting verb, its subject, and the last speaker carried on.

The speaker is the subject of the reporting verb nearest to the quotation in its sentence,
looked for after the closing mark first ("...,” the Kremlin leader added") and then before
the opening mark ("An EU official said: “..."). A pronoun, or a quotation with no
attribution of its own, takes the article's last speaker.

This module finds the reporting verb and settles the speaker of one quotation; the speaker
phrase (chunk, role, apposition, owner of words) is read in :mod:`.speaker_phrases`, and
whether the last speaker carries on in :mod:`.speaker_continuation`.
"""
from __future__ import annotations

import re
from typing import Any

from .lexicons import AttributionLexicon
from .naming import EntityIndex
from .quote import Quote
from .sentences import Paragraph, ParsedArticle
from .speaker_continuation import addressee, narration_between, pronoun_fits
from .speaker_continuation import someone_else_since as someone_else_since  # imported from here by quotes
from .speaker_phrases import is_role_phrase, name_before_clause, settle_subject_speaker, speaker_chunk
from .speech_syntax import (
    SPEECH_NOUNS,
    SUBJECT_PRONOUNS,
    SUBJECT_DEPS,
    inside_any,
    is_heading,
    is_reporting,
    passive_participle,
    passive_topic,
    possessive_at,
    sentence_bounds,
    speaker_tokens,
    subject_of,
    tokens_between,
    not_a_speaker,
)


def colon_intro(pa: ParsedArticle, para: Paragraph, index: EntityIndex) -> dict[str, Any] | None:
    """The named subject of a paragraph's last sentence, as a speaker record (or None)."""
    sents = list(para.doc.sents)
    if not sents:
        return None
    last = sents[-1]
    subjects = [
        m for m in index.in_span(pa.position, para.field, para.start + last.start_char, para.start + last.end_char)
        if m.token is not None and m.token.dep_ in SUBJECT_DEPS
    ]
    if len({m.entity for m in subjects}) != 1:
        return None
    m = subjects[0]
    return {"speaker": pa.article.field_text(para.field)[m.start:m.end], "entity": m.entity,
            "verb": None, "verb_lemma": None, "singular": True}


def named_subject(
    pa: ParsedArticle, para: Paragraph, verb: Any, index: EntityIndex, reporting: frozenset[str]
) -> dict[str, Any] | None:
    """Speaker record for an indirect-speech verb whose subject is a known person."""
    if verb.tag_ == "VB" or any(c.dep_ == "aux" and c.lower_ == "to" for c in verb.children):
        return None  # "what Clinton was empowered to say": no one speaks here
    subj = subject_of(verb, reporting)
    if subj is None or subj.lower_ in SUBJECT_PRONOUNS:
        return None
    if subj.left_edge.i > 0 and subj.doc[subj.left_edge.i - 1].pos_ == "ADP" and subj.i == verb.i - 1:
        return None  # "the letter to Harry Reid warning him": the parser's subject is a preposition's object
    toks = speaker_tokens(subj)
    s0, s1 = toks[0].idx, toks[-1].idx + len(toks[-1].text)
    ms = [
        m for m in index.in_span(pa.position, para.field, para.start + s0, para.start + s1)
        if not possessive_at(para.doc.text, m.end - para.start)
    ]
    if not ms:
        if subj.pos_ == "PROPN" and subj.text[:1].isupper():
            # a name the index does not know ("Weekly Standard Editor Bill Kristol"): it still
            # speaks, so a later "he said" is not given to an earlier speaker; a body
            # ("if Congress continues to feel ...") is nobody's "he said"
            body = subj.ent_type_ in ("ORG", "GPE", "NORP", "LOC", "FAC")
            return {"speaker": para.doc.text[s0:s1], "entity": None, "verb": verb.text,
                    "verb_lemma": verb.lemma_.lower(), "singular": not body, "body": body,
                    "addressee": addressee(verb)}
        return None
    return {"speaker": para.doc.text[s0:s1], "entity": ms[-1].entity, "verb": verb.text,
            "verb_lemma": verb.lemma_.lower(), "singular": True, "addressee": addressee(verb)}


def attribute_quote(
    pa: ParsedArticle,
    para: Paragraph,
    q: Quote,
    outer_ranges: list[tuple[int, int]],
    reporting: frozenset[str],
    lexicon: AttributionLexicon,
    index: EntityIndex,
    last_speaker: dict[str, Any] | None,
) -> None:
    """Fill in speaker, entity and verb of one (non-nested) quotation."""
    text = para.doc.text
    a = q.outer_start - para.start
    b = q.outer_end - para.start
    if q.kind == "quote" and (para.field == "title" or is_heading(pa, para)):
        # headline conventions: "‘…’: Zelenskyy reacts ..." and "‘…’ without aid: Putin"
        after = text[b:].lstrip()
        tail = [m for m in index.in_span(pa.position, para.field, para.start, para.end) if m.start >= q.outer_end]
        colon_name = re.search(r":\s*([^:]{1,40})$", text)
        pick = None
        if after.startswith(":"):
            # "‘…’: Zelenskyy reacts to Putin ...": the name that opens the rest speaks, never a
            # name further on (the quotation may be about that one)
            first = re.match(r"[A-Z][\w’'.-]*", after[1:].lstrip())
            at = q.outer_end + len(text[b:]) - len(after) + 1 + (len(after[1:]) - len(after[1:].lstrip()))
            if tail and first and tail[0].start <= at + len(first.group(0)) and tail[0].end >= at:
                if possessive_at(text, tail[0].end - para.start):
                    return  # "‘...’: George Floyd's family to hold rallies": the family speaks, not Floyd
                pick = tail[0]
            elif first:
                ent = index.resolve_word(first.group(0).rstrip(".’'"))
                q.speaker = first.group(0)
                q.speaker_start, q.speaker_end = at, at + len(first.group(0))
                q.entity = ent.id if ent is not None else None
                if ent is None and first.group(0).lower() in SUBJECT_PRONOUNS | {"the", "a", "an"}:
                    q.speaker = None
                return
            else:
                return
        elif colon_name and tail and tail[-1].start - para.start >= colon_name.start(1):
            pick = tail[-1]
        if pick is not None:
            q.speaker = pa.article.field_text(para.field)[pick.start:pick.end]
            q.speaker_start, q.speaker_end, q.entity = pick.start, pick.end, pick.entity
            return
        # "Fauci: ‘I don't think ...’": a name and a colon before the quotation
        lead = re.match(r"^\s*((?:[A-Z][\w.’'-]*\s+){0,3}[A-Z][\w.’'-]*)\s*:\s*$", text[:a])
        if lead:
            q.speaker = lead.group(1)
            q.speaker_start = para.start + lead.start(1)
            q.speaker_end = para.start + lead.end(1)
            ms = index.in_span(pa.position, para.field, q.speaker_start, q.speaker_end)
            q.entity = ms[-1].entity if ms else None
            return
    holder = _speech_noun_holder(para, a, b, reporting)
    if holder is not None:
        # "... to explain his on-camera claim that Afghanistan is a “war of Obama’s choosing”":
        # the words belong to whoever made the claim, not to the subject of "explain"
        poss = next((c for c in holder.children if c.dep_ == "poss"), None)
        if poss is not None and poss.pos_ == "PROPN":
            ms = index.in_span(pa.position, para.field, para.start + poss.idx, para.start + poss.idx + len(poss.text))
            if ms:
                m = ms[-1]
                q.speaker = pa.article.field_text(para.field)[m.start:m.end]
                q.speaker_start, q.speaker_end, q.entity = m.start, m.end, m.entity
        return
    found = _attribute(para, q, a, b, outer_ranges, reporting, lexicon.partial_quote_cues, lexicon)
    subject = None
    if found is not None:
        verb, subject = found
        q.verb, q.verb_lemma = verb.text, verb.lemma_.lower()
        q.verb_start = para.start + verb.idx
        # "...,” retired Lt. Gen. Keith Kellogg, Trump’s pick ..., told": the words between the
        # closing mark and the verb name the speaker; the first comma-free chunk is the speaker,
        # the rest appositions (a name there, like "Trump’s", is not the one who speaks)
        if q.kind == "quote" and verb.idx >= b:
            head = speaker_chunk(text, b, verb.idx)
            if head is not None:
                h0, h1 = head
                chunk = text[h0:h1]
                ms = [
                    m
                    for m in index.in_span(pa.position, para.field, para.start + h0, para.start + h1)
                    if not possessive_at(text, m.end - para.start)
                ]
                if ms:
                    m = ms[-1]
                    q.speaker = pa.article.field_text(para.field)[m.start:m.end]
                    q.speaker_start, q.speaker_end, q.entity = m.start, m.end, m.entity
                    if m.end - para.start == h1 and is_role_phrase(chunk):
                        # the speaker as written: "the Kremlin leader", "retired Lt. Gen. Keith Kellogg"
                        q.speaker, q.speaker_start = chunk, para.start + h0
                    return
                if chunk.lower() in SUBJECT_PRONOUNS:
                    if last_speaker is not None and pronoun_fits(chunk.lower(), last_speaker):
                        q.speaker, q.entity, q.inherited = last_speaker["speaker"], last_speaker["entity"], True
                    else:
                        q.speaker = None
                    return
                if is_role_phrase(chunk):
                    q.speaker = chunk
                    q.speaker_start, q.speaker_end = para.start + h0, para.start + h1
                    return
        if subject is None and verb.idx < a and not any(c.dep_ == "auxpass" for c in verb.children):
            # "Trump, who would have to ..., said, “...”": the parser lost the subject in the
            # relative clause; the name before it speaks (not before a passive: "since ... Day
            # was added in 1983 — activists returned to their refrain: “...”" names no speaker)
            m = name_before_clause(pa, para, index, verb, outer_ranges)
            if m is not None:
                q.speaker = pa.article.field_text(para.field)[m.start:m.end]
                q.speaker_start, q.speaker_end, q.entity = m.start, m.end, m.entity
                return
    if subject is not None:
        toks = speaker_tokens(subject)
        s0, s1 = toks[0].idx, toks[-1].idx + len(toks[-1].text)
        if subject.lower_ in SUBJECT_PRONOUNS:
            if q.kind == "quote" and last_speaker is not None and pronoun_fits(subject.lower_, last_speaker):
                q.speaker, q.entity, q.inherited = last_speaker["speaker"], last_speaker["entity"], True
            else:
                q.speaker = text[s0:s1]
                q.speaker_start, q.speaker_end = para.start + s0, para.start + s1
            return
        if not_a_speaker(subject.lower_):
            # "Trump, who said “...”": a relative word speaks for the name it follows, when the
            # index knows that name; "that", "which", "those" ... are never a speaker
            ante = found[0].head if found is not None and found[0].dep_ == "relcl" else None
            ms = ([m for m in index.in_span(pa.position, para.field, para.start + ante.idx, para.start + ante.idx + len(ante.text))]
                  if ante is not None and subject.lower_ in ("who", "whom") and ante.pos_ == "PROPN" else [])
            if ms:
                m = ms[-1]
                q.speaker = pa.article.field_text(para.field)[m.start:m.end]
                q.speaker_start, q.speaker_end, q.entity = m.start, m.end, m.entity
            return
        q.speaker = text[s0:s1]
        q.speaker_start, q.speaker_end = para.start + s0, para.start + s1
        ms = [
            m for m in index.in_span(pa.position, para.field, q.speaker_start, q.speaker_end)
            if not possessive_at(text, m.end - para.start)
        ]
        if ms:
            q.entity = ms[-1].entity
        settle_subject_speaker(pa, para, q, index, found[0] if found is not None else None, subject, bool(ms))
        return
    if q.kind != "quote":
        return
    if para.field == "title" or is_heading(pa, para):
        # headline conventions: "‘…’: Zelenskyy reacts", "‘…’ without aid: Putin"
        ms = [
            m
            for m in index.in_span(pa.position, para.field, para.start, para.end)
            if not (q.outer_start <= m.start < q.outer_end)
        ]
        if ms:
            m = ms[0]
            q.speaker = pa.article.field_text(para.field)[m.start:m.end]
            q.speaker_start, q.speaker_end, q.entity = m.start, m.end, m.entity
        return
    # no speech verb: the quotation continues the last speaker only when it stands alone;
    # a sentence around it that names someone else, or says anything, decides otherwise
    lo, hi = sentence_bounds(para, a, b)
    outside = [
        t for t in tokens_between(para.doc, lo, hi)
        if not inside_any(t.idx, outer_ranges) and (t.is_alpha or t.like_num)
    ]
    subjects = [
        m for m in index.in_span(pa.position, para.field, para.start + lo, para.start + hi)
        if not inside_any(m.start - para.start, outer_ranges)
        and m.token is not None and m.token.dep_ in SUBJECT_DEPS
        # the subject of the main clause, not of a phrase inside it ("Within hours of Mayor X
        # signing the act ..., activists returned to their refrain: “...”")
        and (m.token.head.dep_ == "ROOT" or m.token.head.dep_ == "conj" and m.token.head.head.dep_ == "ROOT")
    ]
    if len({m.entity for m in subjects}) == 1:
        # "Farenthold reflected on his time spent working to “...”": the subject speaks
        m = subjects[0]
        q.speaker = pa.article.field_text(para.field)[m.start:m.end]
        q.speaker_start, q.speaker_end, q.entity = m.start, m.end, m.entity
        q.meta["attributed_by"] = "subject without speech verb"
        return
    if last_speaker is not None and not outside and not (para.field == "text" and narration_between(pa, last_speaker, q.outer_start)):
        # a quotation standing alone after its speaker was named (or continuing one), with no
        # sentence of narration in between
        q.speaker, q.entity = last_speaker["speaker"], last_speaker["entity"]
        q.verb, q.verb_lemma = last_speaker.get("verb"), last_speaker.get("verb_lemma")
        q.inherited = True




def _active_subject(verb: Any, reporting: frozenset[str]) -> Any | None:
    """The subject of the speech verb of a quotation, unless it is only the verb's passive
    subject (``passive_topic``: "since ... Day was added in 1983 — activists ...: “...”")."""
    subj = subject_of(verb, reporting)
    return None if passive_topic(verb, subj) else subj


def _coordinated(verb: Any, governor: Any | None) -> bool:
    """Whether ``verb`` is another predicate coordinated with the quotation's own ``governor``:
    "Giuliani praised Mueller's office for “correcting the Buzzfeed false story” and asked the
    press ...": the words are what he praised, not what he asked; "asked" introduces nothing."""
    if governor is None or verb.i == governor.i:
        return False
    if not (verb.dep_ == "conj" and verb.head.i == governor.i or governor.dep_ == "conj" and governor.head.i == verb.i
            or verb.dep_ == "conj" and governor.dep_ == "conj" and verb.head.i == governor.head.i):
        return False
    # the later of the two opens its clause with "and"/"but" ("” and asked the press"); a verb
    # the parser hung on the sentence's first clause after the speaker's name ("... but “things
    # are going to get worse” ..., expert Dr. Anthony Fauci said") attributes the whole sentence
    later = verb if verb.i > governor.i else governor
    prev = later.i - 1
    while prev > 0 and later.doc[prev].pos_ == "ADV":
        prev -= 1
    return later.doc[prev].pos_ == "CCONJ"


def _speech_noun_holder(para: Paragraph, a: int, b: int, reporting: frozenset[str]) -> Any | None:
    """The speech noun ("claim", "remark" ...) that holds the quotation at ``[a, b)`` in the
    parse before any verb does, if one does: "his claim that X is a “...”"."""
    inner = [t for t in tokens_between(para.doc, a, b) if t.is_alpha]
    if not inner:
        return None
    ids = {t.i for t in inner}
    top = next((t for t in inner if t.head.i not in ids), None)
    if top is None:
        return None
    node = top.head
    for _ in range(6):
        if node.pos_ == "NOUN" and node.lemma_.lower() in SPEECH_NOUNS:
            return node
        if node.pos_ in ("VERB", "AUX") and (node.dep_ not in ("ccomp", "acl", "relcl") or node.lemma_.lower() in reporting):
            return None  # a verb governs it first ("issued a statement saying “...”")
        if node.head.i == node.i:
            return None
        node = node.head
    return None


def _attribute(
    para: Paragraph,
    q: Quote,
    a: int,
    b: int,
    outer_ranges: list[tuple[int, int]],
    reporting: frozenset[str],
    cues: frozenset[str],
    lexicon: AttributionLexicon,
) -> tuple[Any, Any | None] | None:
    """The reporting verb and its subject for the quotation at ``[a, b)`` of a paragraph."""
    doc = para.doc
    text = doc.text
    # sentence bounds around the quotation (a quotation may span several parser sentences)
    s_start = 0
    s_end = len(text)
    for sent in doc.sents:
        if sent.start_char <= a < sent.end_char:
            s_start = sent.start_char
        if sent.start_char < b <= sent.end_char or sent.start_char <= b - 1 < sent.end_char:
            s_end = sent.end_char
            break
    after_end = s_end
    for x, _y in outer_ranges:
        if x >= b:
            after_end = min(after_end, x)
            break
    before_start = s_start
    for _x, y in outer_ranges:
        if y <= a:
            before_start = max(before_start, y)
    after = [t for t in tokens_between(doc, b, after_end) if not inside_any(t.idx, outer_ranges)]
    before = [t for t in tokens_between(doc, before_start, a) if not inside_any(t.idx, outer_ranges)]
    # the verb that governs the quotation in the parse ("said: “...”", "“...,” he said")
    inside = tokens_between(doc, a, b)
    inside_ids = {t.i for t in inside}
    governor = None  # the first verb above the quotation in the parse, reporting or not
    for tok in inside:
        if tok.head.i in inside_ids:
            continue
        node = tok.head
        for _ in range(3):
            if is_reporting(node, reporting) and not inside_any(node.idx, outer_ranges) and q.kind != "short":
                return node, _active_subject(node, reporting)
            if governor is None and node.pos_ in ("VERB", "AUX") and not inside_any(node.idx, outer_ranges):
                governor = node
            if node.head.i == node.i:
                break
            node = node.head
        break
    verbs_after = [t for t in after if is_reporting(t, reporting)]
    verbs_before = [t for t in before if is_reporting(t, reporting)]
    if q.kind != "short" and any(_coordinated(t, governor) for t in verbs_after + verbs_before):
        # the speech verb is another clause's ("praised X for “...” and asked ..."): the words
        # are what the governing verb's subject said in praising, blaming ... them
        return governor, _active_subject(governor, reporting)
    if q.kind == "short":
        # a partial quote belongs to the verb that governs it ("whom he called “illegitimate”")
        inner_tokens = tokens_between(doc, a, b)
        for tok in inner_tokens[:1]:
            node = tok
            for _ in range(6):
                node = node.head
                if node.pos_ in ("VERB", "AUX") and node.lemma_.lower() in (reporting | cues):
                    if passive_participle(node):
                        return node, None
                    subj = subject_of(node, reporting)
                    if subj is not None and any(
                        subj.left_edge.i <= t.i <= subj.right_edge.i for t in inner_tokens if t.is_alpha
                    ):
                        return node, None  # the phrase is (in) the subject: "“birthers” have demanded"
                    return node, subj
                if node.head.i == node.i:
                    break
        window = [t for t in before[-6:] if t.pos_ in ("VERB", "AUX") and t.lemma_.lower() in cues]
        if window:
            return window[-1], subject_of(window[-1], reporting)
        return None
    if verbs_after:
        return verbs_after[0], _active_subject(verbs_after[0], reporting)
    if verbs_before:
        verb = verbs_before[-1]
        return verb, _active_subject(verb, reporting)
    return None
