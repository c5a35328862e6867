"""The speaker phrase: who the words before a reporting verb or its subject name. The first
comma-free chunk after a closing mark ("...,” retired Lt. Gen. Keith Kellogg, Trump’s pick,
told"), a role that can speak ("a Pentagon spokesperson"), a role's name in apposition ("Trump
lawyer Rudy Giuliani"), the owner of words ("Rice’s letter said"), the name before a relative
clause ("Trump, who ..., said"); and subjects that are no one ("Armed school personnel")."""
from __future__ import annotations

from typing import Any

from .naming import EntityIndex
from .quote import Quote
from .sentences import Paragraph, ParsedArticle
from .speech_syntax import NOT_SPEAKER_START, inside_any, sentence_bounds, speaker_tokens


# nouns for said words: "Her comments", "Rice’s statement", "the letter" are not speakers
#: Platforms that carry someone's words ("a Facebook post"): never the one who says them.
_PLATFORMS = {"facebook", "twitter", "instagram", "youtube", "tiktok", "truth social", "telegram", "reddit",
              "linkedin", "snapchat", "x", "threads", "substack", "medium"}
_WORDS_NOUNS = {"comment", "remark", "statement", "letter", "word", "claim", "assertion", "testimony",
                "message", "tweet", "post", "email", "e-mail", "note", "speech", "answer", "response",
                "reply", "description", "characterization", "characterisation", "suggestion", "accusation"}


def _appositive_name(subject: Any) -> list[Any] | None:
    """The proper name in apposition right after a common-noun subject ("Trump lawyer Rudy
    Giuliani", "the union leader, Piotr Lind,"), as tokens; None if there is none."""
    for child in subject.rights:
        if child.dep_ == "appos" and child.pos_ == "PROPN":
            name = [t for t in child.subtree if t.pos_ == "PROPN" and t.i <= child.i]
            if name and name[-1].i == child.i and all(b.i == a.i + 1 for a, b in zip(name, name[1:])):
                return name
        if child.dep_ not in ("punct", "appos"):
            break
    return None


def _names_someone(tokens: list[Any]) -> bool:
    """A speaker phrase with a proper name in it ("a Pentagon spokesperson", "the Russian
    president"); a capital that only opens the sentence ("Armed school personnel") is none."""
    return any(
        t.pos_ == "PROPN" or (t.text[:1].isupper() and t.i != t.sent.start and t.lower_ not in ("the", "a", "an"))
        for t in tokens
    )


def settle_subject_speaker(
    pa: ParsedArticle, para: Paragraph, q: Quote, index: EntityIndex, verb: Any, subject: Any, named: bool
) -> None:
    """Second look at a speaker taken from a verb's subject (``named``: the index knows a name
    in it): a noun for words is no speaker ("Her comments, said ..."); a role with its name in
    apposition is that name ("Trump lawyer Rudy Giuliani"); a phrase with no proper name is no
    one ("Armed school personnel"). A rejected subject leaves the quotation unattributed."""
    text = para.doc.text
    if verb is not None and subject.pos_ == "NOUN" and subject.lemma_.lower() in _WORDS_NOUNS:
        q.speaker = q.speaker_start = q.speaker_end = q.entity = None
        _words_owner(pa, para, q, index, verb, subject)
        return
    if named:
        return
    toks = speaker_tokens(subject)
    name = _appositive_name(subject) if subject.pos_ == "NOUN" else None
    if name is not None:
        # "Trump lawyer Rudy Giuliani ... asked": the role's name in apposition speaks
        s0, s1 = name[0].idx, name[-1].idx + len(name[-1].text)
        q.speaker, q.speaker_start, q.speaker_end = text[s0:s1], para.start + s0, para.start + s1
        ms = index.in_span(pa.position, para.field, q.speaker_start, q.speaker_end)
        q.entity = ms[-1].entity if ms else None
        return
    if not _names_someone(toks):
        # "Armed school personnel ... would be required to undergo a “...”": a common noun
        # (capitalised only because it opens the sentence) says nobody in particular
        q.meta["rejected_speaker"] = q.speaker
        q.speaker = q.speaker_start = q.speaker_end = q.entity = None


def _words_owner(pa: ParsedArticle, para: Paragraph, q: Quote, index: EntityIndex, verb: Any, subject: Any) -> None:
    """Speaker of a quotation whose subject is a noun for words ("Her comments, said Josh
    Earnest, are “...”", "Rice’s comments came as Netanyahu ..., saying “...”"). The words'
    owner speaks only when the text says so: a name right after the verb ("said Josh Earnest")
    or the possessor of the noun that is itself the verb's subject ("Rice’s letter said “...”").
    Otherwise the quotation stays unattributed."""
    text = para.doc.text
    doc = para.doc
    chain: list[Any] = []
    if verb.i + 1 < len(doc) and verb.i > subject.i:
        for t in doc[verb.i + 1:verb.i + 6]:
            if t.pos_ != "PROPN":
                break
            chain.append(t)  # "said Josh Earnest": the inverted subject
    if not chain and subject.head.i == verb.i:
        poss = next((c for c in subject.children if c.dep_ == "poss"), None)
        if poss is not None and poss.pos_ == "PROPN":
            chain = [t for t in poss.subtree if t.pos_ == "PROPN"]
        elif poss is None:
            chain = [c for c in subject.lefts if c.dep_ == "compound" and c.pos_ == "PROPN"]  # "a White House statement"
            chain = [t for c in chain for t in c.subtree if t.pos_ == "PROPN"]
            if " ".join(t.lower_ for t in chain) in _PLATFORMS:
                chain = []  # "a Facebook post": the platform carries the words, it does not say them
            by = next((c for c in subject.rights if c.dep_ == "prep" and c.lower_ in ("from", "by")), None)
            pobj = next((c for c in by.children if c.dep_ == "pobj"), None) if by is not None else None
            if pobj is not None and pobj.pos_ == "PROPN":
                chain = [t for t in pobj.subtree if t.pos_ == "PROPN"]  # "a post from the WTF Files"
    if not chain:
        q.meta["rejected_speaker"] = text[subject.left_edge.idx:subject.idx + len(subject.text)]
        return
    s0, s1 = chain[0].idx, chain[-1].idx + len(chain[-1].text)
    q.speaker = text[s0:s1]
    q.speaker_start, q.speaker_end = para.start + s0, para.start + s1
    ms = index.in_span(pa.position, para.field, q.speaker_start, q.speaker_end)
    if ms:
        q.entity = ms[-1].entity


_CLAUSE_OPENERS = ("who", "which", "whose", "whom", "a", "an", "the", "his", "her", "their")


def name_before_clause(pa: ParsedArticle, para: Paragraph, index: EntityIndex, verb: Any, outer_ranges: list[tuple[int, int]]) -> Any | None:
    """The person named just before a verb, past a comma-delimited relative clause or
    apposition ("Trump, who ..., said"); None unless that comma chunk is the name alone."""
    lo, _hi = sentence_bounds(para, verb.idx, verb.idx + 1)
    before = para.doc.text[lo:verb.idx]
    if any(inside_any(lo + i, outer_ranges) for i in range(len(before))):
        return None
    chunks = before.split(",")
    offsets = []
    pos = lo
    for ch in chunks:
        offsets.append((pos, pos + len(ch)))
        pos += len(ch) + 1
    pairs = [(c, o) for c, o in zip(chunks, offsets) if c.strip()]
    while pairs and pairs[-1][0].strip().split()[0].lower() in _CLAUSE_OPENERS:
        pairs.pop()
    if not pairs or len(pairs) == len([c for c in chunks if c.strip()]):
        return None  # nothing skipped: the parser's own analysis stands
    chunk, (c0, c1) = pairs[-1]
    if len(chunk.split()) > 6:
        return None
    ms = index.in_span(pa.position, para.field, para.start + c0, para.start + c1)
    if len(ms) == 1 and para.doc.text[ms[0].end - para.start:c1].strip() == "":
        return ms[0]
    return None


def speaker_chunk(text: str, b: int, verb_at: int) -> tuple[int, int] | None:
    """The speaker phrase between a closing quote mark at ``b`` and a later reporting verb:
    the words up to the first comma ("retired Lt. Gen. Keith Kellogg, Trump’s pick ..., told").
    None when the verb follows the quotation directly ("...,” said X") or the gap is long."""
    seg = text[b:verb_at]
    marks = [i for i, ch in enumerate(seg) if ch in "“”\""]
    if marks:  # a stray mark ("...attack” by drones,” Governor X wrote"): the name follows it
        b, seg = b + marks[-1] + 1, seg[marks[-1] + 1:]
    lead = len(seg) - len(seg.lstrip(" ,;:’'"))
    h0 = b + lead
    rest = text[h0:verb_at]
    if not rest.strip() or "\n" in rest or len(rest.split()) > 30:
        return None
    cut = rest.find(",")
    h1 = h0 + (cut if cut >= 0 else len(rest.rstrip()))
    while h1 > h0 and text[h1 - 1].isspace():
        h1 -= 1
    return (h0, h1) if h1 > h0 else None


def is_role_phrase(chunk: str) -> bool:
    """A short noun phrase that can speak ("a Pentagon spokesperson", "the ministry")."""
    words = chunk.split()
    if not 1 <= len(words) <= 8 or words[0].lower() in NOT_SPEAKER_START:
        return False
    return not any(w.lower() in ("and", "but", "while", "as", "when", "if", "that") for w in words)
