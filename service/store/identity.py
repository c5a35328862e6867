"""The store's identity: a random id (uuid4 hex) in the one row of ``store_meta``.

Migration 0004 writes it when the store is created or upgraded; a store made another way (the
tables created from the models) gets one on first read. Two stores never share it, not even a
SQLite file deleted and created again at the same path, so cached answers computed from one
store's stories (search, match, comparisons, summaries, pages) carry it in their keys
(:meth:`service.cache.Cache.store_key`) and another store sharing the Redis never sees them.
A copy of the store's files (a backup restored beside the original) keeps the id: do not
serve both from one Redis prefix.
"""
from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from service.store.models import StoreMeta

log = logging.getLogger(__name__)

#: the primary key of the one ``store_meta`` row
META_ROW = 1


Sessions = Callable[[], AbstractContextManager[Session]]


def read_store_id(session: Sessions, write: Sessions) -> str:
    """The store's id, written now if the store has none yet (first writer wins); ``session``
    and ``write`` are the store's read and write transactions (``Database.session``/``write``).

    A store without the ``store_meta`` table (not migrated to 0004) gets an id for this
    process only: its cached answers are then never shared, but never wrong either.
    """
    try:
        with session() as s:
            found = s.execute(select(StoreMeta.store_id).where(StoreMeta.id == META_ROW)).scalar_one_or_none()
        if found:
            return found
        try:
            with write() as s:
                s.add(StoreMeta(id=META_ROW, store_id=uuid.uuid4().hex))
        except IntegrityError:
            pass  # another process wrote it first: read theirs
        with session() as s:
            return s.execute(select(StoreMeta.store_id).where(StoreMeta.id == META_ROW)).scalar_one()
    except (OperationalError, ProgrammingError) as exc:
        log.warning("the store has no store_meta table (%s): run `newsprism db upgrade`; "
                    "cached answers are kept for this process only", type(exc).__name__)
        return "process-" + uuid.uuid4().hex

