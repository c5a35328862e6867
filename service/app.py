"""The Flask app factory: ``create_app(settings)`` wires everything; nothing connects at import."""
from __future__ import annotations

import logging
import time
from typing import Any

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from service.errors import NewsprismError, problem
from service.settings import Settings, load_settings

log = logging.getLogger("newsprism")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
# pages: scripts only from our own origin; no inline script anywhere
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


class IdConverter(IntegerConverter):
    """Positive ids that fit a 64-bit column; anything else is simply not found (404)."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002, ANN001
        super().__init__(map, min=1, max=2**63 - 1)


def _problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    import orjson

    resp = Response(orjson.dumps(body), status=body["status"], mimetype="application/problem+json")
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def register_errors(app: Flask) -> None:
    """One JSON error shape for everything, from one place; details only in debug."""

    @app.errorhandler(NewsprismError)
    def _ours(exc: NewsprismError) -> Response:
        return _problem_response(exc.to_problem(), exc.headers)

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
        resp = _problem_response(problem(status, exc.name, detail), headers)
        if status == 429:
            retry = getattr(exc, "retry_after", None)
            resp.headers["Retry-After"] = str(retry or 60)
        return resp

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        detail = f"{type(exc).__name__}: {exc}" if app.debug else "an unexpected error occurred; it has been logged"
        from sqlalchemy.exc import OperationalError, InterfaceError, DBAPIError

        if isinstance(exc, (OperationalError, InterfaceError, DBAPIError)):
            return _problem_response(problem(503, "Service unavailable",
                                             "the database is unavailable; retry (ingest is idempotent)", "unavailable"),
                                     {"Retry-After": "5"})
        return _problem_response(problem(500, "Internal error", detail, "internal"))


def _limiter(app: Flask, settings: Settings) -> None:
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address

    def key() -> str:
        # per key when one is presented (hashed: keys never appear in storage), else per IP
        from service.auth import bearer, hash_key

        presented = bearer(request.headers.get("Authorization"))
        return "key:" + hash_key(presented)[:16] if presented else "ip:" + (get_remote_address() or "?")

    storage = settings.redis_url if settings.redis_url else "memory://"
    limiter = Limiter(
        key_func=key, app=app, storage_uri=storage,
        storage_options={"socket_timeout": 0.25, "socket_connect_timeout": 0.25} if storage.startswith("redis") else {},
        in_memory_fallback_enabled=True, swallow_errors=True, headers_enabled=True,
        key_prefix=f"{settings.redis_prefix}:rl", strategy="fixed-window",
        default_limits=[], enabled=True,
    )

    read, write = settings.rate_limit_read, settings.rate_limit_write
    for name, view in list(app.view_functions.items()):
        if name.startswith(("articles.ingest", "match.")):
            app.view_functions[name] = limiter.limit(write)(view)
        elif name.startswith(("articles.", "stories.", "outlets.", "export.", "web.")):
            app.view_functions[name] = limiter.limit(read)(view)
    app.extensions["newsprism_limiter"] = limiter


def create_app(settings: Settings | dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then environment, then ``settings`` (a Settings or overrides)."""
    if not isinstance(settings, Settings):
        settings = load_settings(settings)
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from service.wiring import build_services

    app = Flask(__name__, static_folder="web/static", static_url_path="/static",
                template_folder="web/templates")
    app.config.update(TESTING=settings.testing, MAX_CONTENT_LENGTH=settings.max_body_bytes, JSON_SORT_KEYS=False)
    services = build_services(settings)
    app.extensions["newsprism"] = services
    app.url_map.converters["id"] = IdConverter

    from service.api import articles, health, openapi, outlets, stories

    for module in (articles, stories, outlets, health, openapi):
        app.register_blueprint(module.bp, url_prefix="/api/v1")
    try:
        from service.api import export, match

        app.register_blueprint(match.bp, url_prefix="/api/v1")
        app.register_blueprint(export.bp, url_prefix="/api/v1")
    except ImportError:
        pass
    try:
        from service.web import views as web_views

        app.register_blueprint(web_views.bp)
    except ImportError:
        pass
    register_errors(app)
    _limiter(app, settings)

    if settings.cors_origins:
        from flask_cors import CORS

        CORS(app, resources={r"/api/*": {"origins": settings.cors_origins}},
             allow_headers=["Authorization", "Content-Type", "If-None-Match"],
             expose_headers=["ETag", "X-Cache", "Retry-After"], max_age=600)

    @app.before_request
    def _start() -> None:
        g.t0 = time.perf_counter()

    @app.after_request
    def _headers(resp: Response) -> Response:
        for k, v in SECURITY_HEADERS.items():
            resp.headers.setdefault(k, v)
        if resp.mimetype == "text/html":
            resp.headers.setdefault("Content-Security-Policy", CSP)
        else:
            resp.headers.setdefault("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
        if settings.cors_origins and request.path.startswith("/api/"):
            # answers differ by Origin (CORS): shared caches must not mix them
            resp.vary.add("Origin")
        ms = (time.perf_counter() - g.get("t0", time.perf_counter())) * 1000
        resp.headers["Server-Timing"] = f"app;dur={ms:.1f}"
        services.metrics.inc(f'http_requests_total{{status="{resp.status_code}"}}')
        return resp

    if settings.preload_model:
        services.warm()
    return app
