"""Rate limits: reads and writes per API key (hashed), else per client IP."""
from __future__ import annotations

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from service.auth import bearer, hash_key
from service.settings import Settings


def install_limits(app: Flask, settings: Settings) -> None:
    """Wrap the registered views with the read or write limit of the settings."""
    def key() -> str:
        # per key when one is presented (hashed: keys never appear in storage), else per IP
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
