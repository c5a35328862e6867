"""Named exceptions and the one JSON error shape (RFC 9457 ``application/problem+json``)."""
from __future__ import annotations

from typing import Any

from pydantic import ValidationError

PROBLEM_TYPE = "https://newsprism.dev/problems/"


class NewsprismError(Exception):
    """Base of every error that maps to an HTTP problem response."""

    status = 500
    title = "Internal error"
    slug = "internal"

    def __init__(self, detail: str, *, errors: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}

    def to_problem(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": PROBLEM_TYPE + self.slug, "title": self.title,
                                "status": self.status, "detail": self.detail}
        if self.errors:
            body["errors"] = self.errors
        return body


class BadRequest(NewsprismError):
    status, title, slug = 400, "Bad request", "bad-request"


class ValidationFailed(NewsprismError):
    status, title, slug = 422, "Validation failed", "validation"


class Unauthorized(NewsprismError):
    status, title, slug = 401, "Unauthorized", "unauthorized"


class NotFound(NewsprismError):
    status, title, slug = 404, "Not found", "not-found"


class Conflict(NewsprismError):
    status, title, slug = 409, "Conflict", "conflict"


class PayloadTooLarge(NewsprismError):
    status, title, slug = 413, "Payload too large", "too-large"


class UnsupportedMediaType(NewsprismError):
    status, title, slug = 415, "Unsupported media type", "media-type"


class ServiceUnavailable(NewsprismError):
    status, title, slug = 503, "Service unavailable", "unavailable"


def problem(status: int, title: str, detail: str, slug: str | None = None,
            errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A problem body for errors that are not NewsprismError (werkzeug's, 5xx)."""
    body: dict[str, Any] = {"type": PROBLEM_TYPE + (slug or str(status)), "title": title,
                            "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    return body


def validation_errors(exc: ValidationError, prefix: tuple = ()) -> list[dict[str, Any]]:
    """pydantic errors as ``{"field", "message", "type"}`` items of the problem body."""
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in (*prefix, *err["loc"])) or "(body)"
        msg = err["msg"].removeprefix("Value error, ")
        out.append({"field": loc, "message": msg, "type": err["type"]})
    return out
