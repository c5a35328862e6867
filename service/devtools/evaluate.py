"""``newsprism evaluate``: the stories a replay made, scored against the file's gold
``story_id`` (B-cubed P/R/F1, ARI, NMI), next to two baselines computed in the same run."""
from __future__ import annotations

import time
from typing import Any

from clustering.baselines import singletons, tfidf_online
from clustering.metrics import clustering_scores
from service.usecases.ingest import ItemResult
from service.wiring import Services


def evaluate_clustering(services: Services, rows: list[dict[str, Any]], results: list[ItemResult],
                        took: float, split: str | None = None) -> dict[str, Any]:
    """The report of a replay: scores of the stored stories and of the baselines; with
    ``split`` (a date), also the scores of the stories before it and from it."""
    gold = [r.get("story_id") for r in rows]
    pred = [r.story_id if r.story_id is not None else f"rejected-{i}" for i, r in enumerate(results)]
    report: dict[str, Any] = {"backend": services.settings.embed_backend, "model": services.settings.model,
                              "articles": len(rows), "seconds": round(took, 2),
                              "articles_per_second": round(len(rows) / took, 1)}
    report["newsprism"] = clustering_scores(gold, pred)
    report["baseline_singletons"] = clustering_scores(gold, singletons(len(rows)))
    t0 = time.perf_counter()
    report["baseline_tfidf_online"] = clustering_scores(gold, tfidf_online(rows))
    report["baseline_tfidf_seconds"] = round(time.perf_counter() - t0, 2)
    if split:
        for name, keep in (("before_" + split, lambda d: d < split), ("from_" + split, lambda d: d >= split)):
            idx = [i for i, r in enumerate(rows) if keep(str(r.get("story_date") or r.get("published_at") or ""))]
            if idx:
                report[name] = clustering_scores([gold[i] for i in idx], [pred[i] for i in idx])
    return report
