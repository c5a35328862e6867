"""Terminal rendering of a comparison (``newsprism compare STORY_ID``) with rich."""
from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table


def _short(text: str, n: int = 110) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def print_comparison(c: dict[str, Any], console: Console | None = None) -> None:
    """Print the story header, the fact matrix and one panel per outlet."""
    console = console or Console()
    st = c["story"]
    console.print(Panel(f"[bold]{st.get('label')}[/bold]\nstory {st['id']} · version {st['version']} · "
                        f"{st['article_count']} articles · {len(st['outlets'])} outlets",
                        title="newsprism comparison"))
    outlets = [o["outlet"] for o in c["outlets"]]
    matrix = Table(title="Facts (rows) by outlet (columns)", show_lines=False)
    matrix.add_column("fact")
    for name in outlets:
        matrix.add_column(name[:14], justify="center")
    for fact in c.get("facts", [])[:25]:
        carried = set(fact["outlets"])
        matrix.add_row(_short(fact["text"], 70), *("✓" if o in carried else "·" for o in outlets))
    console.print(matrix)
    for o in c["outlets"]:
        t = Table(show_header=False, box=None, padding=(0, 1))
        t.add_column(style="bold", no_wrap=True)
        t.add_column()
        t.add_row("headline", _short(o.get("headline", "")))
        t.add_row("lead", _short(o.get("lead", "")))
        if o.get("summary"):
            t.add_row("summary", _short(o["summary"]))
        t.add_row("terms", ", ".join(d["term"] for d in o.get("distinctive_terms", [])[:8]))
        for u in o.get("unique_facts", [])[:3]:
            t.add_row("stresses", _short(u["text"]))
        for m in o.get("omitted_facts", [])[:3]:
            t.add_row("leaves out", _short(m["text"]) + f"  (carried by {', '.join(m['covered_by'])})")
        for q in o.get("quotes", [])[:4]:
            t.add_row("quotes", f"{q.get('speaker') or '?'} ({q.get('verb') or '—'}): {_short(q['text'], 80)}")
        att = o.get("attribution", {})
        if att.get("verbs"):
            t.add_row("verbs", ", ".join(f"{k} {v}" for k, v in sorted(att["verbs"].items(), key=lambda kv: -kv[1])))
        for kind in ("contested", "hedges", "scare_quotes"):
            for ev in att.get(kind, [])[:2]:
                t.add_row(kind.replace("_", " "), _short(ev["text"]))
        if o.get("naming"):
            t.add_row("naming", "; ".join(f"{n['entity']}: {n['form']} ×{n['count']}" for n in o["naming"][:8]))
        tone = o.get("tone", {})
        if tone:
            # towards a person only where the engine makes a claim ("no clear tone" otherwise)
            by = ", ".join(f"{k} {v:+.2f}" if isinstance(v, (int, float)) else f"{k} no clear tone"
                           for k, v in (tone.get("by_entity") or {}).items())
            t.add_row("tone", f"{tone.get('overall', 0):+.2f}" + (f" ({by})" if by else ""))
        if o.get("frames"):
            t.add_row("frames", ", ".join(f"{f['frame']} {f['score']:.2f}" for f in o["frames"][:4]))
        console.print(Panel(t, title=o["outlet"], title_align="left"))
