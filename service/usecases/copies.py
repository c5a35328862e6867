"""Copies at ingest: is a new article another outlet's text (wire copy, republication)?

Runs inside the ingest write transaction, which holds the store-wide write lock, so two
writers never link against a store the other is changing. The near-copy index is the
``copy_bands`` table (the LSH band keys of every stored body, ``clustering.copies``): every
process and worker sees the same index, it is written in the same transaction as its article
(a rolled-back batch leaves no keys) and nothing needs rebuilding. A new article costs one
indexed query over its band keys plus an exact check of the few candidates it returns, never a
scan of the store.

``copy_of`` names the earliest stored article of the text (a copy of a copy points at the
original) and ``copy_similarity`` the Jaccard similarity of the two bodies' word shingles.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from clustering.copies import CopyParams, Fingerprint, Verdict, compare_texts, fingerprint, shingles
from service.store.models import Article, CopyBand
from service.usecases.batch import Prepared

#: candidates verified per article (the ones sharing the most band keys)
MAX_CANDIDATES = 20


@dataclass
class Known:
    """An article the finder may link to: a stored row or one the batch adds."""

    obj: Any  # a row (id, clean_text, copy_of) or a new Article (id known after flush)
    text: str
    root: Any  # the Known it is a copy of, or None


@dataclass
class Link:
    """A new article linked to its original."""

    article: Article
    root: Known
    similarity: float


class CopyFinder:
    """Links the articles of one write transaction to the text they copy."""

    def __init__(self, s: Session, params: CopyParams) -> None:
        self.s = s
        self.params = params
        self.rows: dict[int, Known] = {}
        self.pending: dict[int, list[Known]] = {}  # band key -> articles of this batch
        self.new: list[tuple[Article, tuple[int, ...]]] = []
        self.batch: list[Known] = []  # the articles this batch adds
        self.links: list[Link] = []

    # -- candidates -------------------------------------------------------------------
    def _stored(self, ids: list[int]) -> list[Known]:
        missing = [i for i in ids if i not in self.rows]
        if missing:
            for row in self.s.execute(select(Article.id, Article.clean_text, Article.copy_of)
                                      .where(Article.id.in_(missing))):
                self.rows[row.id] = Known(row, row.clean_text, None)
        found = [self.rows[i] for i in ids if i in self.rows]
        roots = [k.obj.copy_of for k in found if k.obj.copy_of is not None and k.root is None]
        if roots:
            self._stored(roots)
            for k in found:
                if k.obj.copy_of is not None:
                    k.root = self.rows.get(k.obj.copy_of)
        return found

    def _candidates(self, fp: Fingerprint | None, exact: Any | None) -> list[Known]:
        out: list[Known] = []
        if exact is not None:
            if isinstance(exact, Article):  # added earlier in this batch
                out.extend(k for k in self.batch if k.obj is exact)
            else:
                out.extend(self._stored([exact.id]))
        bands = fp.bands if fp else ()
        if bands:
            shared = func.count(CopyBand.band)
            ids = [i for (i,) in self.s.execute(
                select(CopyBand.article_id).where(CopyBand.band.in_(bands)).group_by(CopyBand.article_id)
                .order_by(shared.desc(), CopyBand.article_id).limit(MAX_CANDIDATES))]
            out.extend(self._stored(ids))
            for b in bands:
                out.extend(self.pending.get(b, ()))
        seen: set[int] = set()
        return [k for k in out if not (id(k) in seen or seen.add(id(k)))]

    # -- the use case -------------------------------------------------------------------
    def best(self, clean: str, fp: Fingerprint | None, exact: Any | None = None) -> tuple[Known, Verdict] | None:
        """The original ``clean`` copies and how closely, or None (``exact``: a stored or new
        article of another outlet with the same content hash)."""
        best: tuple[Verdict, Known] | None = None
        candidates = self._candidates(fp, exact)
        mine = shingles(clean, self.params.shingle) if candidates else None
        for k in candidates:
            v = compare_texts(clean, k.text, self.params, mine)
            if v.is_copy(self.params) and (best is None or v.jaccard > best[0].jaccard):
                best = (v, k)
        if best is None:
            return None
        verdict, k = best
        root = k.root or k
        if root is not k:
            v_root = compare_texts(clean, root.text, self.params, mine)
            if v_root.is_copy(self.params):
                verdict = v_root
            else:  # a copy drifted away from its original: link to the copy itself
                root = k
        return root, verdict

    def link(self, p: Prepared, article: Article, exact: Any | None) -> Link | None:
        """Find the text ``article`` copies (``exact``: a stored or new article of another
        outlet with the same content hash) and remember the article as a possible original
        of later ones. Returns the link, also applied after :meth:`flush`."""
        found = self.best(p.clean, p.fingerprint, exact)
        link = root = None
        if found is not None:
            root, verdict = found
            link = Link(article, root, round(verdict.jaccard, 4))
            self.links.append(link)
        me = Known(article, p.clean, root)
        self.batch.append(me)
        bands = p.fingerprint.bands if p.fingerprint else ()
        for b in bands:
            self.pending.setdefault(b, []).append(me)
        self.new.append((article, bands))
        return link

    def flush(self) -> None:
        """After the batch's flush (ids known): set the links and write the band keys."""
        for link in self.links:
            link.article.copy_of = link.root.obj.id
            link.article.copy_similarity = link.similarity
        rows = [{"band": b, "article_id": a.id} for a, bands in self.new for b in set(bands)]
        if rows:
            self.s.execute(insert(CopyBand), rows)


def original_of(s: Session, clean: str, params: CopyParams) -> tuple[int, float] | None:
    """(id, similarity) of the stored original a body copies, if any (a read: nothing is
    written; match uses it for an article the store does not hold)."""
    found = CopyFinder(s, params).best(clean, fingerprint(clean, params))
    return None if found is None else (found[0].obj.id, round(found[1].jaccard, 4))
