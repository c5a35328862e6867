"""``newsprism evaluate-search``: search recall@1/MRR for every editor title of a replayed
file, beside plain baselines ranked over the same stored stories in the same run, and
leave-one-out match (definitions in docs/search.md)."""
from __future__ import annotations

import dataclasses
import time
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select

from service.devtools import match_baseline
from service.devtools.stats import latency
from service.schemas import MatchIn, StoryQuery
from service.store.models import Article
from service.wiring import Services


#: Plain search baselines (``SearchParams`` overrides), ranked over the same stored stories as
#: the service's ranking in the same run: the story document's BM25 alone (every member's
#: headline and lead, the classic lexical search) and the cosine of the query to the story
#: centroid alone (the classic dense search). No recency, no figures, no relevance floor: any
#: story with some relevance (> 0) is a result, so a story sharing nothing with the query is
#: never credited by a tie at zero.
SEARCH_BASELINES: dict[str, dict[str, float]] = {
    "bm25_story": {"w_headline": 0.0, "w_centroid": 0.0, "w_lexical": 1.0, "w_member": 0.0},
    "dense_centroid": {"w_headline": 0.0, "w_centroid": 1.0, "w_lexical": 0.0, "w_member": 0.0},
}
_PLAIN = {"w_number": 0.0, "w_recency": 0.0, "w_coverage": 0.0, "min_relevance": 1e-9}


def baseline_ranks(search: Any, queries: list[tuple[str, Any, set[int]]], overrides: dict[str, float]
                   ) -> list[tuple[int | None, int | None]]:
    """(plain rank, rank as of the date) of the first wanted story per ``(title, until or None,
    wanted story ids)``, ranked with ``overrides`` of the search's params (not cached; the
    search's own params are restored)."""
    own = search.params
    search.params = dataclasses.replace(own, **{**_PLAIN, **overrides})
    try:
        out = []
        for title, until, want in queries:
            hits, _ = search.rank(title, None, limit=10)
            rank = next((i + 1 for i, h in enumerate(hits) if h.story_id in want), None)
            rank_asof = None
            if until is not None:
                hits, _ = search.rank(title, {"until": until}, limit=10)
                rank_asof = next((i + 1 for i, h in enumerate(hits) if h.story_id in want), None)
            out.append((rank, rank_asof))
        return out
    finally:
        search.params = own


def _end_of_day(date_text: str) -> datetime:
    d = datetime.fromisoformat(str(date_text)[:10]).replace(tzinfo=timezone.utc)
    return d + timedelta(days=1) - timedelta(seconds=1)


def evaluate_search(file: str, rows: list[dict[str, Any]], results: list[Any], services: Services, took: float,
                    thresholds: list[float] | None = None, split: str | None = None) -> dict[str, Any]:
    """Score search (editor titles) and leave-one-out match on a replayed FILE (its ``rows``,
    the ingest ``results`` and the ``services`` of the store it went into); returns the report.
    With ``split`` (a date), search is also reported per period: the stories dated before it
    and from it (``search_by_period``)."""
    search, matcher = services.search, services.matcher
    # the replay stored every embedding: read them from the store instead of re-encoding
    search.embedder = matcher.embedder = services.cached_embedder
    matcher.summaries.mode = "off"
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
    per_period: dict[str, list[tuple[int | None, int | None]]] = {}
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
        if split:
            period = f"before {split}" if str(info["date"] or "") < split else f"from {split}"
            per_period.setdefault(period, []).append((rank, rank_asof))
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
    if per_period:
        report["search_by_period"] = {k: {"plain": rr([a for a, _ in v]), "as_of": rr([b for _, b in v])}
                                      for k, v in sorted(per_period.items())}
    report["search_misses_sample"] = misses
    # the same titles ranked by the plain baselines over the same stories
    asked = [(info["title"][:500], _end_of_day(info["date"]) if info["date"] else None,
              stories_of_gold.get(g, set())) for g, info in titles.items()]
    periods = [(f"before {split}" if str(info["date"] or "") < split else f"from {split}") if split else None
               for info in titles.values()]
    report["search_baselines"] = {}
    for name, overrides in SEARCH_BASELINES.items():
        got_b = baseline_ranks(search, asked, overrides)
        entry: dict[str, Any] = {"plain": rr([a for a, _ in got_b]),
                                 "as_of": rr([b for (_, b), q in zip(got_b, asked) if q[1] is not None])}
        if split:
            entry["by_period"] = {k: {"plain": rr([a for (a, _), p in zip(got_b, periods) if p == k]),
                                      "as_of": rr([b for (_, b), p, q in zip(got_b, periods, asked)
                                                   if p == k and q[1] is not None])}
                                  for k in sorted(set(periods))}
        report["search_baselines"][name] = entry

    # (b) leave-one-out match, and (c) leave-story-out (the whole gold story removed: the
    # right answer is "no story yet")
    by_id: dict[int, dict] = {}  # stored article → its first line (a re-run finds them all "duplicate")
    for row, res in zip(rows, results):
        if res is not None and res.id is not None and res.status in ("created", "duplicate"):
            by_id.setdefault(res.id, row)
    # (expect story, top correct, top score, kind, answered a story, answered story correct)
    loo: list[tuple[bool, bool, float | None, str | None, bool, bool]] = []
    lso: list[tuple[float | None, str | None, bool]] = []  # (top score, kind, answered a story)
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
        out = matcher.match(m, exclude_article_ids={aid}, use_cache=False, with_debug=True)
        t_match.append((time.perf_counter() - t0) * 1000)
        top = (out.get("debug") or {}).get("top") or []
        best_sid, best_score = (top[0][0], top[0][1]) if top else (None, None)
        correct = best_sid is not None and any(story_of.get(a) == best_sid for a in mates)
        kind = kind_of.get(next(iter(gold))) if gold else None
        answered = (out.get("story") or {}).get("id") if out.get("status") == "matched" else None
        loo.append((bool(mates), correct, best_score, kind, answered is not None,
                    answered is not None and any(story_of.get(a) == answered for a in mates)))
        if mates:
            out2 = matcher.match(m, exclude_article_ids={aid} | mates, use_cache=False, with_debug=True)
            top2 = (out2.get("debug") or {}).get("top") or []
            lso.append((top2[0][1] if top2 else None, kind, out2.get("status") == "matched"))
    threshold = matcher.threshold
    grid = thresholds or [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6]

    def scored(sel: list, lsel: list, threshold: Any, hit: Any, wrong: Any, false_match: Any) -> dict[str, Any]:
        return {"threshold": threshold, "articles": len(sel),
                "recall@1": round(sum(map(hit, sel)) / len(sel), 4) if sel else None,
                "wrong_story": round(sum(map(wrong, sel)) / len(sel), 4) if sel else None,
                "leave_story_out_false_match": round(sum(map(false_match, lsel)) / len(lsel), 4) if lsel else None}

    def loo_at(th: float, kind: str | None = None) -> dict[str, Any]:
        """Every row held to one bar ``th`` (the best-scoring candidate against it)."""
        sel = [x for x in loo if kind is None or x[3] == kind]
        lsel = [x for x in lso if kind is None or x[1] == kind]
        return scored(sel, lsel, th,
                      lambda x: (x[0] and x[1] and x[2] is not None and x[2] >= th)
                      or (not x[0] and (x[2] is None or x[2] < th)),
                      lambda x: x[2] is not None and x[2] >= th and not (x[0] and x[1]),
                      lambda x: x[0] is not None and x[0] >= th)

    def served(kind: str | None = None) -> dict[str, Any]:
        """The answers the service gave (each row held to its own bar, ``Matcher.bars``)."""
        sel = [x for x in loo if kind is None or x[3] == kind]
        lsel = [x for x in lso if kind is None or x[1] == kind]
        bar = threshold if matcher.params.threshold is not None else (
            f"per row: {matcher.assignment.params.threshold} dated, "
            f"{matcher.assignment.params.undated_threshold} undated")
        return scored(sel, lsel, bar, lambda x: (x[0] and x[5]) or (not x[0] and not x[4]),
                      lambda x: x[4] and not (x[0] and x[5]), lambda x: x[2])

    report["match_leave_one_out"] = served()
    # the plain baseline on the same stored stories (service.devtools.match_baseline)
    report["match_baseline_dense"] = match_baseline.score(services.db, {
        aid: (set().union(*(gold_articles[g] for g in article_gold[aid])) - {aid}) if article_gold.get(aid) else set()
        for aid in by_id}, story_of)
    report["match_top1_ignoring_threshold"] = round(sum(1 for x in loo if x[0] and x[1]) /
                                                    max(1, sum(1 for x in loo if x[0])), 4)
    report["match_threshold_sweep"] = [loo_at(th) for th in grid]
    kinds = sorted({x[3] for x in loo if x[3]})
    if len(kinds) > 1:
        report["match_by_kind"] = {k: served(k) for k in kinds}
    best = max(report["match_threshold_sweep"],
               key=lambda d: (d["recall@1"] or 0) + (1 - (d["leave_story_out_false_match"] or 0)))
    report["match_balanced_threshold"] = best["threshold"]
    report["match_latency_ms"] = latency(t_match)
    report["evaluation_seconds"] = round(time.perf_counter() - t_eval, 1)
    report["index"] = search.index.stats()
    services.close()
    return report
