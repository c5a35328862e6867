"""``newsprism bench``, ``bench-search`` and ``soak``: the performance figures and the load
test. They live in :mod:`service.devtools`, imported when one of these commands runs."""
from __future__ import annotations

import json
from pathlib import Path

import click

from service.devtools import BENCH_DIR
from service.settings import ROOT


@click.command()
@click.option("--url", default="http://127.0.0.1:8000", show_default=True, help="a newsprism on this machine")
@click.option("--seconds", default=600.0, show_default=True)
@click.option("--rps", default=100.0, show_default=True)
@click.option("--threads", default=16, show_default=True)
@click.option("--key", envvar="NEWSPRISM_KEY", required=True, help="API key for the write share of the mix")
@click.option("--pid", "master_pid", type=int, default=None, help="gunicorn master pid (to sample worker memory)")
def soak(url: str, seconds: float, rps: float, threads: int, key: str, master_pid: int | None) -> None:
    """Mixed traffic at a fixed rate for a fixed time against a local newsprism; JSON report."""
    from service.devtools.loadtest import Soak

    try:
        report = Soak(url, key, seconds=seconds, rps=rps, threads=threads, master_pid=master_pid).run()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(report, indent=2))


@click.command()
@click.option("--json", "as_json", is_flag=True, help="one JSON object")
@click.option("--quick", is_flag=True, help="small sizes (a smoke run, not the reported figures)")
@click.option("--out", default=None, type=click.Path(dir_okay=False), help="also write the JSON here")
@click.option("--only", default=None, type=click.Choice(["copies"]),
              help="run one part alone (copies: copy_detect_ms_1k / copy_detect_ms_100k)")
def bench(as_json: bool, quick: bool, out: str | None, only: str | None) -> None:
    """Performance figures of this machine: encode vs ingest, comparison cold/warm, assignment
    cost at 1k vs 100k stories, re-clustering time, near-copy detection at 100k articles,
    peak RSS (see docs/performance.md and docs/copies.md)."""
    from service.devtools.bench import main as bench_main

    bench_main(as_json, quick, out, only)


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
    from service.devtools.bench_search import run_bench_search

    source = source or str(ROOT.parent / "shared" / "data" / "allsides-neus-2021" / "articles.jsonl")
    if not Path(source).exists():
        raise click.ClickException(f"no source texts at {source}; pass --source FILE.jsonl")
    report = run_bench_search(articles, stories, source, db_url, rebuild, queries, backend, threads,
                              progress=not as_json)
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
