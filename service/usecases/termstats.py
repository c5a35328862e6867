"""Document frequencies in the store: the sparse signal's IDF, shared by every worker
(``clustering.state.TermStats`` over the ``term_stats`` table).

:class:`SqlTermStats` reads and writes inside the ingest write transaction, so the numbers
the assigner sees are the committed ones plus this batch's; its document count is the global
ingest counter (``service.store.counter``). :class:`CachedTermStats` is match's read-only
copy, cached in the process.
"""
from __future__ import annotations

import threading
from collections.abc import Iterable

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from service.store import Database
from service.store.counter import COUNTER_TERM, counter_row, read_ingest_counter
from service.store.models import TermStat

_CHUNK = 500  # terms per query
_MAX_TERM = 200  # characters of a term the table keeps


def read_doc_freq(session: Session, terms: list[str]) -> dict[str, int]:
    """Stored document frequencies of ``terms`` (absent terms are left out)."""
    out: dict[str, int] = {}
    for i in range(0, len(terms), _CHUNK):
        chunk = terms[i:i + _CHUNK]
        out.update(session.execute(select(TermStat.term, TermStat.df).where(TermStat.term.in_(chunk))).all())
    return out


class SqlTermStats:
    """TermStats over the ``term_stats`` table, with a per-transaction read cache."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._df: dict[str, int] = {}
        self._pending: dict[str, int] = {}
        self._n_docs = read_ingest_counter(session)
        self._pending_docs = 0

    @property
    def ingest_counter(self) -> int:
        """The ingest counter as stored (at the start, and after :meth:`flush`)."""
        return self._n_docs

    @property
    def n_docs(self) -> int:
        """Documents counted, this transaction's included."""
        return self._n_docs + self._pending_docs

    def doc_freq(self, terms: Iterable[str]) -> dict[str, int]:
        """Document frequency of each term, this transaction's counts included."""
        terms = [t[:_MAX_TERM] for t in terms]
        unknown = [t for t in set(terms) if t not in self._df]
        if unknown:
            got = read_doc_freq(self.session, unknown)
            for t in unknown:
                self._df[t] = got.get(t, 0)
        return {t: self._df[t] + self._pending.get(t, 0) for t in terms}

    def add(self, terms: Iterable[str]) -> None:
        """Count one more document containing ``terms`` (written by :meth:`flush`)."""
        for t in set(t[:_MAX_TERM] for t in terms):
            self._pending[t] = self._pending.get(t, 0) + 1
        self._pending_docs += 1

    def flush(self) -> None:
        """Write pending counts (and the ingest counter) within the caller's transaction.

        Absolute values are safe because the ingest write lock is held: nobody else can have
        changed a count since this transaction read it.
        """
        if not self._pending_docs:
            return
        self.doc_freq(list(self._pending))  # make sure every current count is known
        updates, inserts = [], []
        for t, inc in self._pending.items():
            (updates if self._df[t] > 0 else inserts).append({"term": t, "df": self._df[t] + inc})
            self._df[t] += inc
        n_row = counter_row(self._n_docs + self._pending_docs)
        (updates if self.session.get(TermStat, COUNTER_TERM) is not None else inserts).append(n_row)
        if inserts:
            self.session.execute(insert(TermStat), inserts)
        if updates:
            self.session.execute(update(TermStat), updates)
        self._n_docs += self._pending_docs
        self._pending.clear()
        self._pending_docs = 0


class CachedTermStats:
    """Read-only document frequencies with an in-process cache (match); it starts over when
    the corpus grew by more than 2% since it was filled (IDF moves slowly, and match never
    writes)."""

    def __init__(self, db: Database, max_items: int = 500_000) -> None:
        self.db = db
        self.max_items = max_items
        self._df: dict[str, int] = {}
        self._base = -1
        self._n = 0
        self._lock = threading.Lock()

    def at(self, n_docs: int) -> CachedTermStats:
        """These statistics as of a corpus of ``n_docs`` documents (the ingest counter)."""
        with self._lock:
            if self._base < 0 or n_docs > self._base * 1.02 + 10 or n_docs < self._base or len(self._df) > self.max_items:
                self._df = {}
                self._base = n_docs
            self._n = n_docs
        return self

    @property
    def n_docs(self) -> int:
        """The corpus size these statistics are for (:meth:`at`)."""
        return self._n

    def doc_freq(self, terms: Iterable[str]) -> dict[str, int]:
        """Document frequency of each term (read from the store once, then cached)."""
        terms = [t[:_MAX_TERM] for t in terms]
        df = self._df
        unknown = [t for t in set(terms) if t not in df]
        if unknown:
            with self.db.session() as s:
                got = read_doc_freq(s, unknown)
            for t in unknown:
                df[t] = int(got.get(t, 0))
        return {t: df.get(t, 0) for t in terms}
