"""What the command modules share: building the services from the settings (a bad setting is
a clean CLI error, not a traceback), reading input files, replaying one, a progress bar."""
from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any

import click

from service.settings import SettingsError, load_settings
from service.usecases.ingest import ItemResult
from service.usecases.replay import InputFileError, fresh_store_url, read_jsonl, replay_rows
from service.wiring import Services, build_services


def services(db_url: str | None = None, *, upgrade: bool = False, **overrides: Any) -> Services:
    """The services for the settings (``db_url``: another database); ``upgrade``: migrate it
    to head first."""
    if db_url:
        overrides["database_url"] = db_url
    try:
        settings = load_settings(overrides)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    built = build_services(settings)
    if upgrade:
        built.db.upgrade()
    return built


@contextlib.contextmanager
def progress(label: str, total: int, enabled: bool = True) -> Iterator[Callable[[int], None]]:
    """A rich progress bar; yields ``advance(n)``."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  disable=not enabled, transient=False, console=None) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


def read_rows(path: str) -> list[dict[str, Any]]:
    """The rows of a JSON Lines file; a bad line is a CLI error naming its number."""
    try:
        return read_jsonl(path)
    except InputFileError as exc:
        raise click.ClickException(str(exc)) from None


def replay_file(file: str, db_url: str | None, show_progress: bool = True
                ) -> tuple[list[dict[str, Any]], list[ItemResult], Services, float]:
    """Replay FILE into a fresh SQLite store (or the given one), in published order:
    (rows, results in file order, the services, seconds)."""
    built = services(db_url or fresh_store_url(), upgrade=True)
    rows = read_rows(file)
    t0 = time.perf_counter()
    with progress("replay", len(rows), show_progress) as advance:
        results = replay_rows(built.ingestor, rows, on_batch=advance)
    return rows, results, built, time.perf_counter() - t0
