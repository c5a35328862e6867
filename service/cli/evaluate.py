"""``newsprism evaluate`` and ``newsprism evaluate-search``: replay a labelled file and score
the stories, the search and the match. The scoring lives in :mod:`service.devtools`, imported
when one of these commands runs, so that the runtime commands (serve, worker) never load it."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from service.cli.common import replay_file, services
from service.usecases.replay import fresh_store_url


@click.command()
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--split", default=None, help="also score stories before/after this date (story_date field), e.g. 2021-07-01")
@click.option("--data", "data_dir", default="../shared/data", show_default=True, type=click.Path(file_okay=False),
              help="without FILE: the folder holding allsides-neus-2021, basil-dev and seed-putin")
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 20),
              help="without FILE: story folds of the BASIL-dev cross-validation")
@click.option("--json", "as_json", is_flag=True)
def evaluate(file: str | None, split: str | None, data_dir: str, folds: int, as_json: bool) -> None:
    """Without FILE: one table, a row per corpus (AllSides April-June and July-August, BASIL-dev
    story-fold CV, the seed alone, after the demo corpus and after AllSides), the assigner
    beside the dense baseline of the same run. With FILE: replay it and score the stories
    against its story_id (B-cubed P/R/F1, ARI, NMI) next to two baselines."""
    if file is None:
        corpus_table(data_dir, folds, as_json)
        return
    from service.devtools.evaluate import evaluate_clustering

    rows, results, built, took = replay_file(file, None, show_progress=not as_json)
    report = evaluate_clustering(built, rows, results, took, split)
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    print_scores(report, f"{Path(file).name}: {len(rows)} articles, backend {report['backend']}, "
                         f"replay {took:.1f}s ({report['articles_per_second']} articles/s)")


def corpus_table(data_dir: str, folds: int, as_json: bool) -> None:
    """The cross-corpus table of ``newsprism evaluate`` (no FILE)."""
    from service.devtools.evaluate_corpora import CorpusEvaluation

    run = CorpusEvaluation(lambda: services(fresh_store_url(), upgrade=True), data_dir, folds,
                           progress=None if as_json else (lambda msg: click.echo(msg, err=True)))
    report = run.run()
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    table = Table(title=f"story clustering per corpus (B-cubed; {report['seconds']}s)")
    for col in ("corpus", "articles", "gold", "dense baseline F1", "before F1", "newsprism P / R", "newsprism F1",
                "seed exact (newsprism / before / baseline)"):
        table.add_column(col)
    for r in report["rows"]:
        ours, base = r["newsprism"], r["baseline_dense"]
        yes = {True: "yes", False: "no", None: "-"}
        exact = (" / ".join(yes[r.get(k)] for k in ("seed_exact", "before_seed_exact", "baseline_seed_exact"))
                 if "seed_exact" in r else "")
        before = f"{r['before']['bcubed_f1']:.3f}" if "before" in r else ""
        table.add_row(r["row"], str(r["articles"]), str(r["gold_stories"]), f"{base['bcubed_f1']:.3f}", before,
                      f"{ours['bcubed_precision']:.3f} / {ours['bcubed_recall']:.3f}", f"{ours['bcubed_f1']:.3f}",
                      exact)
    for r in report["skipped"]:
        table.add_row(r["row"], "skipped", "", r["reason"], "", "", "", "")
    Console().print(table)
    if report.get("lone_per_fold"):
        click.echo("lone-candidate path chosen per BASIL fold (lone_threshold, lone_dense): " + ", ".join(
            f"({f['lone_threshold']}, {f['lone_dense']})" for f in report["lone_per_fold"]))


SCORE_KEYS = ("bcubed_precision", "bcubed_recall", "bcubed_f1", "ari", "nmi")


def print_scores(report: dict[str, Any], title: str) -> None:
    """The report's runs (and baselines) as one table."""
    table = Table(title=title)
    for col in ("run", "B3 precision", "B3 recall", "B3 F1", "ARI", "NMI", "stories"):
        table.add_column(col)
    for name, sc in report.items():
        if isinstance(sc, dict):
            table.add_row(name, *(f"{sc[k]:.3f}" for k in SCORE_KEYS), str(sc.get("n_clusters", "")))
    Console().print(table)


@click.command("evaluate-search")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--db", "db_url", default=None, help="store to replay into (default: a fresh SQLite file); "
                                                    "an already replayed store is reused (ingest is idempotent)")
@click.option("--json", "as_json", is_flag=True, help="print the report as JSON")
@click.option("--out", "out", default=None, type=click.Path(dir_okay=False), help="also write the JSON report here")
@click.option("--split", default=None, help="also report search per period: stories dated before / from this date")
@click.option("--after", "after", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="replay this file into the store first (repeatable): FILE's titles are then searched, and "
                   "its articles matched, in a store already holding other news")
def evaluate_search(file: str, db_url: str | None, as_json: bool, out: str | None, split: str | None,
                    after: tuple[str, ...]) -> None:
    """Replay FILE, then report search recall@1/MRR for every story_title (AllSides editor
    titles, BASIL's event titles) beside plain baselines ranked over the same stories, and
    leave-one-out match recall@1 (see docs/search.md for the definitions)."""
    from service.devtools.evaluate_search import evaluate_search as run

    db_url = db_url or (fresh_store_url() if after else None)
    for other in after:
        replay_file(other, db_url, show_progress=not as_json)[2].close()
    rows, results, built, took = replay_file(file, db_url, show_progress=not as_json)
    report = run(file, rows, results, built, took, split=split)
    report["after"] = list(after)
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
    b = report["match_baseline_dense"]
    click.echo(f"match baseline ({b['rule']}): recall@1 {b['recall@1']}  wrong story {b['wrong_story']}  "
               f"leave-story-out false match {b['leave_story_out_false_match']}")
    click.echo(f"match top-1 ignoring the threshold: {report['match_top1_ignoring_threshold']}")
    click.echo("threshold sweep: " + "  ".join(f"{d['threshold']}→{d['recall@1']}/{d['leave_story_out_false_match']}"
                                               for d in report["match_threshold_sweep"]))
    for k, v in (report.get("match_by_kind") or {}).items():
        click.echo(f"  match {k}: recall@1 {v['recall@1']} ({v['articles']} articles)")
    if report.get("search_by_period"):
        table = Table(title="search by the editors' titles, per period")
        for col in ("period", "queries", "recall@1", "recall@3", "MRR@10", "recall@1 as of the story date"):
            table.add_column(col)
        for period, v in report["search_by_period"].items():
            p, a = v["plain"], v["as_of"]
            table.add_row(period, str(p["queries"]), str(p["recall@1"]), str(p["recall@3"]), str(p["mrr@10"]),
                          str(a["recall@1"]))
        Console().print(table)
    if not s["queries"]:
        click.echo("search: no story_title in the file, nothing to search")
        return
    table = Table(title="search recall@1 (plain / as of the story date): newsprism beside plain baselines "
                        "over the same stories")
    for col in ("period", "newsprism", *report["search_baselines"]):
        table.add_column(col)

    def cell(d: dict[str, Any]) -> str:
        return f"{d['plain']['recall@1']} / {d['as_of']['recall@1']}"

    table.add_row("all", cell({"plain": report["search"], "as_of": report["search_as_of_story_date"]}),
                  *(cell(b) for b in report["search_baselines"].values()))
    for period, v in (report.get("search_by_period") or {}).items():
        table.add_row(period, cell(v), *(cell(b["by_period"][period]) for b in report["search_baselines"].values()))
    Console().print(table)


@click.command("evaluate-copies")
@click.option("--data", "data_dir", default=None, type=click.Path(exists=True, file_okay=False),
              help="the shared data sets (default: ../shared/data beside the repository)")
@click.option("--pairs", "pairs_file", default=None, type=click.Path(dir_okay=False),
              help="the labelled pair set (default: docs/data/copy-pairs.jsonl)")
@click.option("--make-pairs", is_flag=True, help="(re)generate the pair set from the data sets first")
@click.option("--json", "as_json", is_flag=True)
def evaluate_copies(data_dir: str | None, pairs_file: str | None, make_pairs: bool, as_json: bool) -> None:
    """Precision and recall of wire-copy detection (LSH candidates + exact check) on labelled
    copy / not-copy pairs, next to the exact-hash baseline (see docs/copies.md)."""
    from clustering.cleaning import CleaningRules
    from service.devtools import evaluate_copies as ev
    from service.settings import ROOT, load_settings
    from service.wiring import read_toml

    settings = load_settings({})
    rules = CleaningRules.from_dict(read_toml(settings, settings.boilerplate_file))
    data = Path(data_dir) if data_dir else ROOT.parent / "shared" / "data"
    if not data.exists():
        raise click.ClickException(f"no data sets at {data}; pass --data DIR")
    articles = ev.load_articles(data, rules)
    path = Path(pairs_file) if pairs_file else ROOT / "docs" / "data" / "copy-pairs.jsonl"
    if make_pairs:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(p) + "\n" for p in ev.make_pairs(articles)), encoding="utf-8")
    if not path.exists():
        raise click.ClickException(f"no pair set at {path}; run with --make-pairs")
    pairs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    report = ev.evaluate(pairs, articles, rules)
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    table = Table(title=f"copy detection: {report['pairs']} pairs ({report['copies']} copies, "
                        f"{report['not_copies']} not copies)")
    for col in ("rule", "precision", "recall", "F1", "tp", "fp", "fn"):
        table.add_column(col)
    for name, sc in [("detector (LSH + exact check)", report["detector"]),
                     ("baseline: exact content hash", report["baseline_exact_hash"])] + \
            [(f"jaccard >= {s['threshold']} or containment >= {s['containment']}", s) for s in report["sweep"]]:
        table.add_row(name, f"{sc['precision']:.3f}", f"{sc['recall']:.3f}", f"{sc['f1']:.3f}",
                      str(sc["tp"]), str(sc["fp"]), str(sc["fn"]))
    Console().print(table)
    click.echo(f"LSH candidate recall {report['lsh_candidate_recall']}; most similar non-copy: "
               f"jaccard {report['max_not_copy']['jaccard']}, containment {report['max_not_copy']['containment']}")
    click.echo("by recipe: " + json.dumps(report["by_recipe"]))
    click.echo("by kind: " + json.dumps(report["by_kind"]))
