"""Polling a source: its feed (conditionally), then each new item's page, then ingest.

One poll of one source at a time across every worker (a lock in Redis); requests to a host
spaced by the shared per-host rate limit and robots.txt's crawl delay; pages whose URL is
already stored are not fetched; errors back off exponentially (429 and 503 honour
``Retry-After``). Articles go through :class:`~service.usecases.ingest.Ingestor`, the path
``POST /api/v1/articles`` takes. Everything that happened is written to the source's row.
"""
from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from service.fetch.client import FetchError, Fetcher, FetchResult
from service.fetch.coordination import Coordination
from service.fetch.extract import extract_page
from service.fetch.feeds import FeedError, FeedItem, parse_feed
from service.fetch.guard import FetchRefused
from service.fetch.robots import RobotsCache
from service.metrics import Metrics
from service.store import Database
from service.store.models import Article, Source, utcnow
from service.usecases.identity import url_key
from service.usecases.ingest import Ingestor

log = logging.getLogger(__name__)

FEED_TYPES = ("application/rss", "application/atom", "application/xml", "text/xml", "application/rdf",
              "application/x-rss", "application/feed+json", "application/json", "text/plain")
PAGE_TYPES = ("text/html", "application/xhtml")
_LANG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*")
#: a feed's items beyond this many are ignored (a huge sitemap is read in its first part)
MAX_FEED_ITEMS = 5000
#: at most this many child sitemaps of a sitemap index are read per poll
MAX_CHILD_SITEMAPS = 3


@dataclass
class PollParams:
    """Limits of a poll (from the settings)."""

    max_items: int = 50
    max_backoff_minutes: int = 1440
    host_delay_seconds: float = 1.0
    max_crawl_delay_seconds: float = 30.0
    lock_seconds: int = 900


@dataclass
class PollReport:
    """What one poll of one source found, created and skipped."""

    source_id: int
    url: str = ""
    status: str = ""
    http_status: int | None = None
    items: int = 0
    known: int = 0
    robots: int = 0
    failed: int = 0
    created: int = 0
    duplicate: int = 0
    rejected: int = 0
    error: str | None = None
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Backoff(Exception):
    """The server asked us to come back later (429/503), or failed."""

    def __init__(self, status: str, detail: str, http_status: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.http_status, self.retry_after = status, detail, http_status, retry_after


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """``Retry-After`` as seconds: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - now).total_seconds())


class Poller:
    """Polls sources; the CLI, the RQ jobs and the tests all call :meth:`poll`."""

    def __init__(self, db: Database, ingestor: Ingestor, fetcher: Fetcher, robots: RobotsCache,
                 coordination: Coordination, params: PollParams | None = None,
                 metrics: Metrics | None = None) -> None:
        self.db = db
        self.ingestor = ingestor
        self.fetcher = fetcher
        self.robots = robots
        self.coordination = coordination
        self.params = params or PollParams()
        self.metrics = metrics or Metrics()

    def poll(self, source_id: int, force: bool = False) -> PollReport:
        """Poll one source if it is due (``force``: even if not). Another worker polling it
        now makes this a no-op with status ``busy``."""
        token = self.coordination.acquire(f"source:{source_id}", self.params.lock_seconds)
        if token is None:
            return PollReport(source_id, status="busy")
        try:
            with self.db.session() as s:
                row = s.get(Source, source_id)
                if row is None:
                    return PollReport(source_id, status="missing")
                url, outlet, interval = row.url, row.outlet, row.interval_minutes
                etag, modified, failures, next_at = row.etag, row.last_modified, row.failures, row.next_poll_at
            report = PollReport(source_id, url=url)
            now = utcnow()
            if not force and next_at is not None and (next_at if next_at.tzinfo else
                                                      next_at.replace(tzinfo=timezone.utc)) > now:
                report.status = "not_due"
                return report
            self.metrics.inc("source_polls_total")
            updates: dict[str, Any] = {}
            try:
                self._poll(url, outlet, etag, modified, report, updates)
                failures = 0
                delay = timedelta(minutes=interval)
            except Backoff as exc:
                failures += 1
                report.status, report.error = exc.status, exc.detail
                report.http_status = exc.http_status or report.http_status
                wait = min(interval * 2 ** failures, self.params.max_backoff_minutes) * 60
                if exc.retry_after is not None:
                    wait = max(wait, min(exc.retry_after, self.params.max_backoff_minutes * 60))
                delay = timedelta(seconds=wait)
                self.metrics.inc("source_poll_errors_total")
                if exc.status == "refused":
                    self.metrics.inc("fetch_refused_total")
            except Exception as exc:  # one bad source must not stop the others (logged with its traceback)
                log.exception("polling source %s failed", source_id)
                failures += 1
                report.status, report.error = "error", f"internal error: {type(exc).__name__}: {exc}"[:500]
                delay = timedelta(minutes=min(interval * 2 ** failures, self.params.max_backoff_minutes))
                self.metrics.inc("source_poll_errors_total")
            self._save(source_id, report, failures, now, now + delay, updates)
            self.metrics.inc("source_poll_items_total", report.items)
            self.metrics.inc("source_poll_articles_created_total", report.created)
            return report
        finally:
            self.coordination.release(f"source:{source_id}", token)

    # -- one poll ------------------------------------------------------------------------
    def _poll(self, url: str, outlet: str, etag: str | None, modified: str | None, report: PollReport,
              updates: dict[str, Any]) -> None:
        headers = {"Accept": "application/rss+xml, application/atom+xml, application/feed+json, "
                             "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"}
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
        res = self._get(url, headers, FEED_TYPES)
        report.http_status = res.status
        if res.status == 304:
            report.status = "not_modified"
            return
        self._check_status(res)
        if res.truncated:
            raise Backoff("error", f"the feed is larger than {self.fetcher.limits.max_bytes} bytes")
        try:
            parsed = parse_feed(res.body, res.content_type, res.url)
            items = list(parsed.items)
            for child in parsed.children[:MAX_CHILD_SITEMAPS]:
                sub = self._get(child, {}, FEED_TYPES)
                self._check_status(sub)
                items.extend(parse_feed(sub.body, sub.content_type, sub.url).items)
        except FeedError as exc:
            raise Backoff("error", f"could not read the feed: {exc}", res.status) from None
        updates["kind"] = parsed.kind
        items = items[:MAX_FEED_ITEMS]
        report.items = len(items)
        left = self._items(items, outlet, report)
        report.status = "ok"
        if not left:
            # remember the validators only when every item was dealt with: a 304 next time
            # must not hide items left for later
            updates.update(etag=res.headers.get("etag"), last_modified=res.headers.get("last-modified"))

    def _items(self, items: list[FeedItem], outlet: str, report: PollReport) -> int:
        """Fetch and ingest the items not stored yet (at most ``max_items``); returns how
        many new items were left for the next poll."""
        keyed: dict[str, FeedItem] = {}
        for item in items:
            key = url_key(item.url)
            if key and key not in keyed:
                keyed[key] = item
        with self.db.session() as s:
            stored = set(s.execute(select(Article.url_key).where(Article.url_key.in_(list(keyed)))).scalars())
        report.known = len(stored)
        new = [item for key, item in keyed.items() if key not in stored]
        articles = []
        stop: Backoff | None = None
        for item in new[:self.params.max_items]:
            try:
                article = self._article(item, outlet, report)
            except Backoff as exc:  # the site asked for a pause: keep what we have, stop
                stop = exc
                break
            if article is not None:
                articles.append(article)
        self._ingest(articles, report)
        if stop is not None:
            raise stop
        return max(0, len(new) - self.params.max_items)

    def _ingest(self, articles: list[dict[str, Any]], report: PollReport) -> None:
        if articles:
            result = self.ingestor.ingest(articles)
            report.created += result.count("created")
            report.duplicate += result.count("duplicate")
            report.rejected += result.count("rejected")
            for r in result.results:
                if r.status == "rejected":
                    report.problems.append(f"{articles[r.index]['url']}: {r.detail}")

    def _article(self, item: FeedItem, outlet: str, report: PollReport) -> dict[str, Any] | None:
        try:
            res = self._get(item.url, {"Accept": "text/html,application/xhtml+xml"}, PAGE_TYPES)
        except Backoff as exc:
            if exc.status == "robots":
                report.robots += 1
            elif exc.status in ("rate_limited", "unavailable"):
                raise
            else:
                report.failed += 1
                report.problems.append(f"{item.url}: {exc.detail}")
            return None
        if res.status in (429, 503):
            # the site asks for a pause: stop here, the next poll picks up the rest
            self._check_status(res)
        if res.status != 200 or res.truncated:
            report.failed += 1
            why = f"HTTP {res.status}" if res.status != 200 else "larger than the size cap"
            report.problems.append(f"{item.url}: {why}")
            return None
        try:
            fields = extract_page(res.body, res.url)
        except Exception as exc:  # noqa: BLE001 - a page trafilatura chokes on is one failed item
            report.failed += 1
            report.problems.append(f"{item.url}: could not extract the page ({type(exc).__name__})")
            return None
        if not fields.text:
            report.failed += 1
            report.problems.append(f"{item.url}: no article text found")
            return None
        if fields.canonical_url and url_key(fields.canonical_url) != url_key(item.url):
            with self.db.session() as s:
                if s.execute(select(Article.id).where(Article.url_key == url_key(fields.canonical_url))).first():
                    report.duplicate += 1
                    return None
        when = fields.published_at or item.published_at
        # a feed may list another outlet's article: the registry's owner of the domain is the
        # true author (the source's outlet otherwise)
        known = self.ingestor.registry.by_url(item.url)
        language = fields.language if fields.language and _LANG.fullmatch(fields.language) else None
        article = {"url": item.url, "outlet": known.name if known else outlet, "title": fields.title or item.title,
                   "text": fields.text, "published_at": when.isoformat() if when else None, "language": language}
        return {k: v for k, v in article.items() if v}

    # -- fetching politely -----------------------------------------------------------------
    def _get(self, url: str, headers: dict[str, str], accept: tuple[str, ...]) -> FetchResult:
        """A GET that honours robots.txt and the per-host rate limit; refusals and failures
        become :class:`Backoff`."""
        try:
            self.fetcher.policy.check(url)  # a refused URL is named as such, before robots.txt
            rules = self.robots.rules(url)
            if not rules.allowed(url):
                raise Backoff("robots", f"robots.txt disallows {url}")
            delay = self.params.host_delay_seconds
            crawl_delay = rules.crawl_delay()
            if crawl_delay:
                delay = max(delay, min(crawl_delay, self.params.max_crawl_delay_seconds))
            self.coordination.wait_turn(urlsplit(url).netloc.lower(), delay)
            self.metrics.inc("fetch_requests_total")
            return self.fetcher.get(url, headers=headers, accept=accept)
        except FetchRefused as exc:
            raise Backoff("refused", str(exc)) from None
        except (FetchError, TimeoutError) as exc:
            raise Backoff("error", str(exc)) from None

    @staticmethod
    def _check_status(res: FetchResult) -> None:
        if res.status in (429, 503):
            retry = retry_after_seconds(res.headers.get("retry-after"), utcnow())
            raise Backoff("rate_limited" if res.status == 429 else "unavailable",
                          f"HTTP {res.status}" + (f", Retry-After {retry:g}s" if retry is not None else ""),
                          res.status, retry)
        if res.status != 200:
            raise Backoff("error", f"HTTP {res.status}", res.status)

    def _save(self, source_id: int, report: PollReport, failures: int, now: datetime, next_at: datetime,
              updates: dict[str, Any]) -> None:
        with self.db.write() as s:
            row = s.get(Source, source_id)
            if row is None:  # removed while it was polled
                return
            row.last_polled_at = now
            row.last_status = report.status
            row.last_http_status = report.http_status
            row.last_error = report.error or ("; ".join(report.problems[:5]) or None)
            row.items_seen += report.items
            row.articles_created += report.created
            row.failures = failures
            row.next_poll_at = next_at
            for name, value in updates.items():
                setattr(row, name, value)
