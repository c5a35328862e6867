"""Re-rank every editor title of a replayed store with other search weights, in seconds.

``newsprism evaluate-search FILE --db URL`` replays FILE into a store once (minutes); this
reads that store, builds the story index once and calls the real ``Search.rank`` for every
title (plain and as of the story date) under each ``SearchParams`` variant given, printing
recall@1/@3 per period. ``--misses`` dumps each miss: the top three stories (label, span,
outlets, score parts) and the gold story's parts. Development only (tuning; docs/search.md)::

    python -m service.devtools.search_sweep sqlite:////tmp/s.db ../shared/data/allsides-neus-2021/articles.jsonl \\
        --split 2021-07-01 --set w_lexical=0.3,0.4 --misses before
"""
from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import time
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select

from service.index.stories import StoryIndex
from service.params import IndexParams, SearchParams
from service.store.models import Article, Story
from service.usecases.replay import read_jsonl


def _end_of_day(date_text: str) -> datetime:
    d = datetime.fromisoformat(str(date_text)[:10]).replace(tzinfo=timezone.utc)
    return d + timedelta(days=1) - timedelta(seconds=1)


def load_queries(services: Any, file: str) -> list[dict[str, Any]]:
    """One query per gold story of FILE: its editor title, date, kind and the stored stories
    holding its articles (found by external id, else by URL)."""
    rows = read_jsonl(file)
    with services.db.session() as s:
        by_ext = {x: sid for x, sid in s.execute(select(Article.external_id, Article.story_id)) if x}
        by_url = {u: sid for u, sid in s.execute(select(Article.url, Article.story_id)) if u}
    want: dict[str, set[int]] = {}
    for r in rows:
        g = r.get("story_id")
        if not g:
            continue
        sid = by_ext.get(r.get("id")) or by_url.get(r.get("url"))
        if sid:
            want.setdefault(g, set()).add(sid)
    out, seen = [], set()
    for r in rows:
        g = r.get("story_id")
        if g and r.get("story_title") and g not in seen:
            seen.add(g)
            out.append({"gold": g, "title": r["story_title"][:500], "kind": r.get("story_kind"),
                        "date": str(r.get("story_date") or r.get("published_at") or "")[:10],
                        "want": want.get(g, set())})
    return out


def run(search: Any, queries: list[dict[str, Any]], split: str | None) -> tuple[dict[str, Any], list[dict]]:
    """recall@1/@3 per period (plain and as of the story date) and the per-query ranks."""
    per: dict[str, list[tuple[int | None, int | None]]] = {}
    detail = []
    for q in queries:
        hits, _ = search.rank(q["title"], None, limit=10)
        hits_asof, _ = search.rank(q["title"], {"until": _end_of_day(q["date"])}, limit=10) if q["date"] else ([], 0)
        rank = next((i + 1 for i, h in enumerate(hits) if h.story_id in q["want"]), None)
        rank2 = next((i + 1 for i, h in enumerate(hits_asof) if h.story_id in q["want"]), None)
        period = "all" if not split else (f"before {split}" if q["date"] < split else f"from {split}")
        per.setdefault(period, []).append((rank, rank2))
        detail.append({**q, "rank": rank, "rank_asof": rank2, "hits": hits[:3], "period": period})

    def rr(rs: list[int | None]) -> dict[str, float]:
        n = max(1, len(rs))
        return {"n": len(rs), "r@1": round(sum(r == 1 for r in rs) / n, 3),
                "r@3": round(sum(1 for r in rs if r and r <= 3) / n, 3),
                "mrr": round(sum(1.0 / r for r in rs if r) / n, 4)}

    return {k: {"plain": rr([a for a, _ in v]), "as_of": rr([b for _, b in v])} for k, v in sorted(per.items())}, detail


def dump_misses(services: Any, search: Any, detail: list[dict], period: str | None) -> None:
    """Print each plain miss (of ``period``): the top three stories and the gold story's parts."""
    idx = search.index

    def describe(sid: int) -> str:
        with services.db.session() as s:
            st = s.get(Story, sid)
            titles = [t for (t,) in s.execute(select(Article.title).where(Article.story_id == sid).order_by(Article.id))]
        span = f"{st.first_seen:%m-%d}..{st.last_seen:%m-%d}" if st.first_seen and st.last_seen else "?"
        row = idx.row_of.get(sid)
        outs = int(idx.n_outlets[row]) if row is not None else 0
        return f"#{sid} {span} {outs}o | " + " || ".join(titles[:4])

    for d in detail:
        if d["rank"] == 1 or (period and not d["period"].startswith(period)):
            continue
        print(f"\nMISS [{d['period']}] {d['date']} {d['kind']} rank={d['rank']} as_of={d['rank_asof']}: {d['title']}")
        for h in d["hits"]:
            mark = "*" if h.story_id in d["want"] else " "
            print(f"  {mark} {h.score:.3f} (head {h.headline:.3f} cen {h.centroid:.3f} lex {h.lexical:.3f}) "
                  f"{describe(h.story_id)}")
        top = {h.story_id for h in d["hits"]}
        for sid in sorted(d["want"] - top):
            print(f"  gold {describe(sid)}")


def _variants(sets: list[str]) -> list[dict[str, float]]:
    axes = []
    for s in sets:
        name, values = s.split("=", 1)
        axes.append([(name, float(v)) for v in values.split(",")])
    return [dict(c) for c in itertools.product(*axes)] if axes else [{}]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("db")
    ap.add_argument("file")
    ap.add_argument("--split", default=None)
    ap.add_argument("--set", action="append", default=[], help="field=v1,v2 (SearchParams); the grid of all")
    ap.add_argument("--index-set", action="append", default=[], help="field=v1,v2 (IndexParams): rebuilds the index")
    ap.add_argument("--misses", nargs="?", const="", default=None, help="dump the misses (of a period prefix)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    from service.settings import load_settings
    from service.wiring import build_services

    services = build_services(load_settings({"database_url": args.db}))
    search = services.search
    search.embedder = services.cached_embedder
    search.index.ensure_fresh(force=True)
    queries = load_queries(services, args.file)
    base = dataclasses.asdict(search.params)
    base_index = dataclasses.asdict(search.index.params)
    results = []
    for iv, v in itertools.product(_variants(args.index_set), _variants(args.set)):
        if iv:
            ip = {k: type(base_index[k])(x) for k, x in iv.items()}
            if getattr(search.index, "_variant", None) != ip:
                search.index = StoryIndex(services.db, IndexParams(**{**base_index, **ip}))
                search.index._variant = ip
                search.index.ensure_fresh(force=True)
            v = {**iv, **v}
        search.params = SearchParams(**{**base, **{k: x for k, x in v.items() if k in base}})
        t0 = time.perf_counter()
        scores, detail = run(search, queries, args.split)
        results.append({"set": v, "scores": scores})
        line = "  ".join(f"{k}: {s['plain']['r@1']:.3f}/{s['as_of']['r@1']:.3f} (r@3 {s['plain']['r@3']:.3f})"
                         for k, s in scores.items())
        print(f"{v or 'defaults'}  {line}  [{time.perf_counter() - t0:.1f}s]", flush=True)
        if args.misses is not None:
            dump_misses(services, search, detail, args.misses or None)
    if args.json:
        print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
