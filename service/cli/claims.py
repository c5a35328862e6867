"""``newsprism claims STORY_ID``: every claim the product makes about a story's outlets."""
from __future__ import annotations

import json

import click

from service.cli.common import services
from service.errors import NotFound


def format_claims(body: dict) -> str:
    """The claims list as plain text: outlet by outlet, one claim a line, then what the
    engine does not claim."""
    story = body.get("story") or {}
    lines = [f"Claims about story {story.get('id')}: {story.get('label') or ''}".rstrip()]
    outlets: list[str] = []
    for c in body.get("claims", []) + body.get("abstentions", []):
        if c.get("outlet") not in outlets:
            outlets.append(c.get("outlet"))
    for outlet in outlets:
        lines += ["", f"{outlet}"]
        for c in body.get("claims", []):
            if c.get("outlet") == outlet:
                lines.append(f"  [{c['kind']}] {c['statement']} (confidence {c['confidence']:.2f})")
        for a in body.get("abstentions", []):
            if a.get("outlet") == outlet:
                lines.append(f"  [not claimed: {a['kind']}] {a['statement']}")
    return "\n".join(lines)


@click.command()
@click.argument("story_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the claims list as JSON.")
@click.option("--db", "db_url", default=None)
def claims(story_id: int, as_json: bool, db_url: str | None) -> None:
    """Print the claims list of a story (the same list GET /api/v1/stories/ID/claims serves)."""
    try:
        body, _ = services(db_url).comparisons.claims(story_id)
    except NotFound as exc:
        raise click.ClickException(exc.detail) from None
    if as_json:
        click.echo(json.dumps(body, ensure_ascii=False))
        return
    click.echo(format_claims(body))
