"""Plain-dict views of stored rows: the one place that decides what the JSON looks like."""
from __future__ import annotations

from typing import Any

from clustering.copies import voice_labels
from service.store.db import as_utc
from service.store.models import Article, Outlet, Story


def iso(value) -> str | None:
    """A stored time as ISO 8601 UTC with a ``Z`` (None stays None)."""
    value = as_utc(value)
    return value.isoformat().replace("+00:00", "Z") if value else None


def outlet_view(o: Outlet) -> dict[str, Any]:
    """An outlet's JSON."""
    return {"name": o.name, "slug": o.slug, "domains": o.domains or [], "country": o.country, "type": o.type}


def article_view(a: Article, full: bool = True) -> dict[str, Any]:
    """An article's JSON (``full``: with its text, hash and assignment score)."""
    d: dict[str, Any] = {
        "id": a.id, "external_id": a.external_id, "url": a.url, "outlet": a.outlet.name,
        "title": a.title, "published_at": iso(a.published_at), "ingested_at": iso(a.ingested_at),
        "language": a.language, "story_id": a.story_id,
        "copy_of": a.copy_of, "copy_similarity": a.copy_similarity,
    }
    if full:
        d.update(text=a.clean_text, content_hash=a.content_hash, raw_length=len(a.raw_text or ""),
                 assign_score=a.assign_score)
    return d


def story_view(st: Story, articles: list[Article] | None = None, score: float | None = None) -> dict[str, Any]:
    """A story's JSON; with ``articles``, also its articles by outlet."""
    d: dict[str, Any] = {
        "id": st.id, "label": st.label, "topic": st.topic, "keywords": st.keywords or [],
        "version": st.version, "article_count": st.article_count, "outlet_count": st.outlet_count,
        "first_seen": iso(st.first_seen), "last_seen": iso(st.last_seen),
    }
    if score is not None:
        d["score"] = round(float(score), 4)
    if articles is not None:
        by_outlet: dict[str, list[dict[str, Any]]] = {}
        for a in sorted(articles, key=lambda a: (as_utc(a.published_at) or as_utc(a.ingested_at), a.id)):
            by_outlet.setdefault(a.outlet.name, []).append(article_view(a, full=False))
        d["outlets"] = sorted(by_outlet)
        d["independent_reports"] = independent_reports([(a.id, a.outlet.name, a.copy_of) for a in articles])
        d["copies"] = copy_groups(articles)
        d["articles_by_outlet"] = by_outlet
        d["external_ids"] = [a.external_id for a in articles if a.external_id]
    return d


def independent_reports(articles: list[tuple[int, str, int | None]]) -> int:
    """The number of voices among a story's (id, outlet, copy_of) articles: outlets running
    one text (wire copy, republication) are one voice (``clustering.copies.voice_labels``)."""
    if not articles:
        return 0
    ids, outlets, copy_of = zip(*articles)
    return len(set(voice_labels(list(ids), list(outlets), list(copy_of))))


def copy_groups(articles: list[Article]) -> list[dict[str, Any]]:
    """Who ran whose text in a story: per copied text, its original (the earliest stored article
    with it; ``in_story`` false when that is in another story, then the earliest copy here
    stands for it) and the copies with their share of text in common."""
    by_id = {a.id: a for a in articles}
    groups: dict[int, list[Article]] = {}
    for a in sorted(articles, key=lambda a: a.id):
        if a.copy_of is not None:
            groups.setdefault(a.copy_of, []).append(a)
    out = []
    for root, copies in groups.items():
        original = by_id.get(root)
        lead = original or copies[0]
        rest = [c for c in copies if c is not lead]
        if not rest:
            continue
        out.append({"original": {"id": lead.id, "outlet": lead.outlet.name, "in_story": original is not None},
                    "copies": [{"id": c.id, "outlet": c.outlet.name, "similarity": c.copy_similarity} for c in rest]})
    return out
