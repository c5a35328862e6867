"""A bounded load generator for soak tests (``newsprism soak``): mixed traffic at a fixed
rate against a newsprism on THIS machine only, for a fixed time, then a report.

It refuses any target that is not a loopback address, stops by itself, and samples the
gunicorn workers' resident memory (``/proc``) to show whether it stays flat.
"""
from __future__ import annotations

import ipaddress
import random
import statistics
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from service.devtools.stats import percentile

MIX = (("story", 30), ("comparison", 25), ("stories", 15), ("search", 10), ("article", 10),
       ("health", 4), ("match", 4), ("ingest", 2))


def check_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise ValueError(f"refusing to load {host!r}: soak targets must be on this machine (127.0.0.0/8, ::1)")


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def children(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


@dataclass
class Soak:
    base: str
    api_key: str
    seconds: float = 60
    rps: float = 100
    threads: int = 16
    master_pid: int | None = None
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    memory: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        check_loopback(self.base)
        self._lock = threading.Lock()
        self._counter = 0

    def _ids(self, http: httpx.Client) -> tuple[list[int], list[str]]:
        stories = http.get("/api/v1/stories", params={"per_page": 100}).json()["items"]
        arts = http.get("/api/v1/articles", params={"per_page": 200}).json()["items"]
        return [s["id"] for s in stories], [str(a["id"]) for a in arts]

    def _request(self, http: httpx.Client, kind: str, story_ids: list[int], article_ids: list[str],
                 rng: random.Random) -> httpx.Response:
        auth = {"Authorization": f"Bearer {self.api_key}"}
        if kind == "story":
            return http.get(f"/api/v1/stories/{rng.choice(story_ids)}")
        if kind == "comparison":
            return http.get(f"/api/v1/stories/{rng.choice(story_ids)}/comparison")
        if kind == "stories":
            return http.get("/api/v1/stories", params={"page": rng.randint(1, 3), "per_page": 20})
        if kind == "search":
            return http.get("/api/v1/stories", params={"q": rng.choice(["bridge closure", "port strike", "Putin Zelensky talks",
                                                                          "rate rise", "chemical leak river"])})
        if kind == "article":
            return http.get(f"/api/v1/articles/{rng.choice(article_ids)}")
        if kind == "health":
            return http.get("/api/v1/health")
        if kind == "match":
            return http.post("/api/v1/match", json={"title": "Council closes bridge for repairs",
                                                    "text": "The council voted to close the bridge for months of repairs."},
                             headers=auth)
        with self._lock:
            self._counter += 1
            n = self._counter
        return http.post("/api/v1/articles", headers=auth, json={
            "outlet": "Soak Wire", "title": f"Soak test item {n} {time.time_ns()}",
            "text": f"Load test article number {n}. It exists to exercise ingest under load.",
            "published_at": "2026-03-10T12:00:00Z"})

    def _worker(self, deadline: float, interval: float, offset: float, story_ids: list[int],
                article_ids: list[str], seed: int) -> None:
        rng = random.Random(seed)
        kinds = [k for k, w in MIX for _ in range(w)]
        next_at = time.monotonic() + offset
        with httpx.Client(base_url=self.base, timeout=30) as http:
            while True:
                now = time.monotonic()
                if now >= deadline:
                    return
                if next_at > now:
                    time.sleep(next_at - now)
                next_at += interval
                kind = rng.choice(kinds)
                t0 = time.perf_counter()
                try:
                    r = self._request(http, kind, story_ids, article_ids, rng)
                    status = r.status_code
                except httpx.HTTPError as exc:
                    status = 0
                    with self._lock:
                        self.errors.append(f"{kind}: {type(exc).__name__}")
                ms = (time.perf_counter() - t0) * 1000
                with self._lock:
                    self.latencies.setdefault(kind, []).append(ms)
                    self.statuses[status] = self.statuses.get(status, 0) + 1
                    if status >= 500 or status == 0 or status == 429:
                        self.errors.append(f"{kind}: HTTP {status}")

    def _sample_memory(self, deadline: float) -> None:
        if not self.master_pid:
            return
        t0 = time.monotonic()
        while time.monotonic() < deadline:
            pids = children(self.master_pid)
            self.memory.append({"t": round(time.monotonic() - t0, 1),
                                "rss_mb": {p: round(rss_mb(p) or 0, 1) for p in pids}})
            time.sleep(min(5.0, max(1.0, self.seconds / 20)))

    def run(self) -> dict[str, Any]:
        with httpx.Client(base_url=self.base, timeout=30) as http:
            story_ids, article_ids = self._ids(http)
            for sid in story_ids:  # warm: the soak measures steady state, not first computes
                http.get(f"/api/v1/stories/{sid}/comparison")
        if not story_ids or not article_ids:
            raise RuntimeError("the target has no stories: ingest something first")
        deadline = time.monotonic() + self.seconds
        interval = self.threads / self.rps
        pool = [threading.Thread(target=self._worker, args=(deadline, interval, i * interval / self.threads,
                                                              story_ids, article_ids, i), daemon=True)
                for i in range(self.threads)]
        mem = threading.Thread(target=self._sample_memory, args=(deadline,), daemon=True)
        started = time.monotonic()
        for t in pool:
            t.start()
        mem.start()
        for t in pool:
            t.join()
        mem.join(timeout=10)
        took = time.monotonic() - started
        return self.report(took)

    def report(self, took: float) -> dict[str, Any]:
        every = [v for vs in self.latencies.values() for v in vs]
        first = self.memory[0]["rss_mb"] if self.memory else {}
        last = self.memory[-1]["rss_mb"] if self.memory else {}
        return {
            "seconds": round(took, 1), "target_rps": self.rps, "requests": len(every),
            "achieved_rps": round(len(every) / took, 1) if took else 0,
            "errors": len(self.errors), "error_samples": self.errors[:10],
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "latency_ms": {"p50": round(percentile(every, 50, empty=0.0), 1), "p95": round(percentile(every, 95, empty=0.0), 1),
                           "p99": round(percentile(every, 99, empty=0.0), 1), "max": round(max(every, default=0), 1),
                           "mean": round(statistics.fmean(every), 1) if every else 0},
            "by_kind_p95_ms": {k: round(percentile(v, 95, empty=0.0), 1) for k, v in sorted(self.latencies.items())},
            "worker_rss_mb": {"start": first, "end": last,
                              "max_growth": round(max((last.get(p, 0) - first.get(p, 0) for p in first), default=0), 1)},
        }
