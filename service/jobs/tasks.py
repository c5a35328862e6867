"""The background jobs themselves: plain functions that RQ runs in ``newsprism worker``
processes (``SimpleWorker``: in the worker process itself, one after another), or that run
inline when there is no Redis (:func:`service.jobs.queue.enqueue`).

A job names its settings by overrides, not live objects; the services built from them are
kept per process, so the model, the caches and the story index are loaded once per worker,
not once per job. This is the consumer side: it builds services through ``service.wiring``.
"""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from service.jobs.queue import enqueue_once, sources_queue
from service.settings import load_settings
from service.usecases.ingest import BULK_BATCH
from service.usecases.recluster import recluster
from service.wiring import Services, build_services


def services_for(overrides: dict[str, Any] | None) -> Services:
    """The worker's services for these settings overrides (built once per process)."""
    return _built(json.dumps(overrides or {}, sort_keys=True))


@lru_cache(maxsize=4)
def _built(key: str) -> Services:
    return build_services(load_settings(json.loads(key)))


def ingest_job(items: list[dict[str, Any]], overrides: dict[str, Any] | None = None) -> dict[str, int]:
    """Ingest articles in order (bulk loads queued by ``newsprism ingest --queue``): one
    transaction per ``BULK_BATCH`` articles, the next batch embedded while one is written."""
    services = services_for(overrides)
    counts = {"created": 0, "duplicate": 0, "rejected": 0}
    chunks = (items[i:i + BULK_BATCH] for i in range(0, len(items), BULK_BATCH))
    for report in services.ingestor.ingest_batches(chunks):
        for status in counts:
            counts[status] += report.count(status)
    return counts


def recluster_job(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Re-cluster stored articles with BERTopic and refresh story labels and topics."""
    services = services_for(overrides)
    return recluster(services.db, services.params.topics)


def comparison_job(story_id: int, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Compute a story's framing comparison into the cache (the match summaries read it),
    with the worker's own settings: it listens on its own prefix's queue, so it serves the
    same store and cache as the web workers that queued it (no credentials in the job)."""
    comparison = services_for(overrides).comparisons.get(story_id)
    return {"story_id": story_id, "outlets": len(comparison.get("outlets") or [])}


#: the task each due source is polled by (by path, as RQ stores it)
POLL_SOURCE_JOB = "service.jobs.tasks.poll_source_job"


def poll_due_sources_job(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The scheduler's tick: queue one poll job per due source on the sources queue, so
    every listening worker takes a share. A source whose poll is still queued or running is
    not queued again (and the poll itself takes a per-source lock)."""
    import redis

    services = services_for(overrides)
    settings = services.settings
    conn = redis.Redis.from_url(settings.redis_url)
    queued = []
    for source_id in services.sources.due_ids():
        if enqueue_once(conn, sources_queue(settings.redis_prefix), POLL_SOURCE_JOB,
                        f"{settings.redis_prefix}-poll-source-{source_id}", source_id, overrides,
                        timeout=services.poller.params.lock_seconds):
            queued.append(source_id)
    return {"queued": queued}


def poll_source_job(source_id: int, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Poll one source (if it is still due) into the ingest path."""
    return services_for(overrides).poller.poll(source_id).to_dict()
