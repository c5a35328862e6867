"""One JSON error shape for every error (RFC 9457 problem+json), from one place."""
from __future__ import annotations

import logging
import math
import time
from typing import Any

import orjson
from flask import Flask, Response, current_app, request
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from service.errors import NewsprismError, problem

log = logging.getLogger("newsprism")


def problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    """A problem body as an ``application/problem+json`` response."""
    resp = Response(orjson.dumps(body), status=body["status"], mimetype="application/problem+json")
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def retry_after(exc: HTTPException) -> int:
    """Seconds until the breached limit's window resets (at least 1; 60 if unknown)."""
    limiter = current_app.extensions.get("newsprism_limiter")
    try:
        current = limiter.current_limit if limiter is not None else None
        if current is not None and current.breached:
            # never longer than the window (the storage's expiry is rounded up to a second)
            return max(1, min(math.ceil(current.reset_at - time.time()), current.limit.get_expiry()))
    except Exception:  # the limiter storage is down: a plain default
        log.debug("no reset time for the breached limit", exc_info=True)
    return int(getattr(exc, "retry_after", None) or 60)


def register_errors(app: Flask) -> None:
    """One JSON error shape for everything, from one place; details only in debug."""

    @app.errorhandler(NewsprismError)
    def _ours(exc: NewsprismError) -> Response:
        return problem_response(exc.to_problem(), exc.headers)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        status = exc.code or 500
        detail = exc.description or exc.name
        if status == 429:
            detail = f"rate limit exceeded ({exc.description}); retry later"
        headers = {}
        valid = getattr(exc, "valid_methods", None)
        if status == 405 and valid:
            headers["Allow"] = ", ".join(valid)
        resp = problem_response(problem(status, exc.name, detail), headers)
        if status == 429:
            resp.headers["Retry-After"] = str(retry_after(exc))
        return resp

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        detail = f"{type(exc).__name__}: {exc}" if app.debug else "an unexpected error occurred; it has been logged"
        # OperationalError and InterfaceError are DBAPIErrors
        if isinstance(exc, DBAPIError):
            return problem_response(problem(503, "Service unavailable",
                                             "the database is unavailable; retry (ingest is idempotent)", "unavailable"),
                                     {"Retry-After": "5"})
        return problem_response(problem(500, "Internal error", detail, "internal"))
