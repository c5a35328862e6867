"""Ingest and read articles over HTTP (Flask test client, real SQLite, Redis and model)."""
import pytest

from tests.conftest import AUTH, seed_articles

ARTICLE = {"id": "t-1", "outlet": "Capital Wire", "title": "Council votes to close the old bridge",
           "text": "The city council voted 7-2 on Tuesday to close the Elm Street bridge for repairs.\n\n"
                   "Engineers said the steel was corroded.", "published_at": "2026-03-10T09:00:00Z"}


def problem_of(resp, status):
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.mimetype == "application/problem+json"
    body = resp.get_json()
    assert set(body) >= {"type", "title", "status", "detail"} and body["status"] == status
    return body


def count(client):
    return client.get("/api/v1/articles").get_json()["total"]


def test_seed_articles_are_stored_once_and_reposting_is_idempotent(client):
    arts = seed_articles()
    r = client.post("/api/v1/articles", json={"articles": arts}, headers=AUTH)
    assert r.status_code == 201
    body = r.get_json()
    assert body["created"] == 10 and body["duplicates"] == 0
    assert [x["external_id"] for x in body["results"]] == [a["id"] for a in arts]
    assert all(x["story_id"] for x in body["results"])
    again = client.post("/api/v1/articles", json={"articles": arts}, headers=AUTH)
    assert again.status_code == 200
    assert again.get_json()["duplicates"] == 10
    assert [x["id"] for x in again.get_json()["results"]] == [x["id"] for x in body["results"]]
    assert count(client) == 10


def test_single_article_roundtrip_by_internal_and_external_id(client):
    r = client.post("/api/v1/articles", json=ARTICLE, headers=AUTH)
    assert r.status_code == 201
    art = r.get_json()["article"]
    assert art["external_id"] == "t-1" and art["outlet"] == "Capital Wire"
    by_ext = client.get("/api/v1/articles/t-1").get_json()
    by_int = client.get(f"/api/v1/articles/{art['id']}").get_json()
    assert by_ext == by_int and by_ext["text"].startswith("The city council")
    assert client.get("/api/v1/articles/nope").status_code == 404


def test_same_content_with_other_spacing_is_a_duplicate(client):
    first = client.post("/api/v1/articles", json=ARTICLE, headers=AUTH).get_json()["article"]
    variant = dict(ARTICLE, id="t-2", text=ARTICLE["text"].replace(" ", "  ").upper())
    r = client.post("/api/v1/articles", json=variant, headers=AUTH)
    assert r.status_code == 200 and r.get_json()["status"] == "duplicate"
    assert r.get_json()["article"]["id"] == first["id"]


def test_same_url_is_a_duplicate_even_with_tracking_parameters(client):
    a = dict(ARTICLE, url="https://www.nytimes.com/2026/03/10/bridge.html")
    first = client.post("/api/v1/articles", json=a, headers=AUTH).get_json()["article"]
    assert first["outlet"] == "Capital Wire"
    b = dict(ARTICLE, id="other", title="Changed headline", text="Updated body text entirely different.",
             url="https://nytimes.com/2026/03/10/bridge.html?utm_source=x")
    r = client.post("/api/v1/articles", json=b, headers=AUTH)
    assert r.get_json()["status"] == "duplicate" and r.get_json()["article"]["id"] == first["id"]


def test_outlet_resolves_from_the_url_domain(client):
    a = {k: v for k, v in ARTICLE.items() if k != "outlet"}
    a["url"] = "https://edition.cnn.com/2026/03/10/bridge"
    r = client.post("/api/v1/articles", json=a, headers=AUTH)
    assert r.status_code == 201 and r.get_json()["article"]["outlet"] == "CNN"
    unknown = dict(a, id="x2", url="https://unknown-paper.example/a", text="Something else entirely here.")
    body = problem_of(client.post("/api/v1/articles", json=unknown, headers=AUTH), 422)
    assert body["errors"][0]["field"] == "outlet"


def test_writes_need_a_valid_key_and_reads_do_not(client):
    problem_of(client.post("/api/v1/articles", json=ARTICLE), 401)
    problem_of(client.post("/api/v1/articles", json=ARTICLE, headers={"Authorization": "Bearer wrong"}), 401)
    problem_of(client.post("/api/v1/articles", json=ARTICLE, headers={"Authorization": "Basic abc"}), 401)
    assert count(client) == 0
    assert client.get("/api/v1/articles").status_code == 200


@pytest.mark.parametrize("data,ctype,status", [
    (b'{"title": "x", ', "application/json", 400),
    (b"\xff\xfe{}", "application/json", 400),
    (b"", "application/json", 400),
    (b"[1, 2]", "application/json", 400),
    (b"title=x", "application/x-www-form-urlencoded", 415),
])
def test_malformed_bodies_get_a_problem(client, data, ctype, status):
    problem_of(client.post("/api/v1/articles", data=data, headers={**AUTH, "Content-Type": ctype}), status)
    assert count(client) == 0


@pytest.mark.parametrize("patch,field", [
    ({"title": None}, "(body)"),
    ({"text": None}, "(body)"),
    ({"title": 42}, "title"),
    ({"text": ["a"]}, "text"),
    ({"published_at": "yesterday"}, "published_at"),
    ({"published_at": "2999-01-01"}, "published_at"),
    ({"published_at": 1700000000}, "published_at"),
    ({"url": "file:///etc/passwd"}, "url"),
    ({"url": "https://user:pw@cnn.com/a"}, "url"),
    ({"text": "a\x00b"}, "text"),
    ({"language": "english please"}, "language"),
    ({"surprise": 1}, "surprise"),
])
def test_invalid_fields_get_422_naming_the_field(client, patch, field):
    a = {k: v for k, v in {**ARTICLE, **patch}.items() if v is not None}
    body = problem_of(client.post("/api/v1/articles", json=a, headers=AUTH), 422)
    assert field in [e["field"] for e in body["errors"]]
    assert count(client) == 0


def test_over_large_body_is_413_and_nothing_is_stored(sqlite_url, redis_prefix, embedder):
    from tests.conftest import make_app

    app = make_app(sqlite_url, redis_prefix, max_body_bytes=5000)
    c = app.test_client()
    problem_of(c.post("/api/v1/articles", json=dict(ARTICLE, text="word " * 5000), headers=AUTH), 413)
    assert count(c) == 0


def test_over_long_title_is_422(client):
    problem_of(client.post("/api/v1/articles", json=dict(ARTICLE, title="t" * 5000), headers=AUTH), 422)


def test_batch_stores_good_items_and_reports_bad_ones_by_index(client):
    items = [ARTICLE, {"title": "no body"}, "not an object", dict(ARTICLE, id="t-9", title="Another", text="Different text.")]
    r = client.post("/api/v1/articles", json={"articles": items}, headers=AUTH)
    assert r.status_code == 201
    body = r.get_json()
    assert (body["created"], body["rejected"]) == (2, 2)
    statuses = {x["index"]: x["status"] for x in body["results"]}
    assert statuses == {0: "created", 1: "rejected", 2: "rejected", 3: "created"}
    assert body["results"][1]["error"]["errors"]
    assert count(client) == 2


def test_all_bad_batch_is_422_and_over_long_batch_is_rejected(app, client):
    problem_of(client.post("/api/v1/articles", json={"articles": [{"x": 1}]}, headers=AUTH), 422)
    n = app.extensions["newsprism"].settings.max_batch + 1
    problem_of(client.post("/api/v1/articles", json={"articles": [ARTICLE] * n}, headers=AUTH), 422)
    problem_of(client.post("/api/v1/articles", json={"articles": []}, headers=AUTH), 422)


def test_script_payloads_are_stored_as_text(client):
    evil = dict(ARTICLE, title="<script>alert(1)</script> Bridge", text="<img src=x onerror=alert(1)> text body here")
    art = client.post("/api/v1/articles", json=evil, headers=AUTH).get_json()["article"]
    assert art["title"].startswith("<script>")


def test_html_input_is_extracted(client):
    html = ("<html><head><title>Port strike enters second day</title></head><body><article><p>"
            + "Dock workers kept the port closed on Wednesday, union leaders said. " * 5 + "</p></article></body></html>")
    r = client.post("/api/v1/articles", json={"outlet": "Capital Wire", "html": html}, headers=AUTH)
    assert r.status_code == 201
    art = r.get_json()["article"]
    assert art["title"] == "Port strike enters second day" and "Dock workers" in art["text"]


def test_list_is_paginated_with_total(client):
    client.post("/api/v1/articles", json={"articles": seed_articles()}, headers=AUTH)
    page = client.get("/api/v1/articles?per_page=3&page=2").get_json()
    assert page["total"] == 10 and len(page["items"]) == 3 and page["page"] == 2
    problem_of(client.get("/api/v1/articles?per_page=0"), 422)
