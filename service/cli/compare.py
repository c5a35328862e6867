"""``newsprism compare STORY_ID``: a story's framing comparison in the terminal."""
from __future__ import annotations

import json

import click

from service.cli.common import services
from service.cli.report import print_comparison
from service.errors import NotFound


@click.command()
@click.argument("story_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@click.option("--db", "db_url", default=None)
def compare(story_id: int, as_json: bool, db_url: str | None) -> None:
    """Print a story's framing comparison (rich tables, or --json)."""
    try:
        raw, _ = services(db_url).comparisons.get_raw(story_id)
    except NotFound as exc:
        raise click.ClickException(exc.detail) from None
    if as_json:
        click.echo(raw.decode("utf-8"))
        return
    print_comparison(json.loads(raw))
