"""Document frequencies in the store: the sparse signal's IDF, shared by every worker.

Implements ``clustering.assign.TermStats``. Reads and writes happen inside the ingest write
transaction, so the numbers the assigner sees are the committed ones plus this batch's.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from service.store.models import TermStat

N_DOCS = ""  # the row whose df is the number of documents


class SqlTermStats:
    """TermStats over the ``term_stats`` table, with a per-transaction read cache."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._df: dict[str, int] = {}
        self._pending: dict[str, int] = {}
        row = session.get(TermStat, N_DOCS)
        self._n_docs = row.df if row else 0
        self._pending_docs = 0

    @property
    def committed_docs(self) -> int:
        """The ingest counter as stored (at the start, and after :meth:`flush`)."""
        return self._n_docs

    @property
    def n_docs(self) -> int:
        return self._n_docs + self._pending_docs

    def doc_freq(self, terms: Iterable[str]) -> dict[str, int]:
        terms = [t[:200] for t in terms]
        unknown = [t for t in set(terms) if t not in self._df]
        for i in range(0, len(unknown), 500):
            chunk = unknown[i:i + 500]
            got = dict(self.session.execute(select(TermStat.term, TermStat.df).where(TermStat.term.in_(chunk))).all())
            for t in chunk:
                self._df[t] = got.get(t, 0)
        return {t: self._df[t] + self._pending.get(t, 0) for t in terms}

    def add(self, terms: Iterable[str]) -> None:
        """Count one more document containing ``terms`` (written by :meth:`flush`)."""
        for t in set(t[:200] for t in terms):
            self._pending[t] = self._pending.get(t, 0) + 1
        self._pending_docs += 1

    def flush(self) -> None:
        """Write pending counts within the caller's transaction.

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
        n_row = {"term": N_DOCS, "df": self._n_docs + self._pending_docs}
        (updates if self.session.get(TermStat, N_DOCS) is not None else inserts).append(n_row)
        if inserts:
            self.session.execute(insert(TermStat), inserts)
        if updates:
            self.session.execute(update(TermStat), updates)
        self._n_docs += self._pending_docs
        self._pending.clear()
        self._pending_docs = 0
