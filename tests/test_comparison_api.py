"""The comparison over HTTP and the CLI: computed once per story version, then served from
Redis; a new article in the story means a new key, never a stale answer."""
import json

import redis
from click.testing import CliRunner

from clustering.compare import ENGINE_VERSION
from tests.conftest import AUTH, REDIS_URL, seed_articles


def story_of(client, external_id):
    return client.get(f"/api/v1/articles/{external_id}").get_json()["story_id"]


def test_warm_request_comes_from_redis_and_a_new_article_changes_the_key(app, client, redis_prefix):
    client.post("/api/v1/articles", json={"articles": seed_articles()}, headers=AUTH)
    sid = story_of(client, "seed-03")
    version = client.get(f"/api/v1/stories/{sid}").get_json()["version"]
    cold = client.get(f"/api/v1/stories/{sid}/comparison")
    assert cold.status_code == 200 and cold.headers["X-Cache"] == "miss"
    av = app.extensions["newsprism"].settings.analysis_version
    store = app.extensions["newsprism"].db.store_id
    key = f"{redis_prefix}:{av}:{store}:story:{sid}:{version}:comparison:{ENGINE_VERSION}"
    r = redis.Redis.from_url(REDIS_URL)
    assert r.exists(key)
    app.extensions["newsprism"].cache.local.clear()  # the answer must come from Redis itself
    warm = client.get(f"/api/v1/stories/{sid}/comparison")
    assert warm.headers["X-Cache"] == "hit" and warm.get_data() == cold.get_data()
    assert client.get(f"/api/v1/stories/{sid}/comparison", headers={"If-None-Match": warm.headers["ETag"]}).status_code == 304

    body = cold.get_json()
    assert body["story"]["id"] == sid and body["story"]["version"] == version
    assert {o["outlet"] for o in body["outlets"]} == set(body["story"]["outlets"])

    # the same story told once more: assigned to it, its version moves on, a new key is used
    seed = {a["id"]: a for a in seed_articles()}["seed-03"]
    # (dated: an undated article sent alone is placed at its ingest time, far from this story)
    extra = {"id": "extra-1", "outlet": "Kyiv Independent", "title": seed["title"], "published_at": "2025-01-29",
             "text": seed["text"].split("\n\n")[0] + "\n\nKyiv said the remarks showed Moscow was not serious about peace."}
    created = client.post("/api/v1/articles", json=extra, headers=AUTH).get_json()["article"]
    assert created["story_id"] == sid
    newer = client.get(f"/api/v1/stories/{sid}/comparison")
    assert newer.headers["X-Cache"] == "miss"
    assert newer.get_json()["story"]["version"] == version + 1
    assert "Kyiv Independent" in newer.get_json()["story"]["outlets"]
    assert r.exists(f"{redis_prefix}:{av}:{store}:story:{sid}:{version + 1}:comparison:{ENGINE_VERSION}")


def test_unknown_story_is_404(client):
    assert client.get("/api/v1/stories/424242/comparison").status_code == 404


def test_compare_cli_prints_json_and_a_report(app, client, sqlite_url, redis_prefix, monkeypatch):
    from service.cli import main

    client.post("/api/v1/articles", json={"articles": seed_articles()}, headers=AUTH)
    sid = story_of(client, "seed-03")
    monkeypatch.setenv("NEWSPRISM_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("NEWSPRISM_REDIS_URL", REDIS_URL)
    monkeypatch.setenv("NEWSPRISM_REDIS_PREFIX", redis_prefix)
    out = CliRunner().invoke(main, ["compare", str(sid), "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["story"]["id"] == sid
    report = CliRunner().invoke(main, ["compare", str(sid)])
    assert report.exit_code == 0 and "The Moscow Times" in report.output
    missing = CliRunner().invoke(main, ["compare", "999999"])
    assert missing.exit_code != 0 and "no story" in missing.output
