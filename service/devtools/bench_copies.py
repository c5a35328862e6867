"""``copy_detect_ms_100k``: the cost of near-copy detection per ingested article against a
store of 100,000 articles, through the code ingest runs (``service.usecases.copies``).

The store is SQLite with the real schema: ``articles`` rows and their ``copy_bands`` keys,
bodies recombined from AllSides paragraphs with 30 % of their words replaced by other words
of the corpus (so 100,000 bodies do not all repeat the same few thousand paragraphs word for
word, yet share phrases and common wording, and the band lookup still returns candidates). The probes are half new
bodies, half lightly edited copies of stored ones. Each measurement is what ingest adds per
article: the fingerprint (MinHash, band keys) plus the band lookup and the exact check of the
candidates in one read transaction. The baseline of the same run is the pairwise scan the LSH
avoids: the exact check against every stored body, measured over 2,000 stored bodies and
scaled to the store's size.
"""
from __future__ import annotations

import json
import random
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from clustering.copies import CopyParams, compare_texts, fingerprint
from service.devtools.copy_variants import make_variant
from service.devtools.stats import percentile
from service.store import Database
from service.store.models import Article, CopyBand, Outlet
from service.usecases.copies import CopyFinder

_CHUNK = 5000


def _paragraphs(source: Path) -> list[str]:
    paras = []
    for line in source.read_text(encoding="utf-8").splitlines():
        text = json.loads(line).get("text") or ""
        paras.extend(p.strip() for p in text.split("\n") if len(p.split()) >= 12)
    return paras


def _body(paras: list[str], rng: random.Random, vocab: list[str] | None = None) -> str:
    picked = rng.sample(paras, rng.randint(4, 9))
    if vocab:
        picked = [" ".join(w if rng.random() >= 0.3 else rng.choice(vocab) for w in p.split()) for p in picked]
    return "\n\n".join(picked)


def build_store(n: int, source: Path, params: CopyParams, seed: int = 7, progress: bool = False
                ) -> tuple[Database, list[str], float]:
    """A fresh SQLite store of ``n`` articles with their band keys; returns it, a sample of its
    bodies and the seconds the build took."""
    tmp = tempfile.mkdtemp(prefix="newsprism-bench-copies-")
    db = Database(f"sqlite:///{tmp}/copies.db")
    db.upgrade()
    rng = random.Random(seed)
    paras = _paragraphs(source)
    vocab = sorted({w for p in paras for w in p.split()})
    t0 = time.perf_counter()
    sample: list[str] = []
    with db.engine.begin() as c:
        c.execute(insert(Outlet), [{"id": 1, "name": "Bench", "slug": "bench", "domains": []}])
    aid = 0
    while aid < n:
        rows, bands = [], []
        for _ in range(min(_CHUNK, n - aid)):
            aid += 1
            body = _body(paras, rng, vocab)
            if len(sample) < 2000:
                sample.append(body)
            rows.append({"id": aid, "outlet_id": 1, "title": f"Article {aid}", "raw_text": body, "clean_text": body,
                         "content_hash": f"{aid:064x}", "ingested_at": None})
            bands.extend({"band": b, "article_id": aid} for b in set(fingerprint(body, params).bands))
        with db.engine.begin() as c:
            c.execute(insert(Article.__table__), [{**r, "ingested_at": _now()} for r in rows])
            c.execute(insert(CopyBand.__table__), bands)
        if progress:
            print(f"  copies store: {aid}/{n} articles", flush=True)
    return db, sample, time.perf_counter() - t0


def _now():
    from service.store.models import utcnow

    return utcnow()


def measure(db: Database, sample: list[str], n_stored: int, params: CopyParams, probes: int = 200,
            seed: int = 11) -> dict[str, Any]:
    """Detection time per article (p50/p95 ms), the share of probes found as copies, and the
    pairwise-scan baseline scaled to ``n_stored``."""
    rng = random.Random(seed)
    paras = [p for body in sample for p in body.split("\n\n")]
    vocab = sorted({w for p in paras for w in p.split()})
    times, fp_times, found = [], [], 0
    for k in range(probes):
        if k % 2:
            _, body = make_variant("combined" if k % 4 == 1 else "add_first_paragraph", "t", rng.choice(sample), k)
        else:
            body = _body(paras, rng, vocab)
        t0 = time.perf_counter()
        fp = fingerprint(body, params)
        t1 = time.perf_counter()
        with db.session() as s:
            hit = CopyFinder(s, params).best(body, fp)
        t2 = time.perf_counter()
        times.append((t2 - t0) * 1000)
        fp_times.append((t1 - t0) * 1000)
        found += hit is not None and k % 2 == 1
    scan = sample[:2000]
    probe = _body(paras, rng, vocab)
    t0 = time.perf_counter()
    for body in scan:
        compare_texts(probe, body, params)
    scan_ms = (time.perf_counter() - t0) * 1000 / len(scan) * n_stored
    return {"p50_ms": round(percentile(times, 50), 2), "p95_ms": round(percentile(times, 95), 2),
            "fingerprint_p50_ms": round(percentile(fp_times, 50), 2),
            "copies_found": f"{found}/{probes // 2}", "scan_baseline_ms": round(scan_ms, 1)}


def bench_copies(source: Path, sizes: tuple[int, ...] = (1_000, 100_000), probes: int = 200,
                 progress: bool = False) -> dict[str, Any]:
    """``copy_detect_ms_{1k,100k}`` (p50 ms per ingested article) with their details."""
    params = CopyParams()
    out: dict[str, Any] = {}
    for n in sizes:
        db, sample, build_s = build_store(n, source, params, progress=progress)
        try:
            m = measure(db, sample, n, params, probes)
        finally:
            db.dispose()
            shutil.rmtree(Path(db.url[len("sqlite:///"):]).parent, ignore_errors=True)
        tag = f"{n // 1000}k"
        out[f"copy_detect_ms_{tag}"] = m["p50_ms"]
        out[f"copy_detect_{tag}"] = {**m, "store_build_seconds": round(build_s, 1), "articles": n,
                                     "bands_rows": list(params.bands_rows())}
    return out
