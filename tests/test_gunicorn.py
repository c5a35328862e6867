"""The Docker entrypoint (migrate, then exec gunicorn) run for real, outside Docker."""

import httpx

from tests.conftest import API_KEY, REDIS_URL, seed_articles
from tests.servers import gunicorn


def test_entrypoint_migrates_and_serves_the_seed(tmp_path, redis_prefix):
    seed = seed_articles()  # skips before any server starts when ../shared is absent
    auth = {"Authorization": f"Bearer {API_KEY}"}
    with gunicorn(f"sqlite:///{tmp_path}/served.db", REDIS_URL, redis_prefix, API_KEY) as served:
        r = httpx.post(served + "/api/v1/articles", json={"articles": seed}, headers=auth, timeout=120)
        assert r.status_code == 201 and r.json()["created"] == 10
        again = httpx.post(served + "/api/v1/articles", json={"articles": seed}, headers=auth, timeout=120)
        assert again.status_code == 200 and again.json()["created"] == 0
        health = httpx.get(served + "/api/v1/health").json()
        assert health["cache"]["backend"] == "redis" and health["database"]["ok"]
        assert httpx.get(served + "/api/v1/articles").json()["total"] == 10
        assert httpx.post(served + "/api/v1/articles", json={}, timeout=10).status_code == 401


def test_rate_limits_hold_across_gunicorn_workers(tmp_path, redis_prefix):
    """Three workers share one Redis counter: the limit is global, not per worker."""
    with gunicorn(f"sqlite:///{tmp_path}/rl.db", REDIS_URL, redis_prefix, API_KEY, workers=3,
                  NEWSPRISM_RATE_LIMIT_READ="5/minute", NEWSPRISM_PRELOAD_MODEL_IN_WORKERS="false") as base:
        with httpx.Client(base_url=base, timeout=30) as http:
            codes = []
            for _ in range(12):
                # a fresh connection each time, so requests spread over the workers
                codes.append(httpx.get(base + "/api/v1/articles", timeout=30).status_code)
            last = http.get("/api/v1/articles")
    assert codes.count(200) == 5 and codes.count(429) == 7, codes
    assert last.status_code == 429 and int(last.headers["Retry-After"]) > 0
