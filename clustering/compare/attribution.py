"""Attribution and hedging: reporting verbs by class, hedges and scare quotes per outlet.

Only the outlet's own voice counts: verbs and hedges inside quotations are the speaker's.
A verb counts as a reporting verb when it introduces speech: it governs a clause ("said
that ...") or a parataxis, attributes a quotation, is a contested or loaded verb governing an
infinitive ("claimed to have downed ..."), or is one of the verbs that nearly always report
speech (the lexicon's ``always`` list: "said", "claimed", "accused" ...).
"""
from __future__ import annotations

import re

from collections import Counter
from functools import lru_cache
from typing import Any

from .articles import CompareArticle
from .evidence import evidence
from .lexicons import AttributionLexicon
from .quoted import quoted_share
from .quotes import Quote
from .sentences import Sentence
from .speech_syntax import not_a_speaker, noun_use

_SPEECH_DEPS = ("ccomp", "parataxis")
_THOUGHT = {"think", "believe", "feel", "hope", "expect", "want", "wish", "know"}
_LEGAL = {"sue", "lawsuit", "suit", "complaint", "indictment", "indict", "court", "filing", "plaintiff"}
# a claim made in a legal document is reported in its own terms ("the lawsuit alleges ..."):
# standard legal reporting, not the outlet's doubt
_LEGAL_SUBJECTS = {"lawsuit", "suit", "complaint", "filing", "indictment", "petition", "motion", "brief",
                   "plaintiff", "plaintiffs", "case", "charge", "affidavit", "subpoena", "court", "document"}
# "claim" with an object and no reported clause takes something ("claim residency", "claim a prize")
_TAKING = {"claim"}
#: Acts of going to law: a "claiming ..." hung on them states the suit's claim.
_SUING = {"sue", "file", "petition", "appeal", "countersue"}
#: Verbs that also mean "to keep" ("maintains his opposition"): speech only with a clause.
_KEEPING = {"maintain"}
_FINITE = ("VBZ", "VBP", "VBD")
# a finite verb whose subject is another verb's ("denied it and claimed ...") or a relative word's
_SHARED_SUBJECT = ("conj", "relcl", "advcl", "xcomp", "parataxis", "acl")
_REFLEXIVE = {"itself", "himself", "herself", "themselves", "ourselves", "myself", "yourself"}
# emphatic negation: "couldn't possibly", "cannot possibly" is no hedge
_EMPHATIC = re.compile(r"(?:\bnot|n[’']t|\bcannot|\bnever)\s+$", re.I)


#: stripped from a quoted phrase's ends when telling whether two places quote the same words
_EDGE = " .,;:!?'\"“”‘’"


def mask_ranges(text: str, offset: int, ranges: list[tuple[int, int]]) -> str:
    """``text`` (which starts at ``offset`` in its field) with the given ranges blanked out,
    keeping every other character at its place."""
    chars = list(text)
    for a, b in ranges:
        for pos in range(max(a, offset), min(b, offset + len(text))):
            chars[pos - offset] = " "
    return "".join(chars)


def verb_key(tok: Any, lexicon: AttributionLexicon) -> str | None:
    """The lexicon lemma for a verb token ("hit back" for "hit ... back"), if listed."""
    lemma = tok.lemma_.lower()
    for child in tok.children:
        if child.dep_ == "prt":
            phrasal = f"{lemma} {child.lower_}"
            if lexicon.verb_class(phrasal) is not None:
                return phrasal
    return lemma if lexicon.verb_class(lemma) is not None else None


def _in_reported_speech(sentence: Sentence, offset: int, lexicon: AttributionLexicon) -> bool:
    """The word at ``offset`` (into the sentence's text) stands in a clause reported by someone:
    the complement of a speech verb with a subject ("He also said the agents seemed to think").
    A hedge there is the speaker's, not the outlet's."""
    span = sentence.span
    if span is None:
        return False
    at = span.start_char + offset
    tok = next((t for t in span if t.idx <= at < t.idx + len(t.text) + 1), None)
    steps = 0
    while tok is not None and tok.head is not tok and steps < 12:
        head = tok.head
        if tok.dep_ in _SPEECH_DEPS and head.pos_ in ("VERB", "AUX") and verb_key(head, lexicon) is not None:
            subj = [c for c in head.children if c.dep_ in ("nsubj", "nsubjpass")]
            return bool(subj) and subj[0].lower_ != "it"
        tok, steps = head, steps + 1
    return False


def distancing_term(words: str) -> bool:
    """Quoted words an outlet can hold at a distance: one word ("Bridgegate", "illegitimate"),
    or a phrase with an evaluative word in it ("witch hunt"). A neutral multi-word phrase
    ("married filing jointly", "protection officer") is a label or a term of art."""
    tokens = re.findall(r"[^\W\d_]+(?:[’'-][^\W\d_]+)*", words.lower())
    if len(tokens) <= 1:
        return bool(tokens)
    return any(_evaluative(t) for t in tokens)


@lru_cache(maxsize=1)
def _vader_lexicon() -> dict[str, float]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # lazily: reads its lexicon file

    return dict(SentimentIntensityAnalyzer().lexicon)


def _evaluative(word: str) -> bool:
    """A word that carries a judgement in VADER's human-rated lexicon (|valence| >= 1)."""
    return abs(_vader_lexicon().get(word, 0.0)) >= 1.0


def _legal_subject(tok: Any) -> bool:
    """The verb's subject (or that of the verb it is coordinated with, or, for a participle
    without a subject of its own, that of the clause it hangs on: "The lawsuit will be a
    class-action, ..., claiming that ...") is a legal document or party."""
    hanging = (tok.tag_ == "VBG" and tok.dep_ in ("advcl", "acl", "xcomp")
               and not any(c.dep_ in ("nsubj", "nsubjpass") for c in tok.children))
    for node in (tok, tok.head if tok.dep_ == "conj" or hanging else None):
        if node is None:
            continue
        kids = list(node.children)
        if not any(c.dep_ in ("nsubj", "nsubjpass") for c in kids):
            # "The lawsuit, argued in ..., claims that": the parser hangs the subject on the
            # inserted clause; the subject left of the verb is still the claimer
            kids = [t for c in node.lefts for t in c.subtree if t.dep_ in ("nsubj", "nsubjpass")][:1]
        for c in kids:
            if c.dep_ in ("nsubj", "nsubjpass") and (
                c.lower_ in _LEGAL_SUBJECTS or c.lemma_.lower() in _LEGAL_SUBJECTS
                or (c.lower_ == "it" and (node is tok or not hanging))
            ):
                # "it claims": a thing (the suit, the report) claims, not a person; but "it is
                # investigating ..., claiming ...": the "it" of the clause above may be an agency
                return True
    return False


def _demand(tok: Any) -> bool:
    """"insist on/upon X", "insist that they agree" (a bare verb, "should"): what one demands."""
    for c in tok.children:
        if c.dep_ == "prep" and c.lower_ in ("on", "upon"):
            return True
        if c.dep_ == "ccomp" and (c.tag_ == "VB" or any(a.lower_ == "should" for a in c.children if a.dep_ == "aux")
                                  # the subjunctive: "that the administration agree" (a singular subject, a bare verb)
                                  or (c.tag_ == "VBP" and any(x.dep_ == "nsubj" and x.tag_ in ("NN", "NNP")
                                                              for x in c.children))):
            return True
    return tok.dep_ == "relcl" and any(c.dep_ == "prep" and c.lower_ in ("on", "upon") for c in tok.children)


def adjectival_hedge(tok: Any) -> bool:
    """"alleged" or "purported" before a noun ("alleged fraud", "an alleged poll"): the outlet
    does not vouch for what the noun names, and nobody is reported as claiming anything."""
    return tok.lower_ in ("alleged", "purported") and tok.dep_ == "amod" and tok.head.i > tok.i


def _subjectless(tok: Any) -> bool:
    """A finite form with nothing attached ("... response to Trump election fraud claims") or
    with no subject of its own where English needs one ("she said claims that ... were false"):
    the plural noun the tagger read as a verb."""
    if tok.tag_ not in _FINITE or tok.dep_ == "parataxis":
        return False
    kids = list(tok.children)
    if not kids:
        return True
    return tok.dep_ not in _SHARED_SUBJECT and not any(c.dep_ in ("nsubj", "nsubjpass", "expl", "csubj") for c in kids)


def _no_assertion(tok: Any) -> bool:
    """A verb of the ``always`` list that asserts nothing: "contend with" (to cope with:
    "Harris contends with intense scrutiny"), or a plural noun the tagger read as a verb: with a
    common noun right before it as its subject and nothing reported ("initial unemployment claims
    through state programs dropped"). (A finite form with no subject or nothing attached is
    dropped before this, quotation verbs included: :func:`_subjectless`.)"""
    kids = list(tok.children)
    if any(c.dep_ in _SPEECH_DEPS or c.dep_ in ("xcomp", "dobj") for c in kids) or tok.dep_ == "parataxis":
        return False
    if tok.lemma_.lower() == "contend" and any(c.dep_ == "prep" and c.lower_ in ("with", "against") for c in kids):
        return True
    doc = tok.doc
    before = doc[tok.i - 1] if tok.i > 0 else None
    return (tok.tag_ == "VBZ" and before is not None and before.dep_ == "nsubj" and before.head.i == tok.i
            and before.tag_ in ("NN", "NNS"))


def reporting_verbs(
    sentence: Sentence,
    ranges: list[tuple[int, int]],
    lexicon: AttributionLexicon,
    quote_verbs: set[int],
) -> list[tuple[Any, str, str]]:
    """Reporting verbs of the outlet's own voice in one sentence.

    Args:
        sentence: The sentence.
        ranges: Quoted ranges of the sentence's field (marks included).
        lexicon: The attribution lexicon.
        quote_verbs: Field offsets of verbs that attribute a quotation.

    Returns:
        ``(token, lemma, class)`` per verb.
    """
    span = sentence.span
    if span is None:
        return []
    base = sentence.start - span.start_char
    out = []
    for tok in span:
        if tok.pos_ not in ("VERB", "AUX"):
            continue
        key = verb_key(tok, lexicon)
        if key is None or noun_use(tok):
            continue  # "Palin's claims": a noun, not the outlet's verb
        if adjectival_hedge(tok):
            continue  # "alleged fraud": a hedge on a noun (attribution_for_outlet lists it), no verb
        if _subjectless(tok):
            continue  # "said claims that X “...” were false": a noun, even before a quotation
        pos = base + tok.idx
        if any(a <= pos < b for a, b in ranges):
            continue
        speech = (
            key in lexicon.always
            or pos in quote_verbs
            or any(c.dep_ in _SPEECH_DEPS for c in tok.children)
            or tok.dep_ == "parataxis"
            # "claimed to have downed": an infinitive is speech only after a judging verb
            or (key in lexicon.contested | lexicon.loaded and any(c.dep_ == "xcomp" for c in tok.children))
        )
        if speech and key in _TAKING and pos not in quote_verbs and any(c.dep_ == "dobj" for c in tok.children) and not any(
            c.dep_ in _SPEECH_DEPS or c.dep_ == "xcomp" for c in tok.children
        ):
            speech = False  # "try to claim residency": to take or apply for, not to assert
        if speech and key in _KEEPING and any(c.dep_ == "dobj" for c in tok.children) and not any(
            c.dep_ in ("ccomp", "xcomp") for c in tok.children
        ):
            speech = False  # "he maintains his opposition": he keeps a position, nothing is asserted
        if speech and any(c.dep_ == "dobj" and c.lower_ in _REFLEXIVE for c in tok.children):
            speech = False  # "America asserted itself": it acted, nothing is claimed
        if speech and pos not in quote_verbs and _no_assertion(tok):
            speech = False  # "contends with scrutiny", "unemployment claims ... dropped": nothing asserted
        if speech:
            cls = lexicon.verb_class(key) or "neutral"
            if key == "allege" and any(t.lemma_.lower() in _LEGAL for t in span):
                cls = "neutral"  # "sued ..., alleging discrimination": the legal term, not doubt
            if cls == "contested" and key in ("claim", "allege", "contend") and tok.head.lemma_.lower() in _SUING:
                cls = "neutral"  # "sued the NCAA, claiming that its rules violated ...": the suit's claim
            if cls == "contested" and _legal_subject(tok):
                cls = "neutral"  # "the lawsuit claims Wal-Mart favors men": the suit's own words
            if cls == "contested" and key == "insist" and _demand(tok):
                cls = "neutral"  # "insist that the administration agree to": a demand, not a doubtful claim
            out.append((tok, key, cls))
    return out


def attribution_for_outlet(
    articles: list[CompareArticle],
    sentences: list[Sentence],
    quotes: list[Quote],
    ranges: dict[tuple[int, str], list[tuple[int, int]]],
    lexicon: AttributionLexicon,
    max_evidence: int,
    claim_own_distancing: bool = False,
) -> dict[str, Any]:
    """Reporting verbs, contested/loaded verbs, hedges and scare quotes of one outlet.

    Args:
        articles: All input articles (evidence offsets refer to them).
        sentences: The outlet's sentences (duplicates and boilerplate already removed).
        quotes: The outlet's quotations and short quoted phrases.
        ranges: Quoted ranges per (article, field).
        lexicon: The attribution lexicon.
        max_evidence: Cap on evidence items per list.
        claim_own_distancing: Keep a phrase with no speaker as the outlet's own distancing
            (else it is listed in ``scare_quotes_unclear`` with ``withheld: "own_distancing"``).

    Returns:
        ``{"verbs", "verb_classes", "by_class", "contested", "loaded", "hedges", "scare_quotes",
        "scare_quotes_unclear"}``. A scare quote with ``own_distancing`` true has no speaker
        anywhere near it; one with ``attributed_to`` is a speaker's word; those where someone
        nearby speaks but the text does not say who are kept apart in ``scare_quotes_unclear``.
    """
    quote_verbs = {q.verb_start for q in quotes if q.verb_start is not None}
    verbs: Counter[str] = Counter()
    classes: Counter[str] = Counter()
    by_class: dict[str, Counter[str]] = {"neutral": Counter(), "contested": Counter(), "loaded": Counter()}
    contested: list[dict[str, Any]] = []
    loaded: list[dict[str, Any]] = []
    hedges: list[dict[str, Any]] = []
    hedge_res = lexicon.hedge_regexes()
    for s in sentences:
        art = articles[s.article]
        rng = ranges.get((s.article, s.field), [])
        for tok, key, cls in reporting_verbs(s, rng, lexicon, quote_verbs):
            verbs[lexicon.shown(key)] += 1
            classes[cls] += 1
            by_class[cls][lexicon.shown(key)] += 1
            if cls in ("contested", "loaded"):
                target = contested if cls == "contested" else loaded
                target.append(evidence(art, s.field, s.start, s.end, verb=tok.text, verb_class=cls))
        if quoted_share(rng, s.start, s.end) >= 0.95:
            continue
        own = mask_ranges(s.text, s.start, rng)
        found = False
        for label, pattern in hedge_res:
            for m in pattern.finditer(own):
                if _EMPHATIC.search(own[max(0, m.start() - 12):m.start()]):
                    continue  # "couldn't possibly": emphatic negation, not doubt
                if _in_reported_speech(s, m.start(), lexicon):
                    continue  # "He said the agents seemed to think ...": the speaker's hedge
                hedges.append(evidence(art, s.field, s.start, s.end, hedge=m.group(0).strip(), pattern=label))
                found = True
                break
        if not found and s.span is not None:
            base = s.start - s.span.start_char
            for tok in s.span:
                at = base + tok.idx - s.start
                if adjectival_hedge(tok) and own[at:at + len(tok.text)] == tok.text \
                        and not _in_reported_speech(s, at, lexicon):
                    # "the report on alleged harassment by the governor": the outlet does not vouch for it
                    hedges.append(evidence(art, s.field, s.start, s.end, hedge=tok.text, pattern="alleged (adjective)"))
                    break
    scare = []
    unclear = []
    first: dict[tuple[str, tuple[str, Any]], dict[str, Any]] = {}
    for q in quotes:
        if q.kind != "short" or q.nested:
            continue
        art = articles[q.article]
        if q.unclosed:
            # ‘called on Americans "to...’ where an excerpt stops: the opening of a longer
            # quotation, cut off; no phrase to judge
            unclear.append(evidence(art, q.field, q.start, q.end, words=q.words, attributed_to=None, verb=None,
                                    own_distancing=False, withheld="unclosed"))
            continue
        speaker = q.speaker if q.speaker and not not_a_speaker(q.speaker) else None
        if speaker is not None and (
            q.verb is None or (q.verb_lemma or "") in _THOUGHT or q.meta.get("certain") is False
        ):
            # "Trump thinks Moore will “step aside”": a thought is nobody's words; and with no
            # verb at all ("Emanuel’s suggestion that he join a “presidential board”") the
            # words may be the reporter's or a document's; or someone else speaks in the sentence
            speaker = None
            q.meta["near_speech"] = True
        item = evidence(
            art,
            q.field,
            q.start,
            q.end,
            words=q.words,
            attributed_to=speaker,
            verb=q.verb if speaker else None,
            own_distancing=speaker is None,
        )
        if speaker is None and not (q.meta.get("near_speech") or q.speaker) and not distancing_term(q.text):
            # "married filing jointly", "place of residence": a neutral multi-word label in
            # quotation marks names a term (a form's box, a rule's wording); no claim either way
            item["own_distancing"] = False
            item["label_term"] = True
            unclear.append(item)
            continue
        if speaker is None and (q.meta.get("near_speech") or q.speaker):
            # someone nearby speaks but the text does not say who: neither the outlet's own
            # distancing nor a known speaker's word, so no claim is made about it
            item["own_distancing"] = False
            unclear.append(item)
            continue
        if speaker is None and not claim_own_distancing:
            # nobody in the text is given as saying it, but readers found such phrases to be a
            # document's, an agency's or a form's words more often than the outlet's distancing
            item["own_distancing"] = False
            item["withheld"] = "own_distancing"
            unclear.append(item)
            continue
        # one entry per phrase and speaker: a headline's “killer” and the body's “killer”, both
        # the president's word, are one finding; the later places go to the first's "also_at"
        key = (q.text.casefold().strip(_EDGE), ("entity", q.entity) if q.entity is not None else ("as", speaker))
        if key in first:
            first[key].setdefault("also_at", []).append(
                {k: item[k] for k in ("text", "external_id", "article_id", "outlet", "field", "start", "end")})
            continue
        first[key] = item
        scare.append(item)
    return {
        "verbs": dict(sorted(verbs.items(), key=lambda kv: (-kv[1], kv[0]))),
        "verb_classes": {c: classes.get(c, 0) for c in ("neutral", "contested", "loaded")},
        "by_class": {c: dict(v.most_common()) for c, v in by_class.items()},
        "contested": contested[: max(max_evidence, 1) * 3],
        "loaded": loaded[: max(max_evidence, 1) * 3],
        "hedges": hedges[: max(max_evidence, 1) * 3],
        "scare_quotes": scare,
        "scare_quotes_unclear": unclear,
    }
