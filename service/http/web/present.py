"""View models: the story and its comparison turned into what the pages show.

Everything here reads the comparison defensively (``.get`` with defaults): the templates
must render a story whose comparison lists are empty, or whose comparison is missing
altogether (then the columns come from the story's articles alone). Nothing here builds
markup: the templates escape every text that comes from an article.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterable

from flask import url_for

#: Okabe-Ito: distinguishable with the common colour-vision deficiencies
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
#: bar fill patterns, so that colour is never the only thing telling two series apart
PATTERNS = ["", "/", "x", ".", "\\", "+", "-", "|"]


# ---------------------------------------------------------------- times

def parse_time(value: Any) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def fmt_time(value: Any) -> str | None:
    """``29 Jan 2025`` for a date (midnight UTC), ``29 Jan 2025, 14:05 UTC`` otherwise."""
    dt = parse_time(value)
    if dt is None:
        return None
    dt = dt.astimezone(timezone.utc)
    day = f"{dt.day} {dt:%b %Y}"
    return day if (dt.hour, dt.minute, dt.second) == (0, 0, 0) else f"{day}, {dt:%H:%M} UTC"


def fmt_span(first: Any, last: Any) -> str:
    a, b = fmt_time(first), fmt_time(last)
    if not a and not b:
        return "publication dates not given"
    if not a or not b or a == b:
        return a or b or ""
    return f"{a} – {b}"


def iso(value: Any) -> str | None:
    dt = parse_time(value)
    return dt.astimezone(timezone.utc).isoformat().replace("+00:00", "Z") if dt else None


# ---------------------------------------------------------------- links

def article_href(ident: Any, start: Any = None, end: Any = None, field: str | None = None) -> str | None:
    """The article page, with the span ``start:end`` highlighted when given."""
    if ident is None or ident == "":
        return None
    args: dict[str, Any] = {}
    if isinstance(start, int) and isinstance(end, int) and 0 <= start < end:
        args.update(start=start, end=end)
        if field == "title":
            args["field"] = "title"
        args["_anchor"] = "hl"
    return url_for("web.article", ident=str(ident), **args)


def evidence_href(item: dict[str, Any], fallback_ident: Any = None) -> str | None:
    """Link of an evidence item: by internal id, else external id, else the outlet's only article."""
    ident = item.get("article_id")
    if ident is None:
        ident = item.get("external_id")
    if ident is None:
        ident = fallback_ident
    return article_href(ident, item.get("start"), item.get("end"), item.get("field"))


def evidence_list(items: Iterable[dict[str, Any]] | None, fallback_ident: Any = None, **keep: str) -> list[dict[str, Any]]:
    """Evidence items as ``{"text", "href", ...}``; ``keep`` maps output names to input keys."""
    out = []
    for item in items or []:
        if not isinstance(item, dict) or not item.get("text"):
            continue
        row = {"text": item["text"], "href": evidence_href(item, fallback_ident),
               "title": item.get("field") == "title"}
        for name, key in keep.items():
            row[name] = item.get(key)
        out.append(row)
    return out


# ---------------------------------------------------------------- tone

def tone_label(value: Any) -> str:
    if not isinstance(value, (int, float)):
        return "not measured"
    v = float(value)
    if abs(v) < 0.05:
        return "neutral"
    strength = "slightly " if abs(v) < 0.2 else ("" if abs(v) < 0.5 else "strongly ")
    return strength + ("positive" if v > 0 else "negative")


def signed(value: Any) -> str:
    if not isinstance(value, (int, float)):
        return "–"
    return f"{value:+.2f}".replace("-", "−")


# ---------------------------------------------------------------- story page

def _outlet_order(names: list[str], firsts: dict[str, datetime | None]) -> list[str]:
    """Earliest publication first; outlets without a date keep their order, after the dated."""
    far = datetime.max.replace(tzinfo=timezone.utc)
    return sorted(names, key=lambda n: (firsts.get(n) is None, firsts.get(n) or far, names.index(n)))


def _first_status(outlets: list[str], firsts: dict[str, datetime | None]) -> dict[str, str]:
    """``first`` for the one earliest outlet, ``tied`` when several share the earliest time."""
    known = {o: t for o, t in firsts.items() if t is not None and o in outlets}
    if not known:
        return {}
    earliest = min(known.values())
    tied = [o for o, t in known.items() if t == earliest]
    status = "first" if len(tied) == 1 else "tied"
    return {o: status for o in tied}


def _articles(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for a in rows or []:
        ident = a.get("id") if a.get("id") is not None else a.get("external_id")
        url = a.get("url") or None
        out.append({"title": a.get("title") or "(untitled)", "href": article_href(ident),
                    "published": fmt_time(a.get("published_at")), "published_iso": iso(a.get("published_at")),
                    "url": url if isinstance(url, str) and url.startswith(("http://", "https://")) else None,
                    "ident": ident})
    return out


def _naming(rows: Iterable[dict[str, Any]] | None) -> list[dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in rows or []:
        if isinstance(r, dict) and r.get("entity") and r.get("form"):
            groups.setdefault(r["entity"], []).append({"form": r["form"], "count": r.get("count") or 0,
                                                       "kind": r.get("kind")})
    return [{"entity": e, "forms": sorted(f, key=lambda x: -x["count"])} for e, f in groups.items()]


def _listed(comparison: dict[str, Any] | None, key: str, outlet: str) -> list[dict[str, Any]]:
    """The outlet's entries of the comparison's claims list (``key`` "claims" or "abstentions")."""
    return [c for c in (comparison or {}).get(key) or [] if isinstance(c, dict) and c.get("outlet") == outlet]


def _column(row: dict[str, Any], story_articles: list[dict[str, Any]], status: dict[str, str],
            claims: list[dict[str, Any]] | None = None, abstentions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """One outlet's column. Tone and frames show only what the claims list claims."""
    name = row.get("outlet") or "(unknown outlet)"
    claims = claims or []
    toned = {c.get("entity") for c in claims if c.get("kind") == "tone"}
    stressed = {c.get("frame") for c in claims if c.get("kind") == "frame"}
    arts = _articles(row.get("articles") or story_articles)
    only = arts[0]["ident"] if len(arts) == 1 else None
    first_ident = arts[0]["ident"] if arts else None
    attribution = row.get("attribution") or {}
    by_class = attribution.get("by_class") or {}
    verb_class = {v: cls for cls, verbs in by_class.items() if isinstance(verbs, dict) for v in verbs}
    verbs = sorted(((v, c) for v, c in (attribution.get("verbs") or {}).items() if isinstance(c, (int, float))),
                   key=lambda vc: (-vc[1], vc[0]))
    tone = row.get("tone") or {}
    by_entity = tone.get("by_entity") or {}
    lead_ev = row.get("lead_evidence") if isinstance(row.get("lead_evidence"), dict) else None
    return {
        "outlet": name,
        "headline": row.get("headline") or (arts[0]["title"] if arts else ""),
        "headline_href": arts[0]["href"] if arts else None,
        "articles": arts,
        "first_published": fmt_time(row.get("first_published")) or (arts[0]["published"] if arts else None),
        "first_iso": iso(row.get("first_published")) or (arts[0]["published_iso"] if arts else None),
        "first_status": status.get(name),
        "lead": row.get("lead") or "",
        "lead_href": evidence_href(lead_ev, only) if lead_ev else (arts[0]["href"] if arts else None),
        "length": row.get("length"),
        "summary": row.get("summary") or "",
        "terms": [t["term"] for t in row.get("distinctive_terms") or [] if isinstance(t, dict) and t.get("term")],
        "shared_count": len(row.get("shared_facts") or []),
        "unique": evidence_list(row.get("unique_facts"), only),
        "omitted": [{"text": f.get("text") or "", "covered_by": list(f.get("covered_by") or [])}
                    for f in row.get("omitted_facts") or [] if isinstance(f, dict) and f.get("text")],
        "quotes": evidence_list(row.get("quotes"), only, speaker="speaker", verb="verb"),
        "verbs": [{"verb": v, "count": c, "class": verb_class.get(v)} for v, c in verbs],
        "contested": evidence_list(attribution.get("contested"), only, verb="verb"),
        "hedges": evidence_list(attribution.get("hedges"), only),
        "scare_quotes": evidence_list(attribution.get("scare_quotes"), only, by="attributed_to"),
        "naming": _naming(row.get("naming")),
        # the page claims a tone only where the claims list does (an overall tone is not claimed)
        "tone": {
            "overall": None,
            "label": tone_label(None),
            "by_entity": [{"entity": e, "value": v, "label": tone_label(v), "signed": signed(v)}
                          for e, v in by_entity.items() if isinstance(v, (int, float)) and e in toned],
            "evidence": [e for e in evidence_list(tone.get("evidence"), only, score="score", entity="entity")
                         if e.get("entity") in toned],
            "signed": signed(None),
        },
        "frames": [{"frame": f.get("label") or f.get("frame") or "", "score": f.get("score"),
                    "evidence": evidence_list(f.get("evidence"), only)}
                   for f in row.get("frames") or []
                   if isinstance(f, dict) and f.get("frame") and f.get("frame") in stressed],
        # the frame-mix chart measures every frame (a measurement, not a "stressed" claim)
        "frame_scores": [{"frame": f.get("label") or f.get("frame"), "score": f.get("score")}
                         for f in row.get("frames") or [] if isinstance(f, dict) and f.get("frame")],
        # frames measured but never claimed (CompareParams.claim_frames off): say so, not "none stressed"
        "frames_withheld": any(isinstance(f, dict) and f.get("withheld") for f in row.get("frames") or []),
        "claims": claims,
        "abstentions": [a.get("statement") for a in abstentions or [] if a.get("statement")],
        "first_ident": first_ident,
        "has_comparison": bool(row.get("_compared", True)),
        "copy_of": ({"outlet": row["copy_of"].get("outlet"), "share": _percent(row["copy_of"].get("similarity"))}
                    if isinstance(row.get("copy_of"), dict) else None),
    }


def columns(story: dict[str, Any], comparison: dict[str, Any] | None) -> list[dict[str, Any]]:
    """One column per outlet, earliest publisher first."""
    by_outlet = story.get("articles_by_outlet") or {}
    rows: dict[str, dict[str, Any]] = {}
    if comparison:
        for row in comparison.get("outlets") or []:
            if isinstance(row, dict) and row.get("outlet"):
                rows[row["outlet"]] = row
    for name in story.get("outlets") or list(by_outlet):
        rows.setdefault(name, {"outlet": name, "_compared": False})
    firsts: dict[str, datetime | None] = {}
    for name, row in rows.items():
        t = parse_time(row.get("first_published"))
        if t is None:
            dated = [parse_time(a.get("published_at")) for a in by_outlet.get(name, []) + (row.get("articles") or [])]
            dated = [d for d in dated if d]
            t = min(dated) if dated else None
        firsts[name] = t
    order = _outlet_order(list(rows), firsts)
    status = _first_status(order, firsts)
    out = []
    for i, name in enumerate(order, 1):
        col = _column(rows[name], by_outlet.get(name, []), status, _listed(comparison, "claims", name),
                      _listed(comparison, "abstentions", name))
        col["anchor"] = f"outlet-{i}"
        out.append(col)
    return out


def matrix(comparison: dict[str, Any] | None, outlet_names: list[str]) -> dict[str, Any]:
    """Facts as rows (shared first, unique last), outlets as columns, and the sentences a
    click on a cell shows (``details``: fact id → outlet → sentences)."""
    facts = [f for f in (comparison or {}).get("facts") or [] if isinstance(f, dict) and f.get("id")]
    # a fact's weight is its number of independent voices (copies of one text count once)
    def voices(f: dict[str, Any]) -> int:
        return len(set(f.get("voices") or f.get("outlets") or []))

    indexed = sorted(enumerate(facts), key=lambda p: (-voices(p[1]), -len(set(p[1].get("outlets") or [])), p[0]))
    rows, details = [], {}
    for n, (_, f) in enumerate(indexed, 1):
        carried = set(f.get("outlets") or [])
        by_outlet: dict[str, list[dict[str, Any]]] = {}
        for s in f.get("sentences") or []:
            if isinstance(s, dict) and s.get("outlet") in carried and s.get("text"):
                by_outlet.setdefault(s["outlet"], []).append(
                    {"text": s["text"], "href": evidence_href(s), "title": s.get("field") == "title"})
        key = str(f["id"])
        details[key] = {"text": f.get("text") or "", "number": n, "outlets": by_outlet}
        text = f.get("text") or ""
        label = f.get("label") or text
        rows.append({
            "id": key, "number": n, "text": text,
            "label": label if len(label) <= 140 else label[:137].rstrip() + "…",
            "count": voices(f),
            "unique": voices(f) == 1,
            "cells": [{"outlet": o, "carried": o in carried} for o in outlet_names],
        })
    shared = sum(1 for r in rows if r["count"] >= 2)
    return {"rows": rows, "details": details, "outlets": outlet_names, "shared": shared,
            "unique": len(rows) - shared}


def _main_entities(cols: list[dict[str, Any]], comparison: dict[str, Any] | None, limit: int = 4) -> list[str]:
    declared = [e for e in ((comparison or {}).get("story") or {}).get("main_entities") or [] if isinstance(e, str)]
    seen: dict[str, int] = {}
    for c in cols:
        for row in c["tone"]["by_entity"]:
            seen[row["entity"]] = seen.get(row["entity"], 0) + 1
    if any(e in seen for e in declared):
        return [e for e in declared if e in seen][:limit]
    return sorted(seen, key=lambda e: -seen[e])[:limit]


def charts(story: dict[str, Any], comparison: dict[str, Any] | None, cols: list[dict[str, Any]]) -> dict[str, Any]:
    """Chart data for ``story.js`` (Plotly): tone per outlet and entity, frame mix, timeline.
    Each chart also has ``rows`` for the table that carries the same numbers in text."""
    names = [c["outlet"] for c in cols]
    entities = _main_entities(cols, comparison)
    tone_series = []
    for e in entities:
        values = []
        for c in cols:
            v = next((r["value"] for r in c["tone"]["by_entity"] if r["entity"] == e), None)
            values.append(round(float(v), 3) if v is not None else None)
        tone_series.append({"name": e, "values": values})
    overall = [round(float(c["tone"]["overall"]), 3) if c["tone"]["overall"] is not None else None for c in cols]
    if any(v is not None for v in overall):
        tone_series.append({"name": "Overall tone", "values": overall})
    has_tone = any(v is not None for s in tone_series for v in s["values"])

    frame_names: list[str] = []
    for c in cols:
        for f in c.get("frame_scores", c["frames"]):
            if f["frame"] not in frame_names:
                frame_names.append(f["frame"])
    frame_series = []
    for fr in frame_names:
        vals = []
        for c in cols:
            score = next((f["score"] for f in c.get("frame_scores", c["frames"]) if f["frame"] == fr), None)
            vals.append(round(float(score), 3) if isinstance(score, (int, float)) else 0)
        frame_series.append({"name": fr, "values": vals})

    points, undated = [], []
    by_outlet = story.get("articles_by_outlet") or {}
    for c in cols:
        arts = by_outlet.get(c["outlet"]) or []
        for a in arts:
            t = iso(a.get("published_at"))
            ident = a.get("id") if a.get("id") is not None else a.get("external_id")
            if t:
                points.append({"outlet": c["outlet"], "title": a.get("title") or "", "at": t,
                               "label": fmt_time(t), "href": article_href(ident)})
            else:
                undated.append({"outlet": c["outlet"], "title": a.get("title") or "", "href": article_href(ident)})
    for series in (tone_series, frame_series):
        for i, s in enumerate(series):
            s["color"] = PALETTE[i % len(PALETTE)]
            s["pattern"] = PATTERNS[i % len(PATTERNS)]
    return {
        "outlets": names,
        "palette": PALETTE,
        "tone": {"series": tone_series, "present": has_tone},
        "frames": {"series": frame_series, "present": bool(frame_series)},
        "timeline": {"points": points, "undated": undated, "present": bool(points)},
    }


def _names(names: list[str]) -> str:
    """"A", "A and B", "A, B and C"."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _percent(value: Any) -> str:
    return f"{round(100 * value)} %" if isinstance(value, (int, float)) else "?"


def copy_lines(story: dict[str, Any]) -> list[dict[str, Any]]:
    """Sentences saying which outlets ran whose text, and how closely ("ABC News and Yahoo News
    ran the Associated Press text, 100 % / 96 % identical")."""
    out = []
    for g in story.get("copies") or []:
        copies = [c for c in g.get("copies") or [] if c.get("outlet")]
        original = (g.get("original") or {}).get("outlet")
        if not copies or not original:
            continue
        who = _names([c["outlet"] for c in copies])
        shares = " / ".join(_percent(c.get("similarity")) for c in copies)
        if (g.get("original") or {}).get("in_story", True):
            text = f"{who} ran the {original} text, {shares} identical"
        else:
            text = f"{who} ran the same text as {original}"
        out.append({"text": text, "original": original, "copies": [c["outlet"] for c in copies]})
    return out


def story_page(story: dict[str, Any], comparison: dict[str, Any] | None,
               wire_services: Iterable[str] = ()) -> dict[str, Any]:
    cols = columns(story, comparison)
    wire = set(wire_services)
    for c in cols:
        c["wire"] = c["outlet"] in wire
    names = [c["outlet"] for c in cols]
    mat = matrix(comparison, names)
    return {
        "story": {
            "id": story.get("id"),
            "label": story.get("label") or f"Story {story.get('id')}",
            "article_count": story.get("article_count") or sum(len(c["articles"]) for c in cols),
            "outlet_count": story.get("outlet_count") or len(cols),
            "independent_reports": story.get("independent_reports"),
            "copies": copy_lines(story),
            "span": fmt_span(story.get("first_seen"), story.get("last_seen")),
            "keywords": story.get("keywords") or [],
        },
        "columns": cols,
        "matrix": mat,
        "charts": charts(story, comparison, cols),
        "compared": comparison is not None,
    }


# ---------------------------------------------------------------- story list

def story_rows(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for s in items or []:
        out.append({"id": s.get("id"), "label": s.get("label") or f"Story {s.get('id')}",
                    "outlets": s.get("outlets") or [], "article_count": s.get("article_count") or 0,
                    "outlet_count": s.get("outlet_count") or len(s.get("outlets") or []),
                    "span": fmt_span(s.get("first_seen"), s.get("last_seen")),
                    "first_iso": iso(s.get("first_seen")), "keywords": s.get("keywords") or [],
                    "href": url_for("web.story", story_id=s["id"]) if s.get("id") is not None else None})
    return out


def title_match(items: list[dict[str, Any]], q: str) -> list[dict[str, Any]]:
    """The fallback search when the service has no search backend: every word of ``q`` in
    the label or keywords (case-insensitive)."""
    words = [w for w in q.casefold().split() if w]
    hits = []
    for s in items:
        hay = " ".join([s.get("label") or "", *(s.get("keywords") or [])]).casefold()
        if all(w in hay for w in words):
            hits.append(s)
    return hits


# ---------------------------------------------------------------- article text

def highlight(text: str, start: int | None, end: int | None) -> list[list[dict[str, Any]]]:
    """The text as paragraphs (split on blank lines), each a list of ``{"text", "mark",
    "first"}`` segments; the span ``start:end`` is marked (it may cross paragraphs).
    Offsets index ``text`` unchanged, so the highlighted span is exactly the cited one."""
    paragraphs: list[tuple[int, int]] = []
    pos = 0
    n = len(text)
    while pos < n:
        nxt = text.find("\n\n", pos)
        stop = n if nxt < 0 else nxt
        if text[pos:stop].strip():
            paragraphs.append((pos, stop))
        if nxt < 0:
            break
        pos = nxt + 2
    out = []
    marked_once = False
    for a, b in paragraphs:
        segs = []
        if start is not None and end is not None and start < b and end > a:
            s, e = max(a, start), min(b, end)
            if s > a:
                segs.append({"text": text[a:s], "mark": False})
            segs.append({"text": text[s:e], "mark": True, "first": not marked_once})
            marked_once = True
            if e < b:
                segs.append({"text": text[e:b], "mark": False})
        else:
            segs.append({"text": text[a:b], "mark": False})
        out.append(segs)
    return out


def title_segments(title: str, start: int | None, end: int | None) -> list[dict[str, Any]]:
    if start is None or end is None:
        return [{"text": title, "mark": False}]
    return [seg for seg in ({"text": title[:start], "mark": False},
                            {"text": title[start:end], "mark": True, "first": True},
                            {"text": title[end:], "mark": False}) if seg["text"]]
