"""``newsprism search "QUERY"``: the same hybrid search as ``GET /api/v1/stories?q=``."""
from __future__ import annotations

import json

import click
from pydantic import ValidationError

from service.cli.common import services
from service.schemas import StoryQuery


@click.command("search")
@click.argument("query")
@click.option("--db", "db_url", default=None, help="database URL (default: settings)")
@click.option("--outlet", default=None, help="only stories this outlet covered (name or slug)")
@click.option("--since", default=None, help="stories active on or after (ISO date)")
@click.option("--until", default=None, help="stories that started on or before (ISO date)")
@click.option("--min-outlets", default=1, show_default=True, type=int)
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 200), help="results to print")
@click.option("--explain", is_flag=True, help="also print each result's ranking components")
@click.option("--json", "as_json", is_flag=True, help="print a JSON list")
def search(query: str, db_url: str | None, outlet: str | None, since: str | None, until: str | None,
           min_outlets: int, limit: int, explain: bool, as_json: bool) -> None:
    """Rank the stories for QUERY (the same hybrid search as GET /api/v1/stories?q=)."""
    built = services(db_url, upgrade=True)
    try:
        q = StoryQuery(q=query, outlet=outlet, since=since, until=until, min_outlets=min_outlets, per_page=limit)
    except ValidationError as exc:
        raise click.ClickException(str(exc)) from None
    result = built.search.search(q, external_ids=True, explain=explain)
    items = [{"id": d["id"], "label": d["label"], "score": d["score"], "outlets": d["outlets"],
              "external_ids": d.get("external_ids", []), "article_count": d["article_count"],
              "first_seen": d["first_seen"], "last_seen": d["last_seen"],
              **({"explain": d["explain"]} if explain else {})} for d in result["items"]]
    if as_json:
        click.echo(json.dumps(items, ensure_ascii=False))
        return
    if not items:
        click.echo("no story matches")
        return
    for rank, d in enumerate(items, 1):
        click.echo(f"{rank:>2}. [{d['score']:.3f}] #{d['id']} {d['label']}")
        click.echo(f"     {', '.join(d['outlets'])} · {d['article_count']} article(s) · {d['first_seen'] or '?'}")
        if explain:
            click.echo(f"     {d['explain']}")
