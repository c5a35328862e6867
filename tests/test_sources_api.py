"""Managing sources: the API (reads open, writes need a key), the CLI, the sources page,
the metrics, the migration that adds the table, and the example sources file."""
from __future__ import annotations

import json
import tomllib

from click.testing import CliRunner
from sqlalchemy import text

from service.cli import main
from service.outlets import OutletRegistry
from service.settings import ROOT
from service.store import Database
from tests.conftest import AUTH, REDIS_URL
from tests.feedserver import FeedServer, Resource, article_html, rss

HEALTH_KEYS = {"url", "outlet", "interval_minutes", "last_polled_at", "last_status", "items_seen",
               "articles_created", "last_error", "next_poll_at"}


def test_sources_api_reads_openly_and_writes_with_a_key(client):
    body = {"url": "https://www.theguardian.com/world/rss", "outlet": "the guardian", "interval_minutes": 20}
    assert client.post("/api/v1/sources", json=body).status_code == 401
    first = client.post("/api/v1/sources", json=body, headers=AUTH)
    assert first.status_code == 201
    source = first.get_json()["source"]
    assert source["outlet"] == "The Guardian" and source["interval_minutes"] == 20
    assert HEALTH_KEYS <= set(source) and source["last_status"] is None and source["next_poll_at"]
    # the same URL again is harmless: updated, not duplicated
    again = client.post("/api/v1/sources", json={**body, "url": "https://www.theguardian.com/world/rss/",
                                                 "interval_minutes": 45}, headers=AUTH)
    assert again.status_code == 200 and again.get_json()["created"] is False
    listed = client.get("/api/v1/sources").get_json()["items"]
    assert [(s["id"], s["interval_minutes"]) for s in listed] == [(source["id"], 45)]
    assert client.delete(f"/api/v1/sources/{source['id']}").status_code == 401
    assert client.delete(f"/api/v1/sources/{source['id']}", headers=AUTH).status_code == 204
    assert client.get("/api/v1/sources").get_json()["items"] == []
    gone = client.delete(f"/api/v1/sources/{source['id']}", headers=AUTH)
    assert gone.status_code == 404 and gone.get_json()["status"] == 404


def test_invalid_sources_get_a_clear_422(client):
    cases = [({"url": "https://example.org/feed", "outlet": "Daily Nowhere"}, "outlet"),
             ({"url": "ftp://example.org/feed", "outlet": "NBC News"}, "url"),
             ({"url": "https://example.org/feed", "outlet": "NBC News", "interval_minutes": 0}, "interval_minutes"),
             ({"url": "https://example.org/feed", "outlet": "NBC News", "color": "red"}, "color")]
    for body, field in cases:
        resp = client.post("/api/v1/sources", json=body, headers=AUTH)
        assert resp.status_code == 422, body
        problem = resp.get_json()
        assert problem["status"] == 422 and any(e["field"] == field for e in problem["errors"]), problem


def test_the_sources_page_is_linked_from_the_story_list(app, client):
    assert 'href="/sources"' in client.get("/").get_data(as_text=True)
    empty = client.get("/sources")
    assert empty.status_code == 200 and "No source is followed" in empty.get_data(as_text=True)
    app.extensions["newsprism"].sources.add("https://feeds.nbcnews.com/nbcnews/public/news", "NBC News", 15)
    page = client.get("/sources").get_data(as_text=True)
    assert "feeds.nbcnews.com" in page and "NBC News" in page and "not polled yet" in page


def _cli_env(sqlite_url, redis_prefix, **extra):
    return {"NEWSPRISM_DATABASE_URL": sqlite_url, "NEWSPRISM_REDIS_URL": REDIS_URL,
            "NEWSPRISM_REDIS_PREFIX": redis_prefix, "NEWSPRISM_PRELOAD_MODEL": "false",
            "NEWSPRISM_FETCH_HOST_DELAY_SECONDS": "0", **extra}


def test_the_cli_adds_lists_polls_and_removes_sources(sqlite_url, redis_prefix, embedder):
    server = FeedServer().start()
    paths = ["/a/1", "/a/2"]
    server.routes["/feed"] = Resource(rss(server.url(""), paths), "application/rss+xml")
    for i, p in enumerate(paths):
        server.routes[p] = Resource(article_html(i))
    runner = CliRunner()
    env = _cli_env(sqlite_url, redis_prefix, NEWSPRISM_FETCH_ALLOW_LOOPBACK="true")
    try:
        added = runner.invoke(main, ["sources", "add", server.url("/feed"), "--outlet", "RFE/RL",
                                     "--interval", "10"], env=env)
        assert added.exit_code == 0 and "added: source 1" in added.output, added.output
        twice = runner.invoke(main, ["sources", "add", server.url("/feed"), "--outlet", "RFE/RL"], env=env)
        assert twice.exit_code == 0 and "already followed" in twice.output
        bad = runner.invoke(main, ["sources", "add", server.url("/feed"), "--outlet", "Nobody Times"], env=env)
        assert bad.exit_code != 0 and "outlet" in bad.output
        polled = runner.invoke(main, ["sources", "poll"], env=env)
        assert polled.exit_code == 0, polled.output
        assert "ok; 2 items, 0 already stored, 2 created" in polled.output
        assert "no source is due" in runner.invoke(main, ["sources", "poll"], env=env).output
        forced = runner.invoke(main, ["sources", "poll", "--source", "1", "--json"], env=env)
        report = json.loads(forced.output)["reports"][0]
        assert (report["status"], report["known"], report["created"]) == ("ok", 2, 0)
        listed = json.loads(runner.invoke(main, ["sources", "list", "--json"], env=env).output)["items"]
        assert len(listed) == 1 and HEALTH_KEYS <= set(listed[0])
        assert (listed[0]["items_seen"], listed[0]["articles_created"], listed[0]["last_status"]) == (4, 2, "ok")
        table = runner.invoke(main, ["sources", "list"], env=env)
        assert table.exit_code == 0 and "RFE/RL" in table.output
        assert runner.invoke(main, ["sources", "poll", "--source", "9"], env=env).exit_code != 0
        assert runner.invoke(main, ["sources", "remove", "1"], env=env).exit_code == 0
        assert runner.invoke(main, ["sources", "remove", "1"], env=env).exit_code != 0
        assert json.loads(runner.invoke(main, ["sources", "list", "--json"], env=env).output)["items"] == []
    finally:
        server.stop()


def test_metrics_count_the_sources(app, client):
    sources = app.extensions["newsprism"].sources
    sources.add("https://feeds.nbcnews.com/nbcnews/public/news", "NBC News")
    sources.add("https://www.themoscowtimes.com/rss/news", "The Moscow Times")
    body = client.get("/api/v1/metrics").get_data(as_text=True)
    assert "newsprism_sources_followed 2" in body and "newsprism_sources_failing 0" in body


def test_upgrading_a_0001_store_keeps_its_rows(any_db_url):
    db = Database(any_db_url)
    try:
        db.upgrade("0001")
        with db.engine.begin() as c:
            c.execute(text("INSERT INTO outlets (id, name, slug, domains) VALUES (1, 'NBC News', 'nbc-news', '[]')"))
            c.execute(text("INSERT INTO stories (id, version, keywords, article_count, outlet_count, created_at, "
                           "updated_at) VALUES (1, 1, '[]', 1, 1, '2026-01-01', '2026-01-01')"))
            c.execute(text("INSERT INTO articles (id, outlet_id, title, raw_text, clean_text, ingested_at, "
                           "content_hash, story_id) VALUES (1, 1, 'T', 'r', 'c', '2026-01-01', 'h', 1)"))
        db.upgrade()
        with db.engine.connect() as c:
            assert c.execute(text("SELECT title FROM articles")).scalars().all() == ["T"]
            assert c.execute(text("SELECT name FROM outlets")).scalars().all() == ["NBC News"]
            assert c.execute(text("SELECT count(*) FROM sources")).scalar_one() == 0
        db.upgrade("0001")  # and back down
        with db.engine.connect() as c:
            assert c.execute(text("SELECT count(*) FROM articles")).scalar_one() == 1
    finally:
        db.dispose()


def test_the_example_sources_file_parses_and_names_known_outlets():
    data = tomllib.loads((ROOT / "config" / "sources.example.toml").read_text(encoding="utf-8"))
    registry = OutletRegistry.from_dict(tomllib.loads((ROOT / "config" / "outlets.toml").read_text("utf-8")))
    assert data["enabled"] is False
    outlets = [row["outlet"] for row in data["source"]]
    assert all(registry.by_name(o) is not None for o in outlets), [o for o in outlets if not registry.by_name(o)]
    assert len(set(outlets)) >= 20
    assert {"NBC News", "The Moscow Times", "RFE/RL", "The Times of India", "The Independent",
            "The Guardian"} <= set(outlets)
    assert all(row["url"].startswith(("https://", "http://")) for row in data["source"])
    assert len({row["url"] for row in data["source"]}) == len(data["source"])


def test_seeding_adds_nothing_while_the_file_is_disabled(app, tmp_path):
    sources = app.extensions["newsprism"].sources
    example = ROOT / "config" / "sources.example.toml"
    assert sources.seed(example)["added"] == 0 and sources.list_all() == []
    assert sources.seed(tmp_path / "absent.toml")["enabled"] is False
    enabled = tmp_path / "sources.toml"
    enabled.write_text(example.read_text(encoding="utf-8").replace("enabled = false", "enabled = true"))
    first = sources.seed(enabled)
    assert first["added"] >= 20 and sources.seed(enabled) == {**first, "added": 0, "known": first["added"]}


def test_the_source_book_on_both_stores(any_db_url):
    from service.usecases.sources import SourceBook

    db = Database(any_db_url)
    registry = OutletRegistry.from_dict(tomllib.loads((ROOT / "config" / "outlets.toml").read_text("utf-8")))
    try:
        db.upgrade()
        book = SourceBook(db, registry, 30)
        a, new_a = book.add("https://feeds.nbcnews.com/nbcnews/public/news", "nbc news")
        b, _ = book.add("https://tass.com/rss/v2.xml", "TASS", 60)
        again, new_again = book.add("https://FEEDS.nbcnews.com/nbcnews/public/news/", "NBC News", 10)
        assert new_a and not new_again and again["id"] == a["id"] and again["interval_minutes"] == 10
        assert set(book.due_ids()) == {a["id"], b["id"]}
        assert book.totals() == {"followed": 2, "enabled": 2, "failing": 0, "items_seen_total": 0,
                                 "articles_created_total": 0}
        book.remove(b["id"])
        assert [s["outlet"] for s in book.list_all()] == ["NBC News"]
    finally:
        db.dispose()
