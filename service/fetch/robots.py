"""robots.txt: fetched once per host and kept for a while, parsed with Protego.

A missing robots.txt (4xx) allows everything; one that cannot be fetched (5xx, timeout,
refused) disallows everything for now (RFC 9309 section 2.3.1.4), so a struggling site is
not crawled harder.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from protego import Protego

from service.fetch.client import FetchError, Fetcher
from service.fetch.guard import FetchRefused

ROBOTS_MAX_BYTES = 500_000


@dataclass
class RobotsRules:
    """One host's rules: whether a URL may be fetched, and the crawl delay asked for."""

    parser: Protego | None
    allow_all: bool
    agent: str

    def allowed(self, url: str) -> bool:
        if self.parser is None:
            return self.allow_all
        return bool(self.parser.can_fetch(url, self.agent))

    def crawl_delay(self) -> float | None:
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(self.agent)
        return float(delay) if delay is not None else None


class RobotsCache:
    """robots.txt per scheme+host, kept ``ttl_seconds`` in this process."""

    def __init__(self, fetcher: Fetcher, agent: str = "newsprism", ttl_seconds: float = 3600.0,
                 pace: Callable[[str], object] | None = None) -> None:
        self.fetcher = fetcher
        self.agent = agent
        self.ttl_seconds = ttl_seconds
        # called with the host before robots.txt is fetched: the per-host rate limit
        self.pace = pace
        self._rules: dict[str, tuple[float, RobotsRules]] = {}
        self._lock = threading.Lock()

    def rules(self, url: str) -> RobotsRules:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            cached = self._rules.get(origin)
            if cached and time.monotonic() - cached[0] < self.ttl_seconds:
                return cached[1]
        rules = self._fetch(origin)
        with self._lock:
            self._rules[origin] = (time.monotonic(), rules)
        return rules

    def _fetch(self, origin: str) -> RobotsRules:
        try:
            if self.pace is not None:
                self.pace(urlsplit(origin).netloc.lower())
            res = self.fetcher.get(origin + "/robots.txt", max_bytes=ROBOTS_MAX_BYTES)
        except (FetchError, FetchRefused, TimeoutError):
            return RobotsRules(None, allow_all=False, agent=self.agent)
        if 400 <= res.status < 500:
            return RobotsRules(None, allow_all=True, agent=self.agent)
        if res.status >= 500:
            return RobotsRules(None, allow_all=False, agent=self.agent)
        text = res.body.decode("utf-8", errors="replace")
        return RobotsRules(Protego.parse(text), allow_all=True, agent=self.agent)
