"""A fetched article page to article fields, with trafilatura: text, title, date, author,
language and canonical URL."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import trafilatura


@dataclass
class PageFields:
    """What trafilatura found on a page (any of it may be missing)."""

    text: str | None
    title: str | None
    published_at: datetime | None
    author: str | None
    language: str | None
    canonical_url: str | None


def extract_page(html: str | bytes, url: str) -> PageFields:
    """Extract the main text and metadata of an article page."""
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False,
                                      include_tables=False, favor_precision=True)
    if doc is None:
        return PageFields(None, None, None, None, None, None)
    get = (lambda k: getattr(doc, k, None)) if not isinstance(doc, dict) else doc.get
    return PageFields(text=get("text") or None, title=get("title") or None, published_at=_date(get("date")),
                      author=get("author") or None, language=get("language") or None,
                      canonical_url=get("url") or None)


def _date(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
