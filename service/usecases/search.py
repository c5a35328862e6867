"""Story search: a few words → the stories they describe.

Hybrid ranking over the per-worker :class:`~service.index.stories.StoryIndex`:

    relevance = w_headline · max cos(query, a member headline)
              + w_centroid · cos(query, story centroid)
              + w_member   · max BM25(query terms, one member's headline + lead) / its upper bound
              + w_lexical  · BM25(query terms, all members' headlines + leads) / its upper bound
              + w_number   · max BM25(the query's figures alone, one member) / its upper bound
    score     = relevance + w_recency · exp(-age / recency_days)
              + w_coverage · min(1, log(outlets) / log(coverage_outlets))

The query is embedded with the service's model (the same one as the articles); terms are
normalised like the assigner's (folded, transliterations merged: Zelenskyy = Zelensky).
Recency is a tie-breaker (its weight is a hundredth of the others'); breadth of coverage an
optional prior (among near-equal stories, the one more outlets covered is "the" story; off by
default: it lost the parts of a split story to a broader story of another day). The lexical
part is per article by default (``w_member``: a story is as close as its closest article; the
story document's BM25, ``w_lexical``, can be blended in). Stories below
``min_relevance`` are not results. Filters (outlet, since, until, min_outlets) mean what they
mean in the story list; pagination is over the ranked results (at most ``max_results``).
"""
from __future__ import annotations

import hashlib
import logging
import math
import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
from sqlalchemy import select

from service.cache import Cache
from service.index.lexical import lexical_terms
from service.index.rows import epoch
from service.index.stories import StoryIndex
from service.metrics import Metrics
from service.params import SearchParams
from service.schemas import StoryQuery
from service.store import Database
from service.store.models import Article, Story
from service.usecases.embeddings import CachedEmbedder
from service.usecases.read import outlets_of
from service.usecases.serialize import story_view

log = logging.getLogger(__name__)

#: the ranking's rules, named in every cached answer's key: bump it when a change of code ranks
#: differently (a change of the [search] weights changes the key by itself)
RANKING = "ranking-6"


@dataclass
class Hit:
    """One ranked story and the parts of its score."""

    row: int
    story_id: int
    score: float
    relevance: float
    headline: float
    centroid: float
    lexical: float
    #: normalised BM25 of the query's figures over the story's best article (0..1; 0 without figures)
    figures: float = 0.0


class Search:
    """The search use case (``services.search``): one per worker, over the story index.

    Args:
        db, cache: The store and the cache (answers are cached under the ingest counter).
        embedder: Embeds the query (a cached embedder that never writes to the store).
        index: The story index.
        params: The ``[search]`` knobs.
        metrics: Request counters (optional).
    """

    def __init__(self, *, db: Database, cache: Cache, embedder: CachedEmbedder, index: StoryIndex,
                 params: SearchParams | None = None, metrics: Metrics | None = None) -> None:
        self.db = db
        self.cache = cache
        self.embedder = embedder
        self.index = index
        self.params = params or SearchParams()
        self.metrics = metrics

    # -- ranking -----------------------------------------------------------------------------
    def embed_query(self, text: str) -> np.ndarray:
        """The query's embedding (the same model as the articles')."""
        return self.embedder.encode([text])[0]

    def rank(self, text: str, filters: dict[str, Any] | None = None,
             limit: int | None = None) -> tuple[list[Hit], int]:
        """Ranked hits for a query text among the stories passing ``filters`` (outlet, since,
        until, min_outlets); returns (hits, number of relevant stories)."""
        p = self.params
        idx = self.index
        limit = limit or p.max_results
        if idx.size == 0 or not text:
            return [], 0
        qv = self.embed_query(text)  # outside the lock: the slow part
        terms = list(lexical_terms(text))
        with idx.reading():  # a refresh cannot swap arrays under us
            mask = idx.filter_mask(**(filters or {}))
            # the story document's BM25 and its best member article's, blended by their weights
            w_lex = p.w_lexical + p.w_member
            lex_all = np.zeros(mask.shape[0], dtype=np.float64)
            if p.w_lexical:
                lex_all += (p.w_lexical / w_lex) * idx.bm25_array(terms)[: mask.shape[0]]
            if p.w_member:
                lex_all += (p.w_member / w_lex) * idx.member_bm25_array(terms)[: mask.shape[0]]
            lex_all[~mask] = 0.0
            # the query's figures ("498,000", "$6 trillion") found in one member article: a
            # recurring event's instalments differ in their figures more than in their words
            nums = [t for t in terms if t.startswith("#")]
            num_all = idx.member_bm25_array(nums)[: mask.shape[0]] if p.w_number and nums else None
            selective = mask.sum() < 0.5 * max(1, idx.size)
            if idx.use_graphs() and not selective:
                k = max(p.candidates, limit)
                cand = set(idx.centroid_topk(qv, k, mask).tolist()) | set(idx.headline_topk(qv, k, mask).tolist())
                nz = np.flatnonzero(lex_all > 0)
                cand |= set(nz[np.argsort(-lex_all[nz])[:k]].tolist())
                rows = np.fromiter(sorted(cand), dtype=np.int64, count=len(cand))
                cen = idx.centroid_sims(qv, rows)
                head = idx.headline_max(qv, rows)
            else:
                rows = np.flatnonzero(mask)
                all_cen = idx.centroid_sims(qv)
                cen = all_cen[rows]
                head = idx.headline_max(qv, centroid=all_cen)[rows]
            lexv = lex_all[rows]
            rel = p.w_headline * head + p.w_centroid * cen + w_lex * lexv
            figv = num_all[rows] if num_all is not None else np.zeros(len(rows))
            rel = rel + p.w_number * figv
            newest = idx.newest()
            until = (filters or {}).get("until")
            if until is not None and not math.isnan(newest):
                newest = min(newest, epoch(until))  # "as of" the end of the window
            last = idx.last[rows]
            outlets = idx.n_outlets[rows].astype(np.float64)
            sids = idx.sid[rows].copy()
        if math.isnan(newest):
            age = np.full(len(rows), np.inf)
        else:
            age = np.where(np.isnan(last), np.inf, np.maximum(0.0, newest - last) / 86400.0)
        coverage = np.minimum(1.0, np.log(np.maximum(outlets, 1.0)) / math.log(max(2, p.coverage_outlets)))
        score = rel + p.w_recency * np.exp(-age / max(p.recency_days, 1e-6)) + p.w_coverage * coverage
        keep = np.flatnonzero(rel >= p.min_relevance)
        total = int(keep.size)
        order = keep[np.lexsort((-sids[keep], -score[keep]))][:limit]
        hits = [Hit(int(rows[i]), int(sids[i]), float(score[i]), float(rel[i]), float(head[i]),
                    float(cen[i]), float(lexv[i]), float(figv[i])) for i in order]
        return hits, min(total, p.max_results)

    # -- the use case ----------------------------------------------------------------------------
    def search(self, q: StoryQuery, external_ids: bool = False, explain: bool = False) -> dict[str, Any]:
        """Ranked stories for ``q.q`` with the story-list filters and pagination."""
        text = (q.q or "").strip()
        self.index.ensure_fresh()
        # the ranking's rules and weights are part of the key: a changed [search] table or a
        # new ranking rule (RANKING) is never served an answer ranked the old way
        key = self.cache.store_key("search", self.index.rows.counter, hashlib.sha256(orjson.dumps(
            {**q.model_dump(mode="json"), "x": external_ids, "e": explain, "r": RANKING,
             "w": dataclasses.asdict(self.params)})).hexdigest()[:32])
        raw = self.cache.get_bytes(key)
        if raw is not None:
            self._count("search_requests_total{cache=\"hit\"}")
            return orjson.loads(raw)
        self._count("search_requests_total{cache=\"miss\"}")
        filters = {"outlet": q.outlet, "since": q.since, "until": q.until, "min_outlets": q.min_outlets}
        hits, total = self.rank(text, filters, limit=min(self.params.max_results, q.page * q.per_page))
        page = hits[(q.page - 1) * q.per_page: q.page * q.per_page]
        items = self.story_items([h.story_id for h in page], external_ids=external_ids)
        out = []
        for h in page:
            d = items.get(h.story_id)
            if d is None:  # deleted since the index saw it
                continue
            d["score"] = round(h.score, 4)
            if explain:
                d["explain"] = {"headline": round(h.headline, 4), "centroid": round(h.centroid, 4),
                                "lexical": round(h.lexical, 4), "figures": round(h.figures, 4),
                                "relevance": round(h.relevance, 4)}
            out.append(d)
        result = {"total": total, "page": q.page, "per_page": q.per_page, "q": text, "items": out}
        self.cache.set_json(key, result, ttl=self.params.cache_ttl)
        return result

    def story_items(self, story_ids: list[int], external_ids: bool = False) -> dict[int, dict[str, Any]]:
        """Story-list items (with outlets, optionally the articles' external ids) by id."""
        if not story_ids:
            return {}
        with self.db.session() as s:
            rows = s.execute(select(Story).where(Story.id.in_(story_ids), Story.article_count > 0)).scalars().all()
            outlets = outlets_of(s, [r.id for r in rows])
            ext: dict[int, list[str]] = {}
            if external_ids:
                for sid, xid in s.execute(select(Article.story_id, Article.external_id)
                                          .where(Article.story_id.in_(story_ids)).order_by(Article.id)).all():
                    if xid:
                        ext.setdefault(sid, []).append(xid)
            out = {}
            for r in rows:
                d = story_view(r)
                d["outlets"] = outlets.get(r.id, [])
                if external_ids:
                    d["external_ids"] = ext.get(r.id, [])
                out[r.id] = d
            return out

    def _count(self, name: str) -> None:
        if self.metrics is not None:
            self.metrics.inc(name)
