"""/api/v1/export: every article (with its story) as JSON Lines or CSV, streamed."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, Response, stream_with_context

from service.http.api.common import operation, parse_query, services
from service.usecases.export import CSV_FIELDS, export_stream
from service.schemas import ExportQuery

bp = Blueprint("export", __name__)


@bp.get("/export")
@operation("Research export of articles and their stories (JSONL or CSV, streamed)", query=ExportQuery,
           tags=["export"], produces=["application/x-ndjson", "text/csv"],
           response_schema={"type": "string", "description": "one JSON object per line (format=jsonl) or CSV "
                                                              f"with the header {','.join(CSV_FIELDS)} (format=csv)"},
           responses={200: "The rows, in article id order"})
def export():
    """Filters: 'since'/'until' on the publication time (inclusive; undated articles are
    left out when either is given) and 'outlet' (name or slug). Rows are read in pages by
    id, so memory stays flat whatever the corpus size."""
    q = parse_query(ExportQuery)
    db = services().db
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    mimetype = "application/x-ndjson" if q.format == "jsonl" else "text/csv"
    resp = Response(stream_with_context(export_stream(db, q)), mimetype=mimetype)
    if q.format == "csv":
        resp.headers["Content-Type"] = "text/csv; charset=utf-8"
    resp.headers["Content-Disposition"] = f'attachment; filename="newsprism-{stamp}.{q.format}"'
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp
