"""Faults caused for real: a Redis server killed and restarted under load; a PostgreSQL
connection terminated in the middle of an ingest transaction."""
from __future__ import annotations

import shutil
import subprocess
import time

import pytest
from sqlalchemy import func, select, text

from service.store.models import Article, Story
from tests.conftest import AUTH, make_app
from service.devtools.served import free_port


def article(i: int) -> dict:
    topics = ["bridge repairs", "port strike", "river spill", "rate rise", "stadium lease"]
    t = topics[i % len(topics)]
    return {"id": f"f-{i}", "outlet": ["Capital Wire", "Harbor Ledger", "Valley Radio"][i % 3],
            "title": f"Update {i} on the {t}", "published_at": "2026-03-10T09:00:00Z",
            "text": f"Officials gave update number {i} on the {t} on Tuesday. "
                    f"They said the work on the {t} would continue for weeks, item {i * 7919 % 1000}."}


class RedisServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                                      "--save", "", "--appendonly", "no"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        for _ in range(100):
            try:
                if redis.Redis(port=self.port).ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")
def test_redis_killed_and_restarted_under_load(sqlite_url, embedder):
    port = free_port()
    server = RedisServer(port)
    server.start()
    app = make_app(sqlite_url, "npfault", redis_url=f"redis://127.0.0.1:{port}/0", rate_limit_read="100000/minute")
    svc = app.extensions["newsprism"]
    c = app.test_client()
    statuses: list[int] = []
    written: set[str] = set()
    health_log: list[tuple[str, str]] = []

    def load(phase: str, start: int, n: int) -> None:
        for i in range(start, start + n):
            r = c.post("/api/v1/articles", json=article(i), headers=AUTH)
            statuses.append(r.status_code)
            if r.status_code in (200, 201):
                written.add(f"f-{i}")
            sid = r.get_json()["article"]["story_id"]
            statuses.append(c.get(f"/api/v1/stories/{sid}").status_code)
            statuses.append(c.get(f"/api/v1/stories/{sid}/comparison").status_code if i % 5 == 0 else 200)
            statuses.append(c.get("/api/v1/articles?per_page=5").status_code)
        health_log.append((phase, c.get("/api/v1/health").get_json()["cache"]["backend"]))

    try:
        load("up", 0, 10)
        server.kill()
        load("down", 10, 10)
        load("still down", 20, 5)
        server.start()
        time.sleep(svc.cache.RETRY_AFTER_S + 0.5)  # the cache retries Redis after its back-off
        load("back", 25, 10)
        # cache works on Redis again: a comparison computed now lands in Redis
        import redis

        sid = c.get("/api/v1/articles/f-30").get_json()["story_id"]
        c.get(f"/api/v1/stories/{sid}/comparison")
        keys = list(redis.Redis(port=port).scan_iter(match="npfault:*comparison*"))
    finally:
        server.kill()
    assert all(s < 500 for s in statuses), sorted(set(statuses))
    assert health_log == [("up", "redis"), ("down", "memory"), ("still down", "memory"), ("back", "redis")]
    with svc.db.session() as s:
        stored = set(s.execute(select(Article.external_id)).scalars())
        assert written == stored == {f"f-{i}" for i in range(35)}
        assert s.execute(select(func.sum(Story.article_count))).scalar_one() == 35
    assert keys, "after Redis is back, comparisons are cached there again"


def test_postgres_connection_killed_mid_write_leaves_no_half_article(pg_url, redis_prefix, embedder, monkeypatch):
    """The server terminates our backend between two inserts of a batch: nothing of the batch
    stays, the client gets a retryable 503, and the retry stores everything exactly once."""
    from service.store.stories import StoryWriter

    app = make_app(pg_url, redis_prefix)
    svc = app.extensions["newsprism"]
    c = app.test_client()
    original = StoryWriter.add_article
    calls = {"n": 0}

    def kill_connection_on_third(writer, story, art, state):
        calls["n"] += 1
        original(writer, story, art, state)
        if calls["n"] == 3:
            pid = writer.session.execute(text("select pg_backend_pid()")).scalar_one()
            killer = svc.db.engine.connect()
            killer.execute(text("select pg_terminate_backend(:p)"), {"p": pid})
            killer.commit()
            killer.close()

    monkeypatch.setattr(StoryWriter, "add_article", kill_connection_on_third)
    batch = {"articles": [article(i) for i in range(6)]}
    r = c.post("/api/v1/articles", json=batch, headers=AUTH)
    assert r.status_code == 503 and r.mimetype == "application/problem+json"
    assert "Retry-After" in r.headers
    with svc.db.session() as s:
        assert s.execute(select(func.count(Article.id))).scalar_one() == 0
        assert s.execute(select(func.count(Story.id))).scalar_one() == 0
    monkeypatch.setattr(StoryWriter, "add_article", original)
    r = c.post("/api/v1/articles", json=batch, headers=AUTH)
    assert r.status_code == 201 and r.get_json()["created"] == 6
    r = c.post("/api/v1/articles", json=batch, headers=AUTH)
    assert r.get_json()["duplicates"] == 6
