"""Voices: quotations, who speaks them and with which verb; short quoted phrases.

Quote marks are paired per paragraph: curly double quotes unambiguously, straight double
quotes alternately, single quotes (curly or straight) only where the marks cannot be
apostrophes (an opening mark after a space, a closing one before a non-letter). A double
quote left open at the end of a paragraph continues into the next paragraph when that one
opens with a quote mark (the news convention for multi-paragraph quotations).

Who speaks is decided in `speakers`; short quoted phrases (scare quotes) in `scare_quotes`.
"""
from __future__ import annotations

import re
from typing import Any

from .lexicons import AttributionLexicon
from .naming import EntityIndex
from .quote import Quote
from .scare_quotes import resolve_short_quotes
from .sentences import Paragraph, ParsedArticle, count_words
from .speaker_continuation import addressee
from .speakers import attribute_quote, colon_intro, named_subject, someone_else_since
from .speech_syntax import inside_any, is_reporting

#: A quotation that ends like this, with no closing mark, was cut off by the excerpt.
_CUT_OFF = re.compile(r"(\.\.\.|…)\W*$")
_OPEN_SINGLE = "‘'"
_CLOSE_SINGLE = "’'"


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


_TITLE_LEADS = {"on", "in", "at", "to", "from", "of", "told", "appearing", "appeared"}


def _after_title_lead(before: str) -> bool:
    """The words before an opening mark introduce a work, not a speaker: ‘on Fox News’ “...”’,
    ‘told “Meet the Press”’, ‘the network’s “...”’."""
    tail = before.rstrip()
    if tail.endswith(("’s", "'s", "s’", "s'")):
        return True
    last = re.search(r"([A-Za-z]+)$", tail)
    return bool(last and last.group(1).lower() in _TITLE_LEADS)


_PROGRAMME_NOUNS = ("show", "program", "programme", "podcast", "series", "newspaper", "magazine", "broadcast")


def _names_a_programme(phrase: str, after: str) -> bool:
    """‘NBC’s “Today” show’: a capitalised phrase right before "show", "podcast" ..."""
    nxt = re.match(r"\s*([A-Za-z]+)", after)
    return bool(phrase[:1].isupper() and nxt and nxt.group(1).lower() in _PROGRAMME_NOUNS)


#: A kind of work named before a capitalised quoted name ("an episodic drama like “Homeland”",
#: "the film “Lincoln”", "his memoir, titled “Hard Choices”").
_WORK_BEFORE = re.compile(
    r"\b(?:drama|show|series|sitcom|film|movie|documentary|book|novel|memoir|song|album|play|musical|"
    r"opera|episode|poem|painting|game|program|programme|podcast|broadcast|newspaper|magazine)s?,?\s+"
    r"(?:(?:like|such\s+as|called|titled|entitled|named)\s+)?$",
    re.I,
)


def _names_a_work_before(phrase: str, before: str) -> bool:
    """A capitalised quoted name right after a kind of work: the work's title, nobody's words."""
    return bool(phrase[:1].isupper() and _WORK_BEFORE.search(before[-60:]))


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
                        if is_reporting(tok, indirect_verbs) and not inside_any(tok.idx, outer_ranges):
                            events.append((tok.idx, "speech", tok))
            events.sort(key=lambda e: (e[0], e[1] == "speech"))
            if para.field == "text" and prev_para is not None and prev_para.doc.text.rstrip().endswith(":"):
                # "Obama used virtually identical language ...:" then the quotation: the
                # introducing sentence's named subject speaks, else nobody known
                last_speaker = colon_intro(pa, prev_para, index)
                if last_speaker is not None:
                    last_speaker["at"] = para.start
            if para.field == "text":
                prev_para = para
            for _pos, kind, item in events:
                if kind == "speech":
                    named = named_subject(pa, para, item, index, reporting)
                    if named is not None:
                        named["at"] = para.start + item.idx
                        last_speaker = named
                    continue
                q = item
                if q.nested:
                    continue
                current = last_speaker
                if current is not None and someone_else_since(pa, index, current, q.outer_start, article_ranges):
                    current = None  # "prompted Vieira to ask Trump ... He signaled ...": ambiguous
                attribute_quote(pa, para, q, outer_ranges, reporting, lexicon, index, current)
                if (q.kind == "quote" and q.inherited and q.unclosed and _CUT_OFF.search(q.text)
                        and not text[:q.outer_start - para.start].strip()):
                    # "“This new science is...": a paragraph that opens with a quotation the
                    # excerpt cuts off, before the attribution a reader would need; the last
                    # speaker is only a guess (not so after "..., she wrote. “It is ...": the
                    # paragraph has given the words their speaker already)
                    q.speaker = q.entity = q.verb = q.verb_lemma = None
                    q.inherited = False
                    q.meta["withheld"] = "cut off"
                if q.inherited and current is not None:
                    q.meta["since"] = current.get("at")
                if q.meta.get("rejected_speaker") and para.field == "text":
                    last_speaker = None  # a subject that cannot speak: a later "he said" is no one known
                if q.kind == "quote" and q.speaker is None and q.verb is not None and para.field == "text":
                    last_speaker = None  # "..., they wrote": someone unknown spoke; no one carries on past them
                if q.kind == "quote" and q.speaker is not None and para.field == "text":
                    verb_tok = next((t for t in para.doc if para.start + t.idx == q.verb_start), None)
                    last_speaker = {
                        "speaker": q.speaker,
                        "entity": q.entity,
                        "verb": q.verb,
                        "verb_lemma": q.verb_lemma,
                        "at": q.outer_end,
                        "addressee": addressee(verb_tok) if verb_tok is not None else None,
                    }
            out.extend(doc_quotes)
        resolve_short_quotes(pa, [q for q in out if q.article == pa.position], index, lexicon)
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
            or _names_a_work_before(inner_text, text[:a])
        ):
            kind = "title"  # "This Week", "Fox & Friends": a programme or a work, not a scare quote
        elif kind == "quote" and para.field == "text" and _is_title_of_work(inner_text) and (
            _after_title_lead(text[:a]) or _names_a_programme(inner_text, text[b + 1:])
            or _names_a_work_before(inner_text, text[:a])
            or (words <= 8 and not re.search(r"[.!?]\W*$", inner_text))
        ):
            # ‘on Fox News' “On the Record with Greta Van Susteren.”’: a show's name; “In God We
            # Trust” in the body, every word capitalised and no sentence: a motto's or a work's name
            kind = "title"
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
