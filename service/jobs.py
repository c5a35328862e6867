"""Background jobs: plain functions; the Redis connection is passed in; inline without Redis.

RQ runs them in ``newsprism worker`` processes (``SimpleWorker``: jobs run in the worker
process itself, one after another). A job names its settings by overrides, not live objects;
the services built from them are kept per process, so the model, the caches and the
assignment index are loaded once per worker, not once per job.
"""
from __future__ import annotations

import json
import logging
from functools import lru_cache
from typing import Any

log = logging.getLogger(__name__)
QUEUE = "newsprism"
#: articles per ingest transaction inside a job (as ``newsprism ingest``)
JOB_BATCH = 256


def _services(overrides: dict[str, Any] | None):  # noqa: ANN202
    return _services_for(json.dumps(overrides or {}, sort_keys=True))


@lru_cache(maxsize=4)
def _services_for(key: str):  # noqa: ANN202
    from service.settings import load_settings
    from service.wiring import build_services

    return build_services(load_settings(json.loads(key)))


def ingest_job(items: list[dict[str, Any]], overrides: dict[str, Any] | None = None) -> dict[str, int]:
    """Ingest articles in order (bulk loads queued by ``newsprism ingest --queue``): one
    transaction per ``JOB_BATCH`` articles, the next batch embedded while one is written."""
    services = _services(overrides)
    counts = {"created": 0, "duplicate": 0, "rejected": 0}
    chunks = (items[i:i + JOB_BATCH] for i in range(0, len(items), JOB_BATCH))
    for report in services.ingestor.ingest_batches(chunks):
        for status in counts:
            counts[status] += report.count(status)
    return counts


def recluster_job(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Re-cluster stored articles with BERTopic and refresh story labels and topics."""
    from service.pipeline.recluster import recluster

    return recluster(_services(overrides))


def enqueue(redis_url: str | None, func, *args: Any, queue_name: str = QUEUE, **kwargs: Any) -> dict[str, Any]:  # noqa: ANN001
    """Queue ``func`` on RQ when Redis answers, else run it now; says which happened."""
    if redis_url:
        try:
            import redis
            from rq import Queue

            conn = redis.Redis.from_url(redis_url, socket_timeout=1, socket_connect_timeout=1)
            conn.ping()
            job = Queue(queue_name, connection=conn).enqueue(func, *args, job_timeout=3600, **kwargs)
            return {"mode": "queued", "job_id": job.id}
        except Exception as exc:  # noqa: BLE001 - no Redis: run inline
            log.warning("RQ unavailable (%s): running %s inline", type(exc).__name__, func.__name__)
    return {"mode": "inline", "result": func(*args, **kwargs)}
