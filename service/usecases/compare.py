"""The comparison use case: compute once per (analysis version, story version), then serve
the serialised bytes from the cache. A new article bumps the story version, so a stale
comparison is never served and nothing needs deleting."""
from __future__ import annotations

import logging
import threading
import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from service.cache import Cache
from service.errors import NotFound
from service.store import Database
from service.store.db import as_utc
from service.store.models import Article, Story

log = logging.getLogger(__name__)


class Comparisons:
    """``get_raw(story_id) -> (json bytes, "hit"|"miss")``."""

    def __init__(self, db: Database, cache: Cache, embed, params: Any = None, lexicons: Any = None) -> None:
        self.db = db
        self.cache = cache
        self.embed = embed
        self.params = params
        self.lexicons = lexicons
        # one computation per key at a time in this process (no dog-pile on a cold story)
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def key(self, story_id: int, version: int) -> str:
        """The cache key of a story version's comparison (the engine version is part of it, so
        a changed engine never serves a comparison the old one made)."""
        from clustering.compare.engine import ENGINE_VERSION

        return self.cache.store_key("story", story_id, version, "comparison", ENGINE_VERSION)

    def _load(self, story_id: int) -> tuple[Story, list[Article]]:
        with self.db.session() as s:
            st = s.get(Story, story_id)
            if st is None or not st.article_count:
                raise NotFound(f"no story {story_id}")
            arts = s.execute(select(Article).options(selectinload(Article.outlet))
                             .where(Article.story_id == story_id).order_by(Article.id)).scalars().all()
            return st, list(arts)

    def compute(self, story: Story, articles: list[Article]) -> dict[str, Any]:
        """Run the comparison engine over the story's articles (no cache)."""
        from clustering.compare import CompareArticle, compare_story

        items = [CompareArticle(id=a.id, external_id=a.external_id, outlet=a.outlet.name, title=a.title,
                                text=a.clean_text, url=a.url, published_at=as_utc(a.published_at),
                                copy_of=a.copy_of, copy_similarity=a.copy_similarity)
                 for a in articles]
        t0 = time.perf_counter()
        result = compare_story({"id": story.id, "label": story.label, "version": story.version}, items,
                               self.embed, self.params, self.lexicons)
        result.setdefault("meta", {})["compute_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        return result

    def version(self, story_id: int) -> int:
        """The story's current version (``NotFound`` for an unknown or empty story)."""
        with self.db.session() as s:
            v = s.execute(select(Story.version).where(Story.id == story_id, Story.article_count > 0)).scalar_one_or_none()
        if v is None:
            raise NotFound(f"no story {story_id}")
        return v

    def get_raw(self, story_id: int) -> tuple[bytes, str]:
        """The comparison as JSON bytes and whether the cache had it ("hit" or "miss"); one
        computation per key at a time in the process."""
        key = self.key(story_id, self.version(story_id))
        raw = self.cache.get_bytes(key)
        if raw is not None:
            return raw, "hit"
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            raw = self.cache.get_bytes(key)
            if raw is not None:
                return raw, "hit"
            story, articles = self._load(story_id)
            # the version may have moved on between the two reads: key by what was computed
            result = self.compute(story, articles)
            raw = self.cache.set_json(self.key(story_id, story.version), result)
        with self._guard:
            self._locks.pop(key, None)
        return raw, "miss"

    def get(self, story_id: int) -> dict[str, Any]:
        """The comparison as a dict."""
        import orjson

        return orjson.loads(self.get_raw(story_id)[0])

    def claims(self, story_id: int) -> tuple[dict[str, Any], str]:
        """The story's claims list, read from the same cached comparison, and whether the
        cache had the comparison ("hit" or "miss").

        Returns:
            ``({"story", "claims", "abstentions", "summaries"}, source)``.
        """
        import orjson

        raw, source = self.get_raw(story_id)
        comp = orjson.loads(raw)
        claims = comp.get("claims")
        abstentions = comp.get("abstentions")
        if claims is None:  # a comparison cached by an engine without a claims list
            from clustering.compare.claims import build_claims

            built = build_claims(comp)
            claims, abstentions = built["claims"], built["abstentions"]
        summaries = {c["outlet"]: c["statement"] for c in claims if c.get("kind") == "summary"}
        return {"story": comp.get("story"), "claims": claims, "abstentions": abstentions or [],
                "summaries": summaries}, source
