"""``newsprism evaluate`` without a file: one table, a row per corpus, the assigner beside the
plain dense baseline (``clustering.baselines.dense_online``) measured in the same run.

Rows (``docs/evaluation.md``): AllSides April-June (the fit period) and July-August (held out),
from one replay of the whole file; BASIL-dev by story-fold cross-validation; the seed alone,
after the demo corpus and after AllSides (each a replay into one fresh store, the seed second).
Every replay goes through the service's ingest (``service.usecases.replay``); the
cross-validation chooses the lone-candidate path per fold (``clustering.calibrate.cross_validate_lone``)
and runs the in-memory driver on the held-out stories, with the embeddings the replay stored.
Each row also shows the model in force before issue 15 (``clustering.calibrate.BEFORE``), run by
the in-memory driver over the same stored articles.
A corpus missing under the data folder skips its rows with the reason.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select

from clustering.baselines import dense_baseline_text, dense_online
from clustering.calibrate import BEFORE, cross_validate_lone, online_labels
from clustering.params import AssignParams
from clustering.metrics import clustering_scores
from clustering.undated import place_undated
from service.store.models import Article, utcnow
from service.usecases.embeddings import encode_grouped
from service.usecases.replay import SAMPLE, article_fields, published_order, read_jsonl, replay_rows
from service.wiring import Services

#: corpus name -> file under the data folder
CORPORA = {"allsides": "allsides-neus-2021/articles.jsonl", "basil": "basil-dev/articles.jsonl",
           "seed": "seed-putin/articles.jsonl"}
SPLIT = "2021-07-01"


def _seed_exact(gold: Sequence[Hashable], pred: Sequence[Hashable]) -> bool:
    """Every gold story one predicted story and no two gold stories share one."""
    return len(set(zip(gold, pred))) == len(set(gold)) == len(set(pred))


class CorpusEvaluation:
    """Runs the rows. ``make_services(db_url)`` builds the services on a fresh store."""

    def __init__(self, make_services: Callable[[], Services], data_dir: str | Path, folds: int = 5,
                 progress: Callable[[str], None] | None = None) -> None:
        self.make_services = make_services
        self.data = Path(data_dir)
        self.folds = folds
        self.say = progress or (lambda _msg: None)
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.missing: dict[str, str] = {}
        for name, rel in CORPORA.items():
            path = self.data / rel
            if path.exists():
                self.rows[name] = read_jsonl(path)
            else:
                self.missing[name] = f"{path} not found"
        self.rows["demo"] = read_jsonl(SAMPLE)

    # -- replays ---------------------------------------------------------------------------
    def replay(self, names: Sequence[str]) -> tuple[Services, dict[str, list[Any]]]:
        """Replay the corpora one after another into one fresh store: results per corpus."""
        services = self.make_services()
        out = {}
        for name in names:
            out[name] = replay_rows(services.ingestor, self.rows[name])
        return services, out

    def baseline(self, services: Services, names: Sequence[str]) -> dict[str, list[int]]:
        """The dense baseline over the same corpora in the same order (each file in published
        order, one after the other): labels per corpus, in file order."""
        vecs, times, keys = [], [], []
        for name in names:
            rows = self.rows[name]
            order = published_order(rows)
            fields = [article_fields(rows[i]) for i in order]
            texts = [dense_baseline_text(f.get("title") or "", f.get("text") or "") for f in fields]
            vecs.append(encode_grouped(services.cached_embedder, texts))
            times += [f.get("published_at") for f in fields]
            keys += [(name, i) for i in order]
        labels = dict(zip(keys, dense_online(np.vstack(vecs), times)))
        return {n: [labels[(n, i)] for i in range(len(self.rows[n]))] for n in names}

    @staticmethod
    def predicted(results: list[Any]) -> list[Any]:
        return [r.story_id if r is not None and r.story_id is not None else f"rejected-{i}"
                for i, r in enumerate(results)]

    def row(self, name: str, corpus: str, pred: list[Any], base: list[int], idx: list[int] | None = None,
            note: str = "", before: list[Any] | None = None) -> dict[str, Any]:
        rows = self.rows[corpus]
        idx = list(range(len(rows))) if idx is None else idx
        gold = [rows[i]["story_id"] for i in idx]
        ours = clustering_scores(gold, [pred[i] for i in idx])
        theirs = clustering_scores(gold, [base[i] for i in idx])
        out = {"row": name, "articles": len(idx), "gold_stories": len(set(gold)), "newsprism": ours,
               "baseline_dense": theirs, "note": note}
        if before is not None:
            out["before"] = clustering_scores(gold, [before[i] for i in idx])
        if corpus == "seed":
            out["seed_exact"] = _seed_exact(gold, [pred[i] for i in idx])
            out["baseline_seed_exact"] = _seed_exact(gold, [base[i] for i in idx])
            if before is not None:
                out["before_seed_exact"] = _seed_exact(gold, [before[i] for i in idx])
        return out

    def before(self, services: Services, results: dict[str, list[Any]]) -> dict[str, list[Any]]:
        """The model in force before issue 15 (``clustering.calibrate.BEFORE``) on the same
        replays: the in-memory driver over the stored articles' signals, the corpora one after
        the other as replayed. Labels per corpus, in file order (unstored rows rejected)."""
        params = AssignParams.from_dict({**services.params.assign.to_dict(), **BEFORE})
        arts, where = [], []
        for name, res in results.items():
            a, _gold, order = self.signals(services, name, res, with_order=True)
            arts += a
            where += [(name, i) for i in order]
        labels = dict(zip(where, online_labels(arts, params)))
        return {n: [labels.get((n, i), f"rejected-{i}") for i in range(len(self.rows[n]))] for n in results}

    # -- signals for the cross-validation ----------------------------------------------------
    def signals(self, services: Services, name: str, results: list[Any], with_order: bool = False) -> Any:
        """The stored articles' signals in replay order (undated ones at the file's stand-in),
        with their gold stories; the vectors come from the embedding cache the replay filled."""
        rows = self.rows[name]
        order = [i for i in published_order(rows) if results[i] is not None and results[i].id is not None]
        ids = [results[i].id for i in order]
        with services.db.session() as s:
            got = {a.id: (a.title, a.clean_text, a.published_at)
                   for a in s.execute(select(Article).where(Article.id.in_(ids))).scalars()}
        assignment = services.assignment
        texts = [assignment.texts(*got[a][:2]) for a in ids]
        flat = encode_grouped(services.cached_embedder, [t for ts in texts for t in ts])
        out, pos = [], 0
        for a, ts in zip(ids, texts):
            out.append(assignment.signals(got[a][0], got[a][1], got[a][2], list(flat[pos:pos + len(ts)])))
            pos += len(ts)
        placed = place_undated(out, utcnow())
        gold = [rows[i].get("story_id") for i in order]
        return (placed, gold, order) if with_order else (placed, gold)

    # -- the table -------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        t0 = time.perf_counter()
        table: list[dict[str, Any]] = []
        skipped: list[dict[str, str]] = []

        def skip(row: str, need: Sequence[str]) -> bool:
            gone = [self.missing[n] for n in need if n in self.missing]
            if gone:
                skipped.append({"row": row, "reason": "; ".join(gone)})
            return bool(gone)

        if not skip("AllSides Apr-Jun (fit) / Jul-Aug (held out)", ["allsides"]):
            self.say("replaying AllSides")
            svc, res = self.replay(["allsides"])
            pred, base = self.predicted(res["allsides"]), self.baseline(svc, ["allsides"])["allsides"]
            before = self.before(svc, res)["allsides"]
            rows = self.rows["allsides"]
            early = [i for i, r in enumerate(rows) if str(r.get("story_date") or r["published_at"]) < SPLIT]
            late = [i for i, r in enumerate(rows) if str(r.get("story_date") or r["published_at"]) >= SPLIT]
            table.append(self.row("AllSides Apr-Jun (fit)", "allsides", pred, base, early, before=before))
            table.append(self.row("AllSides Jul-Aug (held out)", "allsides", pred, base, late, before=before))
            svc.close()
        if not skip("seed alone", ["seed"]):
            self.say("replaying the seed")
            svc, res = self.replay(["seed"])
            table.append(self.row("seed alone", "seed", self.predicted(res["seed"]),
                                  self.baseline(svc, ["seed"])["seed"], before=self.before(svc, res)["seed"]))
            svc.close()
        for before, label in (("demo", "seed after the demo corpus"), ("allsides", "seed after AllSides")):
            if skip(label, ["seed", before]):
                continue
            self.say(f"replaying {label}")
            svc, res = self.replay([before, "seed"])
            table.append(self.row(label, "seed", self.predicted(res["seed"]),
                                  self.baseline(svc, [before, "seed"])["seed"],
                                  before=self.before(svc, res)["seed"]))
            svc.close()
        if not skip(f"BASIL-dev, {self.folds}-fold story CV", ["basil"]):
            self.say("replaying BASIL-dev and cross-validating")
            svc, res = self.replay(["basil"])
            base = self.baseline(svc, ["basil"])["basil"]
            before = self.before(svc, res)["basil"]
            arts, gold, order = self.signals(svc, "basil", res["basil"], with_order=True)
            params = svc.params.assign
            svc.close()
            # the logistic model was never fitted on BASIL; the lone-candidate path was chosen on
            # it, so it is chosen again per fold without the fold's stories
            labels, chosen = cross_validate_lone(arts, gold, params, k=self.folds)
            pred: list[Any] = [f"rejected-{i}" for i in range(len(self.rows["basil"]))]
            for i, lab in zip(order, labels):
                pred[i] = lab
            table.append(self.row(f"BASIL-dev, {self.folds}-fold story CV", "basil", pred, base, before=before,
                                  note="lone-candidate path chosen per fold without its stories; in-memory driver"))
            report_lone = [{"lone_threshold": p.lone_threshold, "lone_dense": p.lone_dense} for p in chosen]
        report: dict[str, Any] = {"rows": table, "skipped": skipped}
        if "report_lone" in locals():
            report["lone_per_fold"] = report_lone
        report["seconds"] = round(time.perf_counter() - t0, 1)
        return report
