"""Per-article signals used by the story assigner.

An article is reduced to what :class:`clustering.assign.StoryAssigner` compares:

* ``dense``: a sentence embedding of the title plus the *lead* (first sentences), not of the
  whole body, so that ~100-word excerpts and 3,000-word full texts are embedded alike and a
  long body about something else (a live blog, a briefing, an article that buries its news)
  does not drown the headline;
* ``title_dense``: an embedding of the headline alone (title-to-title similarity);
* ``facts``: embeddings of the headline and of each of the first lead sentences: two reports
  of one event usually share a near-paraphrase of its key fact, which two articles on the same
  topic but another event rarely do;
* ``terms``: sparse term weights (title terms counted several times) over the title and the
  first ``term_lead_words`` words, IDF-weighted later by the assigner from corpus statistics;
* ``entities``: normalised keys of capitalised names (a fast heuristic; spaCy NER is optional);
* ``published_at``: a datetime or None (unknown).

Everything here is deterministic text processing; the embedding itself is done by the caller
(:func:`texts_to_embed` says which texts; :func:`build_signals` takes the vectors back), so the
service can cache embeddings by content.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterable, Sequence

import numpy as np

from clustering.embed import l2_normalize

if TYPE_CHECKING:  # only for annotations: assign imports this module
    from clustering.params import AssignParams
    from clustering.embed import Embedder

# Sentence ends: ., !, ? or an ellipsis, optionally followed by closing quotes, then space and
# an upper-case letter, digit or opening quote. Abbreviations such as "U.S. President" stay
# whole because the dot is followed by a space and an upper-case letter only after words of
# two or more lower-case letters.
_SENT_SPLIT = re.compile(
    r"(?<=[a-z0-9\)\]][.!?])[\"'”’]?\s+(?=[\"'“‘A-Z0-9])|(?<=[.!?][\"'”’])\s+(?=[\"'“‘A-Z0-9])|\n+"
)
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_WORDCHAR = re.compile(r"\w")
_CAP_TOKEN = re.compile(r"\b[A-Z][\w'’\-]*[A-Za-z]|\b[A-Z]{2,}\b")

# Small closed-class list: the heuristic must not take sentence-initial or title-case
# function words for names.
_FUNCTION_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each
    even few for from further had has have having he her here hers herself him himself his
    how i if in into is it its itself just me meanwhile more most my myself no nor not now of
    off on once only or other our ours ourselves out over own same she should so some still
    such than that the their theirs them themselves then there these they this those through
    to too under until up very was we were what when where which while who whom why will with
    would you your yours yourself yourselves mr mrs ms dr gen lt sen rep gov pres st
    monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow
    january february march april may june july august september october november december
    breaking exclusive opinion analysis live update updates watch read report reports
    quote details photo video""".split()
)


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    extra = {
        "said", "says", "say", "told", "according", "new", "year", "years", "week", "day",
        "just", "like", "time", "people", "news", "make", "did", "does", "dont", "don",
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
        "mr", "ms", "mrs", "it's", "he's", "that's", "wrote", "added", "reported", "statement",
        "photo", "image", "getty", "images", "ap", "afp", "reuters", "quote", "details",
    }
    return frozenset(ENGLISH_STOP_WORDS | extra)


@dataclass
class ArticleSignals:
    """What the assigner compares for one article.

    Attributes:
        dense: L2-normalised float32 embedding of :func:`embed_text` (title + lead).
        terms: Raw sparse term weights (title terms weighted up); IDF is applied later.
        entities: Normalised entity keys, unique, in first-seen order.
        published_at: Publication time, or None when unknown.
        title_dense: L2-normalised embedding of the headline alone, or None if not computed.
        title_terms: Normalised title terms (a set-like list) for title overlap.
        facts: ``(k, dim)`` L2-normalised embeddings of the headline and of each of the first
            ``fact_sentences`` lead sentences (one "fact" each), or None if not computed.
        time_estimated: True when ``published_at`` is not the article's own date but the
            stand-in of :func:`clustering.undated.undated_stand_in` (the article came without one).
    """

    dense: np.ndarray
    terms: dict[str, float]
    entities: list[str]
    published_at: datetime | None
    title_dense: np.ndarray | None = None
    title_terms: list[str] = field(default_factory=list)
    facts: np.ndarray | None = None
    time_estimated: bool = False


def _default_params() -> "AssignParams":
    from clustering.params import AssignParams

    return AssignParams()


def fold(text: str) -> str:
    """ASCII-fold and case-fold (diacritics dropped, curly quotes straightened)."""
    if text.isascii():  # nothing to fold: the same result, without the per-character pass
        return text.lower()
    text = text.replace("’", "'").replace("‘", "'")
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()


@lru_cache(maxsize=1 << 16)
def normalize_token(token: str, strip_plural: bool = True) -> str:
    """Spelling-insensitive key for one token.

    Lower-cases, folds diacritics, drops possessives and merges common transliteration
    variants of Slavic names (Zelensky / Zelenskyy / Zelenskiy, Dmitry / Dmitriy), then strips
    a plural ``s`` so that "talks"/"talk" and "tariffs"/"tariff" meet.

    Args:
        token: One word.
        strip_plural: Strip a plural ending (off for names: "Texas", "Giles").

    Returns:
        The normalised key (may be empty).
    """
    t = fold(token)
    if t.endswith("'s"):
        t = t[:-2]
    t = t.replace("'", "")
    # transliteration: -iy, -yy, -ii, -yi, -ij endings are one sound
    t = re.sub(r"(?:iy|yy|ii|yi|ij)$", "y", t)
    if strip_plural and len(t) > 4 and t.endswith("ies"):
        t = t[:-3] + "y"
    elif strip_plural and len(t) > 3 and t.endswith("s") and not t.endswith(("ss", "us", "is", "os")):
        t = t[:-1]
    return t


def split_sentences(text: str) -> list[str]:
    """Split text into sentences with a regex (fast; good enough for leads).

    Args:
        text: Cleaned text; paragraphs may be separated by blank lines.

    Returns:
        Non-empty stripped sentences in order.
    """
    return [s.strip() for s in _SENT_SPLIT.split(text) if s and s.strip()]


def _same_words(a: str, b: str) -> bool:
    wa = [w.casefold() for w in _TOKEN.findall(a)]
    wb = [w.casefold() for w in _TOKEN.findall(b)]
    return bool(wa) and wa == wb


def body_without_title(title: str, text: str) -> str:
    """The body with a leading repetition of the headline removed.

    Some pages start the body with the headline again; counting it twice would overweight it.
    """
    first, sep, rest = text.partition("\n")
    if title and _same_words(first, title):
        return rest.strip()
    return text


def lead(text: str, max_sentences: int, max_chars: int) -> str:
    """The first sentences of a text.

    Args:
        text: Cleaned body text.
        max_sentences: At most this many sentences.
        max_chars: Stop adding sentences once this many characters are reached (the first
            sentence is always kept, cut at ``max_chars``).

    Returns:
        The lead, sentences joined by single spaces.
    """
    out: list[str] = []
    size = 0
    for sent in split_sentences(text)[:max(0, max_sentences)]:
        if out and size + len(sent) > max_chars:
            break
        out.append(sent)
        size += len(sent) + 1
    joined = " ".join(out)
    return joined[:max_chars]


def embed_text(title: str, text: str, params: "AssignParams | None" = None) -> str:
    """The text whose embedding is the article's ``dense`` vector.

    Args:
        title: Headline (may be empty).
        text: Cleaned body.
        params: Uses ``lead_sentences``, ``lead_chars`` and ``embed_title_repeat``.

    Returns:
        The title (repeated ``embed_title_repeat`` times) and the lead, joined by ". ".
    """
    p = params or _default_params()
    body = lead(body_without_title(title, text), p.lead_sentences, p.lead_chars)
    title = title.strip()
    parts = [title] * max(0, p.embed_title_repeat) if title else []
    if body:
        parts.append(body)
    return ". ".join(parts) if parts else ""


def fact_sentences(title: str, text: str, params: "AssignParams | None" = None) -> list[str]:
    """The lead sentences embedded one by one as "facts".

    Sentences shorter than ``fact_min_chars`` (photo captions, datelines, sub-heads) are
    skipped; at most ``fact_sentences`` are returned.
    """
    p = params or _default_params()
    if p.fact_sentences <= 0:
        return []
    out: list[str] = []
    for sent in split_sentences(body_without_title(title, text)):
        if len(sent) >= p.fact_min_chars:
            out.append(sent[: p.lead_chars])
            if len(out) >= p.fact_sentences:
                break
    return out


def texts_to_embed(title: str, text: str, params: "AssignParams | None" = None) -> list[str]:
    """The texts to embed for one article, in the order :func:`build_signals` expects.

    Args:
        title: Headline.
        text: Cleaned body.
        params: Assignment parameters.

    Returns:
        ``[embed_text(...), headline, fact_1, ..., fact_k]``: the headline alone (or, when
        there is none, the first sentence of the body), then :func:`fact_sentences`.
    """
    p = params or _default_params()
    title_only = title.strip() or lead(text, 1, p.lead_chars)
    return [embed_text(title, text, p), title_only, *fact_sentences(title, text, p)]


def term_counts(text: str) -> Counter[str]:
    """Counts of normalised content terms (stop words, numbers and 1-letter tokens dropped)."""
    stop = _stop_words()
    counts: Counter[str] = Counter()
    for tok in _TOKEN.findall(text):
        low = fold(tok)
        if low in stop or low.replace("'", "") in stop or low.isdigit() or len(low) < 2:
            continue
        key = normalize_token(tok)
        if len(key) >= 2 and key not in stop:
            counts[key] += 1
    return counts


def extract_terms(title: str, text: str, params: "AssignParams | None" = None) -> dict[str, float]:
    """Sparse term weights over the title and the first words of the body.

    Title terms are counted ``term_title_weight`` times; counts are sublinear (1 + log tf) so a
    word repeated in a long text does not dominate. The body is cut at ``term_lead_words``
    words, so excerpts and full texts are comparable.

    Args:
        title: Headline.
        text: Cleaned body.
        params: Uses ``term_title_weight`` and ``term_lead_words``.

    Returns:
        Mapping term -> weight (not IDF-weighted, not normalised).
    """
    p = params or _default_params()
    body = body_without_title(title, text)
    if p.term_lead_words > 0:
        words = body.split()
        body = " ".join(words[: p.term_lead_words])
    counts: Counter[str] = Counter()
    for term, c in term_counts(body).items():
        counts[term] += c
    for term, c in term_counts(title).items():
        counts[term] += p.term_title_weight * c
    return {t: 1.0 + math.log(c) if c >= 1 else float(c) for t, c in counts.items()}


def is_title_case(text: str) -> bool:
    """A headline in title case: at least 60 % of its content words start with a capital, so
    capitals do not mark names there."""
    words = [w for w in _TOKEN.findall(text) if w[0].isalpha()]
    content = [w for w in words if w.casefold() not in _FUNCTION_WORDS]
    if len(content) < 3:
        return False
    caps = sum(1 for w in content if w[0].isupper())
    return caps / len(content) >= 0.6


def _heuristic_entities(text: str, sentence_initial_ok: bool) -> list[str]:
    out: list[str] = []
    for sent in split_sentences(text):
        for i, m in enumerate(_CAP_TOKEN.finditer(sent)):
            tok = m.group(0)
            low = fold(tok)
            if low in _FUNCTION_WORDS or low in _stop_words():
                continue
            if not sentence_initial_ok and not _WORDCHAR.search(sent[: m.start()]):
                # a sentence-initial capital is only a name if the word is not common;
                # without a lexicon we cannot tell, so skip it (names recur later anyway)
                continue
            key = normalize_token(tok, strip_plural=False)
            if len(key) >= 2:
                out.append(key)
    return out


@lru_cache(maxsize=2)
def _spacy_model(name: str) -> Any:
    import spacy

    return spacy.load(name, disable=["lemmatizer", "parser", "tagger", "attribute_ruler"])


def extract_entities(
    title: str, text: str, params: "AssignParams | None" = None
) -> list[str]:
    """Normalised keys of the names in the title and lead.

    The default ``entity_method="caps"`` takes capitalised tokens that are not function words
    (sentence-initial words are skipped; in title-case headlines, words are kept only if they
    are also capitalised in the lead). Each name token becomes its own key so "Vladimir
    Putin" and "Putin" share "putin". ``entity_method="spacy"`` uses the spaCy model named by
    ``spacy_model`` instead (slower; measured no better, see docs/clustering.md).

    Args:
        title: Headline.
        text: Cleaned body.
        params: Uses ``entity_method``, ``spacy_model`` and ``term_lead_words``.

    Returns:
        Unique keys in first-seen order.
    """
    p = params or _default_params()
    body = body_without_title(title, text)
    if p.term_lead_words > 0:
        body = " ".join(body.split()[: p.term_lead_words])
    if p.entity_method == "none":
        return []
    if p.entity_method == "spacy":
        nlp = _spacy_model(p.spacy_model)
        keys: list[str] = []
        for doc in nlp.pipe([title, body]):
            for ent in doc.ents:
                if ent.label_ in {"PERSON", "ORG", "GPE", "NORP", "LOC", "EVENT", "FAC", "LAW",
                                  "PRODUCT", "WORK_OF_ART"}:
                    for tok in _TOKEN.findall(ent.text):
                        if fold(tok) not in _FUNCTION_WORDS and fold(tok) not in _stop_words():
                            keys.append(normalize_token(tok, strip_plural=False))
        return list(dict.fromkeys(k for k in keys if len(k) >= 2))
    body_keys = _heuristic_entities(body, sentence_initial_ok=False)
    body_set = set(body_keys)
    if is_title_case(title):
        # every word of a title-case headline is capitalised: trust only names the lead has
        title_keys = [k for k in _heuristic_entities(title, True) if k in body_set]
    else:
        title_keys = _heuristic_entities(title, sentence_initial_ok=False)
        # a sentence-case headline's first word is capitalised anyway: keep it only if the
        # lead also has it as a name
        first = _heuristic_entities(title, True)[:1]
        if first and first[0] in body_set and first[0] not in title_keys:
            title_keys.insert(0, first[0])
    return list(dict.fromkeys(title_keys + body_keys))


def to_datetime(value: Any) -> datetime | None:
    """Parse a publication time.

    Args:
        value: None, a ``datetime``, a ``date`` or an ISO string (date or date-time).

    Returns:
        A timezone-aware UTC datetime (naive values are taken as UTC), or None.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime(value.year, value.month, value.day)
    else:
        s = str(value).strip()
        if s.endswith("Z"):
            s = s[:-1] + "+00:00"
        try:
            dt = datetime.fromisoformat(s)
        except ValueError:
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def build_signals(
    title: str,
    text: str,
    published_at: Any,
    vectors: Sequence[np.ndarray] | np.ndarray,
    params: "AssignParams | None" = None,
) -> ArticleSignals:
    """Assemble :class:`ArticleSignals` from the embeddings of :func:`texts_to_embed`.

    Args:
        title: Headline.
        text: Cleaned body.
        published_at: None, a datetime/date or an ISO string.
        vectors: One vector per text of :func:`texts_to_embed`, same order (a single vector
            is accepted; then it also stands for the headline and the only fact).
        params: Assignment parameters.

    Returns:
        The article's signals.
    """
    p = params or _default_params()
    vecs = [np.asarray(v, dtype=np.float32).ravel() for v in vectors]
    if not vecs:
        raise ValueError("build_signals needs at least one vector")
    dense = l2_normalize(vecs[0])
    title_dense = l2_normalize(vecs[1]) if len(vecs) > 1 else dense
    facts = l2_normalize(np.vstack([title_dense] + [l2_normalize(v) for v in vecs[2:]]))
    return ArticleSignals(
        dense=dense,
        terms=extract_terms(title, text, p),
        entities=extract_entities(title, text, p),
        published_at=to_datetime(published_at),
        title_dense=title_dense,
        title_terms=sorted(term_counts(title)),
        facts=facts,
    )


def compute_signals(
    docs: Iterable[dict[str, Any]],
    embedder: "Embedder",
    params: "AssignParams | None" = None,
) -> list[ArticleSignals]:
    """Signals for many articles with one batched embedding call (for notebooks and eval).

    Args:
        docs: Mappings with ``title``, ``text`` (already cleaned) and ``published_at``.
        embedder: Anything with ``encode(list[str]) -> np.ndarray``.
        params: Assignment parameters.

    Returns:
        One :class:`ArticleSignals` per doc, in order.
    """
    p = params or _default_params()
    docs = list(docs)
    texts: list[str] = []
    spans: list[tuple[int, int]] = []
    for d in docs:
        ts = texts_to_embed(d.get("title") or "", d.get("text") or "", p)
        spans.append((len(texts), len(texts) + len(ts)))
        texts.extend(ts)
    vecs = embedder.encode(texts) if texts else np.zeros((0, 0), np.float32)
    return [
        build_signals(
            d.get("title") or "", d.get("text") or "", d.get("published_at"), vecs[a:b], p
        )
        for d, (a, b) in zip(docs, spans)
    ]
