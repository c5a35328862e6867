"""The cache: Redis when it answers, an in-process LRU when it does not.

Keys are versioned (``{prefix}:{analysis_version}:{store_id}:story:{id}:{story_version}:comparison:{engine_version}``),
so a new article or a new analysis version means a new key: nothing is ever invalidated,
old keys expire by TTL. Answers computed from a store's contents carry the store's identity
(:meth:`Cache.store_key`), so stores sharing one Redis never see each other's answers;
content-addressed entries (embeddings) are shared by every store. A Redis fault never fails a
request: the cache degrades to the in-process store, logs it once, and tries Redis again after
a short back-off.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import orjson

log = logging.getLogger(__name__)


class LocalCache:
    """A bounded, thread-safe LRU with per-key expiry (one per worker process): at most
    ``max_items`` entries and ``max_bytes`` of values (a comparison is tens of KB: an item
    bound alone would let a worker without Redis grow by hundreds of MB)."""

    def __init__(self, max_items: int = 4096, max_bytes: int = 64 << 20) -> None:
        self.max_items = max_items
        self.max_bytes = max_bytes
        self.bytes = 0
        self._data: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            item = self._data.get(key)
            if item is None:
                return None
            expires, value = item
            if expires < time.monotonic():
                del self._data[key]
                self.bytes -= len(value)
                return None
            self._data.move_to_end(key)
            return value

    def set(self, key: str, value: bytes, ttl: int) -> None:
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self.bytes -= len(old[1])
            if len(value) > self.max_bytes:
                return
            self._data[key] = (time.monotonic() + ttl, value)
            self.bytes += len(value)
            while len(self._data) > self.max_items or self.bytes > self.max_bytes:
                _, (_, dropped) = self._data.popitem(last=False)
                self.bytes -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.bytes = 0


class Cache:
    """Versioned JSON/bytes cache over redis-py with an in-process fallback."""

    RETRY_AFTER_S = 5.0

    def __init__(self, redis_url: str | None, prefix: str, analysis_version: str, ttl: int,
                 socket_timeout: float = 0.25, store: Callable[[], str] | None = None) -> None:
        self.redis_url = redis_url
        #: the store's identity (``Database.store_id``), for :meth:`store_key`
        self.store = store
        self.prefix = prefix
        self.analysis_version = analysis_version
        self.ttl = ttl
        self.socket_timeout = socket_timeout
        self.local = LocalCache()
        self._client = None
        self._down_until = 0.0
        self._last_error: str | None = None
        self.hits = 0
        self.misses = 0

    # -- connection -------------------------------------------------------------------
    @property
    def client(self):
        """The redis client, or None while Redis is known to be down (back-off)."""
        if not self.redis_url or time.monotonic() < self._down_until:
            return None
        if self._client is None:
            import redis

            self._client = redis.Redis.from_url(
                self.redis_url, socket_timeout=self.socket_timeout,
                socket_connect_timeout=self.socket_timeout, health_check_interval=30,
            )
        return self._client

    def _fault(self, exc: Exception) -> None:
        if self._last_error is None:
            log.warning("redis unreachable (%s): serving from the in-process cache", type(exc).__name__)
        self._last_error = f"{type(exc).__name__}: {exc}"[:200]
        self._down_until = time.monotonic() + self.RETRY_AFTER_S

    def _ok(self) -> None:
        if self._last_error is not None:
            log.info("redis reachable again")
        self._last_error = None

    @property
    def backend(self) -> str:
        """'redis' when the last Redis call worked, else 'memory'."""
        return "redis" if self.redis_url and self._last_error is None and time.monotonic() >= self._down_until else "memory"

    def ping(self) -> tuple[bool, str | None]:
        """Ask Redis now (ignoring back-off) whether it answers."""
        if not self.redis_url:
            return False, "no redis_url configured"
        self._down_until = 0.0
        try:
            self.client.ping()
        except Exception as exc:  # noqa: BLE001 - any fault means "down"
            self._fault(exc)
            return False, self._last_error
        self._ok()
        return True, None

    # -- keys -------------------------------------------------------------------------
    def key(self, *parts: Any) -> str:
        """``{prefix}:{analysis_version}:part:part...``"""
        return ":".join([self.prefix, self.analysis_version, *map(str, parts)])

    def store_key(self, *parts: Any) -> str:
        """``{prefix}:{analysis_version}:{store id}:part:part...``: the key of an answer computed
        from the store's contents (its stories, counter, ids), which another store sharing this
        Redis must never be served. Content-addressed entries (embeddings) use :meth:`key`."""
        if self.store is None:
            raise RuntimeError("this cache has no store identity: build it with store=")
        return self.key(self.store(), *parts)

    # -- bytes ------------------------------------------------------------------------
    def get_bytes(self, key: str) -> bytes | None:
        client = self.client
        if client is not None:
            try:
                value = client.get(key)
                self._ok()
                if value is not None:
                    self.hits += 1
                    return value
            except Exception as exc:  # noqa: BLE001
                self._fault(exc)
        value = self.local.get(key)
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
        return value

    def set_bytes(self, key: str, value: bytes, ttl: int | None = None) -> str:
        """Store; returns the backend that took it."""
        ttl = ttl or self.ttl
        client = self.client
        if client is not None:
            try:
                client.set(key, value, ex=ttl)
                self._ok()
                return "redis"
            except Exception as exc:  # noqa: BLE001
                self._fault(exc)
        self.local.set(key, value, ttl)
        return "memory"

    def get_many(self, keys: list[str]) -> list[bytes | None]:
        if not keys:
            return []
        client = self.client
        if client is not None:
            try:
                values = client.mget(keys)
                self._ok()
                return values
            except Exception as exc:  # noqa: BLE001
                self._fault(exc)
        return [self.local.get(k) for k in keys]

    def set_many(self, items: dict[str, bytes], ttl: int | None = None) -> None:
        ttl = ttl or self.ttl
        client = self.client
        if client is not None and items:
            try:
                pipe = client.pipeline(transaction=False)
                for k, v in items.items():
                    pipe.set(k, v, ex=ttl)
                pipe.execute()
                self._ok()
                return
            except Exception as exc:  # noqa: BLE001
                self._fault(exc)
        for k, v in items.items():
            self.local.set(k, v, ttl)

    # -- JSON -------------------------------------------------------------------------
    def get_json(self, key: str) -> Any | None:
        raw = self.get_bytes(key)
        return None if raw is None else orjson.loads(raw)

    def set_json(self, key: str, value: Any, ttl: int | None = None) -> bytes:
        """Serialise once with orjson; returns the bytes (callers can serve them as is)."""
        raw = orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
        self.set_bytes(key, raw, ttl)
        return raw

    def delete_prefix(self, pattern: str) -> int:
        """Delete keys matching ``pattern`` (tests and admin only; never on a hot path)."""
        self.local.clear()
        client = self.client
        if client is None:
            return 0
        n = 0
        try:
            for k in client.scan_iter(match=pattern, count=500):
                n += client.delete(k)
        except Exception as exc:  # noqa: BLE001
            self._fault(exc)
        return n
