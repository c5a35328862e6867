"""Article identity: when is an incoming article one that is already stored?

The same URL (tracking parameters ignored), then the same outlet with the same normalised
content, then the same client id: the strongest identity first. Another outlet's identical
text is not a duplicate but a copy (``service.usecases.copies``). Ingest reads the stored
articles a batch may duplicate in one query (:class:`StoredIdentities`); match answers a
stored URL from the store.
"""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from service.store.models import Article, Outlet
from service.usecases.batch import Prepared

_TRACKING = re.compile(r"^(utm_|fbclid$|gclid$|mc_|ref$|ref_src$|cmpid$|ocid$|smid$|guccounter$)")


def url_key(url: str | None) -> str | None:
    """The dedup key of a URL: host without www, path without trailing slash, query without
    tracking parameters, no scheme or fragment."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("amp.")
    path = re.sub(r"/(amp/?)?$", "", parts.path) or "/"
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query) if not _TRACKING.match(k.lower())))
    return (host + path + ("?" + query if query else ""))[:700]


class StoredIdentities:
    """The stored articles a batch may duplicate, read in one query, plus the ones the batch
    itself adds: the same URL, then the same outlet and content, then the same client id (the
    strongest identity first). Also the earliest article of each content hash, whatever its
    outlet: another outlet's article with that content is a copy of it."""

    def __init__(self, s: Session, ready: list[Prepared]) -> None:
        self.by_url: dict[str, Any] = {}
        self.by_hash: dict[tuple[str, str], Any] = {}
        self.first_by_hash: dict[str, Any] = {}
        self.by_id: dict[str, Any] = {}
        conds = [Article.content_hash.in_({p.content_hash for p in ready})]
        if urls := {p.url_key for p in ready if p.url_key}:
            conds.append(Article.url_key.in_(urls))
        if ids := {p.item.id for p in ready if p.item.id}:
            conds.append(Article.external_id.in_(ids))
        cols = (Article.id, Article.external_id, Article.url_key, Article.content_hash, Article.story_id,
                Article.copy_of, Article.copy_similarity, Outlet.name.label("outlet_name"))
        query = select(*cols).join(Outlet, Outlet.id == Article.outlet_id).where(or_(*conds)).order_by(Article.id)
        for row in s.execute(query):
            self.add(row, row.outlet_name)

    def add(self, article: Any, outlet_name: str) -> None:
        """Remember an article the batch stores (a later item may duplicate or copy it)."""
        if article.url_key:
            self.by_url.setdefault(article.url_key, article)
        self.by_hash.setdefault((outlet_name, article.content_hash), article)
        self.first_by_hash.setdefault(article.content_hash, article)
        if article.external_id:
            self.by_id.setdefault(article.external_id, article)

    def find(self, p: Prepared) -> Any | None:
        """The stored article ``p`` duplicates, by URL, then outlet and content, then client id."""
        return ((p.url_key and self.by_url.get(p.url_key)) or self.by_hash.get((p.outlet_name, p.content_hash))
                or (p.item.id and self.by_id.get(p.item.id)) or None)

    def same_text(self, p: Prepared) -> Any | None:
        """The earliest article (another outlet's, as ``p`` is no duplicate) with ``p``'s content."""
        return self.first_by_hash.get(p.content_hash)
