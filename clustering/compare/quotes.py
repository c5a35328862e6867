"""Voices: quotations, who speaks them and with which verb; short quoted phrases.

Quote marks are paired per paragraph: curly double quotes unambiguously, straight double
quotes alternately, single quotes (curly or straight) only where the marks cannot be
apostrophes (an opening mark after a space, a closing one before a non-letter). A double
quote left open at the end of a paragraph continues into the next paragraph when that one
opens with a quote mark (the news convention for multi-paragraph quotations).

The speaker is the subject of the reporting verb nearest to the quotation in its sentence,
looked for after the closing mark first ("...,” the Kremlin leader added") and then before
the opening mark ("An EU official said: “..."). A pronoun, or a quotation with no
attribution of its own, takes the article's last speaker.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .lexicons import AttributionLexicon
from .naming import EntityIndex
from .sentences import Paragraph, ParsedArticle, Sentence, count_words

_PRONOUNS = {"he", "she", "they", "it", "we", "i"}
_NOT_SPEAKER_START = {"by", "in", "on", "at", "for", "to", "from", "with", "of", "after", "before", "since", "about"}
_OPEN_SINGLE = "‘'"
_CLOSE_SINGLE = "’'"
_SUBJECT_DEPS = ("nsubj", "nsubjpass")
_CLAUSE_LINKS = ("advcl", "xcomp", "conj", "ccomp", "acl", "relcl", "pcomp")


@dataclass
class Quote:
    """A quoted passage of one article.

    Attributes:
        article: Position of the article in the input list.
        field: ``"title"`` or ``"text"``.
        start: Start offset of the quoted words (inside the marks) in the field.
        end: End offset of the quoted words.
        text: The quoted words.
        words: Number of words.
        kind: ``"quote"`` (a voice), ``"short"`` (a scare or partial quote) or ``"title"``
            (the name of a programme or work in quote marks).
        nested: Inside another quotation (the speaker's own quote marks).
        outer_start: Offset of the opening mark.
        outer_end: Offset after the closing mark (or the paragraph end if left open).
        speaker: Who speaks, as written ("the Kremlin leader"), if found.
        entity: Entity id of the speaker, if resolved.
        verb: The reporting verb as written ("added").
        verb_lemma: Its lemma.
    """

    article: int
    field: str
    start: int
    end: int
    text: str
    words: int
    kind: str
    nested: bool = False
    outer_start: int = 0
    outer_end: int = 0
    speaker: str | None = None
    speaker_start: int | None = None
    speaker_end: int | None = None
    entity: int | None = None
    verb: str | None = None
    verb_lemma: str | None = None
    verb_start: int | None = None
    inherited: bool = False
    unclosed: bool = False
    paragraph_start: int = 0
    meta: dict[str, Any] = field(default_factory=dict)


def quote_spans(text: str) -> list[tuple[int, int, bool]]:
    """Quoted spans of one paragraph as ``(open_mark, close_mark, closed)`` offsets.

    ``close_mark`` is the index of the closing mark, or ``len(text)`` when the quotation
    runs on past the paragraph. Single quotes are only paired when they cannot be
    apostrophes.

    Args:
        text: One paragraph.

    Returns:
        Spans sorted by start.
    """
    spans: list[tuple[int, int, bool]] = []
    open_at: int | None = None
    for i, ch in enumerate(text):
        if ch == "“":
            open_at = i  # a second opening mark means the first was stray
        elif ch == "”":
            if open_at is not None:
                spans.append((open_at, i, True))
                open_at = None
        elif ch == '"':
            if open_at is None:
                if i == 0 or not text[i - 1].isalnum():
                    open_at = i
            else:
                spans.append((open_at, i, True))
                open_at = None
    if open_at is not None and open_at < len(text) - 1:
        spans.append((open_at, len(text), False))

    s_open: int | None = None
    for i, ch in enumerate(text):
        prev = text[i - 1] if i else " "
        nxt = text[i + 1] if i + 1 < len(text) else " "
        if s_open is None and ch in _OPEN_SINGLE:
            if not prev.isalnum() and (nxt.isalnum() or nxt in "“\"[("):
                if ch == "'" and prev == "'":
                    continue
                s_open = i
        elif s_open is not None and ch in _CLOSE_SINGLE:
            if not nxt.isalnum() and not prev.isspace() and i > s_open + 1:
                spans.append((s_open, i, True))
                s_open = None
            elif ch == "‘":
                s_open = i
        elif s_open is not None and ch == "‘":
            s_open = i
    return sorted(spans)


def _is_title_of_work(phrase: str) -> bool:
    """Two or more words, every content word capitalised ("Fox & Friends", "This Week")."""
    words = [w for w in re.findall(r"[^\W\d_][\w’'-]*", phrase.rstrip(".!?"))]
    if len(words) < 2:
        return False
    small = {"of", "the", "and", "a", "an", "in", "on", "for", "to", "with", "at", "by"}
    return all(w[:1].isupper() for w in words if w.lower() not in small)


_PROGRAMME_NOUNS = ("show", "program", "programme", "podcast", "series", "newspaper", "magazine", "broadcast")


def _names_a_programme(phrase: str, after: str) -> bool:
    """‘NBC’s “Today” show’: a capitalised phrase right before "show", "podcast" ..."""
    nxt = re.match(r"\s*([A-Za-z]+)", after)
    return bool(phrase[:1].isupper() and nxt and nxt.group(1).lower() in _PROGRAMME_NOUNS)


def _passive_participle(tok: Any) -> bool:
    """"a segment -- labeled “birthers” --": a participle with no subject of its own says
    nothing about who uses the word."""
    return tok.tag_ == "VBN" and not any(c.dep_ in ("nsubj", "agent") for c in tok.children)


def _tokens_between(doc: Any, start: int, end: int) -> list[Any]:
    return [t for t in doc if start <= t.idx and t.idx + len(t.text) <= end]


def _speaker_tokens(subject: Any) -> list[Any]:
    """The speaker phrase headed by ``subject``: its left modifiers and the head, plus a short
    prepositional modifier ("a spokesperson for the ministry"); appositions are left out."""
    tokens = [t for t in subject.subtree if t.i <= subject.i]
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


def _subject_of(verb: Any, reporting: frozenset[str] = frozenset()) -> Any | None:
    """The grammatical subject of a reporting verb, climbing out of participles and
    prepositional complements ("responded by saying", "..., adding:") to the clause that has one.

    A participle without a subject ("..., noting that ...", "..., adding: ...") belongs to the
    nearest reporting verb above it ("Biden said, noting ..."), else to the clause above it.
    """
    if (
        verb.tag_ == "VBG"
        and verb.dep_ == "pcomp"
        and not any(c.dep_ in _SUBJECT_DEPS for c in verb.children)
        and verb.head.dep_ == "prep"
    ):
        # "Greene accused Farenthold of telling her ...": the object of the verb above tells
        for child in verb.head.head.children:
            if child.dep_ == "dobj":
                return child
    if not any(c.dep_ in _SUBJECT_DEPS for c in verb.children) and verb.tag_ == "VBG":
        node = verb
        for _ in range(5):
            if node.head.i == node.i:
                break
            node = node.head
            if node.lemma_.lower() in reporting:
                for child in node.children:
                    if child.dep_ in _SUBJECT_DEPS:
                        return child
    v = verb
    for _ in range(4):
        for child in v.children:
            if child.dep_ in _SUBJECT_DEPS:
                return child
        if v.head.i == v.i:
            break
        if v.head.pos_ not in ("VERB", "AUX"):
            if v.head.pos_ == "NOUN" and v.head.lemma_.lower() in _SPEECH_CARRIERS and v.head.head.pos_ in ("VERB", "AUX"):
                v = v.head.head  # "Steele issued a statement saying ...": the statement's issuer
                continue
            break  # "Needless to say, the war ...": no speaker above a non-verb
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


def _is_reporting(tok: Any, reporting: frozenset[str]) -> bool:
    return tok.pos_ in ("VERB", "AUX") and tok.lemma_.lower() in reporting and not _so_called(tok)


def _so_called(tok: Any) -> bool:
    """The "called" of "so-called" is a hedge, not a speech verb."""
    doc = tok.doc
    return tok.lower_ == "called" and tok.i >= 2 and doc[tok.i - 1].text == "-" and doc[tok.i - 2].lower_ == "so"


def _inside_any(pos: int, ranges: list[tuple[int, int]]) -> bool:
    return any(a <= pos < b for a, b in ranges)


def extract_quotes(
    parsed: list[ParsedArticle],
    index: EntityIndex,
    lexicon: AttributionLexicon,
    quote_min_words: int,
    scare_max_words: int,
) -> list[Quote]:
    """All quoted passages of a story with speakers and reporting verbs.

    Args:
        parsed: The story's parsed articles.
        index: The entity index (resolves speakers to people).
        lexicon: Reporting verbs and partial-quote cue verbs.
        quote_min_words: Passages with at least this many words are voices.
        scare_max_words: Passages with at most this many words are short (scare/partial) quotes.

    Returns:
        Quotes in article and text order.
    """
    reporting = lexicon.reporting
    indirect_verbs = lexicon.neutral | lexicon.contested | lexicon.speech
    out: list[Quote] = []
    for pa in parsed:
        last_speaker: dict[str, Any] | None = None
        prev_para: Paragraph | None = None
        article_ranges = [
            (para.start + a, para.start + b + 1)
            for para in pa.paragraphs if para.field == "text"
            for a, b, _ in quote_spans(para.doc.text)
        ]
        for para in pa.paragraphs:
            text = para.doc.text
            spans = quote_spans(text)
            outer_ranges = [(a, b + 1) for a, b, _ in spans]
            doc_quotes = _make_quotes(pa, para, spans, quote_min_words, scare_max_words)
            # events in text order: quotations and indirect-speech clauses that name a speaker
            events: list[tuple[int, str, Any]] = [(q.outer_start - para.start, "quote", q) for q in doc_quotes]
            if para.field == "text":
                for sent in para.doc.sents:
                    for tok in sent:
                        if _is_reporting(tok, indirect_verbs) and not _inside_any(tok.idx, outer_ranges):
                            events.append((tok.idx, "speech", tok))
            events.sort(key=lambda e: (e[0], e[1] == "speech"))
            if para.field == "text" and prev_para is not None and prev_para.doc.text.rstrip().endswith(":"):
                # "Obama used virtually identical language ...:" then the quotation: the
                # introducing sentence's named subject speaks, else nobody known
                last_speaker = _colon_intro(pa, prev_para, index)
                if last_speaker is not None:
                    last_speaker["at"] = para.start
            if para.field == "text":
                prev_para = para
            for _pos, kind, item in events:
                if kind == "speech":
                    named = _named_subject(pa, para, item, index, reporting)
                    if named is not None:
                        named["at"] = para.start + item.idx
                        last_speaker = named
                    continue
                q = item
                if q.nested:
                    continue
                current = last_speaker
                if current is not None and _someone_else_since(pa, index, current, q.outer_start, article_ranges):
                    current = None  # "prompted Vieira to ask Trump ... He signaled ...": ambiguous
                _attribute_quote(pa, para, q, outer_ranges, reporting, lexicon, index, current)
                if q.inherited and current is not None:
                    q.meta["since"] = current.get("at")
                if q.kind == "quote" and q.speaker is not None and para.field == "text":
                    last_speaker = {
                        "speaker": q.speaker,
                        "entity": q.entity,
                        "verb": q.verb,
                        "verb_lemma": q.verb_lemma,
                        "at": q.outer_end,
                    }
            out.extend(doc_quotes)
        _resolve_short_quotes(pa, [q for q in out if q.article == pa.position], index, lexicon)
    for q in out:
        if q.speaker and any(ch in q.speaker for ch in "“”\""):
            # ‘“Today” show host Meredith Vieira’: the speaker starts after the last mark
            cut = max(q.speaker.rfind(ch) for ch in "“”\"") + 1
            rest = q.speaker[cut:].lstrip()
            if q.speaker_start is not None:
                q.speaker_start += len(q.speaker) - len(rest)
            q.speaker = rest or None
        if q.speaker and q.entity is not None and re.search(r"[’']s\s+\w|^\W*(?:(?:[Aa]n?|[Tt]he)\s+)?[a-z][\w\s-]*?\b(?:for|of|to|at|from|with)\s", q.speaker):
            # "Pence’s spokesperson", "A spokesperson for Vice President Mike Pence": the
            # person named is not the one who speaks
            q.entity = None
    return out


def _norm_words(text: str) -> str:
    return " ".join(re.findall(r"[\w’'-]+", text.lower()))


def _speech_in(
    pa: ParsedArticle, s: Sentence, ranges: list[tuple[int, int]], index: EntityIndex, lexicon: AttributionLexicon,
    at: int = -1,
) -> tuple[str | None, int | None, Any] | None:
    """A speech verb of the sentence (outside quotations) with its speaker, if any.

    Returns ``(speaker, entity, verb)``; ``speaker`` is None when the verb's subject is a pronoun
    or missing, or holds the quoted phrase at field offset ``at`` (someone speaks, but the
    sentence does not say who says the phrase). None without a speech verb.
    """
    if s.span is None:
        return None
    base = s.start - s.span.start_char
    verbs = lexicon.reporting | lexicon.partial_quote_cues
    found = None
    for tok in s.span:
        if tok.pos_ not in ("VERB", "AUX") or tok.lemma_.lower() not in verbs or _so_called(tok):
            continue
        if any(a <= base + tok.idx < b for a, b in ranges):
            continue
        subj = None if _passive_participle(tok) else _subject_of(tok, lexicon.reporting)
        if subj is not None and base + subj.left_edge.idx <= at < base + subj.right_edge.idx + len(subj.right_edge.text):
            # "“birthers” have demanded", "Dockworkers -- labeled “wreckers” -- demanded": the
            # phrase is part of the subject, so the subject does not say it
            subj = None
        if subj is None or subj.lower_ in _PRONOUNS:
            found = found or (None, None, tok)
            continue
        lo = base + subj.left_edge.idx
        hi = base + subj.right_edge.idx + len(subj.right_edge.text)
        ms = [m for m in index.in_span(pa.position, s.field, lo, hi) if not _possessive(pa.article.field_text(s.field), m.end)]
        if ms:
            return pa.article.field_text(s.field)[ms[-1].start:ms[-1].end], ms[-1].entity, tok
        toks = _speaker_tokens(subj)
        names = [c for c in subj.children if c.dep_ == "appos" and c.pos_ == "PROPN"]
        if names:  # "the governor, Vasily Anokhin"
            toks = sorted(set(toks) | set(names[0].subtree), key=lambda t: t.i)
        return pa.article.field_text(s.field)[base + toks[0].idx:base + toks[-1].idx + len(toks[-1].text)], None, tok
    return found


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
        q.speaker = pa.article.field_text(q.field)[m.start:m.end]
        q.speaker_start, q.speaker_end, q.entity = m.start, m.end, m.entity
        q.meta["attributed_by"] = "pronoun"


def _resolve_short_quotes(pa: ParsedArticle, quotes: list[Quote], index: EntityIndex, lexicon: AttributionLexicon) -> None:
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
        if q.kind == "short" and not q.nested and q.speaker is not None and q.speaker.lower() in _PRONOUNS:
            _resolve_pronoun(pa, q, by_field.get(q.field, []), index)
        if q.kind != "short" or q.nested or q.speaker is not None:
            continue
        sents = by_field.get(q.field, [])
        k = next((i for i, s in enumerate(sents) if s.start <= q.start < max(s.end, s.start + 1)), None)
        here = _speech_in(pa, sents[k], ranges.get(q.field, []), index, lexicon, q.start) if k is not None else None
        if here is not None and here[0] is not None:
            q.speaker, q.entity = here[0], here[1]
            q.verb, q.verb_lemma = here[2].text, here[2].lemma_.lower()
            q.meta["attributed_by"] = "sentence"
            continue
        key = _norm_words(q.text)
        same = None
        for o in quotes:
            if o is q or o.speaker is None or not key:
                continue
            other = _norm_words(o.text)
            if other == key or (o.kind == "quote" and re.search(r"(?<![\w’'-])" + re.escape(key) + r"(?![\w’'-])", other)):
                same = o
                break
        if same is not None:
            q.speaker, q.entity, q.verb, q.verb_lemma = same.speaker, same.entity, same.verb, same.verb_lemma
            q.meta["attributed_by"] = "same words"
            continue
        prev = None
        if k is not None and k > 0 and q.field == "text":
            ps = sents[k - 1]
            prev = _speech_in(pa, ps, ranges.get(q.field, []), index, lexicon)
            if prev is None and any(o.kind == "quote" and ps.start <= o.start < ps.end for o in quotes):
                prev = (None, None, None)
        if here is not None or prev is not None:
            q.meta["near_speech"] = True


def _make_quotes(
    pa: ParsedArticle, para: Paragraph, spans: list[tuple[int, int, bool]], quote_min_words: int, scare_max_words: int
) -> list[Quote]:
    text = para.doc.text
    quotes = []
    for a, b, closed in spans:
        inner_start, inner_end = a + 1, b
        inner = text[inner_start:inner_end]
        if not inner.strip(" ,.;:"):
            continue
        inner_start += len(inner) - len(inner.lstrip(" "))
        # the comma before a closing mark is the writer's punctuation, not the speaker's
        inner_end -= len(inner) - len(inner.rstrip(" ,;:"))
        words = count_words(text[inner_start:inner_end])
        if words == 0:
            continue
        nested = any(x < a and b < y for x, y, _ in spans if (x, y) != (a, b))
        kind = "short" if words <= scare_max_words else ("quote" if words >= quote_min_words else "short")
        inner_text = text[inner_start:inner_end]
        if kind == "short" and para.field == "text" and (
            _is_title_of_work(inner_text) or _names_a_programme(inner_text, text[b + 1:])
        ):
            kind = "title"  # "This Week", "Fox & Friends": a programme or a work, not a scare quote
        elif kind == "short" and inner_text[:1].isupper() and inner_text.rstrip()[-1:] in ".!?" and words >= 2:
            kind = "quote"  # a whole quoted sentence ("Now they listen."), however short
        quotes.append(
            Quote(
                article=pa.position,
                field=para.field,
                start=para.start + inner_start,
                end=para.start + inner_end,
                text=text[inner_start:inner_end],
                words=words,
                kind=kind,
                nested=nested,
                outer_start=para.start + a,
                outer_end=para.start + min(b + 1, len(text)),
                unclosed=not closed,
                paragraph_start=para.start,
            )
        )
    return quotes


def _someone_else_since(
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
        if _inside_any(m.start, ranges):
            continue
        if _possessive(text, m.end) or text[m.end:m.end + 1] in ("’", "'") or (
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
    return False


def _reported_by(token: Any, speaker: dict[str, Any], pa: ParsedArticle, index: EntityIndex) -> bool:
    """The token lies in what the given speaker says (the clause of a speech verb whose
    subject is that speaker)."""
    node = token
    words = set((speaker.get("speaker") or "").split())
    for _ in range(10):
        if node.head.i == node.i:
            return False
        if node.dep_ in ("ccomp", "parataxis") and node.head.pos_ in ("VERB", "AUX"):
            subj = next((c for c in node.head.children if c.dep_ in _SUBJECT_DEPS), None)
            if subj is None and node.head.dep_ == "conj":
                subj = next((c for c in node.head.head.children if c.dep_ in _SUBJECT_DEPS), None)
            if subj is not None:
                if subj.text in words:
                    return True
                if speaker.get("entity") is not None:
                    for m in index.in_sentence_tokens(pa.position, subj):
                        if m.entity == speaker["entity"]:
                            return True
        node = node.head
    return False


def _colon_intro(pa: ParsedArticle, para: Paragraph, index: EntityIndex) -> dict[str, Any] | None:
    """The named subject of a paragraph's last sentence, as a speaker record (or None)."""
    sents = list(para.doc.sents)
    if not sents:
        return None
    last = sents[-1]
    subjects = [
        m for m in index.in_span(pa.position, para.field, para.start + last.start_char, para.start + last.end_char)
        if m.token is not None and m.token.dep_ in _SUBJECT_DEPS
    ]
    if len({m.entity for m in subjects}) != 1:
        return None
    m = subjects[0]
    return {"speaker": pa.article.field_text(para.field)[m.start:m.end], "entity": m.entity,
            "verb": None, "verb_lemma": None, "singular": True}


def _named_subject(
    pa: ParsedArticle, para: Paragraph, verb: Any, index: EntityIndex, reporting: frozenset[str]
) -> dict[str, Any] | None:
    """Speaker record for an indirect-speech verb whose subject is a known person."""
    if verb.tag_ == "VB" or any(c.dep_ == "aux" and c.lower_ == "to" for c in verb.children):
        return None  # "what Clinton was empowered to say": no one speaks here
    subj = _subject_of(verb, reporting)
    if subj is None or subj.lower_ in _PRONOUNS:
        return None
    toks = _speaker_tokens(subj)
    s0, s1 = toks[0].idx, toks[-1].idx + len(toks[-1].text)
    ms = [
        m for m in index.in_span(pa.position, para.field, para.start + s0, para.start + s1)
        if not _possessive(para.doc.text, m.end - para.start)
    ]
    if not ms:
        if subj.pos_ == "PROPN" and subj.text[:1].isupper():
            # a name the index does not know ("Weekly Standard Editor Bill Kristol"): it still
            # speaks, so a later "he said" is not given to an earlier speaker
            return {"speaker": para.doc.text[s0:s1], "entity": None, "verb": verb.text,
                    "verb_lemma": verb.lemma_.lower(), "singular": True}
        return None
    return {"speaker": para.doc.text[s0:s1], "entity": ms[-1].entity, "verb": verb.text,
            "verb_lemma": verb.lemma_.lower(), "singular": True}


def _attribute_quote(
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
    if q.kind == "quote" and (para.field == "title" or _is_heading(pa, para)):
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
                pick = tail[0]
            elif first:
                ent = index.resolve_word(first.group(0).rstrip(".’'"))
                q.speaker = first.group(0)
                q.speaker_start, q.speaker_end = at, at + len(first.group(0))
                q.entity = ent.id if ent is not None else None
                if ent is None and first.group(0).lower() in _PRONOUNS | {"the", "a", "an"}:
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
            head = _speaker_chunk(text, b, verb.idx)
            if head is not None:
                h0, h1 = head
                chunk = text[h0:h1]
                ms = [
                    m
                    for m in index.in_span(pa.position, para.field, para.start + h0, para.start + h1)
                    if not _possessive(text, m.end - para.start)
                ]
                if ms:
                    m = ms[-1]
                    q.speaker = pa.article.field_text(para.field)[m.start:m.end]
                    q.speaker_start, q.speaker_end, q.entity = m.start, m.end, m.entity
                    if m.end - para.start == h1 and _is_role_phrase(chunk):
                        # the speaker as written: "the Kremlin leader", "retired Lt. Gen. Keith Kellogg"
                        q.speaker, q.speaker_start = chunk, para.start + h0
                    return
                if chunk.lower() in _PRONOUNS:
                    if last_speaker is not None and _pronoun_fits(chunk.lower(), last_speaker):
                        q.speaker, q.entity, q.inherited = last_speaker["speaker"], last_speaker["entity"], True
                    else:
                        q.speaker = None
                    return
                if _is_role_phrase(chunk):
                    q.speaker = chunk
                    q.speaker_start, q.speaker_end = para.start + h0, para.start + h1
                    return
        if subject is None and verb.idx < a:
            # "Trump, who would have to ..., said, “...”": the parser lost the subject in the
            # relative clause; the name before it speaks
            m = _name_before_clause(pa, para, index, verb, outer_ranges)
            if m is not None:
                q.speaker = pa.article.field_text(para.field)[m.start:m.end]
                q.speaker_start, q.speaker_end, q.entity = m.start, m.end, m.entity
                return
    if subject is not None:
        toks = _speaker_tokens(subject)
        s0, s1 = toks[0].idx, toks[-1].idx + len(toks[-1].text)
        if subject.lower_ in _PRONOUNS:
            if q.kind == "quote" and last_speaker is not None and _pronoun_fits(subject.lower_, last_speaker):
                q.speaker, q.entity, q.inherited = last_speaker["speaker"], last_speaker["entity"], True
            else:
                q.speaker = text[s0:s1]
                q.speaker_start, q.speaker_end = para.start + s0, para.start + s1
            return
        q.speaker = text[s0:s1]
        q.speaker_start, q.speaker_end = para.start + s0, para.start + s1
        ms = [
            m for m in index.in_span(pa.position, para.field, q.speaker_start, q.speaker_end)
            if not _possessive(text, m.end - para.start)
        ]
        if ms:
            q.entity = ms[-1].entity
        return
    if q.kind != "quote":
        return
    if para.field == "title" or _is_heading(pa, para):
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
    lo, hi = _sentence_bounds(para, a, b)
    outside = [
        t for t in _tokens_between(para.doc, lo, hi)
        if not _inside_any(t.idx, outer_ranges) and (t.is_alpha or t.like_num)
    ]
    subjects = [
        m for m in index.in_span(pa.position, para.field, para.start + lo, para.start + hi)
        if not _inside_any(m.start - para.start, outer_ranges)
        and m.token is not None and m.token.dep_ in _SUBJECT_DEPS
    ]
    if len({m.entity for m in subjects}) == 1:
        # "Farenthold reflected on his time spent working to “...”": the subject speaks
        m = subjects[0]
        q.speaker = pa.article.field_text(para.field)[m.start:m.end]
        q.speaker_start, q.speaker_end, q.entity = m.start, m.end, m.entity
        q.meta["attributed_by"] = "subject without speech verb"
        return
    if last_speaker is not None and not outside:
        # a quotation standing alone after its speaker was named (or continuing one)
        q.speaker, q.entity = last_speaker["speaker"], last_speaker["entity"]
        q.verb, q.verb_lemma = last_speaker.get("verb"), last_speaker.get("verb_lemma")
        q.inherited = True


_CLAUSE_OPENERS = ("who", "which", "whose", "whom", "a", "an", "the", "his", "her", "their")


def _name_before_clause(pa: ParsedArticle, para: Paragraph, index: EntityIndex, verb: Any, outer_ranges: list[tuple[int, int]]) -> Any | None:
    """The person named just before a verb, past a comma-delimited relative clause or
    apposition ("Trump, who ..., said"); None unless that comma chunk is the name alone."""
    lo, _hi = _sentence_bounds(para, verb.idx, verb.idx + 1)
    before = para.doc.text[lo:verb.idx]
    if any(_inside_any(lo + i, outer_ranges) for i in range(len(before))):
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


_SPEECH_CARRIERS = {"statement", "letter", "email", "e-mail", "memo", "tweet", "post", "message", "note",
                    "interview", "speech", "video", "release", "op-ed", "column"}
_SPEECH_NOUNS = {"claim", "remark", "comment", "statement", "assertion", "suggestion", "charge",
                 "accusation", "allegation", "description", "characterization", "characterisation"}


def _speech_noun_holder(para: Paragraph, a: int, b: int, reporting: frozenset[str]) -> Any | None:
    """The speech noun ("claim", "remark" ...) that holds the quotation at ``[a, b)`` in the
    parse before any verb does, if one does: "his claim that X is a “...”"."""
    inner = [t for t in _tokens_between(para.doc, a, b) if t.is_alpha]
    if not inner:
        return None
    ids = {t.i for t in inner}
    top = next((t for t in inner if t.head.i not in ids), None)
    if top is None:
        return None
    node = top.head
    for _ in range(6):
        if node.pos_ == "NOUN" and node.lemma_.lower() in _SPEECH_NOUNS:
            return node
        if node.pos_ in ("VERB", "AUX") and (node.dep_ not in ("ccomp", "acl", "relcl") or node.lemma_.lower() in reporting):
            return None  # a verb governs it first ("issued a statement saying “...”")
        if node.head.i == node.i:
            return None
        node = node.head
    return None


def _sentence_bounds(para: Paragraph, a: int, b: int) -> tuple[int, int]:
    """Start and end (paragraph offsets) of the parser sentences that the span ``[a, b)`` touches."""
    lo, hi = a, b
    for sent in para.doc.sents:
        if sent.end_char > a and sent.start_char < b:
            lo, hi = min(lo, sent.start_char), max(hi, sent.end_char)
    return lo, hi


def _pronoun_fits(pronoun: str, speaker: dict[str, Any]) -> bool:
    """"he"/"she" continue a person (a resolved entity or a name), not "Republican senators"."""
    if pronoun not in ("he", "she"):
        return True
    if speaker.get("entity") is not None or speaker.get("singular"):
        return True
    words = (speaker.get("speaker") or "").split()
    return bool(words) and words[-1][:1].isupper() and not words[-1].endswith("s")


def _possessive(text: str, end: int) -> bool:
    """The name ending at ``end`` is a possessive ("Trump’s pick"): it is not the speaker."""
    return text[end:end + 2] in ("’s", "'s") or text[end:end + 1] in ("’", "'") and text[end - 1:end] == "s"


def _speaker_chunk(text: str, b: int, verb_at: int) -> tuple[int, int] | None:
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


def _is_role_phrase(chunk: str) -> bool:
    """A short noun phrase that can speak ("a Pentagon spokesperson", "the ministry")."""
    words = chunk.split()
    if not 1 <= len(words) <= 8 or words[0].lower() in _NOT_SPEAKER_START:
        return False
    return not any(w.lower() in ("and", "but", "while", "as", "when", "if", "that") for w in words)


def _is_heading(pa: ParsedArticle, para: Paragraph) -> bool:
    return any(s.heading for s in pa.sentences if s.field == para.field and para.start <= s.start < para.end)


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
    after = [t for t in _tokens_between(doc, b, after_end) if not _inside_any(t.idx, outer_ranges)]
    before = [t for t in _tokens_between(doc, before_start, a) if not _inside_any(t.idx, outer_ranges)]
    # the verb that governs the quotation in the parse ("said: “...”", "“...,” he said")
    inside = _tokens_between(doc, a, b)
    inside_ids = {t.i for t in inside}
    for tok in inside:
        if tok.head.i in inside_ids:
            continue
        node = tok.head
        for _ in range(3):
            if _is_reporting(node, reporting) and not _inside_any(node.idx, outer_ranges) and q.kind != "short":
                return node, _subject_of(node, reporting)
            if node.head.i == node.i:
                break
            node = node.head
        break
    verbs_after = [t for t in after if _is_reporting(t, reporting)]
    verbs_before = [t for t in before if _is_reporting(t, reporting)]
    if q.kind == "short":
        # a partial quote belongs to the verb that governs it ("whom he called “illegitimate”")
        inner_tokens = _tokens_between(doc, a, b)
        for tok in inner_tokens[:1]:
            node = tok
            for _ in range(6):
                node = node.head
                if node.pos_ in ("VERB", "AUX") and node.lemma_.lower() in (reporting | cues):
                    if _passive_participle(node):
                        return node, None
                    subj = _subject_of(node, reporting)
                    if subj is not None and any(
                        subj.left_edge.i <= t.i <= subj.right_edge.i for t in inner_tokens if t.is_alpha
                    ):
                        return node, None  # the phrase is (in) the subject: "“birthers” have demanded"
                    return node, subj
                if node.head.i == node.i:
                    break
        window = [t for t in before[-6:] if t.pos_ in ("VERB", "AUX") and t.lemma_.lower() in cues]
        if window:
            return window[-1], _subject_of(window[-1], reporting)
        return None
    if verbs_after:
        return verbs_after[0], _subject_of(verbs_after[0], reporting)
    if verbs_before:
        verb = verbs_before[-1]
        return verb, _subject_of(verb, reporting)
    return None
