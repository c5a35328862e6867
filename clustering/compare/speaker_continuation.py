"""Whether the last speaker carries on: a pronoun ("he said") or a quotation standing alone
continues the article's last speaker only when no one else was named since (a person the
entity index knows, or a titled or person-tagged subject it missed), outside what that speaker
says, and when the pronoun fits a person."""
from __future__ import annotations

from typing import Any

from .naming import EntityIndex
from .sentences import ParsedArticle
from .speech_syntax import SPEECH_NOUNS, SUBJECT_DEPS, inside_any, possessive_at


def someone_else_since(
    pa: ParsedArticle, index: EntityIndex, speaker: dict[str, Any], until: int, ranges: list[tuple[int, int]]
) -> bool:
    """Another person named (outside quotations) between where the last speaker was set and
    ``until``: a pronoun or a bare quotation after that could be either one."""
    since = speaker.get("at")
    if since is None or until <= since:
        return False
    words = set((speaker.get("speaker") or "").split())
    text = pa.article.field_text("text")
    for m in index.in_span(pa.position, "text", since, until):
        if inside_any(m.start, ranges):
            continue
        if m.token is not None and m.token.dep_ == "poss" and m.token.head.lemma_.lower() in SPEECH_NOUNS:
            return True  # "Nicolle Wallace’s contention that ... she claimed": the one who contends
        if possessive_at(text, m.end) or text[m.end:m.end + 1] in ("’", "'") or (
            m.token is not None and m.token.dep_ in ("poss", "compound", "nmod", "amod")
        ):
            continue  # "due to Donald Trump’s freeze", "the Trump administration": a modifier
        if m.token is not None and _reported_by(m.token, speaker, pa, index):
            continue  # "DeMint said Steele must apologize": Steele is what DeMint says, not a speaker
        if speaker.get("entity") is not None:
            if m.entity != speaker["entity"]:
                return True
        elif not set(m.form.split()) <= words:
            return True
    for at, tok in _person_subjects(pa, since, until, ranges):
        if tok.text in words or _reported_by(tok, speaker, pa, index):
            continue
        if speaker.get("entity") is not None and any(
            m.entity == speaker["entity"] for m in index.in_span(pa.position, "text", at, at + len(tok.text))
        ):
            continue
        return True  # "Hutchinson, though, did call for ...": a person the index missed
    return False


_TITLES = {"rep", "sen", "gov", "mr", "mrs", "ms", "dr", "gen", "president", "senator", "governor",
           "representative", "secretary", "minister", "judge", "justice", "mayor"}


def _person_subjects(pa: ParsedArticle, since: int, until: int, ranges: list[tuple[int, int]]) -> list[tuple[int, Any]]:
    """Proper-noun subjects between ``since`` and ``until`` (body offsets, outside quotations)
    that name a person as a reader knows one: tagged a person there, a surname the article
    gives to a person elsewhere ("Asa Hutchinson ... Hutchinson, though, did call"), after a
    title ("Rep. Smith"), or with an age ("Noah Nathan, 47,"). The entity index may miss such a name; a reader does not."""
    paras = [p for p in pa.paragraphs if p.field == "text"]
    surnames = {ent[-1].text for p in paras for ent in p.doc.ents if ent.label_ == "PERSON"}
    out = []
    for para in paras:
        if para.end <= since or para.start >= until:
            continue
        for tok in para.doc:
            at = para.start + tok.idx
            if not since <= at < until or inside_any(at, ranges):
                continue
            if tok.dep_ not in SUBJECT_DEPS or tok.pos_ != "PROPN" or not tok.text[:1].isupper():
                continue
            prev = para.doc[tok.i - 1] if tok.i else None
            titled = any(t.lower_.rstrip(".") in _TITLES for t in tok.lefts) or (
                prev is not None and prev.lower_.rstrip(".") in _TITLES
            )
            if tok.ent_type_ == "PERSON" or tok.text in surnames or titled or _aged(tok):
                out.append((at, tok))
    return out


def _aged(tok: Any) -> bool:
    """A name with an age beside it ("Noah Nathan, 47, lives nearby") is a person, whatever
    the tagger calls it."""
    return any(c.dep_ == "appos" and c.text.isdigit() and 1 <= int(c.text) <= 120 for c in tok.children)


def _reported_by(token: Any, speaker: dict[str, Any], pa: ParsedArticle, index: EntityIndex) -> bool:
    """The token lies in what the given speaker says (the clause of a speech verb whose
    subject is that speaker)."""
    node = token
    words = set((speaker.get("speaker") or "").split())
    for _ in range(10):
        if node.head.i == node.i:
            return False
        if node.dep_ in ("ccomp", "parataxis") and node.head.pos_ in ("VERB", "AUX"):
            subj = next((c for c in node.head.children if c.dep_ in SUBJECT_DEPS), None)
            if subj is None and node.head.dep_ == "conj":
                subj = next((c for c in node.head.head.children if c.dep_ in SUBJECT_DEPS), None)
            if subj is not None:
                if subj.text in words:
                    return True
                if speaker.get("entity") is not None:
                    for m in index.in_sentence_tokens(pa.position, subj):
                        if m.entity == speaker["entity"]:
                            return True
        node = node.head
    return False


def pronoun_fits(pronoun: str, speaker: dict[str, Any]) -> bool:
    """"he"/"she" continue a person (a resolved entity or a name), not "Republican senators";
    "they" never continues one person."""
    if speaker.get("addressee") == {"he": "him", "she": "her"}.get(pronoun):
        return False  # "Crowley asked her ... She said:": the one asked answers
    if speaker.get("body"):
        return pronoun == "they"  # "Congress", "the White House": nobody's "he said"
    if pronoun == "they":
        # "they wrote" after "the letter to Harry Reid": a group, never one resolved person
        return speaker.get("entity") is None and not speaker.get("singular")
    if pronoun not in ("he", "she"):
        return True
    words = (speaker.get("speaker") or "").split()
    if words and len(words[-1]) >= 2 and words[-1].isalpha() and words[-1].isupper():
        return False  # "AARP", "NAACP": an organisation's initials are nobody's "he said"
    if speaker.get("entity") is not None or speaker.get("singular"):
        return True
    return bool(words) and words[-1][:1].isupper() and not words[-1].endswith("s")


def addressee(verb: Any) -> str | None:
    """"him" or "her" as the object of a speech verb ("Crowley asked her if ..."), else None."""
    return next((c.lower_ for c in verb.children if c.dep_ in ("dobj", "dative") and c.lower_ in ("him", "her")), None)


def narration_between(pa: ParsedArticle, speaker: dict[str, Any], until: int) -> bool:
    """A whole sentence with no quotation in it lies between the last speaker's speech and
    ``until`` (body offsets): the narration has moved on, so a quotation standing alone after
    it may be anyone's ("Israel has said ... At least 12 people have died ... “The President
    conveyed ...”")."""
    since = speaker.get("at")
    if since is None:
        return False
    text = pa.article.field_text("text")
    return any(
        s.field == "text" and since <= s.start and s.end <= until and s.end > s.start
        and not any(ch in text[s.start:s.end] for ch in "“”\"")
        and not text[s.start:s.end].rstrip().endswith((",", ":"))  # "He added,": it introduces the quotation
        for s in pa.sentences
    )
