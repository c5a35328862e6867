"""Short quoted phrases: who says their words, if anyone (else the outlet's own distancing)."""
from __future__ import annotations

import re
from typing import Any

from .lexicons import AttributionLexicon
from .naming import EntityIndex
from .quote import Quote
from .sentences import ParsedArticle, Sentence
from .speech_syntax import (SUBJECT_PRONOUNS, noun_use, not_a_speaker, passive_participle, possessive_at, so_called,
                            speaker_tokens, speaking_participle, subject_of)

_NAMING_VERB = r"(?:call|calls|called|calling|dubs?|dubbed|terms?|termed|labels?|label+ed|brands?|branded|describes?|described)"
#: Words that give a term to others: "X call it", "what X call", "dubbed by X", "known among
#: X as", "as X put it" (the sentence of a short quoted phrase, or the one before).
_OTHERS_TERM = re.compile(
    r"\bwhat\s+(?:[\w’'-]+\s+){1,6}" + _NAMING_VERB + r"\b"
    r"|(?<![-\w])" + _NAMING_VERB + r"\s+(?:it|them|this|that|him|her|these|those)\b"
    r"|\b(?:called|dubbed|termed|label+ed|branded|described|referred\s+to|known)\s+(?:[\w’'-]+\s+){0,2}(?:by|among)\s"
    r"|\bas\s+(?:[\w’'-]+\s+){1,6}(?:call|calls|called|put\s+it|describes?|described|dubs?|dubbed|terms?|termed)\b",
    re.I,
)
#: "oppose any form of legal status as “amnesty”": a verb's subject characterises something
#: with the quoted term ("such as", "as well as" list things and are no such cue).
#: "what's known as the “nuclear option”", "the so-called “marriage penalty”": the phrase is a
#: name for something, given by nobody in particular; no claim either way.
_LABEL_BEFORE = re.compile(
    r"(?:\bso[- ]called|\bknown\s+as|\bwhat(?:\s+is|’s|'s)\s+(?:called|known\s+as)|\bdubbed|\btermed|\breferred\s+to\s+as"
    # a word mentioned, not used: "avoiding the term “radical Islam”", "the name 'tea party' or 'patriot'"
    r"|\b(?:the|a|this|that)\s+(?:term|word|name|phrase|label|slogan|motto|hashtag)s?"
    r"(?:\s+[“\"‘'][^“”\"‘’']{1,40}[”\"’'],?\s+(?:or|and))?)"
    r"\s+(?:(?:the|a|an)\s+)?[“\"‘']?$",
    re.I,
)
#: Acts that give words to their subject as much as "say" does ("Conaway attacked Schiff for
#: “undermining the faith”", "criticizing “rumors”").
_EVALUATIVE_ACTS = frozenset({
    "criticize", "criticise", "attack", "condemn", "denounce", "praise", "decry", "lament", "blast", "slam",
    "mock", "ridicule", "applaud",
})
#: Verbs of someone else's weighing or wording inside the clause a speaker's verb reports
#: ("Thibodeau said many Republicans were still deciding whether ... “spiritual guidance”").
_INNER_VOICE = frozenset({"decide", "consider", "weigh", "wonder", "debate", "discuss", "articulate", "think",
                          "believe", "argue", "suggest", "conclude", "determine", "question", "promise", "vow"})
#: Role nouns that name one speaker without a proper name ("the governor", "a spokeswoman").
_ROLE_WORDS = (r"governor|mayor|president|minister|spokes(?:man|woman|person)|senator|secretary|"
               r"chairman|chairwoman|director|chief|leader|official|aide|adviser|advisor|ambassador|"
               r"general|judge|prosecutor|lawyer|attorney|commissioner|sheriff|premier|chancellor")
_ROLE = re.compile(rf"\b(?:{_ROLE_WORDS})\b")
#: Nouns for a person that a later "he"/"she" may mean instead of the sentence's subject.
_PERSON_NOUN = re.compile(rf"\b(?:{_ROLE_WORDS}|reporter|journalist|correspondent|questioner|interviewer|host|"
                          r"anchor|woman|man|girl|boy|wife|husband|mother|father|daughter|son|sister|brother|"
                          r"friend|colleague|officer|student|teacher|lawmaker|congress(?:wo)?man)s?\b", re.I)
#: "..., as Obama’s campaign claims": an aside after the phrase gives it to someone else too.
_AS_ASIDE = re.compile(r"\bas\s+(?:[\w’'-]+\s+){1,6}(?:claims?|says?|argues?|contends?|alleges?|puts\s+it|calls\s+it)\b",
                       re.I)
_AS_BEFORE = re.compile(r"(?<!\bsuch )(?<!\bwell )\bas\s*$", re.I)


def _norm_words(text: str) -> str:
    return " ".join(re.findall(r"[\w’'-]+", text.lower()))


def _speech_in(
    pa: ParsedArticle, s: Sentence, ranges: list[tuple[int, int]], index: EntityIndex, lexicon: AttributionLexicon,
    at: int = -1, end: int = -1,
) -> tuple[str | None, int | None, Any] | None:
    """A speech verb of the sentence (outside quotations) with its speaker, if any.

    Returns ``(speaker, entity, verb)``; ``speaker`` is None when the verb's subject is a pronoun
    or missing, or holds the quoted phrase at field offset ``at`` (someone speaks, but the
    sentence does not say who says the phrase). None without a speech verb.
    """
    if s.span is None:
        return None
    base = s.start - s.span.start_char
    verbs = lexicon.reporting | lexicon.partial_quote_cues | _EVALUATIVE_ACTS
    found = None
    hits: list[tuple[str, int | None, Any]] = []
    unnamed = False  # a speech verb holding the phrase whose subject is no one nameable
    for tok in s.span:
        if tok.pos_ not in ("VERB", "AUX") or tok.lemma_.lower() not in verbs or so_called(tok) or noun_use(tok):
            continue
        if any(a <= base + tok.idx < b for a, b in ranges):
            continue
        if at >= 0 and not _governs(tok, base, at):
            # "a “colossal” attack ... — weeks after Biden boasted about ...": the verb's clause
            # does not hold the phrase; someone speaks nearby, but not these words
            found = found or (None, None, tok)
            continue
        if withheld(tok):
            found = found or (None, None, tok)  # "he refused to say the words ...": not his words
            continue
        if at >= 0 and _asked_of(tok, base, at):
            # "Asked whether the plan was “reckless,” Brook said ...": the questioner's word
            found = found or (None, None, tok)
            continue
        subj = None if passive_participle(tok) else subject_of(tok, lexicon.reporting)
        if subj is not None and base + subj.left_edge.idx <= at < base + subj.right_edge.idx + len(subj.right_edge.text):
            # "“birthers” have demanded", "Dockworkers -- labeled “wreckers” -- demanded": the
            # phrase is part of the subject, so the subject does not say it
            subj = None
        if subj is None or not_a_speaker(subj.lower_):
            found = found or (None, None, tok)
            continue
        if at >= 0 and (_inner_voice(s.span, tok, subj, base, at, verbs) or _borrowed_subject(tok, subj, verbs)
                        or _responded_to(tok, base, at) or _owned_by_another(s.span, tok, subj, base, at, end)):
            # "The Times reports Liz Cheney ... articulated ..., saying ... “judges”": another
            # subject speaks or weighs between the speaker and the phrase
            found = found or (None, None, tok)
            continue
        lo = base + subj.left_edge.idx
        hi = base + subj.right_edge.idx + len(subj.right_edge.text)
        ms = [m for m in index.in_span(pa.position, s.field, lo, hi) if not possessive_at(pa.article.field_text(s.field), m.end)]
        if ms:
            hits.append((pa.article.field_text(s.field)[ms[-1].start:ms[-1].end], ms[-1].entity, tok))
            continue
        toks = speaker_tokens(subj)
        names = [c for c in subj.children if c.dep_ == "appos" and c.pos_ == "PROPN"]
        if names:  # "the governor, Vasily Anokhin"
            toks = sorted(set(toks) | set(names[0].subtree), key=lambda t: t.i)
        if not any(t.pos_ == "PROPN" for t in toks) and not _ROLE.search(" ".join(t.lower_ for t in toks)):
            # "a post from someone", "the candidates": no name and no speaking role; someone
            # speaks near the phrase, but the text does not make it certain who
            found = found or (None, None, tok)
            unnamed = True
            continue
        hits.append((pa.article.field_text(s.field)[base + toks[0].idx:base + toks[-1].idx + len(toks[-1].text)], None, tok))
    if at >= 0 and hits and (unnamed or len({(h[1] if h[1] is not None else h[0]) for h in hits}) > 1):
        # "Ryan says this is to preserve Medicare, not “end” it, as Obama’s campaign claims",
        # "Gowdy asked that Clinton agree to a “transcribed” interview", "what the union's
        # executive called a “hijacking” and the US state department said was ...": two
        # speakers (one maybe unnamed) hold the phrase; the text does not say whose word it is
        return None, None, hits[0][2]
    return hits[0] if hits else found


def _asked_of(verb: Any, base: int, at: int) -> bool:
    """The phrase lies in a question put to the verb's subject, inside the verb's clause (or the
    verb is that question): a passive "asked"/"told" ("Asked whether it was “reckless”, Brook said ...", "when asked about
    the “crisis”"), so the words are the questioner's, not the one asked."""
    for t in verb.subtree:
        if t.lemma_.lower() not in ("ask", "question", "tell", "press") or t.tag_ != "VBN":
            continue
        if any(c.dep_ == "nsubj" for c in t.children):
            continue  # "she had asked ...": active, the subject asks
        if base + t.left_edge.idx <= at < base + t.right_edge.idx + len(t.right_edge.text):
            return True
    return False


def _governs(verb: Any, base: int, at: int) -> bool:
    """The phrase at field offset ``at`` lies in the verb's own clause (its subtree), or the verb
    is an aside to the clause that holds it ("as X said", "..., Giles said")."""
    aside = (verb.dep_ == "parataxis" or (verb.dep_ == "advcl" and any(c.lower_ == "as" for c in verb.children))
             or (verb.dep_ == "conj" and base + verb.idx > at))  # "..., said the governor"
    if _in_opening_clause(verb, base, at):
        return False
    for node in (verb, verb.head if aside else None):
        if node is None:
            continue
        lo = base + node.left_edge.idx
        hi = base + node.right_edge.idx + len(node.right_edge.text)
        if lo <= at < hi:
            return True
    return False


#: A sentence opening on a subordinate clause, the phrase inside it, before its comma.
_OPENING_CLAUSE = re.compile(r"(?:As|When|While|After|Before|Once|Since|Because|Although|Though|If|Until)\b[^,;:—–]*$")


def _in_opening_clause(verb: Any, base: int, at: int) -> bool:
    """"As the television flashed three “guilty” counts, the room was overcome ..., an aide
    said": the aside speaker gives the main clause, not the opening clause's narration."""
    sent = verb.sent
    return base + verb.idx > at and bool(_OPENING_CLAUSE.match(verb.doc.text[sent.start_char:at - base]))


def _inner_voice(span: Any, verb: Any, subj: Any, base: int, at: int, verbs: frozenset[str]) -> bool:
    """Between the speaker and the phrase, another verb of speech or weighing has a subject of
    its own (not a pronoun, not the speaker): the phrase may be that subject's words."""
    lo = min(base + subj.idx, base + verb.idx, at)
    hi = max(base + subj.idx, base + verb.idx, at)
    own = {t.i for t in subj.subtree}
    for t in span:
        if t.i == verb.i or not (lo <= base + t.idx < hi) or t.pos_ not in ("VERB", "AUX"):
            continue
        if _narrated_clause(t, own, base, at) or _coordinated_clause(t, verb, own, base, at):
            return True
        if t.lemma_.lower() not in verbs and t.lemma_.lower() not in _INNER_VOICE:
            continue
        if any(c.dep_ in ("nsubj", "nsubjpass") and c.i not in own and not not_a_speaker(c.lower_)
               for c in t.children):
            return True
        if speaking_participle(t) and t.head.i not in own:
            return True  # "X quoted an official saying ...": the official is the inner voice
    return False


#: Subordinators of a clause that narrates events (time), which may be the writer's and not the speaker's.
_NARRATING_MARKS = frozenset({"after", "before", "when", "while", "as", "since", "until", "once", "whenever"})


def _narrated_clause(t: Any, own: set[int], base: int, at: int) -> bool:
    """The phrase lies in a clause of time with a subject of its own ("X said tax hikes are a
    “red line” after President Biden hosted them to try to forge “consensus”"): what the clause's
    subject did may be the speaker's report or the writer's narration, and the word may be the
    clause subject's; whose word it is is not certain. A condition or a reason ("if the Kremlin
    committed to “real peace”") is part of what the speaker argues."""
    if t.dep_ != "advcl" or not any(c.dep_ == "mark" and c.lower_ in _NARRATING_MARKS for c in t.children):
        return False  # "... could end if the Kremlin committed to “real peace”": a condition is the speaker's
    if not base + t.left_edge.idx <= at < base + t.right_edge.idx + len(t.right_edge.text):
        return False
    return any(c.dep_ in ("nsubj", "nsubjpass") and c.i not in own and c.pos_ in ("PROPN", "NOUN")
               for c in t.children)


def _coordinated_clause(t: Any, verb: Any, own: set[int], base: int, at: int) -> bool:
    """The phrase lies in a clause joined to the speech verb's with "and" that has a named subject
    of its own ("Pelosi tweeted about her opposition, and a bar introduced a “Chick-for-Gay”
    sandwich"): the speech verb does not report that clause, the words are not the speaker's."""
    if t.dep_ != "conj" or t.head.i != verb.i:
        return False
    if not base + t.left_edge.idx <= at < base + t.right_edge.idx + len(t.right_edge.text):
        return False
    return any(c.dep_ in ("nsubj", "nsubjpass") and c.i not in own and c.pos_ in ("PROPN", "NOUN")
               for c in t.children)


def _owned_by_another(span: Any, verb: Any, subj: Any, base: int, start: int, end: int) -> bool:
    """The phrase modifies a thing owned by someone named other than the speaker ("Pelosi Says
    Tlaib's ‘...’ Comment No Worse"): the words are the owner's, not the speaker's. Not when the
    phrase is itself the owned thing the speaker names ("what he called the Senate Republicans'
    “full forensic audit”")."""
    inside = [t for t in span if start <= base + t.idx < end and not t.is_punct]
    root = next((t for t in inside if not start <= base + t.head.idx < end or t.head.i == t.i), None)
    if root is None or root.dep_ not in ("nmod", "amod", "compound"):
        return False
    own = {t.i for t in subj.subtree} if subj is not None else set()
    tok, steps = root, 0
    while tok.i != verb.i and tok.head.i != tok.i and steps < 6:
        tok, steps = tok.head, steps + 1
        if tok.pos_ in ("VERB", "AUX"):
            return False  # a clause of its own: the speaker's verb decides, not an owner
        if any(c.dep_ == "poss" and c.pos_ == "PROPN" and c.i not in own for c in tok.children):
            return True
    return False


_RESPONDING = frozenset({"respond", "react", "reply", "answer"})


def _responded_to(verb: Any, base: int, at: int) -> bool:
    """The phrase lies in what the speaker responds to ("Responding to GOP criticisms of the
    planned “door-to-door” campaign, X told CNN"; "X responded to a request ... to “clarify”"):
    those are the words of the criticism or the request, not the responder's."""
    if verb.lemma_.lower() not in _RESPONDING:
        return False
    for c in verb.children:
        if c.dep_ in ("prep", "dobj") and base + c.left_edge.idx <= at < base + c.right_edge.idx + len(c.right_edge.text):
            return True
    return False


def _borrowed_subject(verb: Any, subj: Any, verbs: frozenset[str]) -> bool:
    """The verb has no subject of its own and takes one from a clause above, through a verb that
    is not speech ("The Times reports Liz Cheney ... articulated ..., saying ..."): whose words
    follow is not certain."""
    target = subj.head.i
    node, steps = verb, 0
    while node.i != target and node.head.i != node.i and steps < 8:
        coordinated = node.dep_ == "conj"  # "... ruined the harbour and said ...": a partner, not a clause above
        node, steps = node.head, steps + 1
        if node.i == target:
            break
        if coordinated:
            continue
        if node.pos_ in ("VERB", "AUX") and node.lemma_.lower() not in verbs and node.dep_ != "xcomp":
            # ("refused to engage ..., calling him": an xcomp shares its head's subject)
            own = [c for c in node.children if c.dep_ in ("nsubj", "nsubjpass")]
            # "Putin said he will not negotiate ..., calling him ...": a pronoun subject on the
            # way is the speaker again; no subject at all, or someone named, is someone else
            if not own or own[0].lower_ not in SUBJECT_PRONOUNS:
                return True
    return False


def _verb_holds(pa: ParsedArticle, q: Quote, lexicon: AttributionLexicon) -> bool:
    """A short phrase given a speaker by the quotation pass: its verb's clause holds the phrase
    and the verb's subject is its own, not borrowed through a clause of someone else."""
    if q.verb_start is None:
        return True
    s = next((x for x in pa.sentences if x.field == q.field and x.start <= q.verb_start < x.end and x.span is not None), None)
    if s is None:
        return True
    base = s.start - s.span.start_char
    verb = next((t for t in s.span if base + t.idx == q.verb_start), None)
    if verb is None:
        return True
    verbs = lexicon.reporting | lexicon.partial_quote_cues | _EVALUATIVE_ACTS
    subj = subject_of(verb, lexicon.reporting)
    return (_governs(verb, base, q.start) and not withheld(verb) and not _asked_of(verb, base, q.start)
            and not _responded_to(verb, base, q.start)
            and not _owned_by_another(s.span, verb, subj, base, q.start, q.end)
            and not (subj is not None and (_borrowed_subject(verb, subj, verbs)
                                           or _inner_voice(s.span, verb, subj, base, q.start, verbs))))


#: Verbs whose complement is speech not made ("he refuses to describe them as “radical Islam”").
_WITHHOLD = frozenset({"refuse", "decline", "avoid", "fail", "reject", "resist", "neglect", "hesitate", "stop"})


def withheld(verb: Any) -> bool:
    """The speech verb says what someone did not say: negated ("did not say"), or the complement
    of refuse/decline/avoid... ("refuses to describe ... as “radical Islam”"); the words are
    someone else's term, not the subject's."""
    if any(c.dep_ == "neg" for c in verb.children):
        return True
    head = verb.head
    return verb.dep_ in ("xcomp", "ccomp") and (
        head.lemma_.lower() in _WITHHOLD or any(c.dep_ == "neg" for c in head.children))


def _resolve_pronoun(pa: ParsedArticle, q: Quote, sents: list[Sentence], index: EntityIndex) -> None:
    """"whom he described as “illegitimate”": the pronoun is the person who is the subject
    earlier in the same sentence ("Putin said ... whom he described ..."), if exactly one is."""
    s = next((s for s in sents if s.start <= q.start < s.end), None)
    if s is None:
        return
    subjects = [
        m for m in index.in_sentence(s.index)
        if m.start < q.start and m.token is not None and m.token.dep_ in ("nsubj", "nsubjpass")
        # "he also said that Mr. Moore was not guilty of “forcible rape”": a subject inside
        # what is said, after the speech verb, is the topic, not the speaker
        and (q.verb_start is None or m.start < q.verb_start)
    ]
    if len({m.entity for m in subjects}) == 1:
        m = subjects[-1]
        if _PERSON_NOUN.search(pa.article.field_text(q.field)[m.end:q.speaker_start or q.start]):
            # "Biden snapped at a reporter ... after she asked why he was “confident”": someone
            # else stands between the subject and the pronoun; whom it means is not certain
            return
        q.speaker = pa.article.field_text(q.field)[m.start:m.end]
        q.speaker_start, q.speaker_end, q.entity = m.start, m.end, m.entity
        q.meta["attributed_by"] = "pronoun"


def resolve_short_quotes(pa: ParsedArticle, quotes: list[Quote], index: EntityIndex, lexicon: AttributionLexicon) -> None:
    """Find who says the words of short quoted phrases that have no speaker yet.

    A short quoted phrase is the outlet's own distancing (a scare quote) only when nobody is
    given as saying those words: not a speaker of a speech verb in the same sentence ("there
    was a “massive” attack, said the governor"), not a speaker who says the same words in
    another quotation of the article (a headline's ‘illegitimate’ that the body gives to
    Putin), and no speech in the sentence before. The first two give the phrase a speaker; a
    speech verb without a known speaker, or speech in the sentence before, marks it
    ``meta["near_speech"]`` (neither the outlet's own distancing nor attributed).
    """
    by_field: dict[str, list[Sentence]] = {}
    for s in pa.sentences:
        by_field.setdefault(s.field, []).append(s)
    ranges: dict[str, list[tuple[int, int]]] = {}
    for q in quotes:
        ranges.setdefault(q.field, []).append((q.outer_start, q.outer_end))
    for q in quotes:
        if q.kind == "short" and not q.nested and q.speaker is not None and q.speaker.lower() in SUBJECT_PRONOUNS:
            _resolve_pronoun(pa, q, by_field.get(q.field, []), index)
        if q.kind == "short" and not q.nested and _LABEL_BEFORE.search(
                pa.article.field_text(q.field)[max(0, q.outer_start - 40):q.outer_start + 1]):
            # a name for something ("what's known as the “nuclear option”"): nobody's words
            q.speaker = q.entity = q.verb = q.verb_lemma = None
            q.meta["near_speech"] = True
            q.meta["label_term"] = True
            continue
        if q.kind == "short" and not q.nested and q.speaker is not None and _aside_after(pa, q, by_field, q.speaker):
            q.speaker = q.entity = q.verb = q.verb_lemma = None
            q.meta["near_speech"] = True  # "not “end” it, as Obama’s campaign claims": whose word is open
            continue
        if q.kind == "short" and not q.nested and q.speaker is not None and not _verb_holds(pa, q, lexicon):
            q.speaker = q.entity = q.verb = q.verb_lemma = None
            q.meta["near_speech"] = True
            continue
        if q.kind != "short" or q.nested or q.speaker is not None:
            continue
        sents = by_field.get(q.field, [])
        k = next((i for i, s in enumerate(sents) if s.start <= q.start < max(s.end, s.start + 1)), None)
        here = _speech_in(pa, sents[k], ranges.get(q.field, []), index, lexicon, q.start, q.end) if k is not None else None
        if here is not None and here[0] is not None and _aside_after(pa, q, by_field, here[0]):
            q.meta["near_speech"] = True  # "not “end” it, as Obama’s campaign claims": whose word is open
            continue
        if here is not None and here[0] is not None:
            q.speaker, q.entity = here[0], here[1]
            q.verb, q.verb_lemma = here[2].text, here[2].lemma_.lower()
            q.meta["attributed_by"] = "sentence"
            continue
        key = _norm_words(q.text)
        same = None
        inside_unattributed = False
        for o in quotes:
            if o is q or not key:
                continue
            other = _norm_words(o.text)
            if other == key and o.speaker is not None:
                same = o
                break
            if o.kind == "quote" and re.search(r"(?<![\w’'-])" + re.escape(key) + r"(?![\w’'-])", other):
                # a headline's ‘Dead Wrong’ inside a quotation of the body: someone's words, but a
                # word or phrase inside a longer quotation ("bigoted" in "bigoted statements",
                # Roberts's "balls and strikes" in Teachout's) does not say whose
                inside_unattributed = True  # a famous phrase is quoted by many: whose it is stays open
        if same is None and inside_unattributed:
            q.meta["near_speech"] = True
            continue
        if same is not None:
            q.speaker, q.entity, q.verb, q.verb_lemma = same.speaker, same.entity, same.verb, same.verb_lemma
            q.meta["attributed_by"] = "same words"
            continue
        if k is not None and _others_words(pa.article.field_text(q.field), sents, k, q):
            q.meta["near_speech"] = True  # a group's or person's term, not the outlet's own distancing
            continue
        prev = None
        if k is not None and k > 0 and q.field == "text":
            ps = sents[k - 1]
            prev = _speech_in(pa, ps, ranges.get(q.field, []), index, lexicon)
            if prev is None and any(o.kind == "quote" and ps.start <= o.start < ps.end for o in quotes):
                prev = (None, None, None)
        if here is not None or prev is not None:
            q.meta["near_speech"] = True
        elif k is not None and index.in_span(pa.position, q.field, sents[k].start, sents[k].end):
            # a person is named in the sentence ("Mary Cheney: Sister Is ‘Dead Wrong’"): the words
            # may be theirs, so they are not claimed as the outlet's own distancing
            q.meta["near_speech"] = True
    _drop_conflicts(quotes)


def _aside_after(pa: ParsedArticle, q: Quote, by_field: dict[str, list[Sentence]], speaker: str | None) -> bool:
    """An "as X claims" aside of someone other than the phrase's speaker follows the phrase in
    its sentence ("“reckless,” as Poe says" is Poe's own aside)."""
    s = next((x for x in by_field.get(q.field, []) if x.start <= q.start < x.end), None)
    m = _AS_ASIDE.search(pa.article.field_text(q.field)[q.outer_end:s.end]) if s is not None else None
    return m is not None and not (speaker and speaker.split()[-1] in m.group(0))


def _drop_conflicts(quotes: list[Quote]) -> None:
    """The same short phrase given to two different speakers in one article: one of them is
    wrong and the text does not say which, so neither is claimed."""
    by_key: dict[tuple[int, str, str], set[str]] = {}
    for q in quotes:
        if q.kind == "short" and not q.nested and q.speaker and q.meta.get("attributed_by") in ("sentence", "same words"):
            by_key.setdefault((q.article, q.field, _norm_words(q.text)), set()).add(q.speaker.lower())
    for q in quotes:
        if q.kind == "short" and not q.nested and q.speaker and q.meta.get("attributed_by") in ("sentence", "same words"):
            if len(by_key.get((q.article, q.field, _norm_words(q.text)), ())) > 1:
                q.speaker = q.entity = q.verb = q.verb_lemma = None
                q.meta["near_speech"] = True


def _others_words(text: str, sents: list[Sentence], k: int, q: Quote) -> bool:
    """The sentence of a short quoted phrase (or the one before) gives its words to others:
    "what the party's conservatives call “amnesty”", "“amnesty,” as critics call it", "dubbed
    “X” by critics", "oppose legal status as “amnesty”"."""
    s = sents[k]
    before = text[s.start:q.outer_start]
    after = text[min(q.outer_end, s.end):s.end]
    if _AS_BEFORE.search(before) or _OTHERS_TERM.search(before) or _OTHERS_TERM.search(after):
        return True
    if k > 0 and q.field == "text":
        ps = sents[k - 1]
        return bool(_OTHERS_TERM.search(text[ps.start:ps.end]))
    return False
