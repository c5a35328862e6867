"""``newsprism keys``: API keys (stored hashed)."""
from __future__ import annotations

import click

from service.cli.common import services


@click.group()
def keys() -> None:
    """API keys (stored hashed)."""


@keys.command("create")
@click.argument("name")
def keys_create(name: str) -> None:
    """Create a key; it is printed once and never stored in clear."""
    click.echo(services(upgrade=True).keys.create(name))


@keys.command("list")
def keys_list() -> None:
    for row in services(upgrade=True).keys.list():
        click.echo(f"{row['name']}\t{row['hash_prefix']}…\t{row['created_at']}\t{'revoked' if row['revoked'] else 'active'}")


@keys.command("revoke")
@click.argument("name")
def keys_revoke(name: str) -> None:
    if not services().keys.revoke(name):
        raise click.ClickException(f"no active key named {name!r}")
    click.echo(f"revoked {name}")
