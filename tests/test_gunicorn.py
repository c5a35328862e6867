"""The Docker entrypoint (migrate, then exec gunicorn) run for real, outside Docker."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import API_KEY, REDIS_URL, ROOT, seed_articles
from service.devtools.served import free_port


@pytest.fixture
def served(tmp_path, redis_prefix):
    port = free_port()
    env = dict(os.environ, NEWSPRISM_DATABASE_URL=f"sqlite:///{tmp_path}/served.db", NEWSPRISM_REDIS_URL=REDIS_URL,
               NEWSPRISM_REDIS_PREFIX=redis_prefix, NEWSPRISM_API_KEYS=API_KEY, NEWSPRISM_BIND=f"127.0.0.1:{port}",
               NEWSPRISM_WORKERS="2", NEWSPRISM_ACCESS_LOG="/dev/null",
               PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
    proc = subprocess.Popen([str(ROOT / "bin" / "entrypoint.sh")], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if httpx.get(base + "/api/v1/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
        if proc.poll() is not None:
            pytest.fail("gunicorn exited: " + proc.stdout.read().decode(errors="replace")[-3000:])
    else:
        os.killpg(proc.pid, signal.SIGTERM)
        pytest.fail("gunicorn did not answer within 120 s")
    yield base
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


def test_entrypoint_migrates_and_serves_the_seed(served):
    auth = {"Authorization": f"Bearer {API_KEY}"}
    r = httpx.post(served + "/api/v1/articles", json={"articles": seed_articles()}, headers=auth, timeout=120)
    assert r.status_code == 201 and r.json()["created"] == 10
    again = httpx.post(served + "/api/v1/articles", json={"articles": seed_articles()}, headers=auth, timeout=120)
    assert again.status_code == 200 and again.json()["created"] == 0
    health = httpx.get(served + "/api/v1/health").json()
    assert health["cache"]["backend"] == "redis" and health["database"]["ok"]
    assert httpx.get(served + "/api/v1/articles").json()["total"] == 10
    assert httpx.post(served + "/api/v1/articles", json={}, timeout=10).status_code == 401


def test_rate_limits_hold_across_gunicorn_workers(tmp_path, redis_prefix):
    """Three workers share one Redis counter: the limit is global, not per worker."""
    from tests.servers import gunicorn

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
