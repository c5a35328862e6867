"""/api/v1/health and /api/v1/metrics."""
from __future__ import annotations

import time

from flask import Blueprint

from service.http.api.common import json_response, operation, services

bp = Blueprint("health", __name__)


@bp.get("/health")
@operation("Which backends are live: database, cache (redis or in-process), model", tags=["ops"],
           responses={200: "Serving (cache may be degraded)", 503: "The database is down"})
def health():
    svc = services()
    db_ok, db_ms, db_err = svc.db.ping()
    redis_ok, redis_err = svc.cache.ping()
    emb = svc.embedder
    body = {
        "status": "ok" if db_ok and redis_ok else ("degraded" if db_ok else "down"),
        "database": {"ok": db_ok, "backend": "sqlite" if svc.db.is_sqlite else "postgresql",
                     "latency_ms": round(db_ms, 2), "error": db_err},
        "cache": {"backend": "redis" if redis_ok else "memory", "redis": {"ok": redis_ok, "error": redis_err}},
        "model": {"name": svc.settings.model, "backend": svc.settings.embed_backend,
                  "loaded": emb.is_loaded, "load_seconds": round(getattr(emb, "load_seconds_", 0.0), 3) if emb.is_loaded else None},
        "jobs": {"backend": "rq" if redis_ok else "inline"},
        "search_index": svc.search.index.stats(),
        "assignment_index": svc.story_rows.stats(),
        "analysis_version": svc.settings.analysis_version,
        "uptime_s": round(time.time() - svc.started_at, 1),
    }
    return json_response(body, status=200 if db_ok else 503)


@bp.get("/metrics")
@operation("Counters in the Prometheus text format", tags=["ops"], produces="text/plain")
def metrics():
    from flask import Response

    svc = services()
    m = svc.metrics.snapshot()
    lines = []
    for name, value in sorted(m.items()):
        lines.append(f"newsprism_{name} {value}")
    lines.append(f"newsprism_cache_hits_total {svc.cache.hits}")
    lines.append(f"newsprism_cache_misses_total {svc.cache.misses}")
    lines.append(f"newsprism_texts_encoded_total {svc.cached_embedder.encoded}")
    # the sources' totals come from the store: the polls run in the worker processes
    try:
        for name, value in svc.sources.totals().items():
            lines.append(f"newsprism_sources_{name} {value}")
    except Exception:  # noqa: BLE001 - the store is down: the other counters still answer
        lines.append("newsprism_sources_store_unavailable 1")
    return Response("\n".join(lines) + "\n", mimetype="text/plain")
