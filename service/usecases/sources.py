"""The sources a user follows: add, list, remove, and seed them from a TOML file.

A source is a feed (RSS, Atom, JSON Feed) or a news sitemap of an outlet the registry
(``config/outlets.toml``) knows, polled every ``interval_minutes``. Adding a URL that is
already followed updates it instead (harmless). Polling lives in
:mod:`service.usecases.polling`.
"""
from __future__ import annotations

import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select

from service.errors import NotFound, ValidationFailed
from service.outlets import OutletRegistry
from service.schemas import check_public_url
from service.store import Database
from service.store.db import as_utc
from service.store.models import Source, utcnow

MIN_INTERVAL, MAX_INTERVAL = 1, 10_080


def source_key(url: str) -> str:
    """The identity of a feed URL: host (with its port), path and query; no scheme, no
    trailing slash, no fragment."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.port:
        host = f"{host}:{parts.port}"
    path = parts.path.rstrip("/") or "/"
    return (host + path + ("?" + parts.query if parts.query else ""))[:700]


def _iso(value: datetime | None) -> str | None:
    value = as_utc(value)
    return value.isoformat().replace("+00:00", "Z") if value else None


def source_view(row: Source) -> dict[str, Any]:
    """A source and its health, as the API, the CLI and the page show it."""
    return {"id": row.id, "url": row.url, "outlet": row.outlet, "kind": row.kind,
            "interval_minutes": row.interval_minutes, "enabled": row.enabled,
            "last_polled_at": _iso(row.last_polled_at), "last_status": row.last_status,
            "last_http_status": row.last_http_status, "items_seen": row.items_seen,
            "articles_created": row.articles_created, "last_error": row.last_error,
            "failures": row.failures, "next_poll_at": _iso(row.next_poll_at)}


class SourceBook:
    """Manage the sources in the store."""

    def __init__(self, db: Database, registry: OutletRegistry, default_interval: int = 30) -> None:
        self.db = db
        self.registry = registry
        self.default_interval = default_interval

    def check(self, url: Any, outlet: Any, interval: Any) -> tuple[str, str, int]:
        """Validated (url, registry spelling of the outlet, interval), or ValidationFailed."""
        errors = []
        if not isinstance(url, str) or not url.strip():
            errors.append({"field": "url", "message": "give the feed's URL", "type": "missing"})
        else:
            try:
                url = check_public_url(url.strip())
            except ValueError as exc:
                errors.append({"field": "url", "message": str(exc), "type": "value_error"})
        info = self.registry.by_name(outlet) if isinstance(outlet, str) else None
        if info is None:
            errors.append({"field": "outlet", "type": "unknown_outlet",
                           "message": "not an outlet of config/outlets.toml (add it there first)"})
        if interval is None:
            interval = self.default_interval
        if isinstance(interval, bool) or not isinstance(interval, int) or not MIN_INTERVAL <= interval <= MAX_INTERVAL:
            errors.append({"field": "interval_minutes", "type": "range",
                           "message": f"a whole number of minutes from {MIN_INTERVAL} to {MAX_INTERVAL}"})
        if errors:
            raise ValidationFailed("the source is invalid", errors=errors)
        return url, info.name, interval  # type: ignore[union-attr]

    def add(self, url: Any, outlet: Any, interval: Any = None, enabled: bool = True) -> tuple[dict[str, Any], bool]:
        """Follow ``url`` for ``outlet``; (the source, whether it is new). The same URL again
        updates its outlet and interval and keeps its history."""
        url, outlet, interval = self.check(url, outlet, interval)
        key = source_key(url)
        with self.db.write() as s:
            row = s.execute(select(Source).where(Source.url_key == key)).scalar_one_or_none()
            created = row is None
            if row is None:
                row = Source(url=url, url_key=key, outlet=outlet, interval_minutes=interval, enabled=enabled,
                             items_seen=0, articles_created=0, failures=0, next_poll_at=utcnow(),
                             created_at=utcnow())
                s.add(row)
            else:
                row.outlet, row.interval_minutes, row.enabled = outlet, interval, enabled
            s.flush()
            return source_view(row), created

    def list_all(self) -> list[dict[str, Any]]:
        """Every source, oldest first."""
        with self.db.session() as s:
            return [source_view(r) for r in s.execute(select(Source).order_by(Source.id)).scalars()]

    def get(self, source_id: int) -> dict[str, Any]:
        with self.db.session() as s:
            row = s.get(Source, source_id)
            if row is None:
                raise NotFound(f"no source {source_id}")
            return source_view(row)

    def remove(self, source_id: int) -> None:
        """Stop following a source (its articles stay)."""
        with self.db.write() as s:
            if s.execute(delete(Source).where(Source.id == source_id)).rowcount == 0:
                raise NotFound(f"no source {source_id}")

    def totals(self) -> dict[str, int]:
        """Counters over every source (for /api/v1/metrics): followed, enabled, failing
        (an error on the last poll), items seen and articles created."""
        with self.db.session() as s:
            row = s.execute(select(func.count(Source.id), func.count(Source.id).filter(Source.enabled.is_(True)),
                                   func.count(Source.id).filter(Source.failures > 0),
                                   func.coalesce(func.sum(Source.items_seen), 0),
                                   func.coalesce(func.sum(Source.articles_created), 0))).one()
        return dict(zip(("followed", "enabled", "failing", "items_seen_total", "articles_created_total"),
                        (int(v) for v in row)))

    def due_ids(self, now: datetime | None = None) -> list[int]:
        """The enabled sources whose next poll time has come, the most overdue first."""
        now = now or utcnow()
        with self.db.session() as s:
            rows = s.execute(select(Source.id, Source.next_poll_at).where(Source.enabled.is_(True))).all()
        due = [(as_utc(t) or now, i) for i, t in rows if t is None or as_utc(t) <= now]
        return [i for _t, i in sorted(due)]

    def seed(self, path: Path) -> dict[str, Any]:
        """Add the sources of a TOML file (``config/sources.example.toml`` shows the format).
        A file with ``enabled = false`` at the top, or no file, adds nothing."""
        if not path.is_file():
            return {"file": str(path), "enabled": False, "added": 0, "known": 0}
        data = read_sources_file(path)
        if not data.get("enabled", False):
            return {"file": str(path), "enabled": False, "added": 0, "known": 0}
        added = known = 0
        for row in data.get("source", []):
            _view, created = self.add(row.get("url"), row.get("outlet"), row.get("interval_minutes"))
            added += created
            known += not created
        return {"file": str(path), "enabled": True, "added": added, "known": known}


def read_sources_file(path: Path) -> dict[str, Any]:
    """The parsed TOML of a sources file; a bad file is a ValidationFailed naming it."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValidationFailed(f"{path}: {exc}") from None
    if not isinstance(data.get("source", []), list):
        raise ValidationFailed(f"{path}: 'source' must be an array of tables ([[source]])")
    return data
