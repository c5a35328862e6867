"""Match: the article a reader has open → its story and the other outlets' coverage.

* A URL the store knows is answered from the store (its article's story).
* Otherwise the text (or HTML, extracted like ingest does) is cleaned, embedded and scored
  against candidate stories with the assigner's own model (``StoryAssigner.score``: dense,
  headline, term, entity and time features), exactly as if it were being ingested, but
  nothing is stored (embeddings are cached in Redis only). With ``ingest`` (and an API key)
  it goes through the ingest pipeline instead and is answered from the store.
* Below ``threshold`` the answer is "no story yet", never a weak guess.

Answers are cached in Redis by URL under a key that holds the global ingest counter, so any
new article makes every cached answer stale (they then expire by TTL).
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Iterable

import numpy as np

import orjson
from sqlalchemy import select

from clustering.params import check_known
from clustering.assign import StoryState
from clustering.cleaning import clean_text, html_text_and_title
from clustering.signals import to_datetime
from service.errors import ValidationFailed
from service.pipeline.ingest import url_key
from service.pipeline.states import StateCache, decode_state
from service.pipeline.views import iso
from service.store.db import as_utc
from service.store.models import Article, Outlet, Story, TermStat

if TYPE_CHECKING:
    from service.pipeline.search import SearchService

log = logging.getLogger(__name__)


@dataclass
class MatchParams:
    """Match knobs (the threshold is calibrated by ``newsprism evaluate-search``)."""

    #: the assigner's probability a match needs; below it: "no story yet". None: the
    #: assigner's own join threshold (a match is a story the article would join if ingested)
    threshold: float | None = None
    #: candidate stories scored (nearest by centroid, plus nearest by headline)
    candidates: int = 16
    #: comparison summaries: "background" (read the cache, compute a miss in a background
    #: thread), "inline" (compute a miss before answering), "cache" (read only), "off"
    summaries: str = "background"
    #: seconds a match answer stays cached
    cache_ttl: int = 3600
    #: when the article has no date (and the HTML gives none), assume it is recent: look
    #: only at stories active within this many days of the newest story (0: everything)
    undated_recent_days: float = 0.0

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "MatchParams":
        data = check_known(cls, data, "match")
        if data.get("summaries", "background") not in {"background", "inline", "cache", "off"}:
            raise ValueError("match.summaries must be background, inline, cache or off")
        return cls(**data)


class CachedTermStats:
    """Read-only document frequencies (``clustering.assign.TermStats``) with an in-process
    cache; it starts over when the corpus grew by more than 2% since it was filled (IDF
    moves slowly, and match never writes)."""

    def __init__(self, db: Any, max_items: int = 500_000) -> None:
        self.db = db
        self.max_items = max_items
        self._df: dict[str, int] = {}
        self._base = -1
        self._n = 0
        self._lock = threading.Lock()

    def at(self, n_docs: int) -> "CachedTermStats":
        with self._lock:
            if self._base < 0 or n_docs > self._base * 1.02 + 10 or n_docs < self._base or len(self._df) > self.max_items:
                self._df = {}
                self._base = n_docs
            self._n = n_docs
        return self

    @property
    def n_docs(self) -> int:
        return self._n

    def doc_freq(self, terms: Iterable[str]) -> dict[str, int]:
        terms = [t[:200] for t in terms]
        df = self._df
        unknown = [t for t in set(terms) if t not in df]
        if unknown:
            with self.db.session() as s:
                for i in range(0, len(unknown), 900):
                    chunk = unknown[i:i + 900]
                    got = dict(s.execute(select(TermStat.term, TermStat.df).where(TermStat.term.in_(chunk))).all())
                    for t in chunk:
                        df[t] = int(got.get(t, 0))
        return {t: df.get(t, 0) for t in terms}


class Summaries:
    """Per-outlet one-line summaries from the comparison, cached per story version."""

    def __init__(self, cache: Any, comparisons: Callable[[], Any], mode: str,
                 offload: Callable[[int, int], bool] | None = None) -> None:
        self.cache = cache
        self.comparisons = comparisons
        self.mode = mode
        #: in background mode, first offered a cold comparison: True when a job worker took it
        self.offload = offload
        self._pid = os.getpid()
        self._pool: ThreadPoolExecutor | None = None
        self._pending: set[str] = set()
        self._lock = threading.Lock()

    def key(self, story_id: int, version: int) -> str:
        return self.cache.key("story", story_id, version, "summaries")

    @staticmethod
    def extract(comparison: dict[str, Any]) -> dict[str, str]:
        """outlet name → summary, from whatever shape ``outlets`` has (list or mapping)."""
        outlets = comparison.get("outlets") if isinstance(comparison, dict) else None
        out: dict[str, str] = {}
        items = outlets.items() if isinstance(outlets, dict) else enumerate(outlets or [])
        for k, item in items:
            if not isinstance(item, dict):
                continue
            name = item.get("outlet") or item.get("name") or (k if isinstance(k, str) else None)
            if isinstance(name, dict):
                name = name.get("name")
            summary = item.get("summary")
            if name and isinstance(summary, str) and summary.strip():
                out[str(name)] = summary.strip()
        return out

    def get(self, story_id: int, version: int) -> tuple[dict[str, str] | None, str]:
        """(outlet → summary, status): status is ready, pending or unavailable."""
        if self.mode == "off":
            return None, "unavailable"
        key = self.key(story_id, version)
        raw = self.cache.get_bytes(key)
        if raw is not None:
            return orjson.loads(raw), "ready"
        try:
            comps = self.comparisons()
            full = self.cache.get_bytes(comps.key(story_id, version))
        except Exception:  # noqa: BLE001 - summaries are optional
            return None, "unavailable"
        if full is not None:
            found = self.extract(orjson.loads(full))
            self.cache.set_json(key, found)
            return found, "ready"
        if self.mode == "inline":
            return self._compute(story_id, version)
        if self.mode == "background":
            if self.offload is None or not self.offload(story_id, version):
                self._submit(story_id, version, key)
            return None, "pending"
        return None, "unavailable"

    def _compute(self, story_id: int, version: int) -> tuple[dict[str, str] | None, str]:
        try:
            comp = self.comparisons().get(story_id)
        except Exception as exc:  # noqa: BLE001 - an absent or failing comparison engine degrades
            log.info("no comparison for story %s: %s", story_id, type(exc).__name__)
            return None, "unavailable"
        found = self.extract(comp)
        self.cache.set_json(self.key(story_id, version), found)
        return found, "ready"

    def _submit(self, story_id: int, version: int, key: str) -> None:
        if self._pid != os.getpid():  # forked: the parent's pool is not ours
            self._pid, self._pool, self._pending = os.getpid(), None, set()
        with self._lock:
            if key in self._pending:
                return
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsprism-summaries")
            self._pending.add(key)

        def run() -> None:
            try:
                self._compute(story_id, version)
            finally:
                with self._lock:
                    self._pending.discard(key)

        self._pool.submit(run)

    def wait(self, timeout: float = 60.0) -> None:
        """Wait for background computations (tests)."""
        t0 = time.monotonic()
        while self._pending and time.monotonic() - t0 < timeout:
            time.sleep(0.05)


class Matcher:
    """The match use case (``services.search.matcher``)."""

    def __init__(self, search: "SearchService", *, assignment: Any, registry: Any, rules: Any,
                 comparisons: Callable[[], Any], ingestor: Callable[[], Any], keys: Callable[[], Any],
                 params: MatchParams, offload: Callable[[int, int], bool] | None = None) -> None:
        self.search = search
        self.assignment = assignment
        self.registry = registry
        self.rules = rules
        self.ingestor = ingestor
        self.keys = keys
        self.params = params
        # decoded states run from 5 to 80 KB: 2,000 of them bound this cache near 50 MB a worker
        self.states = StateCache(max_items=2000)
        self.stats = CachedTermStats(search.db)
        self.summaries = Summaries(search.cache, comparisons, params.summaries, offload)

    @property
    def threshold(self) -> float:
        t = self.params.threshold
        return float(self.assignment.params.threshold if t is None else t)

    @property
    def db(self) -> Any:
        return self.search.db

    @property
    def cache(self) -> Any:
        return self.search.cache

    @property
    def index(self) -> Any:
        return self.search.index

    # -- entry point ----------------------------------------------------------------------------
    def match(self, m: Any, *, exclude_article_ids: Iterable[int] = (), use_cache: bool = True,
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
            key = self.cache.key("match", hashlib.sha256(uk.encode("utf-8")).hexdigest()[:32], counter)
            raw = self.cache.get_bytes(key)
            if raw is not None:
                out = orjson.loads(raw)
                out["cached"] = True
                return out
        out = self._answer(m, uk, exclude, authorized, with_debug)
        if key is not None:
            self.cache.set_json(key, out, ttl=self.params.cache_ttl)
        out["cached"] = False
        return out

    def _answer(self, m: Any, uk: str | None, exclude: set[int], authorized: Callable[[], Any] | None,
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
                                   Article.story_id, Article.assign_score, Outlet.name)
                            .join(Outlet, Outlet.id == Article.outlet_id)
                            .where(Article.url_key == uk)).first()
        if row is None or row.story_id is None:
            return None
        return {"id": row.id, "external_id": row.external_id, "title": row.title, "url": row.url,
                "published_at": iso(row.published_at), "outlet": row.name, "story_id": row.story_id,
                "assign_score": row.assign_score}

    def _from_store(self, article: dict[str, Any], method: str) -> dict[str, Any]:
        story, others, summaries, status = self._story_answer(article["story_id"], article["outlet"])
        if story is None:
            return self._no_story(None, method, article["outlet"])
        return {"status": "matched", "method": method, "score": 1.0, "threshold": self.threshold,
                "story": story, "article": {k: article[k] for k in ("id", "external_id", "outlet", "title",
                                                                    "published_at")},
                "outlet": article["outlet"], "outlets": others, "summaries": status}

    def _ingest(self, m: Any) -> dict[str, Any]:
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
                                   Article.story_id, Outlet.name).join(Outlet, Outlet.id == Article.outlet_id)
                            .where(Article.id == r.id)).first()
        out = self._from_store({"id": row.id, "external_id": row.external_id, "title": row.title,
                                "published_at": iso(row.published_at), "outlet": row.name,
                                "story_id": row.story_id}, method="ingest")
        out["ingested"] = r.status
        return out

    # -- unknown articles ---------------------------------------------------------------------------
    def prepare(self, m: Any) -> tuple[str, str, datetime | None]:
        """(title, clean text, published_at) the way ingest would see them."""
        title = m.title or ""
        published = m.published_at
        raw = m.text or ""
        if m.html:
            body, html_title = html_text_and_title(m.html)
            title = title or html_title or ""
            raw = m.text or body
            if published is None:
                published = html_date(m.html)
        clean = clean_text(raw, self.rules) if raw else ""
        title = " ".join(title.split())
        if not clean.strip() and not title:
            raise ValidationFailed("no article text left after extraction; send 'text' or a fuller 'html'",
                                   errors=[{"field": "html" if m.html else "text", "message": "empty after cleaning",
                                            "type": "empty"}])
        return title, clean, to_datetime(published)

    def _by_content(self, m: Any, exclude: set[int], with_debug: bool) -> dict[str, Any]:
        title, clean, published = self.prepare(m)
        texts = self.assignment.texts(title, clean)
        vecs = encode_grouped(self.search.embedder, texts)
        signals = self.assignment.signals(title, clean, published, list(vecs))
        best, debug = self.best_story(signals, exclude)
        outlet = self._outlet_of(m)
        if best is None or best[1] < self.threshold:
            out = self._no_story(best[1] if best else None, "content", outlet)
            if with_debug:
                out["debug"] = debug
            return out
        sid, score = best
        story, others, summaries, status = self._story_answer(sid, outlet, exclude)
        if story is None:
            return self._no_story(score, "content", outlet)
        out = {"status": "matched", "method": "content", "score": round(score, 4),
               "threshold": self.threshold, "story": story, "article": None, "outlet": outlet,
               "outlets": others, "summaries": status}
        if with_debug:
            out["debug"] = debug
        return out

    def best_story(self, signals: Any, exclude: set[int] = frozenset()) -> tuple[tuple[int, float] | None, dict]:
        """(story id, score) of the best candidate story, or None when there is none."""
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
        stats = self.stats.at(idx.marker or 0)
        scores = self.assignment.assigner.score(signals, [st for _, st in pairs], stats)
        j = int(np.argmax(scores))
        order = np.argsort(-scores)[:5]
        debug = {"candidates": len(pairs), "top": [[pairs[i][0], round(float(scores[i]), 4)] for i in order]}
        return (pairs[j][0], float(scores[j])), debug

    def _candidates(self, signals: Any) -> list[int]:
        """Index rows of the candidate stories: nearest by centroid and by headline, within
        the assigner's time window when the article has a date."""
        idx = self.index
        window = self.assignment.params.window_days
        if signals.published_at is not None:
            mask = idx.time_mask(signals.published_at, window)
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
        out: dict[int, StoryState | None] = {}
        missing = []
        for sid in sids:
            st = self.states.get(sid, versions[sid])
            if st is None:
                missing.append(sid)
            else:
                out[sid] = st
        if missing:
            with self.db.session() as s:
                for sid, ver, raw in s.execute(select(Story.id, Story.version, Story.state)
                                               .where(Story.id.in_(missing))).all():
                    st = decode_state(raw)
                    if st is None:
                        continue
                    self.states.put(sid, ver, st)
                    out[sid] = st
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
        texts = [self.assignment.texts(a.title, a.clean_text) for a in arts]
        flat = encode_grouped(self.search.embedder, [t for ts in texts for t in ts])
        assigner = self.assignment.assigner
        state = None
        pos = 0
        for a, ts in zip(arts, texts):
            vs = list(flat[pos:pos + len(ts)])
            pos += len(ts)
            sig = self.assignment.signals(a.title, a.clean_text, as_utc(a.published_at), vs)
            state = assigner.new_story(sig) if state is None else assigner.absorb(state, sig)
        return state

    # -- answers --------------------------------------------------------------------------------------
    def _outlet_of(self, m: Any) -> str | None:
        if m.outlet:
            known = self.registry.by_name(m.outlet)
            return known.name if known else m.outlet
        info = self.registry.by_url(m.url) if m.url else None
        return info.name if info else None

    def _no_story(self, score: float | None, method: str, outlet: str | None) -> dict[str, Any]:
        return {"status": "no_story", "method": method, "score": None if score is None else round(score, 4),
                "threshold": self.threshold, "story": None, "article": None, "outlet": outlet,
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
                                    Article.ingested_at, Outlet.name)
                             .join(Outlet, Outlet.id == Article.outlet_id)
                             .where(Article.story_id == story_id)).all()
            story = {"id": st.id, "label": st.label, "version": st.version, "article_count": st.article_count,
                     "outlet_count": st.outlet_count, "first_seen": iso(st.first_seen),
                     "last_seen": iso(st.last_seen), "href": f"/api/v1/stories/{st.id}"}
            version = st.version
        summaries, status = self.summaries.get(story_id, version)
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
                           "summary": (summaries or {}).get(name)})
        return story, others, summaries, status


def encode_grouped(embedder: Any, texts: list[str], ratio: float = 1.8) -> np.ndarray:
    """``embedder.encode(texts)`` in groups of similar length: one batch pads every text to
    the longest, so a 600-character lead next to five short sentences costs six leads. Same
    vectors, same caches; rows come back in the input order."""
    if len(texts) <= 1:
        return embedder.encode(texts)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    groups: list[list[int]] = [[order[0]]]
    for i in order[1:]:
        if len(texts[i]) > ratio * max(40, len(texts[groups[-1][0]])):
            groups.append([i])
        else:
            groups[-1].append(i)
    if len(groups) == 1:
        return embedder.encode(texts)
    out: np.ndarray | None = None
    for g in groups:
        vecs = embedder.encode([texts[i] for i in g])
        if out is None:
            out = np.zeros((len(texts), vecs.shape[1]), dtype=np.float32)
        out[g] = vecs
    return out


def html_date(html: str) -> str | None:
    """The page's publication date from its metadata (trafilatura), if any."""
    try:
        import trafilatura

        meta = trafilatura.extract_metadata(html)
        return meta.date if meta is not None and meta.date else None
    except Exception:  # noqa: BLE001 - a date is optional
        return None
