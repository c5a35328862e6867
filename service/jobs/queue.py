"""The producer side of the background jobs: queue names, queueing a task (or running it
inline without Redis), and handing cold comparisons to ``newsprism worker``.

Web workers and CLI commands import this; it does not import the composition root
(``service.wiring``): a job names its task by dotted path or by function, and the worker
builds its own services (:mod:`service.jobs.tasks`). redis and rq are imported when a job is
queued, not with the web app (its workers stay lean when they never queue anything).
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)
QUEUE = "newsprism"
#: the task a cold comparison is queued as (by path: importing the tasks would import wiring)
COMPARISON_JOB = "service.jobs.tasks.comparison_job"


def comparisons_queue(redis_prefix: str) -> str:
    """The queue of the framing comparisons that matches found cold (``newsprism worker``
    takes these before the next bulk job): one per key prefix, as the cache they fill."""
    return f"{redis_prefix}-comparisons"


def sources_queue(redis_prefix: str) -> str:
    """The queue of source polls (one job per due source, queued by the scheduler's tick)."""
    return f"{redis_prefix}-sources"


def enqueue_once(conn: Any, queue_name: str, func: str, job_id: str, *args: Any, timeout: int = 1800) -> bool:
    """Queue ``func`` under ``job_id`` unless a job of that id is already queued or
    running; True when it was queued now."""
    from rq import Queue
    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus

    try:
        status = Job.fetch(job_id, connection=conn).get_status(refresh=False)
    except NoSuchJobError:
        status = None
    if status in (JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED):
        return False
    Queue(queue_name, connection=conn).enqueue(func, *args, job_id=job_id, job_timeout=timeout,
                                               result_ttl=3600, failure_ttl=86400)
    return True


class ComparisonOffload:
    """Hands a cold comparison to ``newsprism worker`` when one listens on the comparisons
    queue, so that web workers neither spend their threads on it nor hold the comparison
    engine (spaCy, ~90 MB a worker). Returns False when no worker listens or Redis does not
    answer: the caller then computes it itself.

    Whether a worker listens is asked at most every ``check_seconds``. A job's id names the
    story version, so a comparison asked for by many requests is queued once."""

    def __init__(self, settings: Any, check_seconds: float = 10.0) -> None:
        self.settings = settings
        self.check_seconds = check_seconds
        self._lock = threading.Lock()
        self._checked = 0.0
        self._listening = False
        self._queue: Any = None

    def _ready_queue(self) -> Any:
        now = time.monotonic()
        with self._lock:
            if now - self._checked < self.check_seconds:
                return self._queue if self._listening else None
            self._checked = now
            self._listening = False
            if not self.settings.redis_url:
                return None
            try:
                import redis
                from rq import Queue, Worker

                if self._queue is None:
                    conn = redis.Redis.from_url(self.settings.redis_url, socket_timeout=1, socket_connect_timeout=1)
                    self._queue = Queue(comparisons_queue(self.settings.redis_prefix), connection=conn)
                self._listening = Worker.count(connection=self._queue.connection, queue=self._queue) > 0
            except Exception as exc:  # noqa: BLE001 - no Redis: compute here
                log.info("comparison offload unavailable: %s", type(exc).__name__)
            return self._queue if self._listening else None

    def __call__(self, story_id: int, version: int) -> bool:
        queue = self._ready_queue()
        if queue is None:
            return False
        job_id = f"{self.settings.redis_prefix}-comparison-{story_id}-{version}"
        try:
            from rq.job import Job

            if Job.exists(job_id, connection=queue.connection):
                # queued, running or done: it is on its way; failed: the caller tries itself
                return not Job.fetch(job_id, connection=queue.connection).is_failed
            queue.enqueue(COMPARISON_JOB, story_id, job_id=job_id, job_timeout=600, result_ttl=600,
                          failure_ttl=600)
            return True
        except Exception as exc:  # noqa: BLE001 - Redis went away: compute here
            log.info("could not queue the comparison of story %s: %s", story_id, type(exc).__name__)
            with self._lock:
                self._checked = 0.0
            return False


def enqueue(redis_url: str | None, func: Callable[..., Any], *args: Any, queue_name: str = QUEUE,
            **kwargs: Any) -> dict[str, Any]:
    """Queue ``func`` (a task of :mod:`service.jobs.tasks`) on RQ when Redis answers, else run
    it now; says which happened."""
    if redis_url:
        try:
            import redis
            from rq import Queue

            conn = redis.Redis.from_url(redis_url, socket_timeout=1, socket_connect_timeout=1)
            conn.ping()
            job = Queue(queue_name, connection=conn).enqueue(func, *args, job_timeout=3600, **kwargs)
            return {"mode": "queued", "job_id": job.id}
        except Exception as exc:  # noqa: BLE001 - no Redis: run inline
            log.warning("RQ unavailable (%s): running %s inline", type(exc).__name__, func.__name__)
    return {"mode": "inline", "result": func(*args, **kwargs)}
