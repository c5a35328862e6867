"""Bulk ingest as RQ jobs: queued on the real Redis, run by the worker class `newsprism worker`
uses, results stored; without Redis the job runs inline."""
from __future__ import annotations

import redis
from rq import Queue, SimpleWorker
from rq.job import Job
from sqlalchemy import func, select

from service.jobs import enqueue, ingest_job
from service.served import free_port
from service.settings import load_settings
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
