"""``newsprism worker``, ``newsprism scheduler`` and ``newsprism recluster``: the background jobs."""
from __future__ import annotations

import json

import click

from service.jobs.queue import QUEUE, comparisons_queue, enqueue, sources_queue
from service.jobs.tasks import poll_due_sources_job, recluster_job
from service.settings import load_settings


@click.command()
@click.option("--burst", is_flag=True, help="exit when the queue is empty")
def worker(burst: bool) -> None:
    """Run an RQ worker for bulk ingest, re-clustering, cold comparison and source poll jobs."""
    import redis
    from rq import Queue, SimpleWorker

    settings = load_settings()
    conn = redis.Redis.from_url(settings.redis_url)
    # jobs run in this process, so its model and indexes stay loaded between jobs (a forking
    # worker would load them again for every job); the comparisons that matches found cold
    # are taken before the next bulk job, source polls after it
    queues = [Queue(comparisons_queue(settings.redis_prefix), connection=conn), Queue(QUEUE, connection=conn),
              Queue(sources_queue(settings.redis_prefix), connection=conn)]
    SimpleWorker(queues, connection=conn).work(burst=burst)


@click.command()
def scheduler() -> None:
    """Keep the sources' schedule: seed them from the sources file, then every
    ``sources_tick_seconds`` queue a poll job per due source for `newsprism worker`
    (RQ's CronScheduler). Run one next to any number of workers."""
    import redis
    from rq.cron import CronScheduler

    from service.cli.common import services

    built = services(upgrade=True)
    settings = built.settings
    seeded = built.sources.seed(settings.path(settings.sources_file))
    click.echo(f"sources file {seeded['file']}: " + (f"{seeded['added']} added, {seeded['known']} known"
                                                     if seeded["enabled"] else "absent or disabled"))
    built.close()
    conn = redis.Redis.from_url(settings.redis_url)
    cron = CronScheduler(connection=conn)
    cron.register(poll_due_sources_job, queue_name=sources_queue(settings.redis_prefix),
                  interval=settings.sources_tick_seconds, job_timeout=600, result_ttl=600)
    cron.start()


@click.command()
@click.option("--db", "db_url", default=None)
@click.option("--queue", "use_queue", is_flag=True, help="queue it on RQ instead of running it here")
def recluster(db_url: str | None, use_queue: bool) -> None:
    """Re-cluster stored articles (BERTopic) and map clusters onto existing story ids."""
    overrides = {"database_url": db_url} if db_url else None
    if use_queue:
        click.echo(json.dumps(enqueue(load_settings().redis_url, recluster_job, overrides)))
        return
    click.echo(json.dumps(recluster_job(overrides), indent=2))
