"""A 60-second soak in CI (the 10-minute run is `newsprism soak --seconds 600`, see
docs/reliability.md): mixed traffic at 100 requests/s against gunicorn."""
import os
import time

import httpx
import pytest

from service.devtools.loadtest import Soak, check_loopback
from service.devtools.served import unlimited_env
from tests.conftest import API_KEY, REDIS_URL, seed_articles
from tests.servers import gunicorn

SECONDS = float(os.environ.get("SOAK_SECONDS", "60"))


def test_refuses_targets_off_this_machine():
    for url in ("http://10.0.0.5:8000", "http://192.168.1.2", "https://example.com"):
        with pytest.raises(ValueError):
            check_loopback(url)
    check_loopback("http://127.0.0.1:8000")
    check_loopback("http://localhost:8000")


def test_soak_at_100_rps_has_no_errors_and_flat_memory(tmp_path, redis_prefix, embedder):
    from service.usecases.replay import SAMPLE, read_jsonl

    with gunicorn(f"sqlite:///{tmp_path}/soak.db", REDIS_URL, redis_prefix, API_KEY, workers=2,
                  **unlimited_env()) as base:
        auth = {"Authorization": f"Bearer {API_KEY}"}
        demo = [{k: r[k] for k in ("id", "url", "outlet", "title", "text", "published_at") if r.get(k)}
                for r in read_jsonl(str(SAMPLE))]
        for batch in (seed_articles(), demo):
            assert httpx.post(base + "/api/v1/articles", json={"articles": batch}, headers=auth, timeout=300).status_code == 201
        t0 = time.monotonic()
        report = Soak(base, API_KEY, seconds=SECONDS, rps=100, threads=16, master_pid=base.pid).run()
    print(report)
    assert report["errors"] == 0, report["error_samples"]
    assert report["requests"] >= 0.9 * 100 * SECONDS
    assert report["latency_ms"]["p99"] < 500, report["latency_ms"]
    assert report["worker_rss_mb"]["max_growth"] < 150, report["worker_rss_mb"]
    assert time.monotonic() - t0 < SECONDS + 120


CLASS_SECONDS = float(os.environ.get("CLASSROOM_SECONDS", "60"))


def test_classroom_behind_a_proxy_gets_no_429_and_the_abuser_is_limited(tmp_path, redis_prefix, embedder):
    """30 students at one address behind a trusted proxy (the default limits, but for a
    per-install match limit of 20/minute: in a run shorter than two fixed one-minute windows
    the abuser's 50 matches a minute can straddle a window's end and stay under 30 in each;
    a student's five a minute stay far below either). `newsprism soak --scenario classroom`
    runs the full five minutes with the defaults (docs/deploy.md)."""
    from service.devtools.classroom import Classroom
    from service.usecases.replay import SAMPLE, read_jsonl

    with gunicorn(f"sqlite:///{tmp_path}/class.db", REDIS_URL, redis_prefix, API_KEY, workers=2,
                  NEWSPRISM_TRUSTED_PROXIES="127.0.0.1", NEWSPRISM_RATE_LIMIT_MATCH_CLIENT="20/minute") as base:
        auth = {"Authorization": f"Bearer {API_KEY}"}
        demo = [{k: r[k] for k in ("id", "url", "outlet", "title", "text", "published_at") if r.get(k)}
                for r in read_jsonl(str(SAMPLE))]
        for batch in (seed_articles(), demo):
            assert httpx.post(base + "/api/v1/articles", json={"articles": batch}, headers=auth, timeout=300).status_code == 201
        report = Classroom(base, seconds=CLASS_SECONDS).run()
    print(report)
    students, abuser = report["class"], report["abuser"]
    assert students["requests"] >= 0.9 * 30 * 8 * CLASS_SECONDS / 60, students
    assert students["429"] == 0 and students["5xx"] == 0 and students["transport_errors"] == 0, students
    assert students["statuses"].keys() == {"200"}, students["statuses"]
    assert abuser["429"] > 0, abuser
    assert abuser["429_with_retry_after"] == abuser["429"] and abuser["retry_after_s"]["min"] >= 1, abuser
