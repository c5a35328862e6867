"""Match: the article a reader has open → its story and the other outlets' coverage.

* A URL the store knows is answered from the store (its article's story).
* Otherwise the text (or HTML, extracted like ingest does) is cleaned, embedded and scored
  against candidate stories with the assigner's own model (``StoryAssigner.score``: dense,
  headline, term, entity and time features), exactly as if it were being ingested
  (``service.usecases.prepare``), but nothing is stored (embeddings are cached in Redis
  only). With ``ingest`` (and an API key) it goes through the ingest pipeline instead and is
  answered from the store.
* Each candidate is held to the assigner's own bar for its row (``StoryAssigner.rate``: the
  dated model's ``threshold`` when the article and the story both have a real date, else the
  undated model's ``undated_threshold``), or to ``[search.match] threshold`` for every row
  when that is set. The answer is the best-scoring candidate above its bar, as the assigner
  would choose it; with none above its bar the answer is "no story yet", never a weak guess.
  A dated article with exactly one story in its time window is decided by the assigner's
  one-candidate path (``StoryAssigner.lone_joins``: a lower bar or the dense rule, vetoed when
  the two name different people), as ingest would decide it (``rule: "one_candidate"``).

Answers are cached in Redis by URL under a key that holds the store's identity and the global
ingest counter, so any new article makes every cached answer stale (they then expire by TTL)
and another store sharing the Redis never sees them.
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import partial
from typing import Any

import numpy as np
import orjson
from sqlalchemy import select

from clustering.assign import LONE_COLUMNS
from clustering.cleaning import CleaningRules
from clustering.copies import CopyParams, voice_labels
from clustering.signals import ArticleSignals, to_datetime
from clustering.state import StoryState
from service.cache import Cache
from service.errors import ValidationFailed
from service.index.rows import epoch
from service.index.stories import StoryIndex
from service.metrics import Metrics
from service.outlets import OutletRegistry
from service.params import MatchParams
from service.schemas import MatchIn
from service.store import Database
from service.store.db import as_utc
from service.store.models import Article, Outlet, Story
from service.usecases.assignment import Assignment
from service.usecases.copies import original_of
from service.usecases.embeddings import CachedEmbedder, encode_grouped
from service.usecases.identity import url_key
from service.usecases.ingest import Ingestor
from service.usecases.prepare import embed_signals, prepare_article
from service.usecases.serialize import iso
from service.usecases.states import StateCache
from service.usecases.summaries import Summaries
from service.usecases.termstats import CachedTermStats

log = logging.getLogger(__name__)

#: the match's rules: bump it when a change of code decides differently (match-2: the
#: one-candidate path of a dated article, sixth session)
MATCH_RULES = "match-2"


class Matcher:
    """The match use case (``services.matcher``).

    Args:
        db, cache: The store and the cache.
        embedder: Embeds the article (a cached embedder that never writes to the store:
            an anonymous read must not take the write lock).
        index: The story index (shared rows with assignment).
        assignment: The assigner, its params and the texts it embeds.
        registry, rules: Outlets and cleaning rules, as ingest uses them.
        ingestor: Returns the ingest use case (for ``ingest: true`` requests).
        summaries: The outlets' summary lines.
        params: The ``[search.match]`` knobs.
        metrics: Request counters (optional).
    """

    def __init__(self, *, db: Database, cache: Cache, embedder: CachedEmbedder, index: StoryIndex,
                 assignment: Assignment, registry: OutletRegistry, rules: CleaningRules,
                 ingestor: Callable[[], Ingestor], summaries: Summaries, params: MatchParams,
                 metrics: Metrics | None = None) -> None:
        self.db = db
        self.cache = cache
        self.embedder = embedder
        self.index = index
        self.assignment = assignment
        self.registry = registry
        self.rules = rules
        self.ingestor = ingestor
        self.summaries = summaries
        self.params = params
        self.metrics = metrics
        # decoded states run from 5 to 80 KB: 2,000 of them bound this cache near 50 MB a worker
        self.states = StateCache(max_items=2000)
        self.copies = CopyParams()
        self.stats = CachedTermStats(db)

    def rules_fingerprint(self) -> str:
        """Names the match's rules and knobs and the assigner's model in the answer cache's key,
        so a new rule (:data:`MATCH_RULES`), a changed ``[search.match]`` table or a refitted
        model is never served an answer decided the old way."""
        # the dataclasses' repr names every field: a fifth of the cost of asdict + JSON (≈ 23 µs),
        # on the cached path the extension hits most
        return hashlib.sha256(repr((MATCH_RULES, self.params, self.assignment.params)).encode()).hexdigest()[:12]

    @property
    def threshold(self) -> float:
        """The probability a match needs (``[search.match] threshold``, else the assigner's bar
        for rows with two real dates; undated rows are held to :meth:`bars` instead)."""
        t = self.params.threshold
        return float(self.assignment.params.threshold if t is None else t)

    def bars(self, row_bars: np.ndarray) -> np.ndarray:
        """The bar of each candidate: the assigner's per-row bars (``StoryAssigner.rate``),
        or ``[search.match] threshold`` for every row when it is set."""
        t = self.params.threshold
        return row_bars if t is None else np.full(len(row_bars), float(t))

    # -- entry point ----------------------------------------------------------------------------
    def match(self, m: MatchIn, *, exclude_article_ids: Iterable[int] = (), use_cache: bool = True,
              authorized: Callable[[], Any] | None = None, with_debug: bool = False) -> dict[str, Any]:
        """Answer one match request (a validated :class:`service.schemas.MatchIn`).

        Args:
            exclude_article_ids: score as if these stored articles did not exist (evaluation:
                leave-one-out); disables the URL shortcut and the answer cache.
            authorized: called before an ``ingest`` request writes (raises when the request
                carries no valid API key).
        """
        exclude = {int(a) for a in exclude_article_ids}
        if exclude:
            use_cache = False
        key = None
        uk = url_key(m.url) if m.url else None
        if uk and use_cache and not m.ingest:
            counter = self.index.ingest_counter()
            key = self.cache.store_key("match", hashlib.sha256(uk.encode("utf-8")).hexdigest()[:32], counter,
                                       self.rules_fingerprint())
            raw = self.cache.get_bytes(key)
            if raw is not None:
                out = orjson.loads(raw)
                out["cached"] = True
                return self._count(out)
        out = self._answer(m, uk, exclude, authorized, with_debug)
        if key is not None:
            self.cache.set_json(key, out, ttl=self.params.cache_ttl)
        out["cached"] = False
        return self._count(out)

    def _count(self, out: dict[str, Any]) -> dict[str, Any]:
        if self.metrics is not None:
            self.metrics.inc(f'match_requests_total{{status="{out.get("status")}",method="{out.get("method")}",'
                             f'cache="{"hit" if out.get("cached") else "miss"}"}}')
        return out

    def _answer(self, m: MatchIn, uk: str | None, exclude: set[int], authorized: Callable[[], Any] | None,
                with_debug: bool) -> dict[str, Any]:
        if uk and not exclude:
            known = self._article_by_url(uk)
            if known is not None:
                return self._from_store(known, method="url")
        has_content = bool(m.text or m.html)
        if m.ingest:
            if authorized is not None:
                authorized()
            return self._ingest(m)
        if not has_content and not m.title:
            return {"status": "unknown_url", "method": "url", "score": None, "threshold": self.threshold,
                    "story": None, "article": None, "outlet": self._outlet_of(m), "outlets": [],
                    "summaries": "unavailable",
                    "detail": "this URL is not in the store; send the page's 'html' or its 'title' and 'text'"}
        return self._by_content(m, exclude, with_debug)

    # -- known articles ----------------------------------------------------------------------------
    def _article_by_url(self, uk: str) -> dict[str, Any] | None:
        with self.db.session() as s:
            row = s.execute(select(Article.id, Article.external_id, Article.title, Article.url, Article.published_at,
                                   Article.story_id, Article.assign_score, Article.copy_of, Article.copy_similarity,
                                   Outlet.name)
                            .join(Outlet, Outlet.id == Article.outlet_id)
                            .where(Article.url_key == uk)).first()
        if row is None or row.story_id is None:
            return None
        return {"id": row.id, "external_id": row.external_id, "title": row.title, "url": row.url,
                "published_at": iso(row.published_at), "outlet": row.name, "story_id": row.story_id,
                "assign_score": row.assign_score, "copy_of": row.copy_of, "copy_similarity": row.copy_similarity}

    def _from_store(self, article: dict[str, Any], method: str) -> dict[str, Any]:
        story, others, summaries, status = self._story_answer(article["story_id"], article["outlet"])
        if story is None:
            return self._no_story(None, method, article["outlet"])
        return {"status": "matched", "method": method, "score": 1.0, "threshold": self.threshold,
                "story": story, "article": {k: article[k] for k in ("id", "external_id", "outlet", "title",
                                                                    "published_at")},
                "outlet": article["outlet"], "outlets": others, "summaries": status,
                "copy_of": self._original(article.get("copy_of"), article.get("copy_similarity"))}

    def _original(self, article_id: int | None, similarity: float | None) -> dict[str, Any] | None:
        """Whose text the article read is (wire copy, republication): the original's outlet,
        headline and URL, and the share of text they have in common; None for its own text."""
        if article_id is None:
            return None
        with self.db.session() as s:
            row = s.execute(select(Article.id, Article.title, Article.url, Article.story_id, Outlet.name)
                            .join(Outlet, Outlet.id == Article.outlet_id).where(Article.id == article_id)).first()
        if row is None:
            return None
        return {"id": row.id, "outlet": row.name, "title": row.title, "url": row.url, "story_id": row.story_id,
                "similarity": similarity}

    def _ingest(self, m: MatchIn) -> dict[str, Any]:
        item = {k: v for k, v in {"url": m.url, "title": m.title, "text": m.text, "html": m.html,
                                  "outlet": m.outlet, "published_at": m.published_at}.items() if v is not None}
        if isinstance(item.get("published_at"), datetime):
            item["published_at"] = item["published_at"].isoformat()
        report = self.ingestor().ingest([item])
        r = report.results[0]
        if r.status == "rejected":
            raise ValidationFailed(r.detail or "the article could not be ingested", errors=r.errors or [])
        with self.db.session() as s:
            row = s.execute(select(Article.id, Article.external_id, Article.title, Article.published_at,
                                   Article.story_id, Article.copy_of, Article.copy_similarity, Outlet.name)
                            .join(Outlet, Outlet.id == Article.outlet_id).where(Article.id == r.id)).first()
        out = self._from_store({"id": row.id, "external_id": row.external_id, "title": row.title,
                                "published_at": iso(row.published_at), "outlet": row.name,
                                "story_id": row.story_id, "copy_of": row.copy_of,
                                "copy_similarity": row.copy_similarity}, method="ingest")
        out["ingested"] = r.status
        return out

    # -- unknown articles ---------------------------------------------------------------------------
    def signals(self, m: MatchIn) -> ArticleSignals:
        """The article's signals, prepared and embedded the way ingest would (nothing stored)."""
        return self._text_and_signals(m)[1]

    def _text_and_signals(self, m: MatchIn) -> tuple[Any, ArticleSignals]:
        text = prepare_article(m.title, m.text, m.html, self.rules, published_at=m.published_at,
                               date_from_html=True)
        if not text.clean.strip() and not text.title:
            raise ValidationFailed("no article text left after extraction; send 'text' or a fuller 'html'",
                                   errors=[{"field": "html" if m.html else "text", "message": "empty after cleaning",
                                            "type": "empty"}])
        encode = partial(encode_grouped, self.embedder)
        [(_, signals)] = embed_signals(self.assignment, encode, [(text.title, text.clean, to_datetime(text.published_at))])
        return text, signals

    def _by_content(self, m: MatchIn, exclude: set[int], with_debug: bool) -> dict[str, Any]:
        text, signals = self._text_and_signals(m)
        best, debug = self.best_story(signals, exclude)
        outlet = self._outlet_of(m)
        if best is None or best[3] is None:
            out = self._no_story(best[1] if best else None, "content", outlet,
                                 best[2] if best else self.threshold)
            if with_debug:
                out["debug"] = debug
            return out
        sid, score, bar, rule = best
        story, others, summaries, status = self._story_answer(sid, outlet, exclude)
        if story is None:
            return self._no_story(score, "content", outlet, bar)
        out = {"status": "matched", "method": "content", "score": round(score, 4),
               "threshold": bar, "rule": rule, "story": story, "article": None, "outlet": outlet,
               "outlets": others, "summaries": status, "copy_of": self._copy_of_text(text.clean, exclude)}
        if with_debug:
            out["debug"] = debug
        return out

    def _copy_of_text(self, clean: str, exclude: set[int]) -> dict[str, Any] | None:
        """The stored original of a text the store does not hold, if it is a copy of one."""
        if not clean.strip():
            return None
        with self.db.session() as s:
            found = original_of(s, clean, self.copies)
        if found is None or found[0] in exclude:
            return None
        return self._original(*found)

    def best_story(self, signals: ArticleSignals, exclude: set[int] = frozenset()
                   ) -> tuple[tuple[int, float, float, str | None] | None, dict]:
        """(story id, score, bar, rule) of the story the article would join: the best-scoring
        candidate whose score reaches its bar (:meth:`bars`; rule ``"bar"``), or the one
        candidate the one-candidate path joins (rule ``"one_candidate"``), else the
        best-scoring candidate with rule None (no match); None when there is no candidate."""
        idx = self.index
        idx.ensure_fresh()
        if idx.size == 0:
            return None, {"candidates": 0}
        with idx.reading():
            rows = self._candidates(signals)
            sids = [int(idx.sid[r]) for r in rows]
            versions = {int(idx.sid[r]): int(idx.version[r]) for r in rows}
        if not rows:
            return None, {"candidates": 0}
        states = self._states(sids, versions, exclude)
        pairs = [(sid, st) for sid, st in zip(sids, states) if st is not None]
        if not pairs:
            return None, {"candidates": 0}
        stats = self.stats.at(idx.rows.counter or 0)
        assigner = self.assignment.assigner
        # a dated article with one story in its window: the assigner's one-candidate path
        # decides, as it would on ingest (StoryAssigner.choose); not under a fixed match bar
        lone = (self.params.threshold is None and signals.published_at is not None and len(pairs) == 1
                and assigner.is_candidate(pairs[0][1], signals.published_at, signals.time_estimated)
                and assigner.lone_applies(1))
        x = assigner.features(signals, [st for _, st in pairs], stats,
                              assigner.used_columns | (LONE_COLUMNS if lone else frozenset()))
        scores, row_bars = assigner.rate(x)
        bars = self.bars(row_bars)
        passed = np.flatnonzero(scores >= bars)
        j = int(passed[np.argmax(scores[passed])]) if passed.size else int(np.argmax(scores))
        rule = "bar" if passed.size else None
        if lone and rule is None and assigner.lone_joins(x[0], float(scores[0])):
            rule = "one_candidate"
        order = np.argsort(-scores)[:5]
        debug = {"candidates": len(pairs), "rule": rule,
                 "top": [[pairs[i][0], round(float(scores[i]), 4), float(bars[i])] for i in order],
                 "chosen": [pairs[j][0], round(float(scores[j]), 4), float(bars[j])]}
        return (pairs[j][0], float(scores[j]), float(bars[j]), rule), debug

    def _candidates(self, signals: ArticleSignals) -> list[int]:
        """Index rows of the candidate stories: nearest by centroid and by headline, within
        the assigner's time window (``StoryAssigner.time_bounds``) when the article has a date."""
        idx = self.index
        bounds = self.assignment.assigner.time_bounds(signals.published_at)
        if bounds is not None:
            mask = idx.rows.span_mask(epoch(bounds[0]), epoch(bounds[1]))
        elif self.params.undated_recent_days > 0 and not np.isnan(idx.newest()):
            newest = idx.newest()
            n = idx.n_rows
            last = idx.last[:n]
            mask = idx.alive[:n] & (np.isnan(last) | (last >= newest - self.params.undated_recent_days * 86400))
        else:
            mask = None
        k = self.params.candidates
        title_vec = signals.title_dense if signals.title_dense is not None else signals.dense
        return list(dict.fromkeys([*idx.centroid_topk(signals.dense, k, mask).tolist(),
                                   *idx.headline_topk(title_vec, k, mask).tolist()]))

    def _states(self, sids: list[int], versions: dict[int, int], exclude: set[int]) -> list[StoryState | None]:
        """Decoded states of the stories; with ``exclude``, rebuilt without those articles."""
        with self.db.session() as s:
            out: dict[int, StoryState | None] = dict(self.states.fetch(s, [(sid, versions[sid]) for sid in sids]))
        if exclude:
            with self.db.session() as s:
                hit = set(s.execute(select(Article.story_id).where(Article.id.in_(exclude),
                                                                    Article.story_id.in_(sids))).scalars())
            for sid in hit:
                out[sid] = self.state_without(sid, exclude)
        return [out.get(sid) for sid in sids]

    def state_without(self, story_id: int, exclude: set[int]) -> StoryState | None:
        """The story's state rebuilt from its members other than ``exclude`` (in ingest
        order, through the assigner's own new_story/absorb), or None if none is left."""
        with self.db.session() as s:
            arts = s.execute(select(Article.id, Article.title, Article.clean_text, Article.published_at)
                             .where(Article.story_id == story_id, Article.id.notin_(exclude))
                             .order_by(Article.id)).all()
        if not arts:
            return None
        encode = partial(encode_grouped, self.embedder)
        embedded = embed_signals(self.assignment, encode, [(a.title, a.clean_text, as_utc(a.published_at)) for a in arts])
        assigner = self.assignment.assigner
        state = None
        for _, sig in embedded:
            state = assigner.new_story(sig) if state is None else assigner.absorb(state, sig)
        return state

    # -- answers --------------------------------------------------------------------------------------
    def _outlet_of(self, m: MatchIn) -> str | None:
        return self.registry.resolve(m.outlet, m.url)

    def _no_story(self, score: float | None, method: str, outlet: str | None,
                  threshold: float | None = None) -> dict[str, Any]:
        return {"status": "no_story", "method": method, "score": None if score is None else round(score, 4),
                "threshold": self.threshold if threshold is None else threshold, "story": None, "article": None, "outlet": outlet,
                "outlets": [], "summaries": "unavailable",
                "detail": "no story yet: nothing in the store covers this article closely enough"}

    def _story_answer(self, story_id: int, own_outlet: str | None, exclude: Iterable[int] = ()
                      ) -> tuple[dict[str, Any] | None, list[dict[str, Any]], dict | None, str]:
        """The story's summary fields and, per other outlet, its first article."""
        exclude = set(exclude)
        with self.db.session() as s:
            st = s.get(Story, story_id)
            if st is None or not st.article_count:
                return None, [], None, "unavailable"
            arts = s.execute(select(Article.id, Article.title, Article.url, Article.published_at,
                                    Article.ingested_at, Article.copy_of, Article.copy_similarity, Outlet.name)
                             .join(Outlet, Outlet.id == Article.outlet_id)
                             .where(Article.story_id == story_id)).all()
            story = {"id": st.id, "label": st.label, "version": st.version, "article_count": st.article_count,
                     "outlet_count": st.outlet_count, "first_seen": iso(st.first_seen),
                     "last_seen": iso(st.last_seen), "href": f"/api/v1/stories/{st.id}"}
            version = st.version
        summaries, status = self.summaries.get(story_id, version)
        kept = [a for a in arts if a.id not in exclude]
        voice = dict(zip([a.id for a in kept], voice_labels([a.id for a in kept], [a.name for a in kept],
                                                            [a.copy_of for a in kept])))
        story["independent_reports"] = len(set(voice.values()))
        first: dict[str, Any] = {}
        counts: dict[str, int] = {}
        for a in sorted(arts, key=lambda a: (as_utc(a.published_at) or as_utc(a.ingested_at), a.id)):
            if a.id in exclude:
                continue
            counts[a.name] = counts.get(a.name, 0) + 1
            first.setdefault(a.name, a)
        own = (own_outlet or "").casefold()
        others = []
        for name, a in first.items():
            if name.casefold() == own:
                continue
            others.append({"outlet": name, "title": a.title, "url": a.url, "published_at": iso(a.published_at),
                           "articles": counts[name],
                           "runs_text_of": None if voice[a.id] == name else
                           {"outlet": voice[a.id], "similarity": a.copy_similarity},
                           "summary": (summaries or {}).get(name)})
        return story, others, summaries, status
