"""Resident memory of the gunicorn workers serving a store, as deployed (the real entrypoint
and config, ``newsprism worker`` beside them when Redis answers): ``newsprism bench``'s
``rss_mb``."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from typing import Any

import httpx
import redis
from rq import Queue, Worker
from rq.registry import FailedJobRegistry, FinishedJobRegistry
from sqlalchemy import create_engine, text

from service.cache import Cache
from service.devtools.served import entrypoint, memory_mb, unlimited_env, worker_pids
from service.jobs.queue import comparisons_queue
from service.settings import ROOT, load_settings


def bench_worker_memory(db_url: str, workers: int = 2, requests: int = 200, settle_s: float = 90) -> dict[str, Any]:
    """Resident memory of each gunicorn worker serving ``db_url``, started by the real
    entrypoint and config (model loaded and the search and assignment indexes built after
    fork), after ``requests`` searches and matches spread over the workers and after the
    background HNSW build settled. ``peak_mb`` is the kernel's high-water mark (VmHWM).
    With Redis, ``newsprism worker`` runs beside it, as compose.yaml deploys it
    (``job_worker``: its memory)."""
    queries = ["jobless claims", "Putin Zelensky talks", "Senate budget vote", "wildfire evacuations",
               "Supreme Court ruling", "vaccine mandate", "Afghanistan withdrawal", "inflation report"]
    # as deployed (compose.yaml): with Redis when it answers, under a prefix of its own; the
    # in-process fallback cache would otherwise hold every answer in the measured worker
    redis_url = load_settings().redis_url
    prefix = "npbench-" + uuid.uuid4().hex[:8]
    cache = Cache(redis_url or None, prefix, "1", 60)
    if not cache.ping()[0]:
        redis_url = ""
    env = {"NEWSPRISM_DATABASE_URL": db_url, "NEWSPRISM_REDIS_URL": redis_url, "NEWSPRISM_REDIS_PREFIX": prefix,
           **unlimited_env(), "NEWSPRISM_LOG_LEVEL": "WARNING"}
    # and with `newsprism worker` beside it (compose.yaml runs one): the matches' cold
    # comparisons are computed there
    job_worker = None
    if redis_url:
        job_worker = subprocess.Popen([sys.executable, "-m", "service.cli", "worker"], cwd=ROOT,
                                      env={**os.environ, **env, "HF_HUB_OFFLINE": "1"},
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        queue = Queue(comparisons_queue(prefix), connection=redis.Redis.from_url(redis_url))
        deadline = time.time() + 120
        while Worker.count(connection=queue.connection, queue=queue) == 0 and time.time() < deadline:
            time.sleep(0.5)
    try:
        report = _serve_and_measure(env, workers, requests, settle_s, queries)
        if job_worker is not None:
            report["job_worker"] = memory_mb(job_worker.pid)
            report["comparison_jobs"] = {"done": FinishedJobRegistry(queue=queue).count,
                                         "failed": FailedJobRegistry(queue=queue).count, "queued": queue.count}
    finally:
        if job_worker is not None:
            job_worker.terminate()
            job_worker.wait(timeout=60)
    if redis_url:
        cache.delete_prefix(prefix + ":*")
        Queue(comparisons_queue(prefix), connection=redis.Redis.from_url(redis_url)).delete(delete_jobs=True)
    report["cache"] = "redis" if redis_url else "memory"
    return report


def _serve_and_measure(env: dict[str, str], workers: int, requests: int, settle_s: float,
                       queries: list[str]) -> dict[str, Any]:
    """The traffic mix: searches; matches of unknown texts; matches of stored articles' URLs
    (their stories' comparisons are cold: computed by the job worker when one runs, else in
    the web worker); and every 20th request a story page (a cold comparison computed in the
    web worker: educators' pages load spaCy there)."""
    engine = create_engine(env["NEWSPRISM_DATABASE_URL"])
    with engine.connect() as c:
        rows = c.execute(text("SELECT url, story_id FROM articles WHERE story_id IS NOT NULL "
                              "ORDER BY id LIMIT :n"), {"n": requests}).all()
    engine.dispose()
    step = max(1, len(rows) // max(1, requests // 4))
    known = [r[0] for r in rows[::step]]
    pages = [r[1] for r in rows[1::step]]
    statuses: dict[str, int] = {}
    with entrypoint(env, workers=workers, timeout_s=900) as base:
        pids = worker_pids(base.pid)
        # no keep-alive: each request is a new connection, so every worker serves its share
        with httpx.Client(base_url=base, timeout=300, limits=httpx.Limits(max_keepalive_connections=0)) as http:
            for i in range(requests):
                q = f"{queries[i % len(queries)]} {i}"
                if i % 20 == 3 and pages:
                    r = http.get(f"/stories/{pages[(i // 20) % len(pages)]}")
                    kind = "story_page"
                elif i % 4 == 1:
                    r = http.post("/api/v1/match", json={"title": q, "text": f"{q}. Officials said more details would follow."})
                    kind = "match_text:" + r.json().get("status", "?")
                elif i % 4 == 2 and known:
                    r = http.post("/api/v1/match", json={"url": known[(i // 4) % len(known)]})
                    kind = "match_url:" + str(r.json().get("summaries"))
                else:
                    r = http.get("/api/v1/stories", params={"q": q})
                    kind = "search"
                kind += "" if r.status_code == 200 else f":{r.status_code}"
                statuses[kind] = statuses.get(kind, 0) + 1
            # the graphs build in a background thread: wait until every worker says it
            # searches with them (without keep-alive, 8 answers in a row come from both
            # workers but with a chance of 1 in 128), then until the memory stops growing
            deadline = time.time() + 600
            streak = 0
            while streak < 8 and time.time() < deadline:
                index = http.get("/api/v1/health").json().get("search_index") or {}
                streak = streak + 1 if index.get("backend") == "hnsw" else 0
                time.sleep(0.5 if streak else 5)
            last, deadline = None, time.time() + settle_s
            while time.time() < deadline:
                now = sum(memory_mb(p)["rss_mb"] for p in pids)
                if last is not None and abs(now - last) < 5:
                    break
                last = now
                time.sleep(5)
            health = http.get("/api/v1/health").json()
        per_worker = {str(p): memory_mb(p) for p in pids}
    return {"workers": per_worker, "rss_mb_per_worker_max": max(v["peak_mb"] for v in per_worker.values()),
            "requests": statuses, "search_index": health.get("search_index")}
