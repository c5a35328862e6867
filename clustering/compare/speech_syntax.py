"""Parse-tree helpers for speech: reporting verbs, their subjects, speaker phrases.

Shared by quotation extraction (`quotes`), speaker attribution (`speakers`) and the short
quoted phrases (`scare_quotes`).
"""
from __future__ import annotations

from typing import Any

from .sentences import Paragraph, ParsedArticle

SUBJECT_PRONOUNS = {"he", "she", "they", "it", "we", "i"}
NOT_SPEAKER_START = {"by", "in", "on", "at", "for", "to", "from", "with", "of", "after", "before", "since", "about"}
SUBJECT_DEPS = ("nsubj", "nsubjpass")
#: Words that can be a verb's subject but never name who speaks: relative, demonstrative and
#: indefinite pronouns ("a report that called it “...”": "that" is nobody).
NOT_SPEAKERS = frozenset({
    "that", "which", "who", "whom", "whose", "what", "whatever", "this", "these", "those", "there", "here",
    "you", "us", "them", "him", "her", "me", "one", "someone", "somebody", "anyone", "anybody", "everyone",
    "everybody", "nobody", "none", "some", "many", "others", "all", "both", "each", "few", "most",
})


def not_a_speaker(words: str | None) -> bool:
    """True for a pronoun or relative word given as a speaker ("he", "that", "which")."""
    w = (words or "").strip().lower()
    return w in SUBJECT_PRONOUNS or w in NOT_SPEAKERS
#: Nouns of saying: their owner speaks ("his claim that X is a “...”", "Wallace’s contention that ...").
SPEECH_NOUNS = frozenset({"claim", "remark", "comment", "statement", "assertion", "suggestion", "charge",
                          "accusation", "allegation", "description", "characterization", "characterisation",
                          "contention", "argument", "insistence"})
_SPEECH_CARRIERS = {"statement", "letter", "email", "e-mail", "memo", "tweet", "post", "message", "note",
                    "interview", "speech", "video", "release", "op-ed", "column"}


def recipient(noun: Any) -> bool:
    """"sent an e-mail to RNC members", "a letter to colleagues": the noun is whom a message goes
    to (the object of a "to" hung on a verb or on a message), not who writes it."""
    to = noun.head
    return (noun.dep_ == "pobj" and to.lower_ == "to" and to.dep_ in ("dative", "prep")
            and (to.head.pos_ in ("VERB", "AUX") or to.head.lemma_.lower() in _SPEECH_CARRIERS))


def speaking_participle(tok: Any) -> bool:
    """"a top Chinese health official saying that ...": a participle on a noun that reports a
    clause; the noun speaks (not a statement or a post, whose issuer speaks through it, nor the
    recipients of a message: "sent an e-mail to RNC members saying ...")."""
    return (tok.tag_ == "VBG" and tok.dep_ == "acl" and tok.head.pos_ in ("NOUN", "PROPN")
            and tok.head.lemma_.lower() not in _SPEECH_CARRIERS and not recipient(tok.head)
            and not any(c.dep_ in SUBJECT_DEPS for c in tok.children)
            and any(c.dep_ in ("ccomp", "parataxis") for c in tok.children))


def passive_participle(tok: Any) -> bool:
    """"a segment -- labeled “birthers” --": a participle with no subject of its own says
    nothing about who uses the word."""
    return tok.tag_ == "VBN" and not any(c.dep_ in ("nsubj", "agent") for c in tok.children)


def tokens_between(doc: Any, start: int, end: int) -> list[Any]:
    return [t for t in doc if start <= t.idx and t.idx + len(t.text) <= end]


#: Adjectives that belong to a speaker's role, kept before a name.
_ROLE_ADJECTIVES = frozenset({"former", "retired", "acting", "interim", "late", "deputy", "senior", "chief", "top",
                              "outgoing", "incoming", "junior", "assistant", "vice", "then", "longtime", "veteran",
                              "republican", "democratic", "independent", "conservative", "liberal", "progressive"})


def speaker_tokens(subject: Any) -> list[Any]:
    """The speaker phrase headed by ``subject``: its left modifiers and the head, plus a short
    prepositional modifier ("a spokesperson for the ministry"); appositions are left out."""
    tokens = [t for t in subject.subtree if t.i <= subject.i]
    if subject.pos_ == "PROPN" and tokens and tokens[0].lower_ in ("a", "an"):
        # "a defensive and at times surly President Biden": an indefinite article before a name
        # introduces the writer's epithets, not part of the name; role words ("a former") are
        cut = [k for k, t in enumerate(tokens)
               if (t.pos_ == "ADJ" or t.dep_ == "amod") and t.text.islower() and t.lower_ not in _ROLE_ADJECTIVES]
        if cut:
            tokens = tokens[cut[-1] + 1:]
    # cut anything before a comma that splits the left part (rare) and leading punctuation
    while tokens and (tokens[0].is_punct or tokens[0].dep_ == "punct"):
        tokens.pop(0)
    for child in subject.rights:
        if child.dep_ == "prep":
            sub = list(child.subtree)
            if len(sub) <= 6 and not any(t.text == "," for t in sub):
                tokens.extend(sub)
            break
        if child.dep_ in ("compound", "flat"):
            tokens.extend(child.subtree)
            continue
        break
    return sorted(tokens, key=lambda t: t.i)


#: Verbs of telling: their passive subject is the one told ("..., Fox News is told"), not the speaker.
_TELLING = frozenset({"tell", "inform", "ask", "brief", "advise", "warn", "assure", "notify", "remind", "question"})


#: Verbs aimed at someone: their passive subject is the target ("the FBI was accused of ..."),
#: and so is the subject of a headline's reduced passive ("FBI accused of running ...").
_TARGETING = frozenset({"accuse", "charge", "blame", "criticize", "criticise", "attack", "condemn", "slam",
                        "blast", "praise", "mock", "fault"})


#: Passive speech verbs whose subject is still the speaker ("he was quoted as saying", "was heard saying").
_PASSIVE_SPEAKERS = frozenset({"quote", "hear", "record", "overhear"})


def passive_topic(verb: Any, subj: Any | None) -> bool:
    """The subject is the verb's own passive subject: what was added, said or announced ("since
    Martin Luther King Jr. Day was added in 1983"), not someone speaking ("he was quoted as
    saying" excepted). Such a subject says no quotation; it may still be whom a later "he" means
    ("When Scott was announced for the role, he said ...")."""
    return (subj is not None and subj.dep_ == "nsubjpass" and subj.head.i == verb.i
            and verb.lemma_.lower() not in _PASSIVE_SPEAKERS)


def subject_of(verb: Any, reporting: frozenset[str] = frozenset()) -> Any | None:
    """The grammatical subject of a reporting verb (see `_subject_candidate`), never a dateline,
    never the passive subject of a verb of telling (the hearer) or of accusing (the accused)."""
    if (verb.lemma_.lower() in _TARGETING and not any(c.dep_ in ("dobj", "ccomp") for c in verb.children)
            and any(c.dep_ == "prep" and c.lower_ in ("of", "for") for c in verb.children)):
        return None  # "FBI accused of running ‘fake tip line’": the headline's passive
    subj = _subject_candidate(verb, reporting)
    if subj is not None and subj.dep_ == "nsubjpass" and subj.head.lemma_.lower() in _TELLING | _TARGETING:
        return None
    return None if subj is not None and dateline(subj) else subj


def dateline(tok: Any) -> bool:
    """"WASHINGTON – Clinton's campaign ...": an all-capitals place opening the paragraph before
    a dash or a bracket is a dateline, not someone who speaks."""
    doc = tok.doc
    nxt = doc[tok.i + 1] if tok.i + 1 < len(doc) else None
    first = tok.i == 0 or doc[tok.i - 1].text.strip() == "" or "\n" in doc[tok.i - 1].text_with_ws
    return (tok.text.isupper() and len(tok.text) >= 3 and first and nxt is not None
            and nxt.text in ("–", "—", "-", "--", "(", ","))


def _subject_candidate(verb: Any, reporting: frozenset[str] = frozenset()) -> Any | None:
    """The grammatical subject of a reporting verb, climbing out of participles and
    prepositional complements ("responded by saying", "..., adding:") to the clause that has one.

    A participle without a subject ("..., noting that ...", "..., adding: ...") belongs to the
    nearest reporting verb above it ("Biden said, noting ..."), else to the clause above it.
    """
    if (
        verb.tag_ == "VBG"
        and verb.dep_ == "pcomp"
        and not any(c.dep_ in SUBJECT_DEPS for c in verb.children)
        and verb.head.dep_ == "prep"
    ):
        # "Greene accused Farenthold of telling her ...": the object of the verb above tells
        for child in verb.head.head.children:
            if child.dep_ == "dobj":
                return child
    if speaking_participle(verb):
        return verb.head  # "quoted a top Chinese health official saying ...": the official speaks
    before = verb.doc[verb.i - 1] if verb.i > 0 else None
    if (verb.dep_ == "conj" and before is not None and before.pos_ == "PROPN"
            and not any(c.dep_ in SUBJECT_DEPS for c in verb.children)):
        return before  # "... but “...” as ..., expert Dr. Anthony Fauci said": the parser lost the name
    if not any(c.dep_ in SUBJECT_DEPS for c in verb.children) and verb.tag_ == "VBG":
        node = verb
        for _ in range(5):
            if node.head.i == node.i:
                break
            node = node.head
            if node.lemma_.lower() in reporting:
                for child in node.children:
                    if child.dep_ in SUBJECT_DEPS:
                        return child
    if verb.dep_ == "xcomp" and not any(c.dep_ in SUBJECT_DEPS for c in verb.children):
        obj = next((c for c in verb.head.children if c.dep_ == "dobj" and c.i < verb.i), None)
        if obj is not None and obj.pos_ in ("NOUN", "PROPN"):
            return obj  # "prompting the state’s governor to ask": the one prompted asks
    v = verb
    for _ in range(4):
        subjects = [c for c in v.children if c.dep_ in SUBJECT_DEPS]
        if subjects:
            # "the Department of Health and Human Services Secretary Xavier Becerra said": the
            # parser may give the verb two subjects; the one nearest before it heads the phrase
            before = [c for c in subjects if c.i < v.i]
            return before[-1] if before else subjects[0]
        if v.head.i == v.i:
            break
        if v.head.pos_ not in ("VERB", "AUX"):
            if v.head.pos_ == "NOUN" and v.head.lemma_.lower() in _SPEECH_CARRIERS and v.head.head.pos_ in ("VERB", "AUX"):
                v = v.head.head  # "Steele issued a statement saying ...": the statement's issuer
                continue
            if recipient(v.head):
                # "He sent an e-mail to RNC members saying ...": the sender speaks, through the
                # verb the "to" hangs on (or the message's verb: "wrote a letter to ...")
                anchor = v.head.head.head
                anchor = anchor.head if anchor.pos_ not in ("VERB", "AUX") else anchor
                if anchor.pos_ in ("VERB", "AUX"):
                    v = anchor
                    continue
                break
            break  # "Needless to say, the war ...": no speaker above a non-verb
        if v.dep_ == "conj" and v.head.dep_ == "relcl":
            inner = next((c for c in v.head.children if c.dep_ in SUBJECT_DEPS), None)
            if inner is not None and inner.lower_ not in ("who", "that", "which"):
                # "X said ..., something the United States and Israel seek to slow, and urged the
                # U.S. to ...": the parser may hang the verb on a relative clause with a subject
                # of its own; whether that subject or the main clause's acts is not certain
                return None
        if v.dep_ == "conj" and v.head.dep_ == "ccomp" and v.head.head.lemma_.lower() in reporting:
            # "X said the F.B.I. ruined ... and said ...": the parser hangs the second "said" on
            # the reported clause; it is coordinated with the first one, whose subject speaks
            v = v.head.head
            continue
        v = v.head
    # "..., said mayor Vitali Klitschko": the parser may attach the name as the object
    for child in verb.children:
        if child.dep_ in ("dobj", "attr", "npadvmod") and child.pos_ == "PROPN" and child.i > verb.i:
            return child
    return None


def is_reporting(tok: Any, reporting: frozenset[str]) -> bool:
    return (
        tok.pos_ in ("VERB", "AUX")
        and tok.lemma_.lower() in reporting
        and not so_called(tok)
        and not _naming_call(tok)
        and not noun_use(tok)
        and not _removes_someone(tok)
    )


def _removes_someone(tok: Any) -> bool:
    """"the effort aimed at recalling Gov. Gavin Newsom": to recall a person is to remove them
    from office, not to say anything."""
    return tok.lemma_.lower() == "recall" and any(c.dep_ == "dobj" and c.pos_ == "PROPN" for c in tok.children)


_QUOTE_MARKS = "“”\"‘’"


def _naming_call(tok: Any) -> bool:
    """"personnel, called school resource officers, ...": "called" with a noun and nothing
    quoted or said gives a name, it reports no speech. "called the plan “a disaster”" (a quoted
    complement), "called for ..." and "called it illegal, saying ..." stay speech."""
    if tok.lemma_.lower() != "call":
        return False
    kids = list(tok.children)
    if any(c.dep_ in ("ccomp", "parataxis", "prep", "xcomp", "advcl", "acomp") for c in kids):
        return False
    if any(ch in _QUOTE_MARKS for c in kids for t in c.subtree for ch in t.text):
        return False
    objects = [c for c in kids if c.dep_ in ("dobj", "oprd", "attr")]
    return len(objects) == 1 and objects[0].pos_ in ("NOUN", "PROPN")  # "called him a liar": two


def noun_use(tok: Any) -> bool:
    """A speech word used as a noun the tagger took for a verb ("the claims", "her claims that",
    "rejected claims"): it has a determiner, an owner or a noun modifier ("U.S. Jobless Claims"),
    or stands as an object, a subject or a noun's modifier ("Jobless Claims Dip": compound)."""
    return any(c.dep_ in ("det", "poss", "compound") for c in tok.children) or tok.dep_ in (
        "dobj", "pobj", "nsubj", "nsubjpass", "attr", "compound")


def so_called(tok: Any) -> bool:
    """The "called" of "so-called" is a hedge, not a speech verb."""
    doc = tok.doc
    return tok.lower_ == "called" and tok.i >= 2 and doc[tok.i - 1].text == "-" and doc[tok.i - 2].lower_ == "so"


def inside_any(pos: int, ranges: list[tuple[int, int]]) -> bool:
    return any(a <= pos < b for a, b in ranges)


def sentence_bounds(para: Paragraph, a: int, b: int) -> tuple[int, int]:
    """Start and end (paragraph offsets) of the parser sentences that the span ``[a, b)`` touches."""
    lo, hi = a, b
    for sent in para.doc.sents:
        if sent.end_char > a and sent.start_char < b:
            lo, hi = min(lo, sent.start_char), max(hi, sent.end_char)
    return lo, hi


def possessive_at(text: str, end: int) -> bool:
    """The name ending at ``end`` is a possessive ("Trump’s pick"): it is not the speaker."""
    return text[end:end + 2] in ("’s", "'s") or text[end:end + 1] in ("’", "'") and text[end - 1:end] == "s"


def is_heading(pa: ParsedArticle, para: Paragraph) -> bool:
    return any(s.heading for s in pa.sentences if s.field == para.field and para.start <= s.start < para.end)
