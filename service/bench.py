"""``newsprism bench``: the performance figures of one run on this machine, as ratios where
the machine's speed should cancel out. Every figure goes through the same pipeline as the
API (``service.wiring``); nothing here is a second code path.
"""
from __future__ import annotations

import gc
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from service.settings import ROOT, load_settings

SHARED = ROOT.parent / "shared" / "data"
ALLSIDES = SHARED / "allsides-neus-2021" / "articles.jsonl"
SEED = SHARED / "seed-putin" / "articles.jsonl"


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def fresh_services(tag: str, **overrides: Any):  # noqa: ANN201
    """A fresh SQLite store and an in-process cache, so nothing is cached from earlier runs."""
    from service.wiring import build_services

    tmp = tempfile.mkdtemp(prefix=f"newsprism-bench-{tag}-")
    settings = load_settings({"database_url": f"sqlite:///{tmp}/bench.db", "redis_url": "",
                              "preload_model": False, **overrides})
    services = build_services(settings)
    services.db.upgrade()
    return services


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def corpus(limit: int | None = None, with_gold: bool = False) -> list[dict[str, Any]]:
    """The AllSides articles in published order (the fictional sample corpus, repeated, on a
    fresh clone); ``with_gold`` keeps the gold ``story_id`` beside the article fields."""
    from service.cli import article_fields, published_order, read_jsonl

    if ALLSIDES.exists():
        rows = read_jsonl(str(ALLSIDES))
    else:  # a fresh clone: the fictional sample corpus, repeated with other ids
        from service.cli import SAMPLE

        base = read_jsonl(str(SAMPLE))
        rows = [dict(r, id=f"{r['id']}-{k}", url=None, title=f"{r['title']} ({k})") for k in range(40) for r in base]
    rows = [rows[i] for i in published_order(rows)]
    if with_gold:
        return [(article_fields(r), r.get("story_id")) for r in rows[:limit]]
    return [article_fields(r) for r in rows[:limit]]


def bench_ingest(n: int, batch: int, **overrides: Any) -> dict[str, Any]:
    """Raw encode of exactly the texts ingest embeds vs end-to-end batch ingest, same run,
    and the B-cubed F1 of the stories that ingest made (the gold stories of the AllSides file;
    None on the sample corpus). ``overrides``: settings, e.g. ``embed_backend``."""
    from sqlalchemy import select

    from clustering.metrics import bcubed
    from service.cli import run_ingest
    from service.store.models import Article

    pairs = corpus(n, with_gold=True)
    rows = [r for r, _ in pairs]
    services = fresh_services("ingest", **overrides)
    services.warm()
    texts = []
    from clustering.cleaning import clean_text

    for r in rows:
        texts.extend(services.assignment.texts(" ".join(r["title"].split()), clean_text(r["text"], services.rules)))
    services.embedder.encode(texts[:64])  # warm the kernels
    t0 = time.perf_counter()
    services.embedder.encode(texts)
    encode_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    results = run_ingest(services, rows, batch=batch, progress=False)
    ingest_s = time.perf_counter() - t0
    created = sum(1 for r in results if r.status == "created")
    f1 = None
    if all(g is not None for _, g in pairs):
        with services.db.session() as s:
            story_of = dict(s.execute(select(Article.external_id, Article.story_id)).all())
        gold = [g for r, g in pairs if r.get("id") in story_of]
        pred = [story_of[r["id"]] for r, _ in pairs if r.get("id") in story_of]
        f1 = round(bcubed(gold, pred)[2], 4)
    services.close()
    return {"articles": len(rows), "texts_per_article": round(len(texts) / len(rows), 2), "created": created,
            "encode_per_s": round(len(rows) / encode_s, 1), "ingest_per_s": round(len(rows) / ingest_s, 1),
            "ingest_ratio": round(encode_s / ingest_s, 3), "bcubed_f1": f1}


def bench_fast_backends(n: int, batch: int, backends: tuple[str, ...] = ("onnx-int8", "static")) -> dict[str, Any]:
    """:func:`bench_ingest` with each fast embedding backend whose model is built."""
    from clustering.embed_backends import ModelNotBuiltError

    out: dict[str, Any] = {}
    for backend in backends:
        try:
            out[backend] = bench_ingest(n, batch, embed_backend=backend)
        except ModelNotBuiltError as exc:
            out[backend] = {"error": str(exc)}
    return out


def bench_comparison(repeats: int = 200) -> dict[str, Any]:
    """Cold (computed) and warm (served from the cache through the HTTP app) comparisons."""
    from service.app import create_app
    from service.cli import article_fields, read_jsonl

    tmp = tempfile.mkdtemp(prefix="newsprism-bench-cmp-")
    app = create_app({"database_url": f"sqlite:///{tmp}/c.db", "redis_url": load_settings().redis_url,
                      "redis_prefix": f"npbench-{os.getpid()}", "preload_model": True,
                      "rate_limit_read": "10000000/minute"})
    services = app.extensions["newsprism"]
    services.db.upgrade()
    if SEED.exists():
        rows = [article_fields(r) for r in read_jsonl(str(SEED))]
    else:
        from service.cli import SAMPLE

        rows = [article_fields(r) for r in read_jsonl(str(SAMPLE))]
    services.ingestor.ingest(rows)
    from sqlalchemy import select

    from service.store.models import Story

    with services.db.session() as s:
        ids = s.execute(select(Story.id).where(Story.outlet_count >= 2).order_by(Story.outlet_count.desc())).scalars().all()
    client = app.test_client()
    cold, warm = [], []
    for sid in ids:
        t0 = time.perf_counter()
        r = client.get(f"/api/v1/stories/{sid}/comparison")
        cold.append((time.perf_counter() - t0) * 1000)
        assert r.headers.get("X-Cache") == "miss"
    sid = ids[0]
    for _ in range(repeats):
        t0 = time.perf_counter()
        r = client.get(f"/api/v1/stories/{sid}/comparison")
        warm.append((time.perf_counter() - t0) * 1000)
        assert r.headers.get("X-Cache") == "hit"
    services.cache.delete_prefix(f"npbench-{os.getpid()}:*")
    c50, w50 = pct(cold, 50), pct(warm, 50)
    return {"stories": len(ids), "backend": services.cache.backend,
            "comparison_cold_p50_ms": round(c50, 1), "comparison_cold_p95_ms": round(pct(cold, 95), 1),
            "comparison_warm_p50_ms": round(w50, 2), "comparison_warm_p95_ms": round(pct(warm, 95), 2),
            "warm_speedup": round(c50 / w50, 1) if w50 else None}


def _synthetic_stories(services, n_stories: int, days: float, dim: int, seed: int = 3) -> None:  # noqa: ANN001
    """Bulk-insert ``n_stories`` one-article stories spread over ``days`` (assigner state via
    the assigner itself), so assignment can be timed against a store of that size."""
    from sqlalchemy import insert

    from clustering.signals import build_signals
    from service.store.models import Story, utcnow

    rng = np.random.default_rng(seed)
    assigner = services.assignment.assigner
    start = np.datetime64("2024-01-01T00:00:00")
    rows = []
    words = ["council", "bridge", "strike", "port", "river", "bank", "rate", "storm", "school", "court", "mayor",
             "hospital", "budget", "election", "police", "fire", "trade", "energy", "housing", "transit"]
    from datetime import datetime, timezone

    for i in range(n_stories):
        when = start + np.timedelta64(int(rng.uniform(0, days * 86400)), "s")
        dt = datetime.fromisoformat(str(when)).replace(tzinfo=timezone.utc)
        title = " ".join(rng.choice(words, 6)) + f" {i}"
        vecs = [rng.normal(size=dim).astype(np.float32) for _ in range(2)]
        sig = build_signals(title, title + ". More details follow.", dt, vecs, services.assign_params)
        state = assigner.new_story(sig)
        rows.append({"version": 1, "label": title, "article_count": 1, "outlet_count": 1, "keywords": [],
                     "first_seen": dt, "last_seen": dt, "state": state.to_bytes(),
                     "centroid": np.asarray(state.centroid, np.float32).tobytes(),
                     "created_at": utcnow(), "updated_at": utcnow()})
        if len(rows) == 5000:
            with services.db.write() as s:
                s.execute(insert(Story), rows)
            rows = []
    if rows:
        with services.db.write() as s:
            s.execute(insert(Story), rows)


def bench_assign_cost(sizes: tuple[int, ...] = (1_000, 100_000), probes: int = 200, days: float = 730) -> dict[str, Any]:
    """Per-article ingest cost (assignment included) into stores of 1k and 100k stories."""
    out: dict[str, Any] = {}
    for n in sizes:
        services = fresh_services(f"assign{n}")
        services.embedder.load()
        _synthetic_stories(services, n, days, services.embedder.dim)
        rng = random.Random(n)
        arts = []
        from datetime import datetime, timedelta, timezone

        for k in range(probes):
            dt = datetime(2024, 1, 1, tzinfo=timezone.utc) + timedelta(days=rng.uniform(0, days))
            arts.append({"outlet": "Bench Wire", "title": f"Probe article {k} on the {rng.choice(['strike', 'bridge', 'budget'])}",
                         "text": f"Probe {k} body text about local events number {rng.randrange(10**6)}.",
                         "published_at": dt.isoformat()})
        services.cached_embedder.encode([t for a in arts for t in services.assignment.texts(a["title"], a["text"])])
        with services.db.session() as s:  # as a worker does after fork: not a per-article cost
            services.assignment.warm(s)
        gc.collect()
        t0 = time.perf_counter()
        for a in arts:  # one article per transaction: the cost of one assignment
            services.ingestor.ingest([a])
        out[f"assign_ms_{n}"] = round((time.perf_counter() - t0) * 1000 / probes, 2)
    a, b = out[f"assign_ms_{sizes[0]}"], out[f"assign_ms_{sizes[-1]}"]
    out["assign_cost_ratio_100k_1k"] = round(b / a, 3)
    return out


def bench_recluster(sizes: tuple[int, ...] = (10_000, 100_000)) -> dict[str, Any]:
    """Topic re-clustering time over stored embeddings (the recluster job's fit)."""
    try:
        from service.pipeline.recluster import recluster_arrays
    except ImportError as exc:
        return {"recluster_error": f"not available: {exc}"}
    out: dict[str, Any] = {}
    rng = np.random.default_rng(5)
    for n in sizes:
        centers = rng.normal(size=(max(2, n // 3), 384)).astype(np.float32)
        emb = centers[rng.integers(0, len(centers), n)] + 0.3 * rng.normal(size=(n, 384)).astype(np.float32)
        emb /= np.linalg.norm(emb, axis=1, keepdims=True)
        docs = [f"story {i % len(centers)} words about topic {i % 97}" for i in range(n)]
        t0 = time.perf_counter()
        recluster_arrays(docs, emb)
        out[f"recluster_{n // 1000}k_s"] = round(time.perf_counter() - t0, 1)
    return out


def bench_store(n_articles: int = 100_000, n_stories: int = 35_000) -> str:
    """The synthetic corpus ``newsprism bench-search`` uses (generated once into the bench
    directory, about 3 minutes; docs/search.md says how it is made): its database URL."""
    from service.cli_search import BENCH_DIR, _services, _upgrade, build_bench_store

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = BENCH_DIR / f"bench-{n_articles}-{n_stories}.db"
    url = f"sqlite:///{path}"
    if not path.exists():
        services = _services(url, redis_url="")
        _upgrade(services)
        build_bench_store(services, str(ALLSIDES), n_articles, n_stories, progress=False)
        services.close()
    return url


def bench_search_latency(sizes: tuple[tuple[int, int], ...] = ((30_000, 10_000), (150_000, 100_000)),
                         queries: int = 200) -> dict[str, Any]:
    """Search and match latency (p50/p95/p99) through the Flask app at each (articles,
    stories) size of the synthetic bench corpus, with one torch and BLAS thread as a gunicorn
    worker has: ``newsprism bench-search``'s measurement. ``search_p95_ms`` and
    ``match_p95_ms`` are those of the largest size (a match of an unknown article by text,
    embedding included)."""
    from service.cli_search import limit_threads, measure_search

    out: dict[str, Any] = {"search_latency": {}}
    limit_threads(1)
    try:
        for n_articles, n_stories in sizes:
            r = measure_search(bench_store(n_articles, n_stories), str(ALLSIDES), queries)
            out["search_latency"][f"{n_stories // 1000}k_stories"] = {
                "articles": n_articles, "stories": n_stories, "search": r["search"], "match_text": r["match_text"],
                "match_known_url": r["match_known_url"], "index": r["index"], "ann_agreement": r.get("ann_agreement")}
            out["search_p95_ms"] = r["search"]["p95_ms"]
            out["match_p95_ms"] = r["match_text"]["p95_ms"]
    finally:
        limit_threads(os.cpu_count() or 1)
    return out


def bench_worker_memory(db_url: str, workers: int = 2, requests: int = 200, settle_s: float = 90) -> dict[str, Any]:
    """Resident memory of each gunicorn worker serving ``db_url``, started by the real
    entrypoint and config (model loaded and the search and assignment indexes built after
    fork), after ``requests`` searches and matches spread over the workers and after the
    background HNSW build settled. ``peak_mb`` is the kernel's high-water mark (VmHWM).
    With Redis, ``newsprism worker`` runs beside it, as compose.yaml deploys it
    (``job_worker``: its memory)."""
    import redis
    from rq import Queue

    from service.jobs import comparisons_queue
    from service.served import memory_mb

    queries = ["jobless claims", "Putin Zelensky talks", "Senate budget vote", "wildfire evacuations",
               "Supreme Court ruling", "vaccine mandate", "Afghanistan withdrawal", "inflation report"]
    import uuid

    from service.cache import Cache

    # as deployed (compose.yaml): with Redis when it answers, under a prefix of its own; the
    # in-process fallback cache would otherwise hold every answer in the measured worker
    redis_url = load_settings().redis_url
    prefix = "npbench-" + uuid.uuid4().hex[:8]
    cache = Cache(redis_url or None, prefix, "1", 60)
    if not cache.ping()[0]:
        redis_url = ""
    env = {"NEWSPRISM_DATABASE_URL": db_url, "NEWSPRISM_REDIS_URL": redis_url, "NEWSPRISM_REDIS_PREFIX": prefix,
           "NEWSPRISM_RATE_LIMIT_READ": "10000000/minute", "NEWSPRISM_LOG_LEVEL": "WARNING"}
    # and with `newsprism worker` beside it (compose.yaml runs one): the matches' cold
    # comparisons are computed there
    job_worker = None
    if redis_url:
        job_worker = subprocess.Popen([sys.executable, "-m", "service.cli", "worker"], cwd=ROOT,
                                      env={**os.environ, **env, "HF_HUB_OFFLINE": "1"},
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        from rq import Worker

        queue = Queue(comparisons_queue(prefix), connection=redis.Redis.from_url(redis_url))
        deadline = time.time() + 120
        while Worker.count(connection=queue.connection, queue=queue) == 0 and time.time() < deadline:
            time.sleep(0.5)
    try:
        report = _serve_and_measure(env, workers, requests, settle_s, queries)
        if job_worker is not None:
            from rq.registry import FailedJobRegistry, FinishedJobRegistry

            report["job_worker"] = memory_mb(job_worker.pid)
            report["comparison_jobs"] = {"done": FinishedJobRegistry(queue=queue).count,
                                         "failed": FailedJobRegistry(queue=queue).count, "queued": queue.count}
    finally:
        if job_worker is not None:
            job_worker.terminate()
            job_worker.wait(timeout=60)
    if redis_url:
        cache.delete_prefix(prefix + ":*")
        Queue(comparisons_queue(prefix), connection=redis.Redis.from_url(redis_url)).delete(delete_jobs=True)
    report["cache"] = "redis" if redis_url else "memory"
    return report


def _serve_and_measure(env: dict[str, str], workers: int, requests: int, settle_s: float,
                       queries: list[str]) -> dict[str, Any]:
    """The traffic mix: searches; matches of unknown texts; matches of stored articles' URLs
    (their stories' comparisons are cold: computed by the job worker when one runs, else in
    the web worker); and every 20th request a story page (a cold comparison computed in the
    web worker: educators' pages load spaCy there)."""
    import httpx
    from sqlalchemy import create_engine, text

    from service.served import entrypoint, memory_mb, worker_pids

    engine = create_engine(env["NEWSPRISM_DATABASE_URL"])
    with engine.connect() as c:
        rows = c.execute(text("SELECT url, story_id FROM articles WHERE story_id IS NOT NULL "
                              "ORDER BY id LIMIT :n"), {"n": requests}).all()
    engine.dispose()
    step = max(1, len(rows) // max(1, requests // 4))
    known = [r[0] for r in rows[::step]]
    pages = [r[1] for r in rows[1::step]]
    statuses: dict[str, int] = {}
    with entrypoint(env, workers=workers, timeout_s=900) as base:
        pids = worker_pids(base.pid)
        # no keep-alive: each request is a new connection, so every worker serves its share
        with httpx.Client(base_url=base, timeout=300, limits=httpx.Limits(max_keepalive_connections=0)) as http:
            for i in range(requests):
                q = f"{queries[i % len(queries)]} {i}"
                if i % 20 == 3 and pages:
                    r = http.get(f"/stories/{pages[(i // 20) % len(pages)]}")
                    kind = "story_page"
                elif i % 4 == 1:
                    r = http.post("/api/v1/match", json={"title": q, "text": f"{q}. Officials said more details would follow."})
                    kind = "match_text:" + r.json().get("status", "?")
                elif i % 4 == 2 and known:
                    r = http.post("/api/v1/match", json={"url": known[(i // 4) % len(known)]})
                    kind = "match_url:" + str(r.json().get("summaries"))
                else:
                    r = http.get("/api/v1/stories", params={"q": q})
                    kind = "search"
                kind += "" if r.status_code == 200 else f":{r.status_code}"
                statuses[kind] = statuses.get(kind, 0) + 1
            # the graphs build in a background thread: wait until every worker says it
            # searches with them (without keep-alive, 8 answers in a row come from both
            # workers but with a chance of 1 in 128), then until the memory stops growing
            deadline = time.time() + 600
            streak = 0
            while streak < 8 and time.time() < deadline:
                index = http.get("/api/v1/health").json().get("search_index") or {}
                streak = streak + 1 if index.get("backend") == "hnsw" else 0
                time.sleep(0.5 if streak else 5)
            last, deadline = None, time.time() + settle_s
            while time.time() < deadline:
                now = sum(memory_mb(p)["rss_mb"] for p in pids)
                if last is not None and abs(now - last) < 5:
                    break
                last = now
                time.sleep(5)
            health = http.get("/api/v1/health").json()
        per_worker = {str(p): memory_mb(p) for p in pids}
    return {"workers": per_worker, "rss_mb_per_worker_max": max(v["peak_mb"] for v in per_worker.values()),
            "requests": statuses, "search_index": health.get("search_index")}


def run(quick: bool = False) -> dict[str, Any]:
    report: dict[str, Any] = {"machine": {"cpus": os.cpu_count()}, "started": time.strftime("%Y-%m-%dT%H:%M:%S")}
    report.update(bench_ingest(300 if quick else 1087, batch=256))
    report["fast_backends"] = bench_fast_backends(300 if quick else 1087, batch=256)
    report.update(bench_comparison(repeats=50 if quick else 200))
    report.update(bench_assign_cost(sizes=(1_000, 10_000) if quick else (1_000, 100_000), probes=50 if quick else 200))
    report.update(bench_recluster(sizes=(2_000,) if quick else (10_000, 100_000)))
    report["rss_mb_bench_process"] = round(rss_mb(), 1)
    if ALLSIDES.exists():
        sizes = ((3_000, 1_000), (10_000, 3_000)) if quick else ((30_000, 10_000), (150_000, 100_000))
        report.update(bench_search_latency(sizes, queries=50 if quick else 200))
    if quick or not ALLSIDES.exists():
        report["rss_mb"] = report["rss_mb_bench_process"]
    else:
        memory = bench_worker_memory(bench_store())
        report["rss_mb"] = memory["rss_mb_per_worker_max"]
        report["worker_memory"] = memory
    return report


def print_table(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title="newsprism bench")
    t.add_column("figure")
    t.add_column("value", justify="right")
    def rows(prefix: str, d: dict[str, Any]) -> None:
        for k, v in d.items():
            if isinstance(v, dict):
                rows(f"{prefix}{k}.", v)
            else:
                t.add_row(prefix + k, str(v))

    rows("", report)
    Console().print(t)


def main(as_json: bool, quick: bool, out: str | None) -> None:
    report = run(quick=quick)
    if out:
        Path(out).write_text(json.dumps(report, indent=2))
    if as_json:
        print(json.dumps(report))
    else:
        print_table(report)
