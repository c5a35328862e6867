"""Research export: articles with their story, paged by id (keyset), serialised as JSON
Lines or CSV one page at a time, so neither the store nor the worker holds the whole table."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import orjson
from sqlalchemy import select

from service.usecases.serialize import iso
from service.schemas import ExportQuery
from service.store import Database
from service.store.models import Article, Outlet, Story

PAGE = 500
CSV_FIELDS = ("id", "external_id", "url", "outlet", "title", "published_at", "ingested_at", "language",
              "story_id", "story_label", "assign_score", "copy_of", "copy_similarity", "text")


def export_rows(db: Database, q: ExportQuery, page: int = PAGE) -> Iterator[dict[str, Any]]:
    """Rows of the export in article id order (one short read transaction per page)."""
    last = 0
    while True:
        with db.session() as s:
            stmt = (select(Article.id, Article.external_id, Article.url, Outlet.name, Article.title,
                           Article.published_at, Article.ingested_at, Article.language, Article.story_id,
                           Story.label, Article.assign_score, Article.clean_text, Article.copy_of,
                           Article.copy_similarity)
                    .join(Outlet, Outlet.id == Article.outlet_id)
                    .outerjoin(Story, Story.id == Article.story_id)
                    .where(Article.id > last))
            if q.outlet:
                stmt = stmt.where((Outlet.name == q.outlet) | (Outlet.slug == q.outlet))
            if q.since:
                stmt = stmt.where(Article.published_at >= q.since)
            if q.until:
                stmt = stmt.where(Article.published_at <= q.until)
            rows = s.execute(stmt.order_by(Article.id).limit(page)).all()
        if not rows:
            return
        for r in rows:
            yield {"id": r[0], "external_id": r[1], "url": r[2], "outlet": r[3], "title": r[4],
                   "published_at": iso(r[5]), "ingested_at": iso(r[6]), "language": r[7], "story_id": r[8],
                   "story_label": r[9], "assign_score": None if r[10] is None else round(float(r[10]), 4),
                   "copy_of": r[12], "copy_similarity": r[13], "text": r[11]}
        last = rows[-1][0]
        if len(rows) < page:
            return


def export_stream(db: Database, q: ExportQuery, page: int = PAGE) -> Iterator[bytes]:
    """The export as byte chunks (one per page): JSON Lines, or CSV with a header row."""
    buf: list[bytes] = []
    if q.format == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore", lineterminator="\r\n")
        writer.writeheader()
        yield out.getvalue().encode("utf-8")
        n = 0
        for row in export_rows(db, q, page):
            out.seek(0)
            out.truncate()
            writer.writerow({k: _csv_safe(v) for k, v in row.items()})
            buf.append(out.getvalue().encode("utf-8"))
            n += 1
            if n % page == 0:
                yield b"".join(buf)
                buf.clear()
    else:
        n = 0
        for row in export_rows(db, q, page):
            buf.append(orjson.dumps(row) + b"\n")
            n += 1
            if n % page == 0:
                yield b"".join(buf)
                buf.clear()
    if buf:
        yield b"".join(buf)


def _csv_safe(value: Any) -> Any:
    """Neutralise spreadsheet formulas (CSV injection): a cell starting with = + - @ gets a
    leading apostrophe; numbers are left alone."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
