"""Hostile input, one case each: a 4xx in the one error shape (or stored safely as text),
and the store unchanged or consistent afterwards."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from service.store.models import Article, Story
from tests.conftest import AUTH

BASE = {"id": "h-0", "outlet": "Capital Wire", "title": "Harbour bridge closes for repairs",
        "text": "The harbour bridge closed on Monday for a month of repairs, the council said.",
        "published_at": "2026-03-10T09:00:00Z"}


def snapshot(app):
    svc = app.extensions["newsprism"]
    with svc.db.session() as s:
        return (s.execute(select(func.count(Article.id))).scalar_one(),
                tuple(s.execute(select(Story.id, Story.version, Story.article_count).order_by(Story.id)).all()))


@pytest.fixture(scope="module")
def app(tmp_path_factory, embedder):
    """One app for the module: every case must leave the store as it found it."""
    import uuid

    from tests.conftest import make_app

    prefix = "nptest-" + uuid.uuid4().hex[:10]
    app = make_app(f"sqlite:///{tmp_path_factory.mktemp('hostile')}/h.db", prefix)
    yield app
    app.extensions["newsprism"].cache.delete_prefix(prefix + ":*")
    app.extensions["newsprism"].close()


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


@pytest.fixture
def seeded(app, client):
    r = client.post("/api/v1/articles", json=BASE, headers=AUTH)
    assert r.status_code in (200, 201)
    return snapshot(app)


def nest(depth: int) -> str:
    return "[" * depth + "]" * depth


def post_raw(client, data: bytes, ctype="application/json"):
    return client.post("/api/v1/articles", data=data, headers={**AUTH, "Content-Type": ctype})


# (name, request builder, expected status) — each rejected without touching the store
REJECTED = [
    ("malformed json", lambda c: post_raw(c, b'{"title": '), 400),
    ("invalid utf-8", lambda c: post_raw(c, b'{"title": "\xc3\x28"}'), 400),
    ("utf-16 body", lambda c: post_raw(c, json.dumps(BASE).encode("utf-16")), 400),
    ("deeply nested json", lambda c: post_raw(c, nest(5000).encode()), 400),
    ("nested json inside a field", lambda c: post_raw(c, json.dumps({**BASE, "text": json.loads(nest(200))}).encode()), 422),
    ("top-level string", lambda c: post_raw(c, b'"hello"'), 400),
    ("top-level number", lambda c: post_raw(c, b"42"), 400),
    ("null body", lambda c: post_raw(c, b"null"), 400),
    ("form body", lambda c: post_raw(c, b"a=b", "application/x-www-form-urlencoded"), 415),
    ("text/plain body", lambda c: post_raw(c, json.dumps(BASE).encode(), "text/plain"), 415),
    ("body over the limit", lambda c: post_raw(c, json.dumps({**BASE, "text": "x" * 9_000_000}).encode()), 413),
    ("10 MB of text in one field", lambda c: post_raw(c, b'{"title":"t","outlet":"o","text":"' + b"a" * 10_000_000 + b'"}'), 413),
    ("title of 100,000 characters", lambda c: c.post("/api/v1/articles", json={**BASE, "id": "h-1", "title": "T" * 100_000}, headers=AUTH), 422),
    ("text over max_text_chars", lambda c: c.post("/api/v1/articles", json={**BASE, "id": "h-2", "text": "word " * 50_000}, headers=AUTH), 422),
    ("NUL byte in text", lambda c: c.post("/api/v1/articles", json={**BASE, "id": "h-3", "text": "a\u0000b"}, headers=AUTH), 422),
    ("NUL byte in title", lambda c: c.post("/api/v1/articles", json={**BASE, "id": "h-4", "title": "a\u0000b"}, headers=AUTH), 422),
    ("NUL byte in external id", lambda c: c.post("/api/v1/articles", json={**BASE, "id": "x\u0000"}, headers=AUTH), 422),
    ("wrong type: title number", lambda c: c.post("/api/v1/articles", json={**BASE, "title": 5}, headers=AUTH), 422),
    ("wrong type: text object", lambda c: c.post("/api/v1/articles", json={**BASE, "text": {"a": 1}}, headers=AUTH), 422),
    ("wrong type: id list", lambda c: c.post("/api/v1/articles", json={**BASE, "id": [1]}, headers=AUTH), 422),
    ("wrong type: articles object", lambda c: c.post("/api/v1/articles", json={"articles": {"a": 1}}, headers=AUTH), 422),
    ("unknown field", lambda c: c.post("/api/v1/articles", json={**BASE, "aggregator_rewrite": "x"}, headers=AUTH), 422),
    ("unknown field beside articles", lambda c: c.post("/api/v1/articles", json={"articles": [BASE], "x": 1}, headers=AUTH), 422),
    ("date in an odd format", lambda c: c.post("/api/v1/articles", json={**BASE, "id": "h-5", "published_at": "29/01/2025"}, headers=AUTH), 422),
    ("date as words", lambda c: c.post("/api/v1/articles", json={**BASE, "id": "h-6", "published_at": "last Tuesday"}, headers=AUTH), 422),
    ("date far in the future", lambda c: c.post("/api/v1/articles", json={**BASE, "id": "h-7", "published_at": "2999-12-31T00:00:00Z"}, headers=AUTH), 422),
    ("date before 1800", lambda c: c.post("/api/v1/articles", json={**BASE, "id": "h-8", "published_at": "1066-10-14"}, headers=AUTH), 422),
    ("date as epoch number", lambda c: c.post("/api/v1/articles", json={**BASE, "id": "h-9", "published_at": 1737000000}, headers=AUTH), 422),
    ("URL with credentials", lambda c: c.post("/api/v1/articles", json={**BASE, "id": "h-10", "url": "https://u:p@cnn.com/x"}, headers=AUTH), 422),
    ("file:// URL", lambda c: c.post("/api/v1/articles", json={**BASE, "id": "h-11", "url": "file:///etc/passwd"}, headers=AUTH), 422),
    ("javascript: URL", lambda c: c.post("/api/v1/articles", json={**BASE, "id": "h-12", "url": "javascript:alert(1)"}, headers=AUTH), 422),
    ("only white space text", lambda c: c.post("/api/v1/articles", json={**BASE, "id": "h-13", "text": " \n\t "}, headers=AUTH), 422),
    ("only zero-width text", lambda c: c.post("/api/v1/articles", json={**BASE, "id": "h-14", "text": "\u200b\u200b\ufeff"}, headers=AUTH), 422),
    ("boilerplate only", lambda c: c.post("/api/v1/articles", json={**BASE, "id": "h-15", "text": "Advertisement:\nCLICK HERE TO GET THE FOX NEWS APP"}, headers=AUTH), 422),
    ("no key", lambda c: c.post("/api/v1/articles", json={**BASE, "id": "h-16"}), 401),
    ("wrong key", lambda c: c.post("/api/v1/articles", json={**BASE, "id": "h-17"}, headers={"Authorization": "Bearer nope"}), 401),
    ("external id reused for other content", lambda c: c.post("/api/v1/articles", json={**BASE, "title": "Other", "text": "Completely different words."}, headers=AUTH), 409),
    ("query: per_page too large", lambda c: c.get("/api/v1/articles?per_page=100000"), 422),
    ("query: page not a number", lambda c: c.get("/api/v1/stories?page=abc"), 422),
    ("query: unknown parameter", lambda c: c.get("/api/v1/stories?drop=table"), 422),
    ("method not allowed", lambda c: c.delete("/api/v1/articles"), 405),
    ("unknown route", lambda c: c.get("/api/v1/nothing-here"), 404),
    ("huge story id", lambda c: c.get("/api/v1/stories/99999999999999999999"), 404),
]


@pytest.mark.parametrize("name,call,status", REJECTED, ids=[r[0] for r in REJECTED])
def test_rejected_in_the_one_error_shape_and_store_unchanged(app, client, seeded, name, call, status):
    resp = call(client)
    assert resp.status_code == status, resp.get_data(as_text=True)[:500]
    assert resp.mimetype == "application/problem+json"
    body = resp.get_json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"].startswith("https://")
    assert snapshot(app) == seeded


STORED_AS_TEXT = [
    ("script payload", "<script>window.__pwned=1</script> Harbour strike", "<img src=x onerror=alert(1)> dockers walk out"),
    ("SQL-looking strings", "Robert'); DROP TABLE articles;--", "1 OR 1=1; DELETE FROM stories; -- the port closed"),
    ("right-to-left text", "\u202eesolc ot egdirb", "שביתה בנמל. The dock strike began on Monday in the port."),
    ("zero-width characters inside words", "Har\u200bbour strike", "Dock\u200d workers\u200c walked out on Monday."),
    ("emoji and astral characters", "Strike 🚢⚓", "Dockers 𝔴𝔞𝔩𝔨𝔢𝔡 out 😀 on Monday at the port."),
]


@pytest.mark.parametrize("name,title,text", STORED_AS_TEXT, ids=[r[0] for r in STORED_AS_TEXT])
def test_odd_but_valid_text_is_stored_verbatim_as_text(app, client, seeded, name, title, text):
    r = client.post("/api/v1/articles", json={"outlet": "Capital Wire", "title": title, "text": text}, headers=AUTH)
    assert r.status_code == 201, r.get_data(as_text=True)
    art = r.get_json()["article"]
    assert art["title"].replace("\u200b", "") == title.replace("\u200b", "")
    assert snapshot(app)[0] == seeded[0] + 1
    # tables still there and consistent
    assert client.get("/api/v1/articles").get_json()["total"] == seeded[0] + 1


def test_every_response_carries_security_headers(client):
    for path in ("/api/v1/health", "/api/v1/articles", "/api/v1/nothing"):
        h = client.get(path).headers
        assert h["X-Content-Type-Options"] == "nosniff"
        assert h["X-Frame-Options"] == "DENY"
        assert "Content-Security-Policy" in h
