"""Background jobs: plain functions; the Redis connection is passed in; inline without Redis.

RQ runs them in ``newsprism worker`` processes (``SimpleWorker``: jobs run in the worker
process itself, one after another). A job names its settings by overrides, not live objects;
the services built from them are kept per process, so the model, the caches and the
assignment index are loaded once per worker, not once per job.
"""
from __future__ import annotations

import json
import logging
import threading
import time
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


def comparisons_queue(redis_prefix: str) -> str:
    """The queue of the framing comparisons that matches found cold (``newsprism worker``
    takes these before the next bulk job): one per key prefix, as the cache they fill."""
    return f"{redis_prefix}-comparisons"


def comparison_job(story_id: int, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Compute a story's framing comparison into the cache (the match summaries read it),
    with the worker's own settings: it listens on its own prefix's queue, so it serves the
    same store and cache as the web workers that queued it (no credentials in the job)."""
    comparison = _services(overrides).comparisons.get(story_id)
    return {"story_id": story_id, "outlets": len(comparison.get("outlets") or [])}


class ComparisonOffload:
    """Hands a cold comparison to ``newsprism worker`` when one listens on the comparisons
    queue, so that web workers neither spend their threads on it nor hold the comparison
    engine (spaCy, ~90 MB a worker). Returns False when no worker listens or Redis does not
    answer: the caller then computes it itself.

    Whether a worker listens is asked at most every ``check_seconds``. A job's id names the
    story version, so a comparison asked for by many requests is queued once."""

    def __init__(self, settings: Any, check_seconds: float = 10.0) -> None:
        self.settings = settings
        self.check_seconds = check_seconds
        self._lock = threading.Lock()
        self._checked = 0.0
        self._listening = False
        self._queue: Any = None

    def _ready_queue(self) -> Any:
        now = time.monotonic()
        with self._lock:
            if now - self._checked < self.check_seconds:
                return self._queue if self._listening else None
            self._checked = now
            self._listening = False
            if not self.settings.redis_url:
                return None
            try:
                import redis
                from rq import Queue, Worker

                if self._queue is None:
                    conn = redis.Redis.from_url(self.settings.redis_url, socket_timeout=1, socket_connect_timeout=1)
                    self._queue = Queue(comparisons_queue(self.settings.redis_prefix), connection=conn)
                self._listening = Worker.count(connection=self._queue.connection, queue=self._queue) > 0
            except Exception as exc:  # noqa: BLE001 - no Redis: compute here
                log.info("comparison offload unavailable: %s", type(exc).__name__)
            return self._queue if self._listening else None

    def __call__(self, story_id: int, version: int) -> bool:
        queue = self._ready_queue()
        if queue is None:
            return False
        job_id = f"{self.settings.redis_prefix}-comparison-{story_id}-{version}"
        try:
            from rq.job import Job

            if Job.exists(job_id, connection=queue.connection):
                # queued, running or done: it is on its way; failed: the caller tries itself
                return not Job.fetch(job_id, connection=queue.connection).is_failed
            queue.enqueue(comparison_job, story_id, job_id=job_id, job_timeout=600, result_ttl=600,
                          failure_ttl=600)
            return True
        except Exception as exc:  # noqa: BLE001 - Redis went away: compute here
            log.info("could not queue the comparison of story %s: %s", story_id, type(exc).__name__)
            with self._lock:
                self._checked = 0.0
            return False


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
