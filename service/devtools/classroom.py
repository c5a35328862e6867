"""The classroom soak (``newsprism soak --scenario classroom``): a class behind one school
address and a trusted reverse proxy, for a fixed time, against a newsprism on this machine.

Each of ``students`` clients, every minute, loads the story list, the class's story page and
its handout, and asks ``/api/v1/match`` five times (the extension, with an install id of its
own in ``X-Newsprism-Client``): eight requests a minute, evenly spaced from a random start.
All of them connect from ``school_address`` (a loopback address: one address for the whole
class, as behind a school's NAT) to a reverse proxy in front of the app (a stdlib one started
here, or ``via``, e.g. nginx), which appends that address to ``X-Forwarded-For``. One more
client at the same address runs the same cycle ``abuser_factor`` times faster with one
install id. The report counts the students' 429s, 5xx and transport errors, their latency
percentiles, and whether the abusive client was refused with ``Retry-After``.
"""
from __future__ import annotations

import random
import statistics
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from service.devtools.loadtest import check_loopback
from service.devtools.proxy import ReverseProxy
from service.devtools.stats import percentile

#: one student's minute: the list, the story, the handout, five matches
CYCLE = ("index", "story", "handout", "match", "match", "match", "match", "match")


@dataclass
class Tally:
    """What one kind of client (the students, or the abusive one) got back."""

    statuses: dict[int, int] = field(default_factory=dict)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    limited: int = 0
    limited_with_retry_after: int = 0
    retry_after: list[int] = field(default_factory=list)

    def add(self, kind: str, status: int, ms: float, retry_after: str | None) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1
        self.latencies.setdefault(kind, []).append(ms)
        if status == 429:
            self.limited += 1
            if retry_after and retry_after.isdigit():
                self.limited_with_retry_after += 1
                self.retry_after.append(int(retry_after))

    def report(self) -> dict[str, Any]:
        every = [v for vs in self.latencies.values() for v in vs]
        return {
            "requests": len(every),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "429": self.limited,
            "429_with_retry_after": self.limited_with_retry_after,
            "retry_after_s": {"min": min(self.retry_after), "max": max(self.retry_after)} if self.retry_after else None,
            "5xx": sum(n for s, n in self.statuses.items() if s >= 500),
            "transport_errors": len(self.errors), "error_samples": self.errors[:5],
            "latency_ms": {"p50": round(percentile(every, 50, empty=0.0), 1),
                           "p95": round(percentile(every, 95, empty=0.0), 1),
                           "p99": round(percentile(every, 99, empty=0.0), 1),
                           "max": round(max(every, default=0.0), 1),
                           "mean": round(statistics.fmean(every), 1) if every else 0.0},
            "by_kind_p95_ms": {k: round(percentile(v, 95, empty=0.0), 1) for k, v in sorted(self.latencies.items())},
        }


@dataclass
class Classroom:
    base: str
    seconds: float = 300
    students: int = 30
    abuser_factor: float = 10.0
    school_address: str = "127.0.0.10"
    via: str | None = None
    seed: int = 17
    class_tally: Tally = field(default_factory=Tally)
    abuser_tally: Tally = field(default_factory=Tally)

    def __post_init__(self) -> None:
        check_loopback(self.base)
        if self.via:
            check_loopback(self.via)
        check_loopback(f"http://{self.school_address}/")
        self._lock = threading.Lock()

    # -- the material: the class's story and articles to match ----------------------------
    def _material(self) -> tuple[int, list[dict[str, Any]]]:
        with httpx.Client(base_url=self.base, timeout=120) as http:
            stories = http.get("/api/v1/stories", params={"per_page": 50}).json()["items"]
            if not stories:
                raise RuntimeError("the target has no stories: ingest something first")
            story = max(stories, key=lambda s: (s.get("outlet_count") or 0, s.get("article_count") or 0))
            arts = http.get("/api/v1/articles", params={"per_page": 100}).json()["items"]
            texts = []
            for a in arts[:40]:
                full = http.get(f"/api/v1/articles/{a['id']}").json()
                if full.get("text"):
                    texts.append({"title": full.get("title") or "", "text": full["text"][:4000]})
            # the teacher opened the story before class: the comparison and the page are warm
            http.get(f"/stories/{story['id']}")
            http.get(f"/stories/{story['id']}/handout.md")
        if not texts:
            raise RuntimeError("the target has no article texts to match")
        return story["id"], texts

    def _request(self, http: httpx.Client, kind: str, story_id: int, texts: list[dict[str, Any]],
                 rng: random.Random) -> httpx.Response:
        if kind == "index":
            return http.get("/")
        if kind == "story":
            return http.get(f"/stories/{story_id}")
        if kind == "handout":
            return http.get(f"/stories/{story_id}/handout.md")
        return http.post("/api/v1/match", json=rng.choice(texts))

    def _client(self, tally: Tally, entry: str, interval: float, deadline: float, story_id: int,
                texts: list[dict[str, Any]], seed: int) -> None:
        rng = random.Random(seed)
        headers = {"X-Newsprism-Client": str(uuid.UUID(int=rng.getrandbits(128)))}
        transport = httpx.HTTPTransport(local_address=self.school_address)
        next_at = time.monotonic() + rng.uniform(0, interval)
        step = rng.randrange(len(CYCLE))
        with httpx.Client(base_url=entry, timeout=60, headers=headers, transport=transport) as http:
            while True:
                now = time.monotonic()
                if now >= deadline:
                    return
                if next_at > now:
                    time.sleep(min(next_at, deadline) - now)
                    if time.monotonic() >= deadline:
                        return
                next_at += interval
                kind = CYCLE[step % len(CYCLE)]
                step += 1
                t0 = time.perf_counter()
                try:
                    r = self._request(http, kind, story_id, texts, rng)
                    status, retry = r.status_code, r.headers.get("Retry-After")
                except httpx.HTTPError as exc:
                    status, retry = 0, None
                    with self._lock:
                        tally.errors.append(f"{kind}: {type(exc).__name__}")
                ms = (time.perf_counter() - t0) * 1000
                with self._lock:
                    tally.add(kind, status, ms, retry)

    def run(self) -> dict[str, Any]:
        story_id, texts = self._material()
        proxy = None if self.via else ReverseProxy(self.base).start()
        entry = self.via or proxy.url
        try:
            interval = 60.0 / len(CYCLE)
            deadline = time.monotonic() + self.seconds
            threads = [threading.Thread(target=self._client, daemon=True,
                                        args=(self.class_tally, entry, interval, deadline, story_id, texts, self.seed + i))
                       for i in range(self.students)]
            if self.abuser_factor > 0:
                threads.append(threading.Thread(target=self._client, daemon=True,
                                                args=(self.abuser_tally, entry, interval / self.abuser_factor, deadline,
                                                      story_id, texts, self.seed - 1)))
            started = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            took = time.monotonic() - started
        finally:
            if proxy is not None:
                proxy.stop()
        return {
            "scenario": "classroom", "seconds": round(took, 1), "students": self.students,
            "per_student_per_minute": {"index": 1, "story": 1, "handout": 1, "match": 5},
            "school_address": self.school_address, "proxy": self.via or "stdlib reverse proxy (service/devtools/proxy.py)",
            "story_id": story_id,
            "class": self.class_tally.report(),
            "abuser": {"rate_factor": self.abuser_factor, **self.abuser_tally.report()} if self.abuser_factor > 0 else None,
        }
