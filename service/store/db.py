"""The database handle: engine, sessions, migrations and the ingest write lock."""
from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# an arbitrary constant: the advisory lock that serialises story assignment on PostgreSQL
ASSIGN_LOCK_KEY = 0x6E657773


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes: everything stored is UTC, so say so."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


class Database:
    """One engine and session factory; no connection is opened until first used."""

    def __init__(self, url: str, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict = {"echo": echo, "future": True}
        if self.is_sqlite:
            if url.startswith("sqlite:///") and ":memory:" not in url:
                Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": 60, "check_same_thread": False}
        else:
            kwargs.update(pool_pre_ping=True, pool_size=5, max_overflow=5, pool_recycle=1800)
        self.engine: Engine = create_engine(url, **kwargs)
        if self.is_sqlite:
            self._sqlite_events(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._store_id: str | None = None

    @staticmethod
    def _sqlite_events(engine: Engine) -> None:
        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):
            # let SQLAlchemy emit BEGIN itself so writes can take the lock up front
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=60000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            if conn.get_execution_options().get("immediate"):
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.exec_driver_sql("BEGIN")

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A read session (rolled back at the end unless committed)."""
        with self.sessions() as s:
            yield s

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction holding the store-wide assignment lock until commit.

        Online story assignment is sequential by nature: two workers assigning at once
        could both open a story for the same event. SQLite takes its write lock at BEGIN
        (IMMEDIATE); PostgreSQL takes a transaction-scoped advisory lock.
        """
        with self.sessions() as s:
            if self.is_sqlite:
                s.connection(execution_options={"immediate": True})
            else:
                s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ASSIGN_LOCK_KEY})
            try:
                yield s
                s.commit()
            except BaseException:
                s.rollback()
                raise

    def ping(self) -> tuple[bool, float, str | None]:
        """(ok, milliseconds, error) of a trivial query."""
        t0 = time.perf_counter()
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True, (time.perf_counter() - t0) * 1000, None
        except Exception as exc:  # noqa: BLE001 - health reports any failure
            return False, (time.perf_counter() - t0) * 1000, type(exc).__name__

    @property
    def store_id(self) -> str:
        """The store's identity (``service.store.identity``): read once, then remembered."""
        if self._store_id is None:
            from service.store.identity import read_store_id

            self._store_id = read_store_id(self.session, self.write)
        return self._store_id

    def alembic_config(self):
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        return cfg

    def upgrade(self, revision: str = "head") -> None:
        """Apply the Alembic migrations up to ``revision``."""
        from alembic import command

        command.upgrade(self.alembic_config(), revision)

    def dispose(self) -> None:
        self.engine.dispose()
