"""Background jobs: plain functions; the Redis connection is passed in; inline without Redis.

RQ runs them in ``newsprism worker`` processes. Each job builds its own services from the
settings overrides it is given, so a job carries no live objects across processes.
"""
from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)
QUEUE = "newsprism"


def _services(overrides: dict[str, Any] | None):  # noqa: ANN202
    from service.settings import load_settings
    from service.wiring import build_services

    return build_services(load_settings(overrides or {}))


def ingest_job(items: list[dict[str, Any]], overrides: dict[str, Any] | None = None) -> dict[str, int]:
    """Ingest a batch (bulk loads queued by the API or CLI)."""
    services = _services(overrides)
    report = services.ingestor.ingest(items)
    return {s: report.count(s) for s in ("created", "duplicate", "rejected")}


def recluster_job(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Re-cluster stored articles with BERTopic and refresh story labels and topics."""
    from service.pipeline.recluster import recluster

    return recluster(_services(overrides))


def enqueue(redis_url: str | None, func, *args: Any, **kwargs: Any) -> dict[str, Any]:  # noqa: ANN001
    """Queue ``func`` on RQ when Redis answers, else run it now; says which happened."""
    if redis_url:
        try:
            import redis
            from rq import Queue

            conn = redis.Redis.from_url(redis_url, socket_timeout=1, socket_connect_timeout=1)
            conn.ping()
            job = Queue(QUEUE, connection=conn).enqueue(func, *args, job_timeout=3600, **kwargs)
            return {"mode": "queued", "job_id": job.id}
        except Exception as exc:  # noqa: BLE001 - no Redis: run inline
            log.warning("RQ unavailable (%s): running %s inline", type(exc).__name__, func.__name__)
    return {"mode": "inline", "result": func(*args, **kwargs)}
