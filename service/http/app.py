"""The Flask app factory: ``create_app(settings)`` wires everything; nothing connects at import."""
from __future__ import annotations

import logging
import time
from typing import Any

from flask import Flask, Response, g, request
from flask_cors import CORS
from werkzeug.routing import IntegerConverter

from service.http.api import articles, export, health, match, openapi, outlets, sources, stories
from service.http.errors import register_errors
from service.http.limits import install_limits
from service.http.web import pages
from service.settings import Settings, load_settings
from service.wiring import build_services

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

    def __init__(self, map, *args, **kwargs) -> None:
        super().__init__(map, min=1, max=2**63 - 1)


def create_app(settings: Settings | dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then environment, then ``settings`` (a Settings or overrides)."""
    if not isinstance(settings, Settings):
        settings = load_settings(settings)
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    app = Flask(__name__, static_folder="web/static", static_url_path="/static",
                template_folder="web/templates")
    app.config.update(TESTING=settings.testing, MAX_CONTENT_LENGTH=settings.max_body_bytes, JSON_SORT_KEYS=False)
    services = build_services(settings)
    app.extensions["newsprism"] = services
    app.url_map.converters["id"] = IdConverter

    for module in (articles, stories, outlets, health, openapi, match, export, sources):
        app.register_blueprint(module.bp, url_prefix="/api/v1")
    app.register_blueprint(pages.bp)
    register_errors(app)
    install_limits(app, settings)

    if settings.cors_origins:
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
