"""Rate limits per kind of user (Flask-Limiter, counters in Redis shared by every worker).

- reads (pages and the read API): one bucket per address for all of them (``rate_limit_read``),
  and a smaller one for the reads that had to be computed, not served from a cache or as a
  304 (``rate_limit_read_uncached``): a classroom is one address, and cached answers cost
  little. The computed ones are counted after the answer (:class:`ComputedReads`), so a cached
  answer costs one counter in Redis, not two;
- ``/api/v1/match`` (the extension): per install id, the ``X-Newsprism-Client`` header
  (``rate_limit_match_client``), under a ceiling per address whatever the ids
  (``rate_limit_match_address``); without the header the address is the id;
- writes (ingest, adding or removing a source, and match with an API key): per key (``rate_limit_write``);
- static files, the plotly bundle, health and the API description are not limited.

A request that presents an API key is counted per key (hashed: keys never reach storage),
else per client address: the socket's peer, or behind a trusted proxy the forwarded address
(service/http/proxies.py). Every 429 is the JSON problem with ``Retry-After``
(service/http/errors.py).
"""
from __future__ import annotations

import functools
import hashlib
import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, make_response, request
from flask_limiter import Limiter
from limits import parse_many
from werkzeug.exceptions import TooManyRequests

from service.auth import bearer, hash_key
from service.settings import Settings

log = logging.getLogger(__name__)

CLIENT_HEADER = "X-Newsprism-Client"
#: an install id longer than this is not an id: the address is used instead
MAX_CLIENT_ID = 128
READ_VIEWS = ("articles.", "stories.", "outlets.", "export.", "web.", "sources.")
#: Views that change the store: limited per key (checked before the read prefixes).
WRITE_VIEWS = ("articles.ingest", "sources.add_source", "sources.remove_source")
UNLIMITED_VIEWS = {"web.plotly_js"}


def address() -> str:
    """The client's address (after the trusted-proxy fix), ``?`` if unknown."""
    return request.remote_addr or "?"


def caller() -> str:
    """Per API key when one is presented, else per address."""
    presented = bearer(request.headers.get("Authorization"))
    return "key:" + hash_key(presented)[:16] if presented else "ip:" + address()


def install_id() -> str:
    """The extension's anonymous install id (hashed: bounded keys, nothing stored as sent); the
    API key or the address when there is none."""
    if bearer(request.headers.get("Authorization")):
        return caller()
    raw = (request.headers.get(CLIENT_HEADER) or "").strip()
    if not raw or len(raw) > MAX_CLIENT_ID:
        return "ip:" + address()
    return "client:" + hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()[:16]


def computed(resp: Response) -> bool:
    """Did answering cost work: not a 304, not a cache hit, not an error answered early?"""
    return resp.status_code != 304 and resp.headers.get("X-Cache") != "hit" and resp.status_code < 400


class ComputedReads:
    """The reads that cost work (:func:`computed`), counted per caller after the answer in the
    limiter's storage (scope ``read-computed``). When a count goes over the limit, this worker
    refuses that caller's reads until the window ends, without asking Redis on each request;
    another worker learns it on the caller's next computed answer there, so a caller can get
    one computed answer more per worker (and per concurrent request) than the limit."""

    MAX_BLOCKED = 10_000

    def __init__(self, limiter: Limiter, limit: str, prefix: str) -> None:
        self.limiter = limiter
        self.items = parse_many(limit)
        self.prefix = prefix
        self._blocked: dict[str, float] = {}
        self._lock = threading.Lock()
        self._warned_at = float("-inf")

    def refuse_if_blocked(self, key: str) -> None:
        until = self._blocked.get(key)
        if until is None:
            return
        wait = until - time.time()
        if wait <= 0:
            with self._lock:
                self._blocked.pop(key, None)
            return
        window = max(item.get_expiry() for item in self.items)
        raise TooManyRequests(f"{self.items[0]} computed reads", retry_after=max(1, min(math.ceil(wait), window)))

    def count(self, key: str) -> None:
        try:
            strategy = self.limiter.limiter
            for item in self.items:
                ids = (self.prefix, key, "read-computed")
                # the answer that uses up the budget is the last one served (as a limiter that
                # counted before the answer would do), so block when the count reaches the limit
                if strategy.storage.incr(item.key_for(*ids), item.get_expiry()) >= item.amount:
                    reset = strategy.get_window_stats(item, *ids).reset_time
                    with self._lock:
                        if len(self._blocked) >= self.MAX_BLOCKED:
                            now = time.time()
                            self._blocked = {k: v for k, v in self._blocked.items() if v > now}
                        self._blocked[key] = max(reset, self._blocked.get(key, 0.0))
        except Exception as exc:  # noqa: BLE001 - storage down: reads go on, under the main bucket only
            now = time.monotonic()
            if now - self._warned_at > 60:
                self._warned_at = now
                log.warning("could not count computed reads (%s); not limiting them", type(exc).__name__)

    def __call__(self, view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def limited(*args: Any, **kwargs: Any) -> Response:
            key = caller()
            self.refuse_if_blocked(key)
            resp = make_response(view(*args, **kwargs))
            if computed(resp):
                self.count(key)
            return resp

        return limited


def install_limits(app: Flask, settings: Settings) -> None:
    """Wrap the registered views with the limits of the settings."""
    storage = settings.redis_url if settings.redis_url else "memory://"
    limiter = Limiter(
        key_func=caller, app=app, storage_uri=storage,
        storage_options={"socket_timeout": 0.25, "socket_connect_timeout": 0.25} if storage.startswith("redis") else {},
        in_memory_fallback_enabled=True, swallow_errors=True,
        # no X-RateLimit-* headers on every answer: each cost Redis round trips on the hot path;
        # a 429 still says when to come back (Retry-After, service/http/errors.py)
        headers_enabled=False,
        key_prefix=f"{settings.redis_prefix}:rl", strategy="fixed-window",
        default_limits=[], enabled=True,
    )
    # shared scopes: one bucket per key for all the views of a kind, not one per route
    reads = limiter.shared_limit(settings.rate_limit_read, scope="read")
    reads_computed = ComputedReads(limiter, settings.rate_limit_read_uncached, f"{settings.redis_prefix}:rl")
    writes = limiter.shared_limit(settings.rate_limit_write, scope="write")
    match_keyed = limiter.shared_limit(settings.rate_limit_write, scope="write",
                                       exempt_when=lambda: not bearer(request.headers.get("Authorization")))
    match_client = limiter.shared_limit(settings.rate_limit_match_client, scope="match-client", key_func=install_id,
                                        exempt_when=lambda: bool(bearer(request.headers.get("Authorization"))))
    match_address = limiter.shared_limit(settings.rate_limit_match_address, scope="match-address",
                                         key_func=lambda: "ip:" + address(),
                                         exempt_when=lambda: bool(bearer(request.headers.get("Authorization"))))

    for name, view in list(app.view_functions.items()):
        if name in UNLIMITED_VIEWS:
            continue
        if name.startswith(WRITE_VIEWS):
            app.view_functions[name] = writes(view)
        elif name.startswith("match."):
            app.view_functions[name] = match_keyed(match_address(match_client(view)))
        elif name.startswith(READ_VIEWS):
            app.view_functions[name] = reads(reads_computed(view))
    app.extensions["newsprism_limiter"] = limiter
