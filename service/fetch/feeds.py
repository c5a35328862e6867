"""Parsing what a source serves: RSS and Atom (feedparser), JSON Feed, and sitemaps (lxml).

Nothing here touches the network. A document that cannot be read raises :class:`FeedError`
with a message for the source's ``last_error``.
"""
from __future__ import annotations

import calendar
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urljoin
from xml.sax import SAXException

import feedparser
from lxml import etree

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
_INTERNAL_SUBSET = re.compile(rb"<!DOCTYPE[^>\[]*\[", re.IGNORECASE)


class FeedError(ValueError):
    """The document is not a feed or sitemap newsprism can read."""


@dataclass
class FeedItem:
    """One entry: the article's URL, and the title and date the feed gives for it."""

    url: str
    title: str | None = None
    published_at: datetime | None = None


@dataclass
class ParsedFeed:
    """What a source lists: ``kind`` is rss, atom, json or sitemap; ``children`` are the
    sitemaps a sitemap index points to."""

    kind: str
    items: list[FeedItem] = field(default_factory=list)
    children: list[str] = field(default_factory=list)


def parse_feed(body: bytes, content_type: str, base_url: str) -> ParsedFeed:
    """Parse a feed or sitemap; the kind is told by the content, not only the header."""
    head = body.lstrip()[:1]
    if head in (b"{", b"[") or content_type.endswith("json"):
        return _json_feed(body, base_url)
    if _INTERNAL_SUBSET.search(body[:65536]):
        # entity declarations are how XML bombs work; no feed needs them
        raise FeedError("the XML declares its own entities (a DOCTYPE internal subset): refused")
    if _root_name(body) in ("urlset", "sitemapindex"):
        return _sitemap(body, base_url)
    return _xml_feed(body, base_url, content_type)


def _root_name(body: bytes) -> str | None:
    try:
        for _event, element in etree.iterparse(_Reader(body), events=("start",), resolve_entities=False,
                                               no_network=True, load_dtd=False):
            return etree.QName(element).localname
    except etree.XMLSyntaxError:
        return None
    return None


class _Reader:
    """A file-like view of bytes for lxml's iterparse."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def read(self, n: int = -1) -> bytes:
        end = len(self.data) if n < 0 else self.pos + n
        chunk, self.pos = self.data[self.pos:end], min(end, len(self.data))
        return chunk


def _xml_feed(body: bytes, base_url: str, content_type: str) -> ParsedFeed:
    headers = {"content-location": base_url, "content-type": content_type or "application/xml"}
    parsed = feedparser.parse(body, response_headers=headers)
    if parsed.bozo and isinstance(parsed.bozo_exception, SAXException):
        raise FeedError(f"malformed XML: {parsed.bozo_exception}")
    version = parsed.get("version") or ""
    if not version:
        raise FeedError("not an RSS, Atom or JSON feed, nor a sitemap")
    items = []
    for entry in parsed.entries:
        link = entry.get("link")
        if not link:
            continue
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        when = datetime.fromtimestamp(calendar.timegm(stamp), timezone.utc) if stamp else None
        items.append(FeedItem(urljoin(base_url, link), entry.get("title") or None, when))
    return ParsedFeed("atom" if version.startswith("atom") else "rss", items)


def _json_feed(body: bytes, base_url: str) -> ParsedFeed:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FeedError(f"malformed JSON: {exc}") from None
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith("https://jsonfeed.org/version/"):
        raise FeedError("JSON but not a JSON Feed (no jsonfeed.org version)")
    items = []
    for entry in data.get("items") or []:
        if not isinstance(entry, dict):
            continue
        link = entry.get("url") or entry.get("external_url")
        if not isinstance(link, str) or not link:
            continue
        title = entry.get("title") if isinstance(entry.get("title"), str) else None
        items.append(FeedItem(urljoin(base_url, link), title, _iso(entry.get("date_published"))))
    return ParsedFeed("json", items)


def _sitemap(body: bytes, base_url: str) -> ParsedFeed:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"malformed XML: {exc}") from None
    ns = {"s": SITEMAP_NS, "n": NEWS_NS}
    if etree.QName(root).localname == "sitemapindex":
        children = [urljoin(base_url, loc.strip()) for loc in root.xpath("s:sitemap/s:loc/text()", namespaces=ns)]
        return ParsedFeed("sitemap", children=children)
    items = []
    for node in root.xpath("s:url", namespaces=ns):
        loc = node.xpath("string(s:loc)", namespaces=ns).strip()
        if not loc:
            continue
        title = node.xpath("string(n:news/n:title)", namespaces=ns).strip() or None
        date = node.xpath("string(n:news/n:publication_date)", namespaces=ns).strip() \
            or node.xpath("string(s:lastmod)", namespaces=ns).strip()
        items.append(FeedItem(urljoin(base_url, loc), title, _iso(date)))
    return ParsedFeed("sitemap", items)


def _iso(value: object) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
