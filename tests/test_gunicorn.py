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
from tests.test_cache import free_port


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
