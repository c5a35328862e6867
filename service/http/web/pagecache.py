"""Rendered pages cached like the comparison: by story version and analysis version (the
cache's key prefix), so a new article means a new key and nothing is ever invalidated.

The key also holds a fingerprint of the code and templates that render the page (a deploy
that changes them renders anew) and of the site's root URL (the handout links back to it).
Answers carry a strong ETag and ``Cache-Control``; ``If-None-Match`` gets a 304. One render
per key at a time in a process: a class opening one story renders it once. Each worker keeps
the pages it served last in memory too (a story page is a few hundred KB; fetching it from
Redis on every request cost more than the rest of the request): the keys are versioned, so
that copy is never stale.
"""
from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Callable
from pathlib import Path

from flask import Response, request

from service.cache import Cache, LocalCache

#: seconds a browser or a shared cache may keep a page without asking again
MAX_AGE = 30
WEB = Path(__file__).resolve().parent

HOT_ITEMS = 64
HOT_BYTES = 32 << 20
HOT_TTL_S = 3600

_guard = threading.Lock()
_locks: dict[str, threading.Lock] = {}
#: this worker's copy of the pages it served last (in front of the shared cache)
_hot = LocalCache(max_items=HOT_ITEMS, max_bytes=HOT_BYTES)
#: the ETags of the bodies served from the cache, by key
MAX_ETAGS = 4096
_etags: dict[str, str] = {}


@functools.cache
def render_fingerprint() -> str:
    """A digest of the modules, templates and static files that shape the pages."""
    digest = hashlib.sha256()
    files = sorted(p for p in WEB.rglob("*") if p.is_file() and p.suffix in {".py", ".html", ".css", ".js"})
    for path in files:
        digest.update(str(path.relative_to(WEB)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def page_key(cache: Cache, story_id: int, version: int, kind: str) -> str:
    """``{prefix}:{analysis}:{store}:story:{id}:{version}:page:{kind}:{code}:{site}``."""
    site = hashlib.sha256(request.url_root.encode()).hexdigest()[:8]
    return cache.store_key("story", story_id, version, "page", kind, render_fingerprint(), site)


def cached_body(cache: Cache, key: str, render: Callable[[], tuple[str, bool]]) -> tuple[bytes, str]:
    """The body under ``key``, else ``render()`` once per key in this process; ``render``
    returns the text and whether it may be kept (a page shown with a transient problem is
    not). Returns the bytes and "hit" or "miss"."""
    raw = _hot.get(key)
    if raw is not None:
        return raw, "hit"
    raw = cache.get_bytes(key)
    if raw is not None:
        _hot.set(key, raw, HOT_TTL_S)
        return raw, "hit"
    with _guard:
        lock = _locks.setdefault(key, threading.Lock())
    try:
        with lock:
            raw = cache.get_bytes(key)
            if raw is not None:
                return raw, "hit"
            text, keep = render()
            raw = text.encode("utf-8")
            if keep:
                cache.set_bytes(key, raw)
                _hot.set(key, raw, HOT_TTL_S)
    finally:
        with _guard:
            _locks.pop(key, None)
    return raw, "miss"


def etag(body: bytes, key: str | None = None) -> str:
    """The body's digest; for a body served from the cache under ``key`` (which fixes its
    content: the key is versioned), remembered rather than recomputed on each request."""
    if key is not None:
        known = _etags.get(key)
        if known is not None:
            return known
    tag = hashlib.sha256(body).hexdigest()[:32]
    if key is not None:
        if len(_etags) >= MAX_ETAGS:
            _etags.clear()
        _etags[key] = tag
    return tag


def conditional(body: bytes, mimetype: str, source: str, key: str | None = None) -> Response:
    """The body with a strong ETag, ``Cache-Control`` and ``X-Cache``; a 304 when the
    client's ``If-None-Match`` already names it. ``key``: the cache key a hit came from."""
    resp = Response(body, mimetype=mimetype)
    resp.set_etag(etag(body, key if source == "hit" else None))
    resp.cache_control.public = True
    resp.cache_control.max_age = MAX_AGE
    resp.headers["X-Cache"] = source
    return resp.make_conditional(request)
