"""CLI faces of search and match: ``newsprism search``, ``evaluate-search`` and
``bench-search`` (module-level click commands, registered into the ``newsprism`` group).

Every command calls the same code as the HTTP API (``services.search``); the benchmark goes
through the Flask app itself.
"""
from __future__ import annotations

import json
import math
import os
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import click


def _cli():  # noqa: ANN202
    """service.cli, imported late: it registers these commands into its group at import."""
    import service.cli as cli

    return cli


def _services(db_url=None, **overrides):  # noqa: ANN001, ANN202
    return _cli()._services(db_url, **overrides)


def _upgrade(services) -> None:  # noqa: ANN001
    _cli()._upgrade(services)


def read_jsonl(path: str) -> list[dict[str, Any]]:
    return _cli().read_jsonl(path)


def replay_file(file: str, db_url: str | None, progress: bool = True):  # noqa: ANN201
    return _cli().replay_file(file, db_url, progress=progress)

BENCH_DIR = Path(os.environ.get("TMPDIR", "/tmp")) / "newsprism-bench"


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    import numpy as np

    return round(float(np.percentile(np.asarray(values), q)), 2)


def _latency(values_ms: list[float]) -> dict[str, Any]:
    return {"n": len(values_ms), "p50_ms": _pct(values_ms, 50), "p95_ms": _pct(values_ms, 95),
            "p99_ms": _pct(values_ms, 99), "max_ms": round(max(values_ms), 2) if values_ms else None}


# ---------------------------------------------------------------------------------------------
# newsprism search
# ---------------------------------------------------------------------------------------------
@click.command("search")
@click.argument("query")
@click.option("--db", "db_url", default=None, help="database URL (default: settings)")
@click.option("--outlet", default=None, help="only stories this outlet covered (name or slug)")
@click.option("--since", default=None, help="stories active on or after (ISO date)")
@click.option("--until", default=None, help="stories that started on or before (ISO date)")
@click.option("--min-outlets", default=1, show_default=True, type=int)
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 200), help="results to print")
@click.option("--explain", is_flag=True, help="also print each result's ranking components")
@click.option("--json", "as_json", is_flag=True, help="print a JSON list")
def search(query: str, db_url: str | None, outlet: str | None, since: str | None, until: str | None,
           min_outlets: int, limit: int, explain: bool, as_json: bool) -> None:
    """Rank the stories for QUERY (the same hybrid search as GET /api/v1/stories?q=)."""
    from pydantic import ValidationError

    from service.schemas import StoryQuery

    services = _services(db_url)
    _upgrade(services)
    try:
        q = StoryQuery(q=query, outlet=outlet, since=since, until=until, min_outlets=min_outlets, per_page=limit)
    except ValidationError as exc:
        raise click.ClickException(str(exc)) from None
    result = services.search.search(q, external_ids=True, explain=explain)
    items = [{"id": d["id"], "label": d["label"], "score": d["score"], "outlets": d["outlets"],
              "external_ids": d.get("external_ids", []), "article_count": d["article_count"],
              "first_seen": d["first_seen"], "last_seen": d["last_seen"],
              **({"explain": d["explain"]} if explain else {})} for d in result["items"]]
    if as_json:
        click.echo(json.dumps(items, ensure_ascii=False))
        return
    if not items:
        click.echo("no story matches")
        return
    for rank, d in enumerate(items, 1):
        click.echo(f"{rank:>2}. [{d['score']:.3f}] #{d['id']} {d['label']}")
        click.echo(f"     {', '.join(d['outlets'])} · {d['article_count']} article(s) · {d['first_seen'] or '?'}")
        if explain:
            click.echo(f"     {d['explain']}")


# ---------------------------------------------------------------------------------------------
# newsprism evaluate-search
# ---------------------------------------------------------------------------------------------
def _end_of_day(date_text: str) -> datetime:
    d = datetime.fromisoformat(str(date_text)[:10]).replace(tzinfo=timezone.utc)
    return d + timedelta(days=1) - timedelta(seconds=1)


def evaluate_search_run(file: str, db_url: str | None = None, progress: bool = True,
                        thresholds: list[float] | None = None) -> dict[str, Any]:
    """Replay FILE, then score search (editor titles) and leave-one-out match; returns the report."""
    from sqlalchemy import select

    from service.schemas import MatchIn, StoryQuery
    from service.store.models import Article

    rows, results, services, took = replay_file(file, db_url, progress=progress)
    search = services.search
    # the replay stored every embedding: read them from the store instead of re-encoding
    search.embedder = services.cached_embedder
    search.matcher.summaries.mode = "off"
    search.index.ensure_fresh(force=True)
    t_eval = time.perf_counter()

    with services.db.session() as s:
        story_of = dict(s.execute(select(Article.id, Article.story_id)).all())
    # gold story → stored article ids (a duplicate line resolves to the stored article)
    gold_articles: dict[str, set[int]] = {}
    article_gold: dict[int, set[str]] = {}
    for row, res in zip(rows, results):
        if res is None or res.id is None or row.get("story_id") is None:
            continue
        gold_articles.setdefault(row["story_id"], set()).add(res.id)
        article_gold.setdefault(res.id, set()).add(row["story_id"])
    stories_of_gold = {g: {story_of[a] for a in arts if story_of.get(a)} for g, arts in gold_articles.items()}
    kind_of = {r["story_id"]: r.get("story_kind") for r in rows if r.get("story_id")}
    report: dict[str, Any] = {"file": str(file), "articles": len(rows), "replay_seconds": round(took, 1),
                              "stored_articles": len(story_of),
                              "stored_stories": len(set(story_of.values())), "gold_stories": len(gold_articles)}

    # (a) search: each editor title once; hit = the top story holds an article of that gold story
    titles: dict[str, dict[str, Any]] = {}
    for r in rows:
        if r.get("story_title") and r.get("story_id") and r["story_id"] not in titles:
            titles[r["story_id"]] = {"title": r["story_title"], "date": r.get("story_date") or r.get("published_at")}
    per_kind: dict[str, list[tuple[int | None, int | None]]] = {}
    ranks: list[int | None] = []
    ranks_asof: list[int | None] = []
    misses = []
    for g, info in titles.items():
        want = stories_of_gold.get(g, set())
        got = search.search(StoryQuery(q=info["title"][:500], per_page=10))
        ids = [d["id"] for d in got["items"]]
        rank = next((i + 1 for i, sid in enumerate(ids) if sid in want), None)
        ranks.append(rank)
        rank_asof = None
        if info["date"]:
            got2 = search.search(StoryQuery(q=info["title"][:500], per_page=10, until=_end_of_day(info["date"])))
            ids2 = [d["id"] for d in got2["items"]]
            rank_asof = next((i + 1 for i, sid in enumerate(ids2) if sid in want), None)
            ranks_asof.append(rank_asof)
        per_kind.setdefault(kind_of.get(g) or "all", []).append((rank, rank_asof))
        if rank != 1 and len(misses) < 20:
            misses.append({"query": info["title"], "got": got["items"][0]["label"] if got["items"] else None,
                           "rank": rank})

    def rr(rs: list[int | None]) -> dict[str, Any]:
        n = len(rs)
        return {"queries": n, "recall@1": round(sum(1 for r in rs if r == 1) / n, 4) if n else None,
                "recall@3": round(sum(1 for r in rs if r and r <= 3) / n, 4) if n else None,
                "mrr@10": round(sum(1.0 / r for r in rs if r) / n, 4) if n else None}

    report["search"] = rr(ranks)
    report["search_as_of_story_date"] = rr(ranks_asof)
    if len(per_kind) > 1:
        report["search_by_kind"] = {k: {"plain": rr([a for a, _ in v]), "as_of": rr([b for _, b in v])}
                                    for k, v in sorted(per_kind.items())}
    report["search_misses_sample"] = misses

    # (b) leave-one-out match, and (c) leave-story-out (the whole gold story removed: the
    # right answer is "no story yet")
    by_id: dict[int, dict] = {}  # stored article → its first line (a re-run finds them all "duplicate")
    for row, res in zip(rows, results):
        if res is not None and res.id is not None and res.status in ("created", "duplicate"):
            by_id.setdefault(res.id, row)
    loo: list[tuple[bool, bool, float | None, str | None]] = []  # (expect story, top correct, score, kind)
    lso: list[tuple[float | None, str | None]] = []
    t_match: list[float] = []
    for aid, row in by_id.items():
        gold = article_gold.get(aid, set())
        mates = set().union(*(gold_articles[g] for g in gold)) - {aid} if gold else set()
        when = row.get("published_at")
        if isinstance(when, str) and len(when) == 10:
            when += "T00:00:00Z"
        m = MatchIn(title=row.get("title"), text=row.get("text"), html=None if row.get("text") else row.get("html"),
                    outlet=row.get("outlet"), published_at=when)
        t0 = time.perf_counter()
        out = search.matcher.match(m, exclude_article_ids={aid}, use_cache=False, with_debug=True)
        t_match.append((time.perf_counter() - t0) * 1000)
        top = (out.get("debug") or {}).get("top") or []
        best_sid, best_score = (top[0][0], top[0][1]) if top else (None, None)
        correct = best_sid is not None and any(story_of.get(a) == best_sid for a in mates)
        kind = kind_of.get(next(iter(gold))) if gold else None
        loo.append((bool(mates), correct, best_score, kind))
        if mates:
            out2 = search.matcher.match(m, exclude_article_ids={aid} | mates, use_cache=False, with_debug=True)
            top2 = (out2.get("debug") or {}).get("top") or []
            lso.append((top2[0][1] if top2 else None, kind))
    threshold = search.matcher.threshold
    grid = thresholds or [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6]

    def loo_at(th: float, kind: str | None = None) -> dict[str, Any]:
        sel = [x for x in loo if kind is None or x[3] == kind]
        lsel = [x for x in lso if kind is None or x[1] == kind]
        hits = sum(1 for exp, ok, sc, _ in sel
                   if (exp and ok and sc is not None and sc >= th) or (not exp and (sc is None or sc < th)))
        wrong = sum(1 for exp, ok, sc, _ in sel if sc is not None and sc >= th and not (exp and ok))
        fm = sum(1 for sc, _ in lsel if sc is not None and sc >= th)
        return {"threshold": th, "articles": len(sel),
                "recall@1": round(hits / len(sel), 4) if sel else None,
                "wrong_story": round(wrong / len(sel), 4) if sel else None,
                "leave_story_out_false_match": round(fm / len(lsel), 4) if lsel else None}

    report["match_leave_one_out"] = loo_at(threshold)
    report["match_top1_ignoring_threshold"] = round(sum(1 for exp, ok, _, _ in loo if exp and ok) /
                                                    max(1, sum(1 for x in loo if x[0])), 4)
    report["match_threshold_sweep"] = [loo_at(th) for th in grid]
    kinds = sorted({x[3] for x in loo if x[3]})
    if len(kinds) > 1:
        report["match_by_kind"] = {k: loo_at(threshold, k) for k in kinds}
    best = max(report["match_threshold_sweep"],
               key=lambda d: (d["recall@1"] or 0) + (1 - (d["leave_story_out_false_match"] or 0)))
    report["match_balanced_threshold"] = best["threshold"]
    report["match_latency_ms"] = _latency(t_match)
    report["evaluation_seconds"] = round(time.perf_counter() - t_eval, 1)
    report["index"] = search.index.stats()
    services.close()
    return report


@click.command("evaluate-search")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--db", "db_url", default=None, help="store to replay into (default: a fresh SQLite file); "
                                                    "an already replayed store is reused (ingest is idempotent)")
@click.option("--json", "as_json", is_flag=True, help="print the report as JSON")
@click.option("--out", "out", default=None, type=click.Path(dir_okay=False), help="also write the JSON report here")
def evaluate_search(file: str, db_url: str | None, as_json: bool, out: str | None) -> None:
    """Replay FILE, then report search recall@1/MRR for every story_title (AllSides editor
    titles) and leave-one-out match recall@1 (see docs/search.md for the definitions)."""
    report = evaluate_search_run(file, db_url, progress=not as_json)
    text = json.dumps(report, indent=2, ensure_ascii=False)
    if out:
        Path(out).write_text(text + "\n", encoding="utf-8")
    if as_json:
        click.echo(text)
        return
    s, a, m = report["search"], report["search_as_of_story_date"], report["match_leave_one_out"]
    click.echo(f"{Path(file).name}: {report['articles']} articles, {report['stored_stories']} stored stories, "
               f"{report['gold_stories']} gold stories (replay {report['replay_seconds']}s)")
    click.echo(f"search ({s['queries']} editor titles): recall@1 {s['recall@1']}  recall@3 {s['recall@3']}  "
               f"MRR@10 {s['mrr@10']}")
    click.echo(f"search as of the story date: recall@1 {a['recall@1']}  MRR@10 {a['mrr@10']}")
    click.echo(f"match leave-one-out ({m['articles']} articles, threshold {m['threshold']}): recall@1 {m['recall@1']}  "
               f"wrong story {m['wrong_story']}  leave-story-out false match {m['leave_story_out_false_match']}")
    click.echo(f"match top-1 ignoring the threshold: {report['match_top1_ignoring_threshold']}")
    click.echo("threshold sweep: " + "  ".join(f"{d['threshold']}→{d['recall@1']}/{d['leave_story_out_false_match']}"
                                               for d in report["match_threshold_sweep"]))
    for k, v in (report.get("match_by_kind") or {}).items():
        click.echo(f"  match {k}: recall@1 {v['recall@1']} ({v['articles']} articles)")


# ---------------------------------------------------------------------------------------------
# newsprism bench-search
# ---------------------------------------------------------------------------------------------
def limit_threads(n: int) -> None:
    """Intra-op threads of torch and of numpy's BLAS for this process (a web worker wants 1:
    its parallelism is its request threads and its sibling workers; spinning BLAS threads on a
    busy machine cost more than they give)."""
    try:
        import torch

        torch.set_num_threads(max(1, n))
    except ImportError:  # pragma: no cover
        pass
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=max(1, n), user_api="blas")
    except ImportError:  # pragma: no cover
        pass


def _unit(x):  # noqa: ANN001, ANN202
    import numpy as np

    n = np.linalg.norm(x, axis=-1, keepdims=True)
    n[n == 0] = 1.0
    return (x / n).astype(np.float32)


def _noise_for(cos: float, dim: int) -> float:
    """Gaussian sigma per dimension so that cos(normalise(v + noise), v) ≈ cos for unit v."""
    return math.sqrt(max(1e-9, (1.0 / cos ** 2 - 1.0) / dim))


def build_bench_store(services, source: str, n_articles: int, n_stories: int, seed: int = 7,
                      progress: bool = True) -> dict[str, Any]:  # noqa: ANN001
    """Write a synthetic corpus into ``services.db`` by bulk insert (not through ingest).

    Stories are recombinations of the source's stories: a base story's sentences and
    headlines (with names swapped in from other stories), dates shifted over four years, 1-8
    articles from distinct outlets. Embeddings are cheap: each of an article's vectors (lead,
    headline, facts) is the real embedding of the corresponding text of the source article it
    was made from (model-encoded once), moved by a per-story offset (cos ≈ 0.95) and a
    per-article one (cos ≈ 0.97), so real queries meet realistic similarities. Story states, term statistics and centroids are made with the assigner's
    own functions, so the search and match code that reads them is the real one.
    """
    import hashlib
    import random

    import numpy as np
    from sqlalchemy import insert

    from clustering.cleaning import clean_text, content_hash
    from clustering.signals import split_sentences
    from service.outlets import slugify
    from service.pipeline.ingest import url_key
    from service.store.models import Outlet, TermStat, utcnow

    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    src = [r for r in read_jsonl(source) if r.get("title") and r.get("text")]
    by_story: dict[str, list[dict]] = {}
    for r in src:
        by_story.setdefault(r["story_id"], []).append(r)
    bases = list(by_story.values())
    assignment = services.assignment
    assigner = assignment.assigner
    rules = services.rules
    # real embeddings of the source, once (cached in Redis/the store like any embedding)
    t0 = time.perf_counter()
    cleaned = {id(r): clean_text(r["text"], rules) for r in src}
    texts = {id(r): assignment.texts(r["title"], cleaned[id(r)]) for r in src}
    flat = [t for r in src for t in texts[id(r)]]
    vecs = services.cached_embedder.encode(flat)
    base_vec: dict[int, list] = {}
    pos = 0
    for r in src:  # every text the assigner embeds for the source article: lead, headline, facts
        n = len(texts[id(r)])
        base_vec[id(r)] = list(vecs[pos:pos + n])
        pos += n
    embed_s = time.perf_counter() - t0
    dim = vecs.shape[1]
    names = sorted({w for r in src for w in r["title"].split() if w[:1].isupper() and len(w) > 3 and w.isalpha()})
    outlets = sorted({r["outlet"] for r in src}) or ["Synthetic Wire"]
    sents = {id(r): split_sentences(cleaned[id(r)]) or [cleaned[id(r)]] for r in src}
    start = datetime(2019, 1, 1, tzinfo=timezone.utc)
    span_days = 4 * 365
    # story sizes: 1..8 with mean n_articles / n_stories
    mean = n_articles / n_stories
    sizes = [max(1, min(8, int(nrng.poisson(max(0.01, mean - 1))) + 1)) for _ in range(n_stories)]
    diff = n_articles - sum(sizes)
    i = 0
    while diff != 0:
        j = i % n_stories
        if diff > 0 and sizes[j] < 8:
            sizes[j] += 1
            diff -= 1
        elif diff < 0 and sizes[j] > 1:
            sizes[j] -= 1
            diff += 1
        i += 1
    sig_story = _noise_for(0.95, dim)   # synthetic stories of one base differ a little
    sig_member = _noise_for(0.97, dim)  # an article's vectors: its base member's, perturbed

    from collections import Counter

    df: Counter[str] = Counter()
    with services.db.write() as s:
        s.execute(insert(Outlet), [{"name": o, "slug": slugify(o) or f"outlet-{k}", "domains": [], "country": None,
                                    "type": None} for k, o in enumerate(outlets)])
    with services.db.session() as s:
        from sqlalchemy import select

        outlet_id = dict(s.execute(select(Outlet.name, Outlet.id)).all())
    art_rows: list[dict] = []
    story_rows: list[dict] = []
    now = utcnow()
    n_done = 0
    t1 = time.perf_counter()
    for sid0, size in enumerate(sizes, 1):
        base = rng.choice(bases)
        other = rng.choice(bases)
        day = start + timedelta(days=rng.uniform(0, span_days))
        shift = nrng.normal(0, sig_story, dim)  # one perturbation for the whole story
        swap_from = rng.choice(names) if names else None
        swap_to = rng.choice(names) if names else None
        state = None
        chosen = rng.sample(outlets, k=min(size, len(outlets)))
        while len(chosen) < size:
            chosen.append(rng.choice(outlets))
        first = last = None
        for k in range(size):
            member = rng.choice(base)
            title = member["title"]
            if swap_from and swap_to and swap_from in title:
                title = title.replace(swap_from, swap_to)
            elif swap_to and rng.random() < 0.5:
                title = f"{title} ({swap_to})"
            body = sents[id(member)][:]
            rng.shuffle(body)
            extra = sents[id(rng.choice(other))]
            text = " ".join(body[: rng.randint(2, 6)] + extra[:1])
            published = day + timedelta(hours=rng.uniform(0, 60))
            first = published if first is None else min(first, published)
            last = published if last is None else max(last, published)
            ts = assignment.texts(title, text)
            mine = base_vec[id(member)]
            vs = [_unit(mine[min(j, len(mine) - 1)] + shift + nrng.normal(0, sig_member, dim)) for j in range(len(ts))]
            dense = vs[0]
            sig = assignment.signals(title, text, published, vs)
            state = assigner.new_story(sig) if state is None else assigner.absorb(state, sig)
            df.update(assigner.stat_terms(sig))
            outlet = chosen[k]
            url = f"https://{slugify(outlet) or 'outlet'}.example/{published:%Y/%m/%d}/s{sid0}-a{k}"
            n_done += 1
            art_rows.append({
                "external_id": f"bench-{sid0}-{k}", "url": url, "url_key": url_key(url),
                "outlet_id": outlet_id[outlet], "title": title, "raw_text": text, "clean_text": text,
                "language": "en", "published_at": published, "ingested_at": now,
                "content_hash": hashlib.sha256(f"{sid0}:{k}:{content_hash(title, text)}".encode()).hexdigest(),
                "story_id": sid0, "assign_score": None, "embedding": dense.tobytes()})
        from service.pipeline.assigning import state_centroid

        story_rows.append({"id": sid0, "version": size, "label": art_rows[-size]["title"], "topic": None,
                           "keywords": [], "article_count": size, "outlet_count": len(set(chosen[:size])),
                           "first_seen": first, "last_seen": last,
                           "centroid": np.asarray(state_centroid(state), dtype=np.float32).tobytes(),
                           "state": state.to_bytes(), "created_at": now, "updated_at": now})
        if len(story_rows) >= 2000:
            _flush(services, story_rows, art_rows)
            story_rows, art_rows = [], []
            if progress:
                rate = n_done / (time.perf_counter() - t1)
                click.echo(f"  {sid0}/{n_stories} stories, {n_done} articles ({rate:.0f} articles/s)", err=True)
    _flush(services, story_rows, art_rows)
    with services.db.write() as s:
        items = [{"term": t[:200], "df": int(c)} for t, c in df.items()]
        for k in range(0, len(items), 5000):
            s.execute(insert(TermStat), items[k:k + 5000])
        s.execute(insert(TermStat), [{"term": "", "df": n_articles}])
    return {"articles": n_articles, "stories": n_stories, "source_embed_seconds": round(embed_s, 1),
            "generate_seconds": round(time.perf_counter() - t1, 1)}


def _flush(services, stories: list[dict], articles: list[dict]) -> None:  # noqa: ANN001
    from sqlalchemy import insert

    from service.store.models import Article, Story

    if not stories:
        return
    with services.db.write() as s:
        s.execute(insert(Story), stories)
        for k in range(0, len(articles), 2000):
            s.execute(insert(Article), articles[k:k + 2000])


def func_max(col):  # noqa: ANN001, ANN201
    from sqlalchemy import func

    return func.max(col)


def bench_queries(source: str, n: int, seed: int = 11) -> dict[str, list]:
    """Search queries, new articles to match (not in the store) and their texts, from the source."""
    import random

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


def ann_agreement(svc: Any, searches: list[str], articles: list[dict]) -> dict[str, float]:
    """How often the graph-backed index answers as the exact one does, on the bench's own
    queries: the same top search hit, the share of the exact top 10 in the graph's top 10,
    and the same best story for a match (each answer computed twice, with the graphs and
    with them set aside)."""
    from service.pipeline.match import encode_grouped
    from service.schemas import MatchIn

    idx = svc.search.index
    matcher = svc.search.matcher

    def answers() -> tuple[list[list[int]], list[int | None]]:
        tops = [[h.story_id for h in svc.search.rank(q, limit=10)[0]] for q in searches]
        best = []
        for a in articles:
            title, clean, published = matcher.prepare(MatchIn(**a))
            vecs = encode_grouped(svc.search.embedder, svc.assignment.texts(title, clean))
            found, _ = matcher.best_story(svc.assignment.signals(title, clean, published, list(vecs)))
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
    import uuid

    import numpy as np

    from service.app import create_app

    prefix = prefix or "npbench-" + uuid.uuid4().hex[:8]
    report: dict[str, Any] = {}
    app = create_app({"database_url": db_url, "redis_prefix": prefix, "preload_model": True,
                      "rate_limit_read": "10000000/minute", "rate_limit_write": "10000000/minute"})
    svc = app.extensions["newsprism"]
    svc.search.index.params.backend = backend
    svc.search.matcher.summaries.mode = "cache"  # never compute comparisons inside the timed loop
    client = app.test_client()
    t0 = time.perf_counter()
    svc.search.index.ensure_fresh()
    report["index_build_seconds"] = round(time.perf_counter() - t0, 2)
    if backend == "auto" and svc.search.index._want_graphs():
        while svc.search.index._graph_building:
            time.sleep(0.2)
    report["index"] = svc.search.index.stats()
    work = bench_queries(source, queries)
    # half of the unknown articles are copies of stored ones under a new URL (a reader on a
    # syndicated or mirrored page): they exercise the matched path too
    from sqlalchemy import select as _select

    from service.store.models import Article as _Article

    with svc.db.session() as s:
        top = s.execute(_select(func_max(_Article.id))).scalar_one()
        import random as _random

        pick = _random.Random(3).sample(range(1, top + 1), k=min(queries // 2, top))
        copies = s.execute(_select(_Article.title, _Article.clean_text).where(_Article.id.in_(pick))).all()
    half = [{"url": f"https://mirror.example.net/{k}", "title": t, "text": x} for k, (t, x) in enumerate(copies)]
    work["new_articles"] = [a for pair in zip(half, work["new_articles"]) for a in pair][:queries]
    # warm up: model, SQLite pages, code paths (not measured)
    for q in work["searches"][:5]:
        client.get("/api/v1/stories", query_string={"q": q + " warmup"})
    for a in work["new_articles"][:5]:
        client.post("/api/v1/match", json={**a, "url": a["url"] + "-warmup"})

    def timed(call) -> list[float]:  # noqa: ANN001
        out_ms = []
        for item in call[1]:
            t = time.perf_counter()
            resp = call[0](item)
            out_ms.append((time.perf_counter() - t) * 1000)
            if resp.status_code != 200:
                raise click.ClickException(f"bench request failed: {resp.status_code} {resp.get_data(as_text=True)[:300]}")
        return out_ms

    report["search"] = _latency(timed((lambda q: client.get("/api/v1/stories", query_string={"q": q}),
                                       work["searches"])))
    statuses: dict[str, int] = {}

    def match_new(a: dict) -> Any:
        resp = client.post("/api/v1/match", json=a)
        st = resp.get_json().get("status", "?")
        statuses[st] = statuses.get(st, 0) + 1
        return resp

    report["match_text"] = _latency(timed((match_new, work["new_articles"])))
    report["match_text"]["statuses"] = statuses
    from sqlalchemy import func, select

    from service.store.models import Article

    with svc.db.session() as s:
        n = s.execute(select(func.max(Article.id))).scalar_one()
        rng = np.random.default_rng(5)
        ids = sorted({int(x) for x in rng.choice(np.arange(1, n + 1), size=min(queries, n), replace=False)})
        urls = [u for (u,) in s.execute(select(Article.url).where(Article.id.in_(ids))).all()]
    report["match_known_url"] = _latency(timed((lambda u: client.post("/api/v1/match", json={"url": u}), urls)))
    report["match_known_url_cached"] = _latency(timed((lambda u: client.post("/api/v1/match", json={"url": u}), urls)))
    if svc.search.index.use_graphs():
        report["ann_agreement"] = ann_agreement(svc, work["searches"], work["new_articles"])
    report["loadavg_after"] = os.getloadavg()[0]
    report["targets"] = {"match_text_p95_ms<=60": (report["match_text"]["p95_ms"] or 1e9) <= 60,
                         "match_known_url_p95_ms<=25": (report["match_known_url"]["p95_ms"] or 1e9) <= 25,
                         "search_p95_ms<=50": (report["search"]["p95_ms"] or 1e9) <= 50}
    svc.cache.delete_prefix(prefix + ":*")
    svc.close()
    return report


@click.command("bench-search")
@click.option("--articles", default=100_000, show_default=True, type=int)
@click.option("--stories", default=35_000, show_default=True, type=int)
@click.option("--source", default=None, type=click.Path(exists=True, dir_okay=False),
              help="texts to recombine (default: ../shared/data/allsides-neus-2021/articles.jsonl)")
@click.option("--db", "db_url", default=None, help=f"bench store (default: SQLite under {BENCH_DIR})")
@click.option("--rebuild", is_flag=True, help="regenerate the synthetic store even if it exists")
@click.option("--queries", default=300, show_default=True, type=int, help="requests per measured operation")
@click.option("--backend", default="auto", show_default=True, type=click.Choice(["auto", "numpy", "hnsw"]),
              help="dense index backend")
@click.option("--threads", default=1, show_default=True, type=int,
              help="torch and BLAS threads, as in one gunicorn worker (config/gunicorn.conf.py gives each "
                   "worker cpu_count // workers)")
@click.option("--json", "as_json", is_flag=True)
@click.option("--out", default=None, type=click.Path(dir_okay=False), help="also write the JSON report here")
def bench_search(articles: int, stories: int, source: str | None, db_url: str | None, rebuild: bool, queries: int,
                 backend: str, threads: int, as_json: bool, out: str | None) -> None:
    """Latency of search and match through the Flask app on a synthetic corpus (default
    100,000 articles in 35,000 stories, generated once into /tmp; see docs/search.md)."""
    import uuid

    from service.settings import ROOT

    source = source or str(ROOT.parent / "shared" / "data" / "allsides-neus-2021" / "articles.jsonl")
    if not Path(source).exists():
        raise click.ClickException(f"no source texts at {source}; pass --source FILE.jsonl")
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
    services = _services(db_url, redis_prefix=prefix)
    _upgrade(services)
    if fresh:
        click.echo(f"generating {articles} articles in {stories} stories into {db_url} ...", err=True)
        report["generation"] = build_bench_store(services, source, articles, stories, progress=not as_json)
    services.close()

    report.update(measure_search(db_url, source, queries, backend, prefix))
    text = json.dumps(report, indent=2)
    if out:
        Path(out).write_text(text + "\n", encoding="utf-8")
    if as_json:
        click.echo(text)
        return
    click.echo(f"corpus: {articles} articles, {stories} stories; index {report['index']} "
               f"built in {report['index_build_seconds']}s")
    for k in ("search", "match_text", "match_known_url", "match_known_url_cached"):
        v = report[k]
        click.echo(f"{k:<24} p50 {v['p50_ms']} ms  p95 {v['p95_ms']} ms  p99 {v['p99_ms']} ms  (n={v['n']})")
    click.echo(f"targets: {report['targets']}  (load average {report['loadavg_before']:.2f} → {report['loadavg_after']:.2f})")
