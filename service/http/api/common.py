"""Helpers every view uses: JSON in and out, query parsing, the API-key guard, the
OpenAPI registry (the spec is generated from these declarations, not written by hand)."""
from __future__ import annotations

import functools
import inspect
import hashlib
from collections.abc import Callable
from typing import Any

import orjson
from flask import Response, current_app, g, request
from pydantic import BaseModel, ValidationError

from service.auth import bearer
from service.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType, ValidationFailed, validation_errors

#: path-and-method → operation metadata, filled by @operation, read by the spec builder
OPERATIONS: dict[Callable, dict[str, Any]] = {}


def services():
    return current_app.extensions["newsprism"]


def operation(summary: str, *, body: type[BaseModel] | None = None, query: type[BaseModel] | None = None,
              responses: dict[int, str] | None = None, auth: bool = False, tags: list[str] | None = None,
              body_schema: dict | None = None, response_schema: dict | None = None,
              produces: str | list[str] = "application/json", headers: list[dict] | None = None) -> Callable:
    """Declare a view's contract for the OpenAPI spec (and enforce the key when ``auth``)."""

    def wrap(view: Callable) -> Callable:
        @functools.wraps(view)
        def inner(*args: Any, **kwargs: Any) -> Any:
            if auth:
                g.api_key_name = services().keys.identify(bearer(request.headers.get("Authorization")))
            return view(*args, **kwargs)

        OPERATIONS[inner] = {"summary": summary, "body": body, "query": query, "auth": auth,
                             "responses": responses or {200: "OK"}, "tags": tags or [],
                             "body_schema": body_schema, "response_schema": response_schema,
                             "produces": produces, "headers": headers or [], "doc": inspect.cleandoc(view.__doc__ or "")}
        return inner

    return wrap


def json_body() -> Any:
    """The request body as JSON: size-limited, strict UTF-8, no NUL tricks."""
    ctype = (request.mimetype or "").lower()
    if ctype and ctype != "application/json" and not ctype.endswith("+json"):
        raise UnsupportedMediaType(f"send JSON with 'Content-Type: application/json' (got {ctype!r})")
    limit = services().settings.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"the body is larger than {limit} bytes; split the batch")
    raw = request.stream.read(limit + 1)
    if len(raw) > limit:
        raise PayloadTooLarge(f"the body is larger than {limit} bytes; split the batch")
    if not raw.strip():
        raise BadRequest("the request body is empty; send a JSON object")
    try:
        raw.decode("utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"the body is not valid UTF-8 (byte {exc.start})") from None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from None


def parse_query(model: type[BaseModel]) -> BaseModel:
    data: dict[str, Any] = {}
    for key in request.args:
        values = request.args.getlist(key)
        data[key] = values[-1]
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed("the query string is invalid", errors=validation_errors(exc)) from None


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None,
                  raw: bytes | None = None, etag: bool = False, max_age: int | None = None) -> Response:
    """Serialise with orjson (or send pre-serialised ``raw``); optional strong ETag."""
    body = raw if raw is not None else orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)
    resp = Response(body, status=status, mimetype="application/json", headers=headers)
    if etag:
        resp.set_etag(hashlib.sha256(body).hexdigest()[:32])
        if max_age is not None:
            resp.cache_control.public = True
            resp.cache_control.max_age = max_age
        resp = resp.make_conditional(request)
    return resp
