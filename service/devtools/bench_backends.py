"""Benchmark the embedding backends: speed, agreement with torch, and clustering F1.

Reads the AllSides file from ``../shared`` (next to the repository; never copied) and, for
each backend (``torch``, ``onnx-int8``, ``static``; the last two must be built first with
``newsprism model build --backend X``):

1. speed: articles/s embedding the first ``--n`` articles (title + ". " + text) at batch 32,
   in ``--rounds`` rounds interleaved across backends (other work on the machine slows all
   backends alike), with the load average and the process CPU time recorded;
2. agreement with torch on those embeddings: per-article cosine (same space only: onnx-int8),
   and for every backend the Pearson correlation of all pairwise cosines and the overlap of
   each article's 10 nearest neighbours;
3. clustering: ``compute_signals`` + ``OnlineStoryClusterer`` over the whole file in
   ``published_at`` order (ties in file order) with the configured ``[clustering]``
   parameters, scored with B-cubed F1 against ``story_id``.

Usage::

    .venv/bin/python -m service.devtools.bench_backends                    # all three, writes var/bench/
    .venv/bin/python -m service.devtools.bench_backends --backends torch,onnx-int8 --rounds 1
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np

from clustering.assign import OnlineStoryClusterer
from clustering.embed_backends import make_embedder
from clustering.metrics import bcubed, cluster_scores
from clustering.signals import compute_signals
from service.settings import ROOT, load_settings
from service.wiring import Params

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "allsides-neus-2021" / "articles.jsonl"


def read_rows(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def published_order(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sorted by published_at; ties (and undated rows, last) keep file order."""
    keyed = sorted(range(len(rows)), key=lambda i: (rows[i].get("published_at") is None,
                                                     str(rows[i].get("published_at") or ""), i))
    return [rows[i] for i in keyed]


def knn_overlap(a: np.ndarray, b: np.ndarray, k: int = 10) -> float:
    """Mean share of each row's k nearest neighbours (by cosine) that a and b agree on."""
    def knn(x: np.ndarray) -> np.ndarray:
        s = x @ x.T
        np.fill_diagonal(s, -np.inf)
        return np.argpartition(-s, k, axis=1)[:, :k]
    na, nb = knn(a), knn(b)
    return float(np.mean([len(set(na[i]) & set(nb[i])) / k for i in range(len(a))]))


def pairwise_corr(a: np.ndarray, b: np.ndarray) -> float:
    iu = np.triu_indices(len(a), 1)
    return float(np.corrcoef((a @ a.T)[iu], (b @ b.T)[iu])[0, 1])


def dense_online(vecs: np.ndarray, times: list[Any], threshold: float,
                 window_days: float = 3.0) -> list[int]:
    """Embedding-only online clustering: join the most similar story centroid within the time
    window if its cosine is at least ``threshold``, else open a story. Isolates how well the
    embeddings alone separate stories, independent of the assigner's fitted coefficients."""
    cents: list[np.ndarray] = []
    sums: list[np.ndarray] = []
    last: list[Any] = []
    labels: list[int] = []
    win = window_days * 86400.0
    for v, t in zip(vecs, times):
        best, j = -1.0, -1
        if cents:
            sims = np.stack(cents) @ v
            for i in np.argsort(-sims):
                if t is None or last[i] is None or abs((t - last[i]).total_seconds()) <= win:
                    best, j = float(sims[i]), int(i)
                    break
        if j >= 0 and best >= threshold:
            sums[j] = sums[j] + v
            cents[j] = sums[j] / max(np.linalg.norm(sums[j]), 1e-12)
            last[j] = max(last[j], t) if (t is not None and last[j] is not None) else (t or last[j])
            labels.append(j)
        else:
            sums.append(v.copy())
            cents.append(v.copy())
            last.append(t)
            labels.append(len(cents) - 1)
    return labels


THRESHOLDS = [round(0.30 + 0.025 * i, 3) for i in range(27)]  # 0.30 .. 0.95


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--backends", default="torch,onnx-int8,static")
    ap.add_argument("--models-dir", type=Path, default=ROOT / "var" / "models")
    ap.add_argument("--n", type=int, default=1000, help="articles for the speed test")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="onnxruntime intra-op threads (0: default)")
    ap.add_argument("--skip-clustering", action="store_true")
    ap.add_argument("--skip-speed", action="store_true", help="clustering only")
    ap.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "backends.json")
    args = ap.parse_args(argv)

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch  # after HF_HUB_OFFLINE is set

    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    rows = read_rows(args.data)
    texts = [f"{r.get('title') or ''}. {r.get('text') or ''}" for r in rows[: args.n]]
    settings = load_settings({})
    params = Params.from_settings(settings).assign

    embedders = {b: make_embedder(b, settings.model, args.batch, args.models_dir,
                                  intra_op_num_threads=args.threads) for b in backends}
    report: dict[str, Any] = {
        "data": str(args.data), "n_speed": len(texts), "batch": args.batch, "rounds": args.rounds,
        "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(), "backends": {},
        "assign_params": {k: (list(v) if isinstance(v, tuple) else v)
                          for k, v in params.__dict__.items()},
    }
    report["assign_params_sha1"] = hashlib.sha1(
        json.dumps(report["assign_params"], sort_keys=True).encode()).hexdigest()[:12]
    for b, emb in embedders.items():
        emb.load()
        emb.encode(texts[: args.batch])  # warm-up (first-call allocations, lazy imports)
        report["backends"][b] = {"load_seconds": round(emb.load_seconds_, 2), "dim": emb.dim,
                                 "runs": []}

    vectors: dict[str, np.ndarray] = {}
    for r in range(0 if args.skip_speed else args.rounds):
        for b, emb in embedders.items():
            load0 = os.getloadavg()[0]
            c0, t0 = time.process_time(), time.perf_counter()
            vecs = emb.encode(texts)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            vectors[b] = vecs
            run = {"round": r, "seconds": round(wall, 2), "articles_per_s": round(len(texts) / wall, 1),
                   "cpu_seconds": round(cpu, 2), "loadavg_before": round(load0, 2),
                   "loadavg_after": round(os.getloadavg()[0], 2)}
            report["backends"][b]["runs"].append(run)
            print(f"[speed] {b:9s} round {r}: {run['articles_per_s']:7.1f} articles/s "
                  f"(cpu {cpu:.1f}s, wall {wall:.1f}s, load {load0:.1f})", flush=True)
    for b in backends:
        runs = report["backends"][b]["runs"]
        if not runs:
            continue
        speeds = sorted(x["articles_per_s"] for x in runs)
        report["backends"][b]["articles_per_s_median"] = speeds[len(speeds) // 2]
        report["backends"][b]["articles_per_s_best"] = speeds[-1]
        if "torch" in vectors and b != "torch":
            ref, got = vectors["torch"], vectors[b]
            if got.shape == ref.shape:
                cos = np.sum(got * ref, axis=1)
                report["backends"][b]["cosine_vs_torch_mean"] = round(float(cos.mean()), 4)
                report["backends"][b]["cosine_vs_torch_min"] = round(float(cos.min()), 4)
            report["backends"][b]["pairwise_cosine_corr_vs_torch"] = round(pairwise_corr(ref, got), 4)
            report["backends"][b]["knn10_overlap_vs_torch"] = round(knn_overlap(ref, got), 4)

    if not args.skip_clustering:
        docs = published_order(rows)
        gold = [d.get("story_id") for d in docs]
        for b, emb in embedders.items():
            load0 = os.getloadavg()[0]
            t0 = time.perf_counter()
            sigs = compute_signals(docs, emb, params)
            t_sig = time.perf_counter() - t0
            t1 = time.perf_counter()
            pred = OnlineStoryClusterer(params).fit_predict(sigs)
            t_assign = time.perf_counter() - t1
            sc = cluster_scores(gold, pred)
            report["backends"][b]["clustering"] = {
                **sc.as_dict(), "signals_seconds": round(t_sig, 2),
                "assign_seconds": round(t_assign, 2), "loadavg_before": round(load0, 2)}
            dense = np.stack([s.dense for s in sigs])
            times = [s.published_at for s in sigs]
            sweep = {t: bcubed(gold, dense_online(dense, times, t, params.window_days))[2]
                     for t in THRESHOLDS}
            t_best = max(sweep, key=sweep.get)
            report["backends"][b]["dense_only"] = {
                "best_threshold": t_best, "best_f1": round(sweep[t_best], 4),
                "sweep": {str(t): round(f, 4) for t, f in sweep.items()}}
            print(f"[dense]   {b:9s} best B3 F1 {sweep[t_best]:.4f} at cos >= {t_best}", flush=True)
            print(f"[cluster] {b:9s} B3 F1 {sc.bcubed_f1:.4f} (P {sc.bcubed_precision:.4f} "
                  f"R {sc.bcubed_recall:.4f}, {sc.n_pred} stories / {sc.n_gold} gold; signals "
                  f"{t_sig:.1f}s, assign {t_assign:.1f}s)", flush=True)
        if "torch" in embedders:
            f_torch = report["backends"]["torch"]["clustering"]["bcubed_f1"]
            for b in backends:
                f = report["backends"][b]["clustering"]["bcubed_f1"]
                report["backends"][b]["clustering"]["f1_delta_vs_torch"] = round(f - f_torch, 4)
                d_torch = report["backends"]["torch"]["dense_only"]
                d_b = report["backends"][b]["dense_only"]
                d_b["f1_delta_vs_torch"] = round(d_b["best_f1"] - d_torch["best_f1"], 4)
                # the same threshold as torch's best (what a switch without re-tuning gives)
                d_b["f1_at_torch_threshold"] = d_b["sweep"][str(d_torch["best_threshold"])]

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")

    print("\n| backend | articles/s (median; best) | cosine vs torch (mean / min) | "
          "pairwise-cos r / kNN@10 | B-cubed F1 (assigner) | Δ vs torch | "
          "dense-only F1 (best thr.; at torch's) | Δ vs torch |")
    print("|---|---|---|---|---|---|---|---|")
    for b in backends:
        d = report["backends"][b]
        d.setdefault("articles_per_s_median", "—")
        d.setdefault("articles_per_s_best", "—")
        cos = (f"{d['cosine_vs_torch_mean']:.4f} / {d['cosine_vs_torch_min']:.4f}"
               if "cosine_vs_torch_mean" in d else ("1 (reference)" if b == "torch" else
                                                     "n/a (own space)" if "knn10_overlap_vs_torch" in d else "—"))
        agree = (f"{d['pairwise_cosine_corr_vs_torch']:.3f} / {d['knn10_overlap_vs_torch']:.3f}"
                 if "pairwise_cosine_corr_vs_torch" in d else "—")
        cl = d.get("clustering", {})
        f1 = f"{cl['bcubed_f1']:.4f}" if cl else "—"
        delta = f"{cl.get('f1_delta_vs_torch', 0):+.4f}" if cl and "f1_delta_vs_torch" in cl else "—"
        dn = d.get("dense_only", {})
        dense_f1 = (f"{dn['best_f1']:.4f} ({dn['best_threshold']}); {dn.get('f1_at_torch_threshold', dn.get('best_f1')):.4f}"
                    if dn else "—")
        dense_delta = f"{dn['f1_delta_vs_torch']:+.4f}" if "f1_delta_vs_torch" in dn else "—"
        print(f"| {b} | {d['articles_per_s_median']} ; {d['articles_per_s_best']} | {cos} | {agree} "
              f"| {f1} | {delta} | {dense_f1} | {dense_delta} |")
    print(f"\nwritten {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
