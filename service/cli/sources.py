"""``newsprism sources``: follow outlets' feeds (add, list, remove, seed) and poll them now."""
from __future__ import annotations

import json
from pathlib import Path

import click

from service.cli.common import services
from service.errors import NewsprismError

def _fail(exc: NewsprismError) -> click.ClickException:
    details = "; ".join(f"{e.get('field')}: {e.get('message')}" for e in exc.errors or [])
    return click.ClickException(exc.detail + (f" ({details})" if details else ""))


@click.group()
def sources() -> None:
    """The feeds and sitemaps newsprism polls (docs/sources.md)."""


@sources.command("add")
@click.argument("feed_url")
@click.option("--outlet", required=True, help="the outlet's name in config/outlets.toml")
@click.option("--interval", type=int, default=None, help="minutes between polls (default: settings)")
def add(feed_url: str, outlet: str, interval: int | None) -> None:
    """Follow FEED_URL (RSS, Atom, JSON Feed or news sitemap); the same URL again updates it."""
    built = services(upgrade=True)
    try:
        view, created = built.sources.add(feed_url, outlet, interval)
    except NewsprismError as exc:
        raise _fail(exc) from None
    click.echo(f"{'added' if created else 'already followed, updated'}: source {view['id']} "
               f"({view['outlet']}, every {view['interval_minutes']} min) {view['url']}")


@sources.command("list")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
def list_sources(as_json: bool) -> None:
    """The sources and their health."""
    items = services(upgrade=True).sources.list_all()
    if as_json:
        click.echo(json.dumps({"items": items}, indent=2))
        return
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False)
    if not items:
        console.print("no source is followed (newsprism sources add FEED_URL --outlet NAME)")
    for s in items:
        status = (s["last_status"] or "not polled yet").replace("_", " ")
        if s["last_http_status"]:
            status += f" (HTTP {s['last_http_status']})"
        colour = "green" if s["last_status"] in ("ok", "not_modified") else "yellow" if not s["last_status"] else "red"
        console.print(f"[bold]{s['id']}[/bold]  {escape(s['outlet'])}  every {s['interval_minutes']} min  "
                      f"[{colour}]{escape(status)}[/{colour}]" + ("" if s["enabled"] else "  (disabled)"))
        console.print(f"    {escape(s['url'])}", soft_wrap=True)
        console.print(f"    last polled {s['last_polled_at'] or 'never'}, next poll {s['next_poll_at'] or '-'}; "
                      f"{s['items_seen']} items seen, {s['articles_created']} articles created")
        if s["last_error"]:
            console.print(f"    last error: {escape(s['last_error'])}", soft_wrap=True)


@sources.command("remove")
@click.argument("source_id", type=int)
def remove(source_id: int) -> None:
    """Stop following source ID (its articles stay)."""
    try:
        services(upgrade=True).sources.remove(source_id)
    except NewsprismError as exc:
        raise _fail(exc) from None
    click.echo(f"removed source {source_id}")


@sources.command("seed")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
def seed(file: str | None) -> None:
    """Add the sources of FILE (default: the sources_file setting) if it says enabled = true."""
    built = services(upgrade=True)
    path = Path(file) if file else built.settings.path(built.settings.sources_file)
    try:
        out = built.sources.seed(path)
    except NewsprismError as exc:
        raise _fail(exc) from None
    click.echo(f"{out['file']}: " + (f"{out['added']} added, {out['known']} already followed"
                                     if out["enabled"] else "absent, or enabled = false: nothing added"))


@sources.command("poll")
@click.option("--source", "source_id", type=int, default=None, help="poll this source now, due or not")
@click.option("--json", "as_json", is_flag=True, help="print one JSON report per source")
def poll(source_id: int | None, as_json: bool) -> None:
    """Poll due sources now, in this process, and print what was found, created and skipped."""
    from service.cli.common import progress

    built = services(upgrade=True)
    if source_id is not None:
        try:
            built.sources.get(source_id)
        except NewsprismError as exc:
            raise _fail(exc) from None
        ids = [source_id]
    else:
        ids = built.sources.due_ids()
    reports = []
    with progress("polling", len(ids), not as_json) as advance:
        for sid in ids:
            reports.append(built.poller.poll(sid, force=source_id is not None))
            advance(1)
    if as_json:
        click.echo(json.dumps({"reports": [r.to_dict() for r in reports]}, indent=2))
    elif not reports:
        click.echo("no source is due")
    for r in reports if not as_json else []:
        click.echo(f"source {r.source_id} {r.url}: {r.status}; {r.items} items, {r.known} already stored, "
                   f"{r.created} created, {r.duplicate} duplicate, {r.robots} disallowed by robots.txt, "
                   f"{r.failed} failed, {r.rejected} rejected" + (f"; {r.error}" if r.error else ""))
        for problem in r.problems:
            click.echo(f"  {problem}", err=True)
    built.close()
