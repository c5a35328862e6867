"""Rate limits (Flask-Limiter on Redis), API keys (hashed, CLI-managed), the OpenAPI spec."""
import re

from click.testing import CliRunner

from tests.conftest import AUTH, make_app


def test_reads_are_rate_limited_with_retry_after(sqlite_url, redis_prefix, embedder):
    app = make_app(sqlite_url, redis_prefix, rate_limit_read="3/minute")
    c = app.test_client()
    codes = [c.get("/api/v1/articles").status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    r = c.get("/api/v1/articles")
    assert r.mimetype == "application/problem+json" and r.get_json()["status"] == 429
    assert int(r.headers["Retry-After"]) > 0
    # the limit is per key when one is sent: another caller is not affected
    assert c.get("/api/v1/articles", headers=AUTH).status_code == 200
    # health stays reachable for probes
    assert c.get("/api/v1/health").status_code == 200


def test_rate_limit_counters_live_in_redis(sqlite_url, redis_prefix, embedder):
    import redis

    from tests.conftest import REDIS_URL

    app = make_app(sqlite_url, redis_prefix, rate_limit_read="50/minute")
    app.test_client().get("/api/v1/articles")
    keys = list(redis.Redis.from_url(REDIS_URL).scan_iter(match=f"LIMITS:LIMITER/{redis_prefix}:rl/*"))
    assert keys, "the limiter should count in Redis"


def test_keys_cli_creates_lists_and_revokes_hashed_keys(sqlite_url, redis_prefix, embedder, monkeypatch):
    from service.cli import main

    monkeypatch.setenv("NEWSPRISM_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("NEWSPRISM_REDIS_PREFIX", redis_prefix)
    runner = CliRunner()
    created = runner.invoke(main, ["keys", "create", "alice"])
    assert created.exit_code == 0, created.output
    key = created.output.strip().splitlines()[-1]
    assert key.startswith("np_")
    listed = runner.invoke(main, ["keys", "list"]).output
    assert "alice" in listed and key not in listed and "active" in listed

    app = make_app(sqlite_url, redis_prefix, api_keys=[])
    c = app.test_client()
    article = {"outlet": "Capital Wire", "title": "Ferry fares rise", "text": "Ferry fares rise by ten percent in April."}
    assert c.post("/api/v1/articles", json=article, headers={"Authorization": f"Bearer {key}"}).status_code == 201
    with app.extensions["newsprism"].db.session() as s:
        from sqlalchemy import text

        stored = s.execute(text("select key_hash from api_keys")).scalars().all()
    assert key not in stored and len(stored[0]) == 64

    assert runner.invoke(main, ["keys", "revoke", "alice"]).exit_code == 0
    app.extensions["newsprism"].keys._loaded_at = float("-inf")
    second = dict(article, title="Ferry fares rise again", text="A second rise follows in May.")
    assert c.post("/api/v1/articles", json=second, headers={"Authorization": f"Bearer {key}"}).status_code == 401


def test_openapi_spec_covers_every_api_route(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint not in {"openapi.openapi_json", "openapi.docs_page"}:
            path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
            assert path in paths, f"{rule.rule} missing from the spec"
    post = paths["/api/v1/articles"]["post"]
    assert post["security"] == [{"bearer": []}]
    assert "ArticleIn" in spec["components"]["schemas"]
