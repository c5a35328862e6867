"""What the workers share through Redis: a per-host rate limit and per-source locks.

Both keep working without Redis (a single process then coordinates only with itself), so a
Redis outage slows nothing down and loses nothing; it only stops coordination across
processes until Redis answers again.
"""
from __future__ import annotations

import logging
import threading
import time
import uuid
from typing import Any

log = logging.getLogger(__name__)

# compare-and-delete: release a lock only if we still hold it
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


class Coordination:
    """Redis-backed rate limit and locks under ``prefix`` (``redis_url`` empty: local only)."""

    def __init__(self, redis_url: str | None, prefix: str) -> None:
        self.redis_url = redis_url
        self.prefix = prefix
        self._client: Any = None
        self._local_lock = threading.Lock()
        self._local_next: dict[str, float] = {}
        self._local_held: set[str] = set()

    def _redis(self) -> Any:
        if not self.redis_url:
            return None
        if self._client is None:
            import redis

            self._client = redis.Redis.from_url(self.redis_url, socket_timeout=2, socket_connect_timeout=2)
        return self._client

    # -- per-host rate limit -----------------------------------------------------------
    def wait_turn(self, host: str, delay: float, max_wait: float = 120.0) -> float:
        """Block until a request to ``host`` may be sent (at most one per ``delay`` seconds
        across every worker); returns the seconds waited."""
        if delay <= 0:
            return 0.0
        key = f"{self.prefix}:fetch:host:{host}"
        started = time.monotonic()
        while True:
            remaining = self._try_slot(key, delay)
            if remaining <= 0:
                return time.monotonic() - started
            if time.monotonic() - started + remaining > max_wait:
                raise TimeoutError(f"waited over {max_wait:g}s for a turn at {host}")
            time.sleep(min(remaining, delay) + 0.005)

    def _try_slot(self, key: str, delay: float) -> float:
        """0 when the slot was taken now, else the seconds until it frees."""
        client = self._redis()
        if client is not None:
            try:
                if client.set(key, b"1", nx=True, px=max(1, int(delay * 1000))):
                    return 0.0
                ttl = client.pttl(key)
                return max(ttl, 1) / 1000.0
            except Exception as exc:  # noqa: BLE001 - Redis down: coordinate in this process
                log.warning("rate limit without Redis (%s)", type(exc).__name__)
        with self._local_lock:
            now = time.monotonic()
            free_at = self._local_next.get(key, 0.0)
            if now >= free_at:
                self._local_next[key] = now + delay
                return 0.0
            return free_at - now

    # -- per-source locks ----------------------------------------------------------------
    def acquire(self, name: str, ttl_seconds: int) -> str | None:
        """Take the lock ``name`` for at most ``ttl_seconds``; a token, or None if held."""
        key = f"{self.prefix}:lock:{name}"
        token = uuid.uuid4().hex
        client = self._redis()
        if client is not None:
            try:
                return token if client.set(key, token, nx=True, ex=max(1, int(ttl_seconds))) else None
            except Exception as exc:  # noqa: BLE001 - Redis down: lock in this process
                log.warning("lock %s without Redis (%s)", name, type(exc).__name__)
        with self._local_lock:
            if key in self._local_held:
                return None
            self._local_held.add(key)
            return "local:" + token

    def release(self, name: str, token: str) -> None:
        """Release a lock taken with :meth:`acquire` (only if still ours)."""
        key = f"{self.prefix}:lock:{name}"
        if token.startswith("local:"):
            with self._local_lock:
                self._local_held.discard(key)
            return
        client = self._redis()
        try:
            client.eval(_RELEASE, 1, key, token)
        except Exception as exc:  # noqa: BLE001 - it expires on its own
            log.warning("could not release lock %s (%s); it expires by itself", name, type(exc).__name__)
