"""Synthetic stores for the benchmarks, written by bulk insert (not through ingest) with the
assigner's own functions for every state, centroid and term statistic, so that the code that
reads them (assignment, search, match) is the real one:

* :func:`synthetic_stories`: one-article stories with random vectors, to time assignment
  against a store of a given size (``newsprism bench``);
* :func:`build_bench_store`: a realistic corpus recombined from a source file's stories, to
  time search and match (``newsprism bench-search``, docs/search.md says how it is made).
"""
from __future__ import annotations

import hashlib
import math
import random
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any

import click
import numpy as np
from sqlalchemy import insert, select

from clustering.cleaning import clean_text, content_hash
from clustering.signals import build_signals, split_sentences
from service.outlets import slugify
from service.store.counter import counter_row
from service.store.models import Article, Outlet, Story, TermStat, utcnow
from service.store.stories import state_centroid
from service.usecases.identity import url_key
from service.usecases.replay import read_jsonl
from service.wiring import Services


def synthetic_stories(services: Services, n_stories: int, days: float, dim: int, seed: int = 3) -> None:
    """Bulk-insert ``n_stories`` one-article stories spread over ``days`` (assigner state via
    the assigner itself), so assignment can be timed against a store of that size."""
    rng = np.random.default_rng(seed)
    assigner = services.assignment.assigner
    start = np.datetime64("2024-01-01T00:00:00")
    rows = []
    words = ["council", "bridge", "strike", "port", "river", "bank", "rate", "storm", "school", "court", "mayor",
             "hospital", "budget", "election", "police", "fire", "trade", "energy", "housing", "transit"]
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



def _unit(x: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(x, axis=-1, keepdims=True)
    n[n == 0] = 1.0
    return (x / n).astype(np.float32)


def _noise_for(cos: float, dim: int) -> float:
    """Gaussian sigma per dimension so that cos(normalise(v + noise), v) ≈ cos for unit v."""
    return math.sqrt(max(1e-9, (1.0 / cos ** 2 - 1.0) / dim))


def build_bench_store(services: Services, source: str, n_articles: int, n_stories: int, seed: int = 7,
                      progress: bool = True) -> dict[str, Any]:
    """Write a synthetic corpus into ``services.db`` by bulk insert (not through ingest).

    Stories are recombinations of the source's stories: a base story's sentences and
    headlines (with names swapped in from other stories), dates shifted over four years, 1-8
    articles from distinct outlets. Embeddings are cheap: each of an article's vectors (lead,
    headline, facts) is the real embedding of the corresponding text of the source article it
    was made from (model-encoded once), moved by a per-story offset (cos ≈ 0.95) and a
    per-article one (cos ≈ 0.97), so real queries meet realistic similarities. Story states, term statistics and centroids are made with the assigner's
    own functions, so the search and match code that reads them is the real one.
    """
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

    df: Counter[str] = Counter()
    with services.db.write() as s:
        s.execute(insert(Outlet), [{"name": o, "slug": slugify(o) or f"outlet-{k}", "domains": [], "country": None,
                                    "type": None} for k, o in enumerate(outlets)])
    with services.db.session() as s:
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
        s.execute(insert(TermStat), [counter_row(n_articles)])
    return {"articles": n_articles, "stories": n_stories, "source_embed_seconds": round(embed_s, 1),
            "generate_seconds": round(time.perf_counter() - t1, 1)}


def _flush(services: Services, stories: list[dict], articles: list[dict]) -> None:
    if not stories:
        return
    with services.db.write() as s:
        s.execute(insert(Story), stories)
        for k in range(0, len(articles), 2000):
            s.execute(insert(Article), articles[k:k + 2000])
