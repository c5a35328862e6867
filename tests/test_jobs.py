"""Bulk ingest as RQ jobs: queued on the real Redis, run by the worker class `newsprism worker`
uses, results stored; without Redis the job runs inline."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import redis
from rq import Queue, SimpleWorker
from rq.job import Job
from sqlalchemy import func, select

from service.jobs.queue import enqueue
from service.jobs.tasks import ingest_job
from service.devtools.served import free_port
from service.settings import ROOT, load_settings
from service.store.models import Article
from service.wiring import build_services
from tests.conftest import REDIS_URL
from tests.synth import story_article


def test_queued_ingest_jobs_run_on_a_worker_and_store_each_article_once(sqlite_url, redis_prefix, embedder):
    overrides = {"database_url": sqlite_url, "redis_url": "", "preload_model": False}
    services = build_services(load_settings(overrides))
    services.db.upgrade()
    arts = [story_article(s, o) for s in range(5) for o in range(3)]
    conn = redis.Redis.from_url(REDIS_URL)
    queue = Queue(redis_prefix + "-jobs", connection=conn)
    try:
        first = enqueue(REDIS_URL, ingest_job, arts[:9], overrides, queue_name=queue.name)
        second = enqueue(REDIS_URL, ingest_job, arts[6:], overrides, queue_name=queue.name)  # 3 overlap
        assert first["mode"] == second["mode"] == "queued" and queue.count == 2
        SimpleWorker([queue], connection=conn).work(burst=True)
        results = [Job.fetch(j["job_id"], connection=conn).return_value() for j in (first, second)]
        assert results == [{"created": 9, "duplicate": 0, "rejected": 0},
                           {"created": 6, "duplicate": 3, "rejected": 0}]
        with services.db.session() as s:
            assert s.execute(select(func.count()).select_from(Article)).scalar_one() == 15
            stories = dict(s.execute(select(Article.external_id, Article.story_id)).all())
        # one story per synthetic event, whichever job wrote its articles
        for story in range(5):
            assert len({stories[f"syn-{story}-{o}"] for o in range(3)}) == 1
    finally:
        queue.delete(delete_jobs=True)
        services.close()


def test_without_redis_the_job_runs_inline(sqlite_url, embedder):
    overrides = {"database_url": sqlite_url, "redis_url": "", "preload_model": False}
    services = build_services(load_settings(overrides))
    services.db.upgrade()
    try:
        out = enqueue(f"redis://127.0.0.1:{free_port()}/0", ingest_job, [story_article(9, 0)], overrides)
        assert out == {"mode": "inline", "result": {"created": 1, "duplicate": 0, "rejected": 0}}
    finally:
        services.close()


def test_a_match_hands_its_cold_comparison_to_a_listening_worker(sqlite_url, redis_prefix, embedder):
    """With `newsprism worker` listening (as compose.yaml runs it), the comparison a match
    found cold is computed there, not in the web process, and the match answers with the
    summaries once it is done."""
    from rq import Worker

    from service.jobs.queue import comparisons_queue
    from tests.conftest import make_app

    app = make_app(sqlite_url, redis_prefix)
    services = app.extensions["newsprism"]
    services.ingestor.ingest([{**story_article(3, o), "url": f"https://news.example.org/syn-3-{o}"} for o in range(3)])
    conn = redis.Redis.from_url(REDIS_URL)
    queue = Queue(comparisons_queue(redis_prefix), connection=conn)
    env = {**os.environ, "NEWSPRISM_DATABASE_URL": sqlite_url, "NEWSPRISM_REDIS_URL": REDIS_URL,
           "NEWSPRISM_REDIS_PREFIX": redis_prefix, "HF_HUB_OFFLINE": "1"}
    worker = subprocess.Popen([sys.executable, "-m", "service.cli", "worker"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while Worker.count(connection=conn, queue=queue) == 0:
            assert worker.poll() is None and time.monotonic() < deadline, "the worker did not start"
            time.sleep(0.2)
        summaries = services.matcher.summaries
        client = app.test_client()
        url = "https://news.example.org/syn-3-1"
        first = client.post("/api/v1/match", json={"url": url}).get_json()
        assert first["status"] == "matched" and first["summaries"] == "pending"
        assert summaries._pool is None  # nothing was computed in this process
        sid, version = first["story"]["id"], first["story"]["version"]
        deadline = time.monotonic() + 180
        while True:
            services.cache.delete_prefix(services.cache.store_key("match") + ":*")  # ask again, uncached
            again = client.post("/api/v1/match", json={"url": url}).get_json()
            if again["summaries"] == "ready":
                break
            assert worker.poll() is None and time.monotonic() < deadline, "the comparison never came"
            time.sleep(1)
        assert {o["outlet"] for o in again["outlets"] if o.get("summary")} >= {a["outlet"] for a in
                                                                             (story_article(3, o) for o in (0, 2))}
        job = Job.fetch(f"{redis_prefix}-comparison-{sid}-{version}", connection=conn)
        assert job.return_value()["story_id"] == sid
        assert summaries._pool is None
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        queue.delete(delete_jobs=True)
        services.close()


def test_without_a_listening_worker_the_comparison_is_not_queued(redis_prefix):
    from service.jobs.queue import ComparisonOffload, comparisons_queue

    settings = load_settings({"redis_url": REDIS_URL, "redis_prefix": redis_prefix})
    assert ComparisonOffload(settings)(1, 1) is False
    assert Queue(comparisons_queue(redis_prefix), connection=redis.Redis.from_url(REDIS_URL)).count == 0
    down = load_settings({"redis_url": f"redis://127.0.0.1:{free_port()}/0", "redis_prefix": redis_prefix})
    assert ComparisonOffload(down)(1, 1) is False


def test_the_scheduler_and_a_worker_poll_sources_on_the_real_redis(sqlite_url, redis_prefix, tmp_path, embedder):
    """`newsprism scheduler` (RQ's CronScheduler) seeds the sources file and queues a poll
    for each due source every tick; `newsprism worker` polls it into the store."""
    from service.jobs.queue import sources_queue
    from service.store.models import Source
    from tests.feedserver import FeedServer, Resource, article_html, rss

    server = FeedServer().start()
    paths = ["/world/1", "/world/2"]
    server.routes["/feed.xml"] = Resource(rss(server.url(""), paths), "application/rss+xml", etag='"a"')
    for i, p in enumerate(paths):
        server.routes[p] = Resource(article_html(i))
    sources_file = tmp_path / "sources.toml"
    sources_file.write_text(f'enabled = true\n[[source]]\noutlet = "The Independent"\nurl = "{server.url("/feed.xml")}"\n'
                            'interval_minutes = 60\n')
    env = {**os.environ, "NEWSPRISM_DATABASE_URL": sqlite_url, "NEWSPRISM_REDIS_URL": REDIS_URL,
           "NEWSPRISM_REDIS_PREFIX": redis_prefix, "HF_HUB_OFFLINE": "1", "NEWSPRISM_FETCH_ALLOW_LOOPBACK": "true",
           "NEWSPRISM_SOURCES_FILE": str(sources_file), "NEWSPRISM_SOURCES_TICK_SECONDS": "1",
           "NEWSPRISM_FETCH_HOST_DELAY_SECONDS": "0", "NEWSPRISM_PRELOAD_MODEL": "false"}
    procs = [subprocess.Popen([sys.executable, "-m", "service.cli", name], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for name in ("scheduler", "worker")]
    services = build_services(load_settings({"database_url": sqlite_url, "redis_url": ""}))
    conn = redis.Redis.from_url(REDIS_URL)
    try:
        deadline = time.monotonic() + 240
        while True:
            for p in procs:
                assert p.poll() is None, p.stderr.read().decode()[-2000:]
            try:
                with services.db.session() as s:
                    count = s.execute(select(func.count()).select_from(Article)).scalar_one()
                    row = s.execute(select(Source)).scalar_one_or_none()
            except Exception:  # noqa: BLE001 - the scheduler has not created the tables yet
                count, row = 0, None
            if count == 2 and row is not None and row.last_status == "ok":
                break
            assert time.monotonic() < deadline, "the sources were not polled"
            time.sleep(1)
        time.sleep(3)  # more ticks: the source is not due again, so it is not polled twice
        assert server.hits["/feed.xml"] == 1 and all(server.hits[p] == 1 for p in paths)
        with services.db.session() as s:
            row = s.execute(select(Source)).scalar_one()
            assert (row.outlet, row.items_seen, row.articles_created) == ("The Independent", 2, 2)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)
        server.stop()
        Queue(sources_queue(redis_prefix), connection=conn).delete(delete_jobs=True)
        services.close()
