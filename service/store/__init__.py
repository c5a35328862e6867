"""The store: SQLAlchemy models (``models``), the database handle and its write lock (``db``),
the one owner of a story's row (``stories``), the global ingest counter (``counter``) and the
Alembic migrations."""
from service.store.db import Database

__all__ = ["Database"]
