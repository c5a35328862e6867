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
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from clustering.cleaning import clean_text
from clustering.embed_backends import ModelNotBuiltError
from clustering.metrics import bcubed
from service.devtools.bench_copies import bench_copies
from service.devtools.bench_memory import bench_worker_memory
from service.devtools import BENCH_DIR
from service.devtools.bench_search import measure_search
from service.devtools.stats import percentile
from service.devtools.synthetic import build_bench_store, synthetic_stories
from service.http.app import create_app
from service.settings import ROOT, load_settings
from service.store.models import Article, Story
from service.threads import limit_threads
from service.usecases.recluster import recluster_arrays
from service.usecases.replay import SAMPLE, article_fields, ingest_rows, published_order, read_jsonl
from service.wiring import Services, build_services

SHARED = ROOT.parent / "shared" / "data"
ALLSIDES = SHARED / "allsides-neus-2021" / "articles.jsonl"
SEED = SHARED / "seed-putin" / "articles.jsonl"


def fresh_services(tag: str, **overrides: Any) -> Services:
    """A fresh SQLite store and an in-process cache, so nothing is cached from earlier runs."""
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
    if ALLSIDES.exists():
        rows = read_jsonl(str(ALLSIDES))
    else:  # a fresh clone: the fictional sample corpus, repeated with other ids
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
    pairs = corpus(n, with_gold=True)
    rows = [r for r, _ in pairs]
    services = fresh_services("ingest", **overrides)
    services.warm()
    texts = []
    for r in rows:
        texts.extend(services.assignment.texts(" ".join(r["title"].split()), clean_text(r["text"], services.rules)))
    services.embedder.encode(texts[:64])  # warm the kernels
    t0 = time.perf_counter()
    services.embedder.encode(texts)
    encode_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    results = ingest_rows(services.ingestor, rows, batch=batch)
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
    out: dict[str, Any] = {}
    for backend in backends:
        try:
            out[backend] = bench_ingest(n, batch, embed_backend=backend)
        except ModelNotBuiltError as exc:
            out[backend] = {"error": str(exc)}
    return out


def bench_comparison(repeats: int = 200) -> dict[str, Any]:
    """Cold (computed) and warm (served from the cache through the HTTP app) comparisons."""
    tmp = tempfile.mkdtemp(prefix="newsprism-bench-cmp-")
    app = create_app({"database_url": f"sqlite:///{tmp}/c.db", "redis_url": load_settings().redis_url,
                      "redis_prefix": f"npbench-{os.getpid()}", "preload_model": True,
                      "rate_limit_read": "10000000/minute"})
    services = app.extensions["newsprism"]
    services.db.upgrade()
    if SEED.exists():
        rows = [article_fields(r) for r in read_jsonl(str(SEED))]
    else:
        rows = [article_fields(r) for r in read_jsonl(str(SAMPLE))]
    services.ingestor.ingest(rows)
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
    c50, w50 = percentile(cold, 50), percentile(warm, 50)
    return {"stories": len(ids), "backend": services.cache.backend,
            "comparison_cold_p50_ms": round(c50, 1), "comparison_cold_p95_ms": round(percentile(cold, 95), 1),
            "comparison_warm_p50_ms": round(w50, 2), "comparison_warm_p95_ms": round(percentile(warm, 95), 2),
            "warm_speedup": round(c50 / w50, 1) if w50 else None}


def bench_assign_cost(sizes: tuple[int, ...] = (1_000, 100_000), probes: int = 200, days: float = 730) -> dict[str, Any]:
    """Per-article ingest cost (assignment included) into stores of 1k and 100k stories."""
    out: dict[str, Any] = {}
    for n in sizes:
        services = fresh_services(f"assign{n}")
        services.embedder.load()
        synthetic_stories(services, n, days, services.embedder.dim)
        rng = random.Random(n)
        arts = []
        for k in range(probes):
            dt = datetime(2024, 1, 1, tzinfo=timezone.utc) + timedelta(days=rng.uniform(0, days))
            arts.append({"outlet": "Bench Wire", "title": f"Probe article {k} on the {rng.choice(['strike', 'bridge', 'budget'])}",
                         "text": f"Probe {k} body text about local events number {rng.randrange(10**6)}.",
                         "published_at": dt.isoformat()})
        services.cached_embedder.encode([t for a in arts for t in services.assignment.texts(a["title"], a["text"])])
        services.warm_indexes()  # as a worker does after fork: not a per-article cost
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
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = BENCH_DIR / f"bench-{n_articles}-{n_stories}.db"
    url = f"sqlite:///{path}"
    if not path.exists():
        services = build_services(load_settings({"database_url": url, "redis_url": ""}))
        services.db.upgrade()
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
        report.update(copies_part(quick))
    if quick or not ALLSIDES.exists():
        report["rss_mb"] = report["rss_mb_bench_process"]
    else:
        memory = bench_worker_memory(bench_store())
        report["rss_mb"] = memory["rss_mb_per_worker_max"]
        report["worker_memory"] = memory
    return report


def copies_part(quick: bool = False) -> dict[str, Any]:
    """``copy_detect_ms_1k`` and ``copy_detect_ms_100k`` (``service.devtools.bench_copies``)."""
    if not ALLSIDES.exists():
        return {}
    return bench_copies(ALLSIDES, sizes=(1_000, 10_000) if quick else (1_000, 100_000), probes=100 if quick else 200)


#: parts ``newsprism bench --only`` runs alone
PARTS = {"copies": copies_part}


def print_table(report: dict[str, Any]) -> None:
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


def main(as_json: bool, quick: bool, out: str | None, only: str | None = None) -> None:
    if only:
        report = {"machine": {"cpus": os.cpu_count()}, "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
                  **PARTS[only](quick)}
    else:
        report = run(quick=quick)
    if out:
        Path(out).write_text(json.dumps(report, indent=2))
    if as_json:
        print(json.dumps(report))
    else:
        print_table(report)
