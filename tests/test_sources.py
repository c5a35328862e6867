"""Polling sources against a local HTTP server (loopback, with the test-only allowance) that
serves fictional feeds and pages: each article ingested once, conditional GET, robots.txt,
malformed feeds, size caps, timeouts, redirects to private addresses, 404s, 429 backoff and
two workers at once."""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from service.settings import load_settings
from service.store.db import as_utc
from service.store.models import Article, Source, utcnow
from service.wiring import build_services
from tests.conftest import REDIS_URL
from tests.feedserver import FeedServer, Resource, article_html, atom, json_feed, rss, sitemap

PATHS = [f"/news/{i}" for i in range(3)]


@pytest.fixture
def server():
    srv = FeedServer().start()
    yield srv
    srv.stop()


def make_services(sqlite_url, redis_prefix, **overrides):
    settings = {"database_url": sqlite_url, "redis_url": REDIS_URL, "redis_prefix": redis_prefix,
                "preload_model": False, "fetch_allow_loopback": True, "fetch_host_delay_seconds": 0,
                "fetch_connect_timeout": 2, "fetch_read_timeout": 2, "fetch_total_timeout": 10, **overrides}
    services = build_services(load_settings(settings))
    services.db.upgrade()
    return services


@pytest.fixture
def svc(sqlite_url, redis_prefix, embedder):
    services = make_services(sqlite_url, redis_prefix)
    yield services
    services.close()


def serve_articles(server: FeedServer, paths=PATHS, **kw) -> None:
    for i, p in enumerate(paths):
        server.routes[p] = Resource(article_html(i, **kw))


def stored(services) -> list[Article]:
    from sqlalchemy.orm import joinedload

    with services.db.session() as s:
        return list(s.execute(select(Article).options(joinedload(Article.outlet)).order_by(Article.id)).scalars())


def source_row(services, source_id) -> Source:
    with services.db.session() as s:
        return s.get(Source, source_id)


@pytest.mark.parametrize("kind,build,ctype", [
    ("rss", rss, "application/rss+xml"), ("atom", atom, "application/atom+xml"),
    ("json", json_feed, "application/feed+json"), ("sitemap", sitemap, "application/xml")])
def test_a_feed_is_ingested_once_and_a_second_poll_creates_nothing(svc, server, kind, build, ctype):
    server.routes["/feed"] = Resource(build(server.url(""), PATHS), ctype, etag='"v1"')
    serve_articles(server)
    source, created = svc.sources.add(server.url("/feed"), "The Guardian", 15)
    assert created
    first = svc.poller.poll(source["id"])
    assert (first.status, first.items, first.created, first.failed) == ("ok", 3, 3, 0), first
    articles = stored(svc)
    assert sorted(a.url for a in articles) == sorted(server.url(p) for p in PATHS)
    assert {a.outlet.name for a in articles} == {"The Guardian"}
    assert all("council" in a.title and "Mayor Ilse Varga" in a.clean_text for a in articles)
    assert all(a.story_id is not None for a in articles)  # assigned like any ingested article
    row = source_row(svc, source["id"])
    assert (row.kind, row.items_seen, row.articles_created, row.last_status) == (kind, 3, 3, "ok")
    assert as_utc(row.next_poll_at) > utcnow() + timedelta(minutes=14)
    # not due: nothing is asked of the server
    assert svc.poller.poll(source["id"]).status == "not_due"
    assert server.hits["/feed"] == 1
    # due again: a conditional GET answered 304, no page fetched again, nothing created
    again = svc.poller.poll(source["id"], force=True)
    assert (again.status, again.http_status, again.created) == ("not_modified", 304, 0)
    assert server.not_modified == 1
    # the feed changes (new validator): its known items are skipped before any fetch
    server.routes["/feed"] = Resource(build(server.url(""), PATHS), ctype, etag='"v2"')
    third = svc.poller.poll(source["id"], force=True)
    assert (third.status, third.known, third.created) == ("ok", 3, 0)
    assert all(server.hits[p] == 1 for p in PATHS)
    assert len(stored(svc)) == 3
    assert any(a.startswith("newsprism/") and "(+https://" in a for a in server.agents)


def test_the_feed_date_is_used_when_the_page_has_none(svc, server):
    server.routes["/feed"] = Resource(rss(server.url(""), PATHS[:1]), "application/rss+xml")
    server.routes[PATHS[0]] = Resource(article_html(0, with_date=False))
    source, _ = svc.sources.add(server.url("/feed"), "NBC News")
    assert svc.poller.poll(source["id"]).created == 1
    # rss() dates item 0 at 2026-03-01 00:00 UTC; the page's own date would be 09:00
    assert as_utc(stored(svc)[0].published_at).isoformat() == "2026-03-01T00:00:00+00:00"


def test_robots_disallow_keeps_those_pages_unfetched(svc, server):
    server.routes["/robots.txt"] = Resource(b"User-agent: *\nDisallow: /news/1\n", "text/plain")
    server.routes["/feed"] = Resource(rss(server.url(""), PATHS), "application/rss+xml")
    serve_articles(server)
    source, _ = svc.sources.add(server.url("/feed"), "NBC News")
    report = svc.poller.poll(source["id"])
    assert (report.status, report.created, report.robots) == ("ok", 2, 1)
    assert server.hits["/news/1"] == 0 and server.hits["/news/0"] == server.hits["/news/2"] == 1


def test_a_feed_disallowed_by_robots_is_not_fetched(svc, server):
    server.routes["/robots.txt"] = Resource(b"User-agent: newsprism\nDisallow: /\n", "text/plain")
    server.routes["/feed"] = Resource(rss(server.url(""), PATHS), "application/rss+xml")
    source, _ = svc.sources.add(server.url("/feed"), "NBC News")
    report = svc.poller.poll(source["id"])
    assert report.status == "robots" and "robots.txt" in report.error
    assert server.hits["/feed"] == 0


def test_robots_crawl_delay_spaces_requests_to_a_host(svc, server):
    server.routes["/robots.txt"] = Resource(b"User-agent: *\nCrawl-delay: 1\n", "text/plain")
    server.routes["/feed"] = Resource(rss(server.url(""), PATHS[:2]), "application/rss+xml")
    serve_articles(server, PATHS[:2])
    source, _ = svc.sources.add(server.url("/feed"), "NBC News")
    t0 = time.monotonic()
    assert svc.poller.poll(source["id"]).created == 2
    # the feed and two pages: at least two full delays between the three requests
    assert time.monotonic() - t0 >= 2.0


def test_malformed_xml_is_an_error_on_the_source_not_a_crash(svc, server):
    server.routes["/feed"] = Resource(b'<?xml version="1.0"?><rss version="2.0"><channel><title>Broken'
                                      b"<item><link>/news/0</link></item>", "application/rss+xml")
    serve_articles(server)
    source, _ = svc.sources.add(server.url("/feed"), "NBC News", 10)
    report = svc.poller.poll(source["id"])
    assert report.status == "error" and "malformed XML" in report.error
    row = source_row(svc, source["id"])
    assert row.last_status == "error" and "malformed XML" in row.last_error and row.failures == 1
    # backed off: twice the interval
    assert as_utc(row.next_poll_at) > utcnow() + timedelta(minutes=19)
    assert server.hits["/news/0"] == 0 and stored(svc) == []


def test_a_404_item_page_is_counted_and_skipped(svc, server):
    server.routes["/feed"] = Resource(rss(server.url(""), PATHS + ["/news/gone"]), "application/rss+xml")
    serve_articles(server)
    source, _ = svc.sources.add(server.url("/feed"), "NBC News")
    report = svc.poller.poll(source["id"])
    assert (report.status, report.created, report.failed) == ("ok", 3, 1)
    assert any("/news/gone: HTTP 404" in p for p in report.problems)
    assert "HTTP 404" in source_row(svc, source["id"]).last_error


def test_429_with_retry_after_backs_off(svc, server):
    server.routes["/feed"] = Resource(b"slow down", "text/plain", 429, headers={"Retry-After": "7200"})
    source, _ = svc.sources.add(server.url("/feed"), "NBC News", 5)
    report = svc.poller.poll(source["id"])
    assert (report.status, report.http_status) == ("rate_limited", 429)
    row = source_row(svc, source["id"])
    # Retry-After (2 h) outweighs the exponential backoff (2 x 5 min)
    assert as_utc(row.next_poll_at) >= utcnow() + timedelta(seconds=7100)
    assert svc.poller.poll(source["id"]).status == "not_due"
    assert server.hits["/feed"] == 1


def test_429_on_a_page_keeps_the_articles_already_fetched_and_stops(svc, server):
    server.routes["/feed"] = Resource(rss(server.url(""), PATHS), "application/rss+xml", etag='"v1"')
    serve_articles(server)
    server.routes["/news/1"] = Resource(b"later", "text/plain", 429, headers={"Retry-After": "600"})
    source, _ = svc.sources.add(server.url("/feed"), "NBC News", 5)
    report = svc.poller.poll(source["id"])
    assert (report.status, report.created) == ("rate_limited", 1)
    assert server.hits["/news/2"] == 0
    assert source_row(svc, source["id"]).etag is None  # the next poll reads the whole feed again
    serve_articles(server)
    later = svc.poller.poll(source["id"], force=True)
    assert (later.status, later.known, later.created) == ("ok", 1, 2)


def test_errors_back_off_exponentially_and_a_success_resets(svc, server):
    server.routes["/feed"] = Resource(b"oops", "text/plain", 500)
    source, _ = svc.sources.add(server.url("/feed"), "NBC News", 10)
    waits = []
    for _ in range(3):
        before = utcnow()
        assert svc.poller.poll(source["id"], force=True).status == "error"
        waits.append((as_utc(source_row(svc, source["id"]).next_poll_at) - before).total_seconds() / 60)
    assert [round(w) for w in waits] == [20, 40, 80]
    server.routes["/feed"] = Resource(rss(server.url(""), []), "application/rss+xml")
    assert svc.poller.poll(source["id"], force=True).status == "ok"
    row = source_row(svc, source["id"])
    assert row.failures == 0 and row.last_error is None


def test_a_huge_response_is_cut_at_the_cap(sqlite_url, redis_prefix, server):
    sent = {"bytes": 0}

    def fifty_megabytes(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Content-Length", str(50 * 1024 * 1024))
        handler.end_headers()
        chunk = b"<item>" + b"x" * 65530
        try:
            while sent["bytes"] < 50 * 1024 * 1024:
                handler.wfile.write(chunk)
                sent["bytes"] += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass

    server.routes["/feed"] = fifty_megabytes
    services = make_services(sqlite_url, redis_prefix, fetch_max_bytes=1_000_000)
    try:
        source, _ = services.sources.add(server.url("/feed"), "NBC News")
        report = services.poller.poll(source["id"])
        assert report.status == "error" and "larger than 1000000 bytes" in report.error
        res = services.fetcher.get(server.url("/feed"))
        assert res.truncated and len(res.body) == 1_000_000
        time.sleep(0.5)
        assert sent["bytes"] < 20 * 1024 * 1024  # the client hung up long before 50 MB
    finally:
        services.close()


def test_a_server_that_never_answers_hits_the_timeout(sqlite_url, redis_prefix, server):
    release = threading.Event()
    server.routes["/feed"] = lambda handler: release.wait(30)
    services = make_services(sqlite_url, redis_prefix, fetch_read_timeout=1)
    try:
        source, _ = services.sources.add(server.url("/feed"), "NBC News")
        t0 = time.monotonic()
        report = services.poller.poll(source["id"])
        assert time.monotonic() - t0 < 8
        assert report.status == "error" and "timed out" in report.error
    finally:
        release.set()
        services.close()


@pytest.mark.parametrize("target", ["http://10.0.0.1/feed", "http://169.254.169.254/latest/meta-data/",
                                    "http://[::ffff:192.168.1.1]/x", "http://0.0.0.0/", "file:///etc/passwd"])
def test_a_redirect_to_a_private_address_is_refused_even_with_the_loopback_allowance(svc, server, target):
    def redirect(handler):
        handler.send_response(302)
        handler.send_header("Location", target)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    server.routes["/feed"] = redirect
    source, _ = svc.sources.add(server.url("/feed"), "NBC News")
    t0 = time.monotonic()
    report = svc.poller.poll(source["id"])
    assert report.status == "refused" and report.error.startswith("refused")
    assert time.monotonic() - t0 < 3  # refused before any connection attempt
    assert "refused" in source_row(svc, source["id"]).last_error


def test_an_item_redirecting_to_a_private_address_is_refused(svc, server):
    def redirect(handler):
        handler.send_response(301)
        handler.send_header("Location", "http://169.254.169.254/latest/meta-data/")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    server.routes["/feed"] = Resource(rss(server.url(""), PATHS[:2]), "application/rss+xml")
    serve_articles(server, PATHS[:1])
    server.routes[PATHS[1]] = redirect
    source, _ = svc.sources.add(server.url("/feed"), "NBC News")
    report = svc.poller.poll(source["id"])
    assert (report.status, report.created, report.failed) == ("ok", 1, 1)
    assert any("link-local" in p for p in report.problems)


def test_without_the_allowance_a_loopback_or_private_feed_is_refused_and_nothing_fetched(
        sqlite_url, redis_prefix, server):
    services = make_services(sqlite_url, redis_prefix, fetch_allow_loopback=False)
    server.routes["/feed"] = Resource(rss(server.url(""), PATHS), "application/rss+xml")
    serve_articles(server)
    try:
        for url, why in [(server.url("/feed"), "loopback"), (f"http://localhost:{server.port}/feed", "loopback"),
                         ("http://10.1.2.3/feed", "private"), ("http://192.168.0.10/feed", "private"),
                         ("http://169.254.169.254/feed", "link-local")]:
            source, _ = services.sources.add(url, "NBC News")
            report = services.poller.poll(source["id"])
            assert report.status == "refused" and why in report.error, (url, report)
            row = source_row(services, source["id"])
            assert row.last_status == "refused" and why in row.last_error
        assert sum(server.hits.values()) == 0
        assert stored(services) == []
        assert "newsprism_fetch_refused_total 5" in "\n".join(
            f"newsprism_{k} {v:g}" for k, v in services.metrics.snapshot().items())
    finally:
        services.close()


def test_two_workers_polling_at_once_fetch_each_page_once(sqlite_url, redis_prefix, server, embedder):
    """Two pollers with their own clients and locks (as two worker processes have), sharing
    only Redis and the store."""
    paths = [f"/news/{i}" for i in range(4)]
    server.routes["/feed"] = Resource(rss(server.url(""), paths), "application/rss+xml", delay=0.3)
    for i, p in enumerate(paths):
        server.routes[p] = Resource(article_html(i), delay=0.2)
    one, two = make_services(sqlite_url, redis_prefix), make_services(sqlite_url, redis_prefix)
    try:
        source, _ = one.sources.add(server.url("/feed"), "NBC News")
        barrier = threading.Barrier(2)
        reports = []

        def work(services):
            barrier.wait()
            reports.append(services.poller.poll(source["id"]))

        threads = [threading.Thread(target=work, args=(s,)) for s in (one, two)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(r.status for r in reports) == ["busy", "ok"]
        assert server.hits["/feed"] == 1 and all(server.hits[p] == 1 for p in paths)
        # the second worker, once the first is done, finds it not due
        assert two.poller.poll(source["id"]).status == "not_due"
        assert len(stored(one)) == 4
    finally:
        one.close()
        two.close()


def test_the_per_host_rate_limit_is_shared_through_redis(sqlite_url, redis_prefix):
    from service.fetch.coordination import Coordination

    a, b = Coordination(REDIS_URL, redis_prefix), Coordination(REDIS_URL, redis_prefix)
    assert a.wait_turn("example.org", 0.6) < 0.05
    t0 = time.monotonic()
    b.wait_turn("example.org", 0.6)  # another process's turn was just taken
    assert time.monotonic() - t0 >= 0.5


def test_a_sitemap_index_is_followed_to_its_sitemaps(svc, server):
    base = server.url("")
    server.routes["/sitemap.xml"] = Resource(
        ('<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
         f"<sitemap><loc>{base}/sitemap-1.xml</loc></sitemap><sitemap><loc>{base}/sitemap-2.xml</loc></sitemap>"
         "</sitemapindex>").encode(), "application/xml")
    server.routes["/sitemap-1.xml"] = Resource(sitemap(base, PATHS[:2]), "application/xml")
    server.routes["/sitemap-2.xml"] = Resource(sitemap(base, PATHS[2:]), "application/xml")
    serve_articles(server)
    source, _ = svc.sources.add(server.url("/sitemap.xml"), "The Times of India")
    report = svc.poller.poll(source["id"])
    assert (report.status, report.items, report.created) == ("ok", 3, 3)


def test_at_most_max_items_are_fetched_per_poll_and_the_rest_wait(sqlite_url, redis_prefix, server, embedder):
    services = make_services(sqlite_url, redis_prefix, sources_max_items_per_poll=2)
    server.routes["/feed"] = Resource(rss(server.url(""), PATHS), "application/rss+xml", etag='"same"')
    serve_articles(server)
    try:
        source, _ = services.sources.add(server.url("/feed"), "NBC News")
        assert services.poller.poll(source["id"]).created == 2
        assert source_row(services, source["id"]).etag is None  # items left: no 304 next time
        later = services.poller.poll(source["id"], force=True)
        assert (later.status, later.known, later.created) == ("ok", 2, 1)
    finally:
        services.close()


def test_an_item_on_another_outlets_domain_is_attributed_to_that_outlet(svc, server):
    """A feed of NBC News listing a page on theguardian.com: stored as The Guardian's. The
    name is resolved to the local server by an injected DNS answer."""
    svc.fetcher.policy.resolve = lambda host: ["127.0.0.1"]
    guardian = f"http://www.theguardian.com:{server.port}"
    server.routes["/feed"] = Resource(rss(guardian, PATHS[:1]) + b"", "application/rss+xml")
    serve_articles(server, PATHS[:1])
    source, _ = svc.sources.add(server.url("/feed"), "NBC News")
    assert svc.poller.poll(source["id"]).created == 1
    article = stored(svc)[0]
    assert article.url == guardian + PATHS[0] and article.outlet.name == "The Guardian"


def test_retry_after_is_read_as_seconds_or_an_http_date():
    from service.usecases.polling import retry_after_seconds

    now = utcnow()
    assert retry_after_seconds("120", now) == 120
    date = (now + timedelta(hours=1)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert 3500 < retry_after_seconds(date, now) <= 3600
    assert retry_after_seconds("soon", now) is None and retry_after_seconds(None, now) is None


def test_polling_into_postgresql(pg_url, redis_prefix, server, embedder):
    services = make_services(pg_url, redis_prefix)
    server.routes["/feed"] = Resource(rss(server.url(""), PATHS), "application/rss+xml", etag='"pg"')
    serve_articles(server)
    try:
        source, _ = services.sources.add(server.url("/feed"), "The Independent")
        assert services.poller.poll(source["id"]).created == 3
        assert services.poller.poll(source["id"], force=True).status == "not_modified"
        row = source_row(services, source["id"])
        assert (row.last_status, row.articles_created, row.etag) == ("not_modified", 3, '"pg"')
        assert len(stored(services)) == 3
    finally:
        services.close()
