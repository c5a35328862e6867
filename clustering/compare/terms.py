"""Distinctive terms: class-based TF-IDF of each outlet's text against the story's others.

The maths is BERTopic's c-TF-IDF (``bertopic.vectorizers.ClassTfidfTransformer`` with its
defaults): the outlets are the classes, each outlet's sentences one document; term
frequencies are L1-normalised per class and weighted by ``log(1 + A / f_t)``, where ``A`` is
the average number of terms per class and ``f_t`` the term's frequency over all classes.
It is reimplemented here (numpy only) because importing BERTopic costs seconds;
``tests/test_compare_terms.py`` checks that the numbers agree.
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np

from .sentences import Sentence

# plurals whose lemma changes the meaning or is wrong ("data" -> "datum", "goods" -> "good")
_KEEP_FORM = frozenset({"data", "media", "goods", "arms", "news", "criteria", "politics", "economics", "forces", "troops"})
_TOKEN_OK = re.compile(r"^[^\W\d_][\w\-’']*[^\W_]$|^[^\W\d_]$", re.UNICODE)


def ctfidf(counts: np.ndarray) -> np.ndarray:
    """c-TF-IDF of a classes x terms count matrix (BERTopic's default formula).

    Args:
        counts: Term counts, one row per class.

    Returns:
        The weights, same shape.
    """
    counts = np.asarray(counts, dtype=np.float64)
    df = counts.sum(axis=0)
    avg = int(counts.sum(axis=1).mean())
    with np.errstate(divide="ignore"):
        idf = np.log((avg / np.where(df > 0, df, np.inf)) + 1.0)
    row_sums = counts.sum(axis=1, keepdims=True)
    row_sums[row_sums == 0] = 1.0
    return (counts / row_sums) * idf


def sentence_terms(
    sentence: Sentence,
    stop_words: frozenset[str],
    ngram_max: int,
    self_name: re.Pattern[str] | None = None,
    canonical: dict[int, str] | None = None,
) -> list[str]:
    """Unigrams and n-grams of a sentence (stop words out, n-grams never across punctuation).

    Nouns and verbs are lemmatised ("drones" -> "drone"); proper nouns and adjectives keep
    their lower-cased form; hyphenated words stay whole ("full-scale"). Words of the
    outlet's own name ("told NBC News") are skipped: a self-reference is house style, not
    framing. ``canonical`` maps token indices of person names to one spelling, so that a
    romanisation ("Zelenskiy") is reported by the naming analysis, not as a term.
    """
    span = sentence.span
    if span is None:
        return []
    masked: list[tuple[int, int]] = []
    if self_name is not None:
        masked = [(m.start(), m.end()) for m in self_name.finditer(span.text)]
    runs: list[list[str]] = [[]]
    joined: set[int] = set()
    toks = list(span)
    for k, tok in enumerate(toks):
        if tok.i in joined:
            continue
        # "full-scale", "face-to-face": spaCy splits at hyphens; keep the word whole
        if k + 2 < len(toks) and toks[k + 1].text in "-–" and not tok.whitespace_ and not toks[k + 1].whitespace_:
            parts = [tok.text]
            m = k
            while m + 2 < len(toks) and toks[m + 1].text in "-–" and not toks[m].whitespace_ and not toks[m + 1].whitespace_:
                parts.append(toks[m + 2].text)
                joined.update({toks[m + 1].i, toks[m + 2].i})
                m += 2
            word = "-".join(parts).lower()
            if word not in stop_words and _TOKEN_OK.match(word):
                runs[-1].append(word)
            continue
        rel = tok.idx - span.start_char
        if any(a <= rel < b for a, b in masked):
            if runs[-1]:
                runs.append([])
            continue
        if tok.is_punct or tok.is_space:
            if runs[-1]:
                runs.append([])
            continue
        text = tok.text.lower().replace("’", "'")
        if text.endswith("'s"):
            text = text[:-2]
        word = tok.lemma_.lower() if tok.pos_ in ("NOUN", "VERB") and text not in _KEEP_FORM else text
        if canonical and tok.i in canonical:
            word = canonical[tok.i]
        if (
            tok.is_stop
            or text in stop_words
            or word in stop_words
            or tok.like_num
            or len(word) < 3
            or not _TOKEN_OK.match(word)
        ):
            continue  # dropped like a stop word: n-grams may span it, as in CountVectorizer
        runs[-1].append(word)
    out: list[str] = []
    for run in runs:
        for n in range(1, ngram_max + 1):
            for i in range(len(run) - n + 1):
                gram = run[i : i + n]
                if n > 1 and len(set(gram)) < n:
                    continue
                out.append(" ".join(gram))
    return out


def distinctive_terms(
    outlet_sentences: dict[str, list[Sentence]],
    stop_words: frozenset[str],
    ngram_max: int,
    max_terms: int,
    min_count: int,
    self_names: dict[str, re.Pattern[str]] | None = None,
    canonical: dict[int, dict[int, str]] | None = None,
    min_ratio: float = 1.5,
    ngram_min_count: int = 2,
) -> dict[str, list[dict[str, Any]]]:
    """Top c-TF-IDF terms per outlet.

    Args:
        outlet_sentences: The sentences of each outlet (duplicates and boilerplate removed).
        stop_words: Stop words (spaCy's English list is added here).
        ngram_max: Longest n-gram.
        max_terms: Terms listed per outlet.
        min_count: Minimum count of a term in the outlet's text.
        self_names: Per outlet, a pattern of its own name (skipped in its text).
        canonical: Per sentence index, token index -> canonical spelling of a person name.
        min_ratio: A term is listed only when the outlet uses it at least this many times as
            often (per term) as the other outlets together: c-TF-IDF alone lets a long
            article's most frequent story words ("ukraine") outrank what it alone says.
        ngram_min_count: Minimum count of an n-gram (n > 1): in short texts every word pair
            is unique and would tie with the real terms.

    Returns:
        ``{outlet: [{"term", "score", "count"}]}``.
    """
    from spacy.lang.en.stop_words import STOP_WORDS  # spaCy is loaded anyway; sklearn is not

    stops = frozenset(stop_words) | frozenset(STOP_WORDS)
    outlets = list(outlet_sentences)
    vocab: dict[str, int] = {}
    rows: list[dict[int, int]] = []
    for outlet in outlets:
        row: dict[int, int] = {}
        for s in outlet_sentences[outlet]:
            names = (canonical or {}).get(s.index)
            for term in sentence_terms(s, stops, ngram_max, (self_names or {}).get(outlet), names):
                j = vocab.setdefault(term, len(vocab))
                row[j] = row.get(j, 0) + 1
        rows.append(row)
    out: dict[str, list[dict[str, Any]]] = {o: [] for o in outlets}
    if not vocab:
        return out
    counts = np.zeros((len(outlets), len(vocab)), dtype=np.float64)
    for i, row in enumerate(rows):
        for j, c in row.items():
            counts[i, j] = c
    weights = ctfidf(counts)
    terms = np.array(list(vocab), dtype=object)
    totals = counts.sum(axis=1)
    for i, outlet in enumerate(outlets):
        order = np.argsort(-weights[i], kind="stable")
        picked: list[dict[str, Any]] = []
        for j in order:
            if weights[i, j] <= 0 or len(picked) >= max_terms:
                break
            term = str(terms[j])
            words = term.split()
            if counts[i, j] < (ngram_min_count if len(words) > 1 else min_count):
                continue
            if len(outlets) > 1:
                rest = counts[:, j].sum() - counts[i, j]
                rest_total = totals.sum() - totals[i]
                own_rate = counts[i, j] / max(totals[i], 1.0)
                rest_rate = (rest + 0.5) / max(rest_total, 1.0)
                if own_rate < min_ratio * rest_rate:
                    continue
            # a unigram inside a listed n-gram adds nothing, and an n-gram replaces its unigrams
            if len(words) == 1 and any(term in p["term"].split() for p in picked):
                continue
            if len(words) > 1:
                picked = [p for p in picked if not (len(p["term"].split()) == 1 and p["term"] in words)]
            picked.append({"term": term, "score": round(float(weights[i, j]), 5), "count": int(counts[i, j])})
        out[outlet] = picked
    return out
