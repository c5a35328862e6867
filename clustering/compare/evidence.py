"""Evidence items: a span of an article's title or clean text, with checked offsets."""
from __future__ import annotations

from typing import Any, Iterable

from .articles import CompareArticle


def evidence(article: CompareArticle, field: str, start: int, end: int, **extra: Any) -> dict[str, Any]:
    """An evidence item for ``article.<field>[start:end]``.

    Args:
        article: The article the span is in.
        field: ``"title"`` or ``"text"``.
        start: Start offset into that field.
        end: End offset (exclusive).
        **extra: More keys to add (e.g. ``score``, ``verb``).

    Returns:
        ``{"text", "external_id", "article_id", "outlet", "field", "start", "end", ...}``.
    """
    source = article.field_text(field)
    if not 0 <= start <= end <= len(source):
        raise ValueError(f"evidence offsets {start}:{end} out of range for {field} of article {article.id}")
    item = {
        "text": source[start:end],
        "external_id": article.external_id,
        "article_id": article.id,
        "outlet": article.outlet,
        "field": field,
        "start": start,
        "end": end,
    }
    item.update(extra)
    return item


def iter_spans(node: Any) -> Iterable[dict[str, Any]]:
    """Every dict in a comparison result that carries ``text``/``start``/``end`` offsets."""
    if isinstance(node, dict):
        if {"text", "start", "end"} <= node.keys() and isinstance(node.get("start"), int):
            yield node
        for value in node.values():
            yield from iter_spans(value)
    elif isinstance(node, list):
        for value in node:
            yield from iter_spans(value)


def check_offsets(result: dict[str, Any], articles: Iterable[CompareArticle]) -> list[str]:
    """Problems with the offsets of a comparison result (empty when all are valid).

    Items that name an article (``article_id`` or ``external_id``) are checked against that
    article's field; the check is what tests and debug runs rely on.

    Args:
        result: The output of :func:`clustering.compare.compare_story`.
        articles: The articles it was computed from.

    Returns:
        One message per bad span.
    """
    by_id = {a.id: a for a in articles}
    by_ext = {a.external_id: a for a in by_id.values() if a.external_id is not None}
    problems: list[str] = []
    for item in iter_spans(result):
        article = by_id.get(item.get("article_id")) or by_ext.get(item.get("external_id"))
        if article is None:
            problems.append(f"span names no known article: {item!r}"[:200])
            continue
        source = article.field_text(item.get("field", "text"))
        if source[item["start"]:item["end"]] != item["text"]:
            problems.append(
                f"article {article.id} {item.get('field', 'text')}[{item['start']}:{item['end']}]"
                f" != {item['text'][:60]!r}"
            )
    return problems
