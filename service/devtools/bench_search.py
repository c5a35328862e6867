"""``newsprism bench-search``: search and match latency through the Flask app on a
synthetic corpus (:func:`service.devtools.synthetic.build_bench_store`), with one torch and
BLAS thread as a gunicorn worker has; ``newsprism bench`` runs the same measurement."""
from __future__ import annotations

import os
import random
import time
import uuid
from collections.abc import Callable
from typing import Any

import click
import numpy as np
from sqlalchemy import func, select

from service.devtools import BENCH_DIR
from service.devtools.stats import latency
from service.devtools.served import unlimited
from service.devtools.synthetic import build_bench_store
from service.http.app import create_app
from service.schemas import MatchIn
from service.settings import load_settings
from service.store.models import Article
from service.threads import limit_threads
from service.usecases.replay import read_jsonl
from service.wiring import Services, build_services

def bench_queries(source: str, n: int, seed: int = 11) -> dict[str, list]:
    """Search queries, new articles to match (not in the store) and their texts, from the source."""
    rng = random.Random(seed)
    src = [r for r in read_jsonl(source) if r.get("title") and r.get("text")]
    titles = list(dict.fromkeys(r["story_title"] for r in src if r.get("story_title")))
    words = [r["title"].split() for r in src]
    rng.shuffle(titles)
    searches: list[str] = []
    seen: set[str] = set()
    while len(searches) < n:
        if len(searches) % 2 == 0 and titles:
            q = titles.pop()
        else:
            w = rng.choice(words)
            a = rng.randint(0, max(0, len(w) - 3))
            q = " ".join(w[a:a + rng.randint(2, 5)])
        if q.casefold() not in seen:  # distinct: no answer comes from the search cache
            seen.add(q.casefold())
            searches.append(q)
    new_articles = []
    for k in range(n):
        r = rng.choice(src)
        sents = r["text"].split(". ")
        rng.shuffle(sents)
        new_articles.append({"url": f"https://bench-reader.example/{k}/{rng.randrange(10**9)}",
                             "title": r["title"] + (" " + rng.choice(words)[0] if rng.random() < 0.5 else ""),
                             "text": ". ".join(sents) + f" (reader copy {k})"})
    return {"searches": searches, "new_articles": new_articles}


def ann_agreement(svc: Services, searches: list[str], articles: list[dict]) -> dict[str, float]:
    """How often the graph-backed index answers as the exact one does, on the bench's own
    queries: the same top search hit, the share of the exact top 10 in the graph's top 10,
    and the same best story for a match (each answer computed twice, with the graphs and
    with them set aside)."""
    idx = svc.search.index
    matcher = svc.matcher

    def answers() -> tuple[list[list[int]], list[int | None]]:
        tops = [[h.story_id for h in svc.search.rank(q, limit=10)[0]] for q in searches]
        best = []
        for a in articles:
            found, _ = matcher.best_story(matcher.signals(MatchIn(**a)))
            best.append(found[0] if found else None)
        return tops, best

    graph_tops, graph_best = answers()
    backend = idx.params.backend
    idx.params.backend = "numpy"  # the graphs stay, unused (and not rebuilt) meanwhile
    try:
        exact_tops, exact_best = answers()
    finally:
        idx.params.backend = backend
    pairs = [(g, e) for g, e in zip(graph_tops, exact_tops) if e]
    return {"search_top1": round(sum(g[:1] == e[:1] for g, e in pairs) / max(1, len(pairs)), 4),
            "search_top10_overlap": round(sum(len(set(g) & set(e)) / len(e) for g, e in pairs) / max(1, len(pairs)), 4),
            "match_best": round(sum(g == e for g, e in zip(graph_best, exact_best)) / max(1, len(exact_best)), 4),
            "queries": len(pairs), "articles": len(exact_best)}


def measure_search(db_url: str, source: str, queries: int, backend: str = "auto",
                   prefix: str | None = None) -> dict[str, Any]:
    """Search and match latency through the Flask app on a bench store (``newsprism
    bench-search`` and ``newsprism bench`` both run this): ``queries`` requests per operation,
    with the index built first and its graphs (if any) waited for; with the graphs, how
    closely they answer as the exact search does (``ann_agreement``)."""
    prefix = prefix or "npbench-" + uuid.uuid4().hex[:8]
    report: dict[str, Any] = {}
    app = create_app({"database_url": db_url, "redis_prefix": prefix, "preload_model": True,
                      **unlimited()})
    svc = app.extensions["newsprism"]
    svc.search.index.params.backend = backend
    svc.matcher.summaries.mode = "cache"  # never compute comparisons inside the timed loop
    client = app.test_client()
    t0 = time.perf_counter()
    svc.search.index.ensure_fresh()
    report["index_build_seconds"] = round(time.perf_counter() - t0, 2)
    if backend == "auto":
        svc.search.index.wait_for_graphs()
    report["index"] = svc.search.index.stats()
    work = bench_queries(source, queries)
    # half of the unknown articles are copies of stored ones under a new URL (a reader on a
    # syndicated or mirrored page): they exercise the matched path too
    with svc.db.session() as s:
        top = s.execute(select(func.max(Article.id))).scalar_one()
        pick = random.Random(3).sample(range(1, top + 1), k=min(queries // 2, top))
        copies = s.execute(select(Article.title, Article.clean_text).where(Article.id.in_(pick))).all()
    half = [{"url": f"https://mirror.example.net/{k}", "title": t, "text": x} for k, (t, x) in enumerate(copies)]
    work["new_articles"] = [a for pair in zip(half, work["new_articles"]) for a in pair][:queries]
    # warm up: model, SQLite pages, code paths (not measured)
    for q in work["searches"][:5]:
        client.get("/api/v1/stories", query_string={"q": q + " warmup"})
    for a in work["new_articles"][:5]:
        client.post("/api/v1/match", json={**a, "url": a["url"] + "-warmup"})

    def timed(call: tuple[Callable[[Any], Any], list[Any]]) -> list[float]:
        out_ms = []
        for item in call[1]:
            t = time.perf_counter()
            resp = call[0](item)
            out_ms.append((time.perf_counter() - t) * 1000)
            if resp.status_code != 200:
                raise RuntimeError(f"bench request failed: {resp.status_code} {resp.get_data(as_text=True)[:300]}")
        return out_ms

    report["search"] = latency(timed((lambda q: client.get("/api/v1/stories", query_string={"q": q}),
                                       work["searches"])))
    statuses: dict[str, int] = {}

    def match_new(a: dict) -> Any:
        resp = client.post("/api/v1/match", json=a)
        st = resp.get_json().get("status", "?")
        statuses[st] = statuses.get(st, 0) + 1
        return resp

    report["match_text"] = latency(timed((match_new, work["new_articles"])))
    report["match_text"]["statuses"] = statuses
    with svc.db.session() as s:
        n = s.execute(select(func.max(Article.id))).scalar_one()
        rng = np.random.default_rng(5)
        ids = sorted({int(x) for x in rng.choice(np.arange(1, n + 1), size=min(queries, n), replace=False)})
        urls = [u for (u,) in s.execute(select(Article.url).where(Article.id.in_(ids))).all()]
    report["match_known_url"] = latency(timed((lambda u: client.post("/api/v1/match", json={"url": u}), urls)))
    report["match_known_url_cached"] = latency(timed((lambda u: client.post("/api/v1/match", json={"url": u}), urls)))
    if svc.search.index.use_graphs():
        report["ann_agreement"] = ann_agreement(svc, work["searches"], work["new_articles"])
    report["loadavg_after"] = os.getloadavg()[0]
    report["targets"] = {"match_text_p95_ms<=60": (report["match_text"]["p95_ms"] or 1e9) <= 60,
                         "match_known_url_p95_ms<=25": (report["match_known_url"]["p95_ms"] or 1e9) <= 25,
                         "search_p95_ms<=50": (report["search"]["p95_ms"] or 1e9) <= 50}
    svc.cache.delete_prefix(prefix + ":*")
    svc.close()
    return report


def run_bench_search(articles: int, stories: int, source: str, db_url: str | None, rebuild: bool, queries: int,
                     backend: str, threads: int, progress: bool = True) -> dict[str, Any]:
    """``newsprism bench-search``: generate the synthetic store when needed (default SQLite
    under :data:`BENCH_DIR`), then :func:`measure_search` on it; returns the report."""
    if db_url is None:
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        path = BENCH_DIR / f"bench-{articles}-{stories}.db"
        if rebuild and path.exists():
            for p in BENCH_DIR.glob(path.name + "*"):
                p.unlink()
        fresh = not path.exists()
        db_url = f"sqlite:///{path}"
    else:
        fresh = rebuild
    limit_threads(threads)
    report: dict[str, Any] = {"articles": articles, "stories": stories, "db": db_url.split("@")[-1],
                              "threads": threads, "backend": backend,
                              "loadavg_before": os.getloadavg()[0], "cpus": os.cpu_count()}
    prefix = "npbench-" + uuid.uuid4().hex[:8]
    services = build_services(load_settings({"database_url": db_url, "redis_prefix": prefix}))
    services.db.upgrade()
    if fresh:
        click.echo(f"generating {articles} articles in {stories} stories into {db_url} ...", err=True)
        report["generation"] = build_bench_store(services, source, articles, stories, progress=progress)
    services.close()
    report.update(measure_search(db_url, source, queries, backend, prefix))
    return report
