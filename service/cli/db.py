"""``newsprism db``: database migrations."""
from __future__ import annotations

import click

from service.cli.common import services


@click.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@click.option("--db", "db_url", default=None, help="database URL (default: settings)")
def db_upgrade(db_url: str | None) -> None:
    """Apply the Alembic migrations up to head."""
    built = services(db_url, upgrade=True)
    click.echo(f"database at head: {built.db.url.split('@')[-1]}")
