"""Cached answers belong to one store: two stores with the same ingest counter, story ids and
versions, sharing one Redis prefix, each get their own search, match, comparison and page
answers (before the store identity, the second store was served the first one's). The
identity itself: written by migration 0004 (kept across restarts and downgrade/upgrade), given
to a store made from the models, different for a SQLite file deleted and created again.
Real SQLite, PostgreSQL, Redis and model (tests/conftest.py)."""
from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import func, inspect, select

from service.store import Database
from service.store.models import Article, Base, StoreMeta
from tests.conftest import AUTH, make_app, seed_articles


def _articles(tag: str) -> list[dict]:
    """The seed told by store ``tag``: the same texts (so the same stories, ids, versions and
    ingest counter), its own external ids, URLs and outlet names."""
    return [{**a, "id": f"{tag}-{a['id']}", "url": f"https://{tag}.example.com/{a['id']}",
             "outlet": f"{a['outlet']} ({tag.upper()})"} for a in seed_articles()]


@pytest.fixture(params=["sqlite", "postgresql"])
def two_stores(request, tmp_path, redis_prefix, embedder):
    """Store a on SQLite, store b on SQLite or PostgreSQL, one Redis prefix."""
    urls = {"a": f"sqlite:///{tmp_path}/a.db",
            "b": f"sqlite:///{tmp_path}/b.db" if request.param == "sqlite" else request.getfixturevalue("pg_url")}
    apps = {tag: make_app(url, redis_prefix) for tag, url in urls.items()}
    for tag, app in apps.items():
        r = app.test_client().post("/api/v1/articles", json={"articles": _articles(tag)}, headers=AUTH)
        assert r.status_code == 201, r.get_data(as_text=True)
    yield apps
    for app in apps.values():
        app.extensions["newsprism"].close()


def test_two_stores_sharing_redis_each_answer_from_their_own_stories(two_stores):
    a, b = (two_stores[t].test_client() for t in ("a", "b"))
    sa, sb = (two_stores[t].extensions["newsprism"] for t in ("a", "b"))
    assert sa.db.store_id != sb.db.store_id
    sa.search.index.ensure_fresh()
    sb.search.index.ensure_fresh()
    assert sa.search.index.rows.counter == sb.search.index.rows.counter > 0
    sid = a.get("/api/v1/articles/a-seed-03").get_json()["story_id"]
    assert b.get("/api/v1/articles/b-seed-03").get_json()["story_id"] == sid
    assert (a.get(f"/api/v1/stories/{sid}").get_json()["version"]
            == b.get(f"/api/v1/stories/{sid}").get_json()["version"])

    # search: store a answers first (and caches), then store b asks the same
    from service.schemas import StoryQuery

    q = StoryQuery(q="Putin calls Zelensky illegitimate")
    for tag, svc in (("a", sa), ("b", sb)):
        found = svc.search.search(q, external_ids=True)
        ids = {x for item in found["items"] for x in item["external_ids"]}
        assert ids and all(x.startswith(f"{tag}-") for x in ids), (tag, ids)

    # match by URL: a's URL is known to a only; b holds the same counter but not the URL
    url_a = "https://a.example.com/seed-03"
    assert a.post("/api/v1/match", json={"url": url_a}).get_json()["article"]["external_id"] == "a-seed-03"
    body = b.post("/api/v1/match", json={"url": url_a}).get_json()
    assert body["status"] == "unknown_url" and body["cached"] is False, body
    url_b = "https://b.example.com/seed-03"
    assert b.post("/api/v1/match", json={"url": url_b}).get_json()["article"]["external_id"] == "b-seed-03"

    # comparison and story page: the same story id and version in both stores
    for client, tag in ((a, "a"), (b, "b")):
        raw = client.get(f"/api/v1/stories/{sid}/comparison").get_data(as_text=True)
        other = "b" if tag == "a" else "a"
        assert f"{tag}-seed-" in raw and f"{other}-seed-" not in raw, tag
        page = client.get(f"/stories/{sid}").get_data(as_text=True)
        assert f"({tag.upper()})" in page and f"({other.upper()})" not in page, tag

    # within one store, the answers are still cached (one deployment: the same hits as before)
    assert b.post("/api/v1/match", json={"url": url_b}).get_json()["cached"] is True
    assert b.get(f"/api/v1/stories/{sid}/comparison").headers["X-Cache"] == "hit"


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_migration_0004_gives_an_id_that_survives_a_restart(store, request, tmp_path):
    url = f"sqlite:///{tmp_path}/old.db" if store == "sqlite" else request.getfixturevalue("pg_url")
    db = Database(url)
    try:
        db.upgrade("0003")
        with db.engine.begin() as c:
            c.exec_driver_sql("INSERT INTO outlets (id, name, slug, domains) VALUES (1, 'AP', 'ap', '[]')")
        db.upgrade()
        first = db.store_id
        assert len(first) == 32 and int(first, 16) >= 0
        with db.session() as s:
            assert s.execute(select(func.count()).select_from(StoreMeta)).scalar_one() == 1
            assert s.execute(select(func.count(Article.id))).scalar_one() == 0
        assert Database(url).store_id == first  # another process, after a restart
        db.upgrade()  # idempotent
        assert Database(url).store_id == first
        command.downgrade(db.alembic_config(), "0003")
        assert "store_meta" not in inspect(db.engine).get_table_names()
        with db.engine.connect() as c:
            assert c.exec_driver_sql("SELECT count(*) FROM outlets").scalar_one() == 1
        db.upgrade()
        assert Database(url).store_id != first  # a new identity: answers cached before are not reused
    finally:
        db.dispose()


def test_a_recreated_sqlite_file_and_a_store_from_the_models_get_new_ids(tmp_path):
    path = tmp_path / "store.db"
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    first = db.store_id
    db.dispose()
    for suffix in ("", "-wal", "-shm"):
        (tmp_path / f"store.db{suffix}").unlink(missing_ok=True)
    again = Database(f"sqlite:///{path}")
    again.upgrade()
    assert again.store_id != first
    again.dispose()

    made = Database(f"sqlite:///{tmp_path}/models.db")
    Base.metadata.create_all(made.engine)
    given = made.store_id
    assert len(given) == 32
    assert Database(f"sqlite:///{tmp_path}/models.db").store_id == given  # written, not per process
    made.dispose()
