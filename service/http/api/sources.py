"""/api/v1/sources: the feeds newsprism follows, with their health; adding and removing one
needs a write key."""
from __future__ import annotations

from flask import Blueprint
from pydantic import ValidationError

from service.errors import ValidationFailed, validation_errors
from service.http.api.common import json_body, json_response, operation, services
from service.schemas import SourceIn

bp = Blueprint("sources", __name__)


@bp.get("/sources")
@operation("The sources followed and their health", tags=["sources"])
def list_sources():
    """Each source's url, outlet, interval_minutes, last_polled_at, last_status, items_seen,
    articles_created, last_error and next_poll_at."""
    return json_response({"items": services().sources.list_all()})


@bp.post("/sources")
@operation("Follow a feed or news sitemap", body=SourceIn, auth=True, tags=["sources"],
           responses={200: "Already followed (updated)", 201: "Added", 400: "Malformed JSON",
                      401: "Missing or wrong API key", 415: "Not JSON", 422: "Invalid source"})
def add_source():
    """Adding a URL that is already followed updates its outlet and interval (harmless)."""
    body = json_body()
    try:
        item = SourceIn.model_validate(body)
    except ValidationError as exc:
        raise ValidationFailed("the source is invalid", errors=validation_errors(exc)) from None
    view, created = services().sources.add(item.url, item.outlet, item.interval_minutes)
    return json_response({"source": view, "created": created}, status=201 if created else 200)


@bp.delete("/sources/<id:source_id>")
@operation("Stop following a source (its articles stay)", auth=True, tags=["sources"],
           responses={204: "Removed", 401: "Missing or wrong API key", 404: "Unknown source"})
def remove_source(source_id: int):
    services().sources.remove(source_id)
    return "", 204
