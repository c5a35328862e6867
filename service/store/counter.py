"""The global ingest counter: the number of articles ever ingested into the store.

Every ingest transaction bumps it together with the term statistics it writes (it is the
document count of those statistics, stored as the ``term_stats`` row whose term is empty), so
it moves exactly when articles were committed. Per-process copies of the store compare it
with the value they last synced to (the story index), and cached answers that depend on the
whole corpus carry it in their keys (match).
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.store.models import TermStat

#: the ``term_stats`` row that holds the counter
COUNTER_TERM = ""


def read_ingest_counter(session: Session) -> int:
    """The ingest counter as ``session`` sees it (0 for an empty store)."""
    value = session.execute(select(TermStat.df).where(TermStat.term == COUNTER_TERM)).scalar_one_or_none()
    return int(value or 0)


def counter_row(value: int) -> dict[str, object]:
    """The counter as a row for bulk inserts and updates of ``term_stats``."""
    return {"term": COUNTER_TERM, "df": int(value)}
