"""The OpenAPI 3.1 spec, generated from the registered views and the pydantic models."""
from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, current_app
from werkzeug.routing.converters import NumberConverter

from service.http.api.common import OPERATIONS, json_response
from service.errors import PROBLEM_TYPE

bp = Blueprint("openapi", __name__)

PROBLEM = {"type": "object", "required": ["type", "title", "status", "detail"], "properties": {
    "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
    "detail": {"type": "string"},
    "errors": {"type": "array", "items": {"type": "object", "properties": {
        "field": {"type": "string"}, "message": {"type": "string"}, "type": {"type": "string"}}}}}}


def _params(model) -> list[dict[str, Any]]:
    schema = model.model_json_schema()
    out = []
    for name, prop in schema.get("properties", {}).items():
        prop = {k: v for k, v in prop.items() if k != "title"}
        out.append({"name": name, "in": "query", "required": name in schema.get("required", []), "schema": prop})
    return out


def build_spec(app) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    components: dict[str, Any] = {"Problem": PROBLEM}
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        # decorators (rate limits) wrap the registered view: find the declared one
        while view is not None and view not in OPERATIONS:
            view = getattr(view, "__wrapped__", None)
        meta = OPERATIONS.get(view) if view is not None else None
        if meta is None:
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            op: dict[str, Any] = {"summary": meta["summary"], "operationId": rule.endpoint.replace(".", "_") + "_" + method.lower(),
                                  "tags": meta["tags"], "responses": {}}
            if meta["doc"]:
                op["description"] = meta["doc"]
            params = [{"name": a, "in": "path", "required": True,
                       "schema": {"type": "integer", "minimum": 1} if isinstance(conv, NumberConverter) else {"type": "string", "minLength": 1}}
                      for a, conv in rule._converters.items()]
            if meta["query"] is not None:
                params += _params(meta["query"])
            params += [{"in": "header", **h} for h in meta.get("headers", [])]
            if params:
                op["parameters"] = params
            if meta["body"] is not None:
                schema = meta["body"].model_json_schema(ref_template="#/components/schemas/{model}")
                for name, sub in schema.pop("$defs", {}).items():
                    components[name] = sub
                components[meta["body"].__name__] = schema
                op["requestBody"] = {"required": True, "content": {"application/json": {
                    "schema": meta["body_schema"] or {"$ref": f"#/components/schemas/{meta['body'].__name__}"}}}}
            for status, desc in meta["responses"].items():
                if status >= 400:
                    op["responses"][str(status)] = {"description": desc, "content": {
                        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
                elif status == 304:
                    op["responses"]["304"] = {"description": desc}
                else:
                    kinds = [meta["produces"]] if isinstance(meta["produces"], str) else list(meta["produces"])
                    op["responses"][str(status)] = {"description": desc, "content": {
                        kind: {"schema": meta["response_schema"] or ({"type": "string"} if not kind.endswith("json") else {})}
                        for kind in kinds}}
            if meta["query"] is not None or meta["body"] is not None:
                op["responses"].setdefault("422", {"description": "Invalid input", "content": {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}})
            op["responses"].setdefault("429", {"description": "Rate limited (docs/deploy.md)", "headers": {
                "Retry-After": {"description": "seconds until the limit's window ends", "schema": {"type": "integer"}}},
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}})
            if meta["auth"]:
                op["security"] = [{"bearer": []}]
                op["responses"].setdefault("401", {"description": "Missing or wrong API key", "content": {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}})
            paths.setdefault(path, {})[method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "newsprism API", "version": "1",
                 "description": "Stories across outlets and how each outlet framed them. Errors are "
                                f"application/problem+json ({PROBLEM_TYPE}...)."},
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": components,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }


@bp.get("/openapi.json")
def openapi_json():
    spec = current_app.extensions.get("newsprism_spec")
    if spec is None:
        spec = current_app.extensions["newsprism_spec"] = build_spec(current_app)
    return json_response(spec)


DOCS_HTML = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>newsprism API</title>
<link rel="stylesheet" href="/static/apidocs.css"></head><body><main id="docs"><h1>newsprism API v1</h1>
<p>Machine-readable spec: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a></p><div id="ops">Loading…</div></main>
<script src="/static/apidocs.js"></script></body></html>"""


@bp.get("/docs")
def docs_page():
    return Response(DOCS_HTML, mimetype="text/html")
