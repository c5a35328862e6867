"""Run the real entrypoint (migrate, then gunicorn) on a free port, for tests and load scripts."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

from service.devtools.served import Served, entrypoint, free_port, worker_pids

__all__ = ["Served", "free_port", "gunicorn", "worker_pids"]


@contextlib.contextmanager
def gunicorn(db_url: str, redis_url: str, redis_prefix: str, api_key: str, workers: int = 2,
             timeout_s: float = 180, **env_extra: str) -> Iterator[Served]:
    """Yield the base URL of a gunicorn serving newsprism; stop it afterwards."""
    env = dict(NEWSPRISM_DATABASE_URL=db_url, NEWSPRISM_REDIS_URL=redis_url,
               NEWSPRISM_REDIS_PREFIX=redis_prefix, NEWSPRISM_API_KEYS=api_key, **env_extra)
    with entrypoint(env, workers=workers, timeout_s=timeout_s) as served:
        yield served
