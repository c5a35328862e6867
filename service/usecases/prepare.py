"""One preparation path, from what a client sent to what the assigner compares: ingest,
match, replay and the benchmarks all go through :func:`prepare_article` (text or HTML →
headline and cleaned body) and :func:`embed_signals` (→ the texts the assigner embeds, their
vectors and the article's signals).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from clustering.cleaning import CleaningRules, clean_text, html_text_and_title
from clustering.signals import ArticleSignals

if TYPE_CHECKING:
    from service.usecases.assignment import Assignment


@dataclass
class ArticleText:
    """An article as the assigner reads it.

    Attributes:
        title: The headline (given, else the HTML's ``<title>``), whitespace normalised;
            empty when there is none.
        raw: The body before cleaning: the given text, else the HTML's main text.
        clean: The body without markup and boilerplate (``config/boilerplate.toml``).
        published_at: The given publication time; with ``date_from_html``, else the date in
            the HTML's metadata (None when neither is known).
    """

    title: str
    raw: str
    clean: str
    published_at: Any = None


def prepare_article(title: str | None, text: str | None, html: str | None, rules: CleaningRules, *,
                    published_at: Any = None, date_from_html: bool = False) -> ArticleText:
    """Headline and cleaned body of an article given as ``text`` or ``html`` (the text wins
    when both are given; the HTML still gives the headline when ``title`` is empty)."""
    title = title or ""
    if html:
        body, html_title = html_text_and_title(html)
        title = title or html_title or ""
        raw = text or body
        if date_from_html and published_at is None:
            published_at = html_date(html)
    else:
        raw = text or ""
    clean = clean_text(raw, rules) if raw else ""
    return ArticleText(title=" ".join(title.split()), raw=raw, clean=clean, published_at=published_at)


def html_date(html: str) -> str | None:
    """The page's publication date from its metadata (trafilatura), if any."""
    import trafilatura  # lazily: heavy, and only HTML needs it

    try:
        meta = trafilatura.extract_metadata(html)
    except Exception:  # noqa: BLE001 - a date is optional: any failure to read it is "no date"
        return None
    return meta.date if meta is not None and meta.date else None


def embed_signals(assignment: Assignment, encode: Callable[[list[str]], np.ndarray],
                  articles: Sequence[tuple[str, str, datetime | None]]
                  ) -> list[tuple[list[np.ndarray], ArticleSignals]]:
    """For each (headline, clean body, published_at): the vectors of the texts the assigner
    embeds (``Assignment.texts``; the first is the article's stored embedding) and the
    article's signals. Every text of every article goes through one ``encode`` call."""
    if not articles:
        return []
    per_article = [assignment.texts(title, clean) for title, clean, _ in articles]
    vectors = encode([t for texts in per_article for t in texts])
    out = []
    pos = 0
    for (title, clean, published_at), texts in zip(articles, per_article):
        vs = list(vectors[pos:pos + len(texts)])
        pos += len(texts)
        out.append((vs, assignment.signals(title, clean, published_at, vs)))
    return out
