"""The ``newsprism`` command line, one module per command group.

Every command calls the same use cases as the HTTP API, built by ``service.wiring``:
serve, db, ingest/demo/replay, compare, claims, search, keys, worker, recluster, model; and the
development commands (evaluate, evaluate-search, bench, bench-search, soak), whose code lives
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
from service.cli.evaluate import evaluate, evaluate_search
from service.cli.ingest import demo, ingest, replay
from service.cli.keys import keys
from service.cli.model import model
from service.cli.search import search
from service.cli.serve import serve
from service.cli.worker import recluster, worker


@click.group()
@click.version_option(package_name="newsprism")
def main() -> None:
    """newsprism: stories across outlets, and how each outlet framed them."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    logging.getLogger("alembic").setLevel(logging.WARNING)


for _command in (serve, db, ingest, demo, replay, evaluate, keys, compare, claims, worker, recluster, soak, bench,
                 search, evaluate_search, bench_search, model):
    main.add_command(_command)
