"""``newsprism ingest``, ``demo`` and ``replay``: files of articles through the ingest
pipeline the API uses."""
from __future__ import annotations

import json
import time

import click
from sqlalchemy import select

from service.cli.common import progress, read_rows, replay_file, services
from service.jobs.queue import enqueue
from service.jobs.tasks import ingest_job
from service.store.models import Story
from service.usecases.ingest import BULK_BATCH
from service.usecases.replay import SAMPLE, article_fields, ingest_rows


@click.command()
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
    built = services(db_url, upgrade=True)
    rows = read_rows(file)
    if use_queue:
        overrides = {"database_url": db_url} if db_url else None
        jobs = [enqueue(built.settings.redis_url, ingest_job,
                        [article_fields(r) for r in rows[i:i + job_size]], overrides)
                for i in range(0, len(rows), job_size)]
        click.echo(json.dumps({"jobs": jobs}) if as_json else
                   "\n".join(j.get("job_id") or f"ran inline: {j.get('result')}" for j in jobs))
        return
    t0 = time.perf_counter()
    with progress("ingest", len(rows), not as_json) as advance:
        results = ingest_rows(built.ingestor, rows, batch=batch, on_batch=advance)
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


@click.command()
@click.option("--db", "db_url", default=None)
def demo(db_url: str | None) -> None:
    """Load the bundled fictional sample corpus (idempotent)."""
    built = services(db_url, upgrade=True)
    rows = read_rows(str(SAMPLE))
    results = ingest_rows(built.ingestor, rows)
    created = sum(1 for r in results if r.status == "created")
    click.echo(f"sample corpus: {created} new, {len(rows) - created} already there")


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="predictions (JSONL)")
@click.option("--db", "db_url", default=None, help="store to replay into (default: a fresh SQLite file)")
@click.option("--comparisons", "comparisons", default=None, type=click.Path(dir_okay=False),
              help="also write one comparison per story with at least two outlets (JSONL)")
def replay(file: str, out: str, db_url: str | None, comparisons: str | None) -> None:
    """Stream FILE through ingest in published_at order; write {"id", "story_id"} per input line."""
    rows, results, built, took = replay_file(file, db_url)
    with open(out, "w", encoding="utf-8") as fh:
        for row, r in zip(rows, results):
            fh.write(json.dumps({"id": row.get("id"), "story_id": r.story_id}) + "\n")
    click.echo(f"replayed {len(rows)} articles in {took:.1f}s ({len(rows) / took:.1f} articles/s) -> {out}")
    if comparisons:
        with built.db.session() as s:
            ids = s.execute(select(Story.id).where(Story.outlet_count >= 2).order_by(Story.id)).scalars().all()
        with open(comparisons, "w", encoding="utf-8") as fh:
            for sid in ids:
                fh.write(built.comparisons.get_raw(sid)[0].decode("utf-8") + "\n")
        click.echo(f"{len(ids)} comparisons -> {comparisons}")
