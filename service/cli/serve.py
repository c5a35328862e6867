"""``newsprism serve``: migrate, then exec gunicorn with config/gunicorn.conf.py."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from service.cli.common import services


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=None, type=int, help="gunicorn workers (default from config/gunicorn.conf.py)")
def serve(host: str, port: int, workers: int | None) -> None:
    """Migrate the database, then serve with gunicorn (config/gunicorn.conf.py)."""
    built = services(upgrade=True)
    conf = str(Path(built.settings.config_dir) / "gunicorn.conf.py")
    built.close()
    # as bin/entrypoint.sh: few malloc arenas, so gunicorn's threads do not each grow a heap
    env = dict(os.environ, NEWSPRISM_BIND=f"{host}:{port}")
    env.setdefault("MALLOC_ARENA_MAX", "2")
    if workers:
        env["NEWSPRISM_WORKERS"] = str(workers)
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    os.execve(gunicorn, [gunicorn, "-c", conf, "service.wsgi:app"], env)
