"""Fixtures: real SQLite and PostgreSQL stores, a real Redis (own DB number and key prefix,
cleaned up), the real embedding model loaded once per session, the Flask test client."""
from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
SEED = SHARED / "seed-putin" / "articles.jsonl"
ALLSIDES = SHARED / "allsides-neus-2021" / "articles.jsonl"
REDIS_URL = os.environ.get("NEWSPRISM_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
PG_URL = os.environ.get("NEWSPRISM_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
API_KEY = "test-key-newsprism"
AUTH = {"Authorization": f"Bearer {API_KEY}"}


def need_shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} not present: the shared data sets live beside the repo in ../shared/data")
    return path


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def seed_articles() -> list[dict]:
    """The seed's articles with the article fields only (never the aggregator's rewrite)."""
    rows = read_jsonl(need_shared(SEED))
    return [{k: r[k] for k in ("id", "outlet", "title", "text", "published_at", "url") if r.get(k)} for r in rows]


def redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=0.5).ping())
    except Exception:  # noqa: BLE001
        return False


def postgres_available() -> bool:
    from sqlalchemy import create_engine, text

    try:
        eng = create_engine(PG_URL)
        with eng.connect() as c:
            c.execute(text("select 1"))
        eng.dispose()
        return True
    except Exception:  # noqa: BLE001
        return False


@pytest.fixture(scope="session")
def embedder():
    """The real model, loaded once for the whole run (shared by every app built in tests)."""
    from service.wiring import shared_embedder

    return shared_embedder("sentence-transformers/all-MiniLM-L6-v2", 32).load()


@pytest.fixture
def redis_prefix():
    """A key prefix of this test's own; every key under it is deleted afterwards."""
    import redis

    prefix = "nptest-" + uuid.uuid4().hex[:10]
    yield prefix
    try:
        client = redis.Redis.from_url(REDIS_URL)
        for pattern in (prefix + ":*", f"LIMITS:LIMITER/{prefix}:*"):
            for key in client.scan_iter(match=pattern, count=1000):
                client.delete(key)
    except Exception:  # noqa: BLE001 - a test that killed Redis cleans nothing
        pass


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path}/newsprism.db"


@pytest.fixture
def pg_url():
    """A PostgreSQL schema of this test's own, dropped afterwards."""
    if not postgres_available():
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    from sqlalchemy import create_engine, text

    schema = "nptest_" + uuid.uuid4().hex[:10]
    eng = create_engine(PG_URL)
    with eng.begin() as c:
        c.execute(text(f"CREATE SCHEMA {schema}"))
    yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    with eng.begin() as c:
        c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    eng.dispose()


def make_app(db_url: str, redis_prefix: str, **overrides):
    from service.http.app import create_app

    settings = {"database_url": db_url, "redis_url": REDIS_URL, "redis_prefix": redis_prefix,
                "api_keys": [API_KEY], "testing": True, "preload_model": False,
                "rate_limit_read": "100000/minute", "rate_limit_write": "100000/minute",
                "rate_limit_read_uncached": "100000/minute", "rate_limit_match_client": "100000/minute",
                "rate_limit_match_address": "100000/minute", **overrides}
    app = create_app(settings)
    app.extensions["newsprism"].db.upgrade()
    return app


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_url(request, tmp_path):
    """Both stores: the store suite runs against each."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/newsprism.db"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def app(sqlite_url, redis_prefix, embedder):
    app = make_app(sqlite_url, redis_prefix)
    yield app
    app.extensions["newsprism"].close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
