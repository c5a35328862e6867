"""The ``newsprism`` command line, one module per command group.

Every command calls the same use cases as the HTTP API, built by ``service.wiring``:
serve, db, ingest/demo/replay, compare, claims, search, keys, worker, scheduler, recluster, model,
sources; and the
development commands (evaluate, evaluate-search, evaluate-copies, bench, bench-search, soak), whose code lives
in :mod:`service.devtools`.
"""
from __future__ import annotations

import logging
import os

import click

from service.cli.bench import bench, bench_search, soak
from service.cli.claims import claims
from service.cli.compare import compare
from service.cli.db import db
from service.cli.evaluate import evaluate, evaluate_copies, evaluate_search
from service.cli.ingest import demo, ingest, replay
from service.cli.keys import keys
from service.cli.model import model
from service.cli.search import search
from service.cli.serve import serve
from service.cli.sources import sources
from service.cli.worker import recluster, scheduler, worker


@click.group()
@click.version_option(package_name="newsprism")
def main() -> None:
    """newsprism: stories across outlets, and how each outlet framed them."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    logging.getLogger("alembic").setLevel(logging.WARNING)


for _command in (serve, db, ingest, demo, replay, evaluate, keys, compare, claims, worker, recluster, soak, bench,
                 search, evaluate_search, evaluate_copies, bench_search, model, sources, scheduler):
    main.add_command(_command)
