"""The ``newsprism`` command line: serve, ingest, replay, evaluate, compare, keys, db, demo.

Every command goes through the same pipeline as the HTTP API (``service.wiring``).
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import click

from service.settings import SettingsError, load_settings

ARTICLE_FIELDS = ("id", "url", "outlet", "title", "text", "html", "published_at", "language")
SAMPLE = Path(__file__).resolve().parent / "sample" / "demo.jsonl"


def _services(db: str | None = None, **overrides: Any):  # noqa: ANN202
    from service.wiring import build_services

    if db:
        overrides["database_url"] = db
    try:
        settings = load_settings(overrides)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    return build_services(settings)


def _upgrade(services) -> None:  # noqa: ANN001
    services.db.upgrade()


def read_jsonl(path: str) -> list[dict[str, Any]]:
    """Lines of a JSON Lines file; a bad line is an error naming its number."""
    rows = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise click.ClickException(f"{path}:{n}: not valid JSON ({exc.msg})") from None
    return rows


def article_fields(row: dict[str, Any]) -> dict[str, Any]:
    """Only the article fields: labels and a feed's own extras (e.g. an aggregator's rewrite)
    are never ingested as the article."""
    return {k: row[k] for k in ARTICLE_FIELDS if row.get(k) is not None}


def published_order(rows: list[dict[str, Any]]) -> list[int]:
    """Indices in published_at order, ties (and undated rows) in file order."""
    def key(i: int) -> tuple:
        return (str(rows[i]["published_at"]), i)

    dated = [i for i in range(len(rows)) if rows[i].get("published_at")]
    if len(dated) == len(rows):
        return sorted(range(len(rows)), key=key)
    # undated rows keep their place relative to the file; dated rows are sorted among themselves
    order = sorted(dated, key=key)
    it = iter(order)
    return [next(it) if rows[i].get("published_at") else i for i in range(len(rows))]


#: articles per bulk-ingest transaction: larger batches pad less when they are embedded (the
#: model sorts a batch's texts by length) and commit less often; 64 ran at 0.86-0.89 of the
#: model's raw speed, 256 at 0.92 (docs/performance.md); the write lock is held ≈ 0.5 s
BULK_BATCH = 256


def run_ingest(services, rows: list[dict[str, Any]], batch: int = BULK_BATCH, progress: bool = True,
               label: str = "ingest") -> list[Any]:  # noqa: ANN001
    """Ingest rows in order, in batches; returns one ItemResult per row (input order)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    results: list[Any] = [None] * len(rows)
    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  disable=not progress, transient=False, console=None) as bar:
        task = bar.add_task(label, total=len(rows))
        starts = range(0, len(rows), batch)
        chunks = ([article_fields(r) if isinstance(r, dict) else r for r in rows[start:start + batch]]
                  for start in starts)
        for start, report in zip(starts, services.ingestor.ingest_batches(chunks)):
            for r in report.results:
                results[start + r.index] = r
            bar.advance(task, len(report.results))
    return results


@click.group()
@click.version_option(package_name="newsprism")
def main() -> None:
    """newsprism: stories across outlets, and how each outlet framed them."""
    import logging

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    logging.getLogger("alembic").setLevel(logging.WARNING)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=None, type=int, help="gunicorn workers (default from config/gunicorn.conf.py)")
def serve(host: str, port: int, workers: int | None) -> None:
    """Migrate the database, then serve with gunicorn (config/gunicorn.conf.py)."""
    services = _services()
    _upgrade(services)
    services.close()
    # as bin/entrypoint.sh: few malloc arenas, so gunicorn's threads do not each grow a heap
    env = dict(os.environ, NEWSPRISM_BIND=f"{host}:{port}")
    env.setdefault("MALLOC_ARENA_MAX", "2")
    if workers:
        env["NEWSPRISM_WORKERS"] = str(workers)
    conf = str(Path(load_settings().config_dir) / "gunicorn.conf.py")
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    os.execve(gunicorn, [gunicorn, "-c", conf, "service.wsgi:app"], env)


@main.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@click.option("--db", "db_url", default=None, help="database URL (default: settings)")
def db_upgrade(db_url: str | None) -> None:
    """Apply the Alembic migrations up to head."""
    services = _services(db_url)
    _upgrade(services)
    click.echo(f"database at head: {services.db.url.split('@')[-1]}")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--db", "db_url", default=None, help="database URL (default: settings)")
@click.option("--batch", default=BULK_BATCH, show_default=True, type=click.IntRange(1, 10_000),
              help="articles per transaction")
@click.option("--json", "as_json", is_flag=True, help="print the counts as JSON")
@click.option("--queue", "use_queue", is_flag=True,
              help="queue the file as RQ jobs of --job-size articles for `newsprism worker` instead")
@click.option("--job-size", default=1000, show_default=True, type=click.IntRange(1, 100_000))
def ingest(file: str, db_url: str | None, batch: int, as_json: bool, use_queue: bool, job_size: int) -> None:
    """Bulk-ingest a JSON Lines file (same validation and cleaning as the API)."""
    services = _services(db_url)
    _upgrade(services)
    rows = read_jsonl(file)
    if use_queue:
        from service.jobs import enqueue, ingest_job

        overrides = {"database_url": db_url} if db_url else None
        jobs = [enqueue(services.settings.redis_url, ingest_job,
                        [article_fields(r) for r in rows[i:i + job_size]], overrides)
                for i in range(0, len(rows), job_size)]
        click.echo(json.dumps({"jobs": jobs}) if as_json else
                   "\n".join(j.get("job_id") or f"ran inline: {j.get('result')}" for j in jobs))
        return
    t0 = time.perf_counter()
    results = run_ingest(services, rows, batch=batch, progress=not as_json)
    took = time.perf_counter() - t0
    counts = {s: sum(1 for r in results if r.status == s) for s in ("created", "duplicate", "rejected")}
    counts["seconds"] = round(took, 2)
    counts["per_second"] = round(len(rows) / took, 1) if took else None
    if as_json:
        click.echo(json.dumps(counts))
    else:
        click.echo(f"new {counts['created']}, duplicate {counts['duplicate']}, rejected {counts['rejected']} "
                   f"in {took:.1f}s ({counts['per_second']} articles/s)")
        for r in results:
            if r.status == "rejected":
                click.echo(f"  line {r.index + 1}: {r.detail}: {r.errors}", err=True)


@main.command()
@click.option("--db", "db_url", default=None)
def demo(db_url: str | None) -> None:
    """Load the bundled fictional sample corpus (idempotent)."""
    services = _services(db_url)
    _upgrade(services)
    rows = read_jsonl(str(SAMPLE))
    results = run_ingest(services, rows, progress=False)
    created = sum(1 for r in results if r.status == "created")
    click.echo(f"sample corpus: {created} new, {len(rows) - created} already there")


def replay_file(file: str, db_url: str | None, progress: bool = True):  # noqa: ANN201
    """Replay into a fresh SQLite store (or the given one): (rows, results, services, seconds)."""
    if db_url is None:
        tmp = tempfile.mkdtemp(prefix="newsprism-replay-")
        db_url = f"sqlite:///{tmp}/replay.db"
    services = _services(db_url)
    _upgrade(services)
    rows = read_jsonl(file)
    order = published_order(rows)
    t0 = time.perf_counter()
    ordered = run_ingest(services, [rows[i] for i in order], progress=progress, label="replay")
    took = time.perf_counter() - t0
    results: list[Any] = [None] * len(rows)
    for pos, i in enumerate(order):
        results[i] = ordered[pos]
    return rows, results, services, took


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="predictions (JSONL)")
@click.option("--db", "db_url", default=None, help="store to replay into (default: a fresh SQLite file)")
@click.option("--comparisons", "comparisons", default=None, type=click.Path(dir_okay=False),
              help="also write one comparison per story with at least two outlets (JSONL)")
def replay(file: str, out: str, db_url: str | None, comparisons: str | None) -> None:
    """Stream FILE through ingest in published_at order; write {"id", "story_id"} per input line."""
    rows, results, services, took = replay_file(file, db_url)
    with open(out, "w", encoding="utf-8") as fh:
        for row, r in zip(rows, results):
            fh.write(json.dumps({"id": row.get("id"), "story_id": r.story_id}) + "\n")
    click.echo(f"replayed {len(rows)} articles in {took:.1f}s ({len(rows) / took:.1f} articles/s) -> {out}")
    if comparisons:
        from sqlalchemy import select

        from service.store.models import Story

        with services.db.session() as s:
            ids = s.execute(select(Story.id).where(Story.outlet_count >= 2).order_by(Story.id)).scalars().all()
        with open(comparisons, "w", encoding="utf-8") as fh:
            for sid in ids:
                fh.write(services.comparisons.get_raw(sid)[0].decode("utf-8") + "\n")
        click.echo(f"{len(ids)} comparisons -> {comparisons}")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--split", default=None, help="also score stories before/after this date (story_date field), e.g. 2021-07-01")
@click.option("--json", "as_json", is_flag=True)
def evaluate(file: str, split: str | None, as_json: bool) -> None:
    """Replay FILE and score the stories against its story_id: B-cubed P/R/F1, ARI, NMI,
    next to two baselines computed in the same run."""
    from clustering.baselines import singletons, tfidf_online
    from clustering.metrics import clustering_scores

    rows, results, services, took = replay_file(file, None, progress=not as_json)
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
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{Path(file).name}: {len(rows)} articles, backend {report['backend']}, replay {took:.1f}s "
                        f"({report['articles_per_second']} articles/s)")
    for col in ("run", "B3 precision", "B3 recall", "B3 F1", "ARI", "NMI", "stories"):
        table.add_column(col)
    for name, sc in report.items():
        if isinstance(sc, dict):
            table.add_row(name, *(f"{sc[k]:.3f}" for k in ("bcubed_precision", "bcubed_recall", "bcubed_f1", "ari", "nmi")),
                          str(sc.get("n_clusters", "")))
    Console().print(table)


@main.group()
def keys() -> None:
    """API keys (stored hashed)."""


@keys.command("create")
@click.argument("name")
def keys_create(name: str) -> None:
    """Create a key; it is printed once and never stored in clear."""
    services = _services()
    _upgrade(services)
    click.echo(services.keys.create(name))


@keys.command("list")
def keys_list() -> None:
    services = _services()
    _upgrade(services)
    for row in services.keys.list():
        click.echo(f"{row['name']}\t{row['hash_prefix']}…\t{row['created_at']}\t{'revoked' if row['revoked'] else 'active'}")


@keys.command("revoke")
@click.argument("name")
def keys_revoke(name: str) -> None:
    services = _services()
    if not services.keys.revoke(name):
        raise click.ClickException(f"no active key named {name!r}")
    click.echo(f"revoked {name}")


@main.command()
@click.argument("story_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@click.option("--db", "db_url", default=None)
def compare(story_id: int, as_json: bool, db_url: str | None) -> None:
    """Print a story's framing comparison (rich tables, or --json)."""
    from service.errors import NotFound

    services = _services(db_url)
    try:
        raw, source = services.comparisons.get_raw(story_id)
    except NotFound as exc:
        raise click.ClickException(exc.detail) from None
    if as_json:
        click.echo(raw.decode("utf-8"))
        return
    from service.report import print_comparison

    print_comparison(json.loads(raw))


@main.command()
@click.option("--burst", is_flag=True, help="exit when the queue is empty")
def worker(burst: bool) -> None:
    """Run an RQ worker for bulk ingest, re-clustering and cold comparison jobs."""
    import redis
    from rq import Queue, SimpleWorker

    from service.jobs import QUEUE, comparisons_queue

    settings = load_settings()
    conn = redis.Redis.from_url(settings.redis_url)
    # jobs run in this process, so its model and indexes stay loaded between jobs (a forking
    # worker would load them again for every job); the comparisons that matches found cold
    # are taken before the next bulk job
    queues = [Queue(comparisons_queue(settings.redis_prefix), connection=conn), Queue(QUEUE, connection=conn)]
    SimpleWorker(queues, connection=conn).work(burst=burst)


@main.command()
@click.option("--db", "db_url", default=None)
@click.option("--queue", "use_queue", is_flag=True, help="queue it on RQ instead of running it here")
def recluster(db_url: str | None, use_queue: bool) -> None:
    """Re-cluster stored articles (BERTopic) and map clusters onto existing story ids."""
    from service.jobs import enqueue, recluster_job

    overrides = {"database_url": db_url} if db_url else None
    if use_queue:
        click.echo(json.dumps(enqueue(load_settings().redis_url, recluster_job, overrides)))
        return
    click.echo(json.dumps(recluster_job(overrides), indent=2))


@main.command()
@click.option("--url", default="http://127.0.0.1:8000", show_default=True, help="a newsprism on this machine")
@click.option("--seconds", default=600.0, show_default=True)
@click.option("--rps", default=100.0, show_default=True)
@click.option("--threads", default=16, show_default=True)
@click.option("--key", envvar="NEWSPRISM_KEY", required=True, help="API key for the write share of the mix")
@click.option("--pid", "master_pid", type=int, default=None, help="gunicorn master pid (to sample worker memory)")
def soak(url: str, seconds: float, rps: float, threads: int, key: str, master_pid: int | None) -> None:
    """Mixed traffic at a fixed rate for a fixed time against a local newsprism; JSON report."""
    from service.loadtest import Soak

    try:
        report = Soak(url, key, seconds=seconds, rps=rps, threads=threads, master_pid=master_pid).run()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(report, indent=2))


@main.command()
@click.option("--json", "as_json", is_flag=True, help="one JSON object")
@click.option("--quick", is_flag=True, help="small sizes (a smoke run, not the reported figures)")
@click.option("--out", default=None, type=click.Path(dir_okay=False), help="also write the JSON here")
def bench(as_json: bool, quick: bool, out: str | None) -> None:
    """Performance figures of this machine: encode vs ingest, comparison cold/warm, assignment
    cost at 1k vs 100k stories, re-clustering time, peak RSS (see docs/performance.md)."""
    from service.bench import main as bench_main

    bench_main(as_json, quick, out)


def _register_commands() -> None:
    """Commands kept in their own modules (they import ``replay_file`` etc. from here)."""
    from service.cli_model import model
    from service.cli_search import bench_search, evaluate_search, search

    for command in (search, evaluate_search, bench_search, model):
        main.add_command(command)


_register_commands()

if __name__ == "__main__":  # pragma: no cover
    main()
