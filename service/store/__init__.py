"""The store: SQLAlchemy models, the database handle, queries and Alembic migrations."""
from service.store.db import Database

__all__ = ["Database"]
