"""Files of articles through the one ingest pipeline: ``newsprism ingest``, ``demo`` and
``replay``, the evaluations and the benchmarks all read and ingest JSON Lines this way.

A replay ingests a file in ``published_at`` order (the order a live service would have met
the articles), in batches, exactly as the API does.
"""
from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from service.usecases.ingest import BULK_BATCH, Ingestor, ItemResult

#: the fields of an article (a JSON Lines row may carry labels beside them)
ARTICLE_FIELDS = ("id", "url", "outlet", "title", "text", "html", "published_at", "language")
#: the fictional sample corpus ``newsprism demo`` loads
SAMPLE = Path(__file__).resolve().parents[1] / "sample" / "demo.jsonl"


class InputFileError(ValueError):
    """A line of an input file is not valid JSON; the message names the file and line."""


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Lines of a JSON Lines file.

    Raises:
        InputFileError: a line is not valid JSON (the message names its number).
    """
    rows = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise InputFileError(f"{path}:{n}: not valid JSON ({exc.msg})") from None
    return rows


def article_fields(row: dict[str, Any]) -> dict[str, Any]:
    """Only the article fields: labels and a feed's own extras (e.g. an aggregator's rewrite)
    are never ingested as the article. A row with a text but no title and no HTML gets its
    first sentence as the title (:func:`headline_from_text`): a file row is never dropped
    for want of a headline (the API still asks for one)."""
    out = {k: row[k] for k in ARTICLE_FIELDS if row.get(k) is not None}
    if not str(out.get("title") or "").strip() and not out.get("html") and out.get("text"):
        title = headline_from_text(str(out["text"]))
        if title:
            out["title"] = title
    return out


def headline_from_text(text: str, max_chars: int = 120) -> str:
    """A stand-in headline: the text's first sentence, cut at a word before ``max_chars``."""
    from clustering.signals import split_sentences

    words = " ".join(text.split())
    first = next(iter(split_sentences(words)), words)
    if len(first) <= max_chars:
        return first
    return first[:max_chars].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def published_order(rows: list[dict[str, Any]]) -> list[int]:
    """Indices in published_at order, ties (and undated rows) in file order."""
    def key(i: int) -> tuple:
        return (str(rows[i]["published_at"]), i)

    dated = [i for i in range(len(rows)) if rows[i].get("published_at")]
    if len(dated) == len(rows):
        return sorted(range(len(rows)), key=key)
    # undated rows keep their place relative to the file; dated rows are sorted among themselves
    order = sorted(dated, key=key)
    it = iter(order)
    return [next(it) if rows[i].get("published_at") else i for i in range(len(rows))]


def ingest_rows(ingestor: Ingestor, rows: list[Any], batch: int = BULK_BATCH,
                on_batch: Callable[[int], None] | None = None) -> list[ItemResult]:
    """Ingest rows in order, in batches (one transaction each); returns one result per row,
    in input order. ``on_batch(n)`` is called after each batch with its size (progress)."""
    results: list[Any] = [None] * len(rows)
    starts = range(0, len(rows), batch)
    chunks = ([article_fields(r) if isinstance(r, dict) else r for r in rows[start:start + batch]]
              for start in starts)
    for start, report in zip(starts, ingestor.ingest_batches(chunks)):
        for r in report.results:
            results[start + r.index] = r
        if on_batch is not None:
            on_batch(len(report.results))
    return results


def replay_rows(ingestor: Ingestor, rows: list[dict[str, Any]],
                on_batch: Callable[[int], None] | None = None) -> list[ItemResult]:
    """Ingest rows in published order; returns one result per row, in file order."""
    order = published_order(rows)
    ordered = ingest_rows(ingestor, [rows[i] for i in order], on_batch=on_batch)
    results: list[Any] = [None] * len(rows)
    for pos, i in enumerate(order):
        results[i] = ordered[pos]
    return results


def fresh_store_url() -> str:
    """A new SQLite file to replay into."""
    tmp = tempfile.mkdtemp(prefix="newsprism-replay-")
    return f"sqlite:///{tmp}/replay.db"
