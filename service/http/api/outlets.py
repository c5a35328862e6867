"""/api/v1/outlets: the outlets known to the store, with their registry metadata."""
from __future__ import annotations

from flask import Blueprint

from service.http.api.common import json_response, operation, services

bp = Blueprint("outlets", __name__)


@bp.get("/outlets")
@operation("Outlets with article counts and neutral metadata", tags=["outlets"])
def list_outlets():
    return json_response({"items": services().reader.outlets()})
