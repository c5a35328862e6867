"""Ingest: validate → resolve outlet → clean → deduplicate → embed → assign → store.

A batch is prepared outside any transaction (cleaning and embedding are the slow parts),
then written in ONE transaction that holds the store-wide assignment lock: either every
accepted article of the batch is stored with its story, or none is. Re-sending the batch
after a failure is safe, because ingest is idempotent by URL, content and external id.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import numpy as np
from pydantic import ValidationError
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from clustering.cleaning import CleaningRules, clean_text, content_hash, html_text_and_title
from service.outlets import OutletRegistry, slugify
from service.pipeline.assigning import StoryAssignment
from service.pipeline.embeddings import CachedEmbedder
from service.schemas import ArticleIn
from service.store import Database
from service.store.db import as_utc
from service.store.models import Article, Outlet, Story, utcnow

log = logging.getLogger(__name__)

_TRACKING = re.compile(r"^(utm_|fbclid$|gclid$|mc_|ref$|ref_src$|cmpid$|ocid$|smid$|guccounter$)")


def url_key(url: str | None) -> str | None:
    """The dedup key of a URL: host without www, path without trailing slash, query without
    tracking parameters, no scheme or fragment."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("amp.")
    path = re.sub(r"/(amp/?)?$", "", parts.path) or "/"
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query) if not _TRACKING.match(k.lower())))
    return (host + path + ("?" + query if query else ""))[:700]


def validation_errors(exc: ValidationError, prefix: tuple = ()) -> list[dict[str, Any]]:
    """pydantic errors as ``{"field", "message"}`` items of the problem body."""
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in (*prefix, *err["loc"])) or "(body)"
        msg = err["msg"].removeprefix("Value error, ")
        out.append({"field": loc, "message": msg, "type": err["type"]})
    return out


@dataclass
class Prepared:
    """One validated, cleaned article waiting for the write transaction."""

    index: int
    item: ArticleIn
    outlet_name: str
    title: str
    raw_text: str
    clean: str
    url_key: str | None
    content_hash: str
    vector: np.ndarray | None = None
    signals: Any = None


@dataclass
class ItemResult:
    index: int
    status: str  # created | duplicate | rejected
    id: int | None = None
    external_id: str | None = None
    story_id: int | None = None
    errors: list[dict[str, Any]] | None = None
    detail: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"index": self.index, "status": self.status, "id": self.id,
                             "external_id": self.external_id, "story_id": self.story_id}
        if self.status == "rejected":
            d["error"] = {"title": "Validation failed" if self.errors else "Conflict",
                          "detail": self.detail, "errors": self.errors or []}
        return d


@dataclass
class IngestReport:
    results: list[ItemResult] = field(default_factory=list)
    touched_stories: set[int] = field(default_factory=set)
    #: embeddings computed while preparing, written with the batch's transaction
    new_embeddings: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)


class _Known:
    """The stored articles a batch may duplicate, read in one query, plus the ones the batch
    itself adds: the same URL, then the same content, then the same client id (the strongest
    identity first)."""

    def __init__(self, s: Session, ready: list[Prepared]) -> None:
        self.by_url: dict[str, Any] = {}
        self.by_hash: dict[str, Any] = {}
        self.by_id: dict[str, Any] = {}
        conds = [Article.content_hash.in_({p.content_hash for p in ready})]
        if urls := {p.url_key for p in ready if p.url_key}:
            conds.append(Article.url_key.in_(urls))
        if ids := {p.item.id for p in ready if p.item.id}:
            conds.append(Article.external_id.in_(ids))
        cols = (Article.id, Article.external_id, Article.url_key, Article.content_hash, Article.story_id)
        for row in s.execute(select(*cols).where(or_(*conds))):
            self.add(row)

    def add(self, article: Any) -> None:
        if article.url_key:
            self.by_url.setdefault(article.url_key, article)
        self.by_hash.setdefault(article.content_hash, article)
        if article.external_id:
            self.by_id.setdefault(article.external_id, article)

    def find(self, p: Prepared) -> Any | None:
        return ((p.url_key and self.by_url.get(p.url_key)) or self.by_hash.get(p.content_hash)
                or (p.item.id and self.by_id.get(p.item.id)) or None)


class Ingestor:
    """The ingest use case; the API, the CLI and replay all call :meth:`ingest`."""

    def __init__(self, db: Database, embedder: CachedEmbedder, registry: OutletRegistry,
                 rules: CleaningRules, assignment: StoryAssignment, max_text_chars: int,
                 max_title_chars: int) -> None:
        self.db = db
        self.embedder = embedder
        self.registry = registry
        self.rules = rules
        self.assignment = assignment
        self.max_text_chars = max_text_chars
        self.max_title_chars = max_title_chars

    # -- preparation (no transaction) ---------------------------------------------------
    def validate(self, index: int, raw: Any) -> ArticleIn | ItemResult:
        if not isinstance(raw, dict):
            return ItemResult(index, "rejected", detail="each article must be a JSON object",
                              errors=[{"field": f"articles.{index}", "message": "expected an object", "type": "type"}])
        try:
            item = ArticleIn.model_validate(raw)
        except ValidationError as exc:
            return ItemResult(index, "rejected", detail="the article is invalid", errors=validation_errors(exc))
        problems = []
        if item.title and len(item.title) > self.max_title_chars:
            problems.append({"field": "title", "message": f"longer than {self.max_title_chars} characters", "type": "too_long"})
        for name in ("text", "html"):
            value = getattr(item, name)
            if value and len(value) > self.max_text_chars:
                problems.append({"field": name, "message": f"longer than {self.max_text_chars} characters", "type": "too_long"})
        if problems:
            return ItemResult(index, "rejected", external_id=item.id, detail="the article is too large", errors=problems)
        return item

    def prepare(self, index: int, item: ArticleIn) -> Prepared | ItemResult:
        outlet = self.registry.by_url(item.url)
        outlet_name = item.outlet or (outlet.name if outlet else None)
        if item.outlet:
            known = self.registry.by_name(item.outlet)
            outlet_name = known.name if known else item.outlet
        if not outlet_name:
            return ItemResult(index, "rejected", external_id=item.id,
                              detail="no outlet: give 'outlet', or a 'url' whose domain is in config/outlets.toml",
                              errors=[{"field": "outlet", "message": "missing and not resolvable from the URL", "type": "missing"}])
        title = item.title or ""
        if item.html:
            body, html_title = html_text_and_title(item.html)
            title = title or html_title or ""
            raw = item.text or body
        else:
            raw = item.text or ""
        if not title.strip():
            return ItemResult(index, "rejected", external_id=item.id, detail="no title",
                              errors=[{"field": "title", "message": "missing, and the HTML has no <title>", "type": "missing"}])
        clean = clean_text(raw, self.rules)
        if not clean.strip():
            return ItemResult(index, "rejected", external_id=item.id, detail="no article text left after cleaning",
                              errors=[{"field": "text" if item.text else "html", "message": "empty after removing markup and boilerplate", "type": "empty"}])
        title = " ".join(title.split())
        return Prepared(index=index, item=item, outlet_name=outlet_name, title=title, raw_text=raw,
                        clean=clean, url_key=url_key(item.url), content_hash=content_hash(title, clean))

    # -- the use case --------------------------------------------------------------------
    def ingest(self, items: list[Any]) -> IngestReport:
        """Ingest a batch in one transaction; returns one result per input item, in order."""
        return self.write_batch(*self.prepare_batch(items))

    def ingest_batches(self, batches: Iterable[list[Any]]) -> Iterator[IngestReport]:
        """Ingest consecutive batches (one transaction each, in order), preparing and
        embedding batch k+1 in a second thread while batch k is written: the model (which
        releases the GIL) keeps working during the write phase, so a bulk load runs at about
        the model's speed. Yields one report per batch."""
        it = iter(batches)
        first = next(it, None)
        if first is None:
            return
        with ThreadPoolExecutor(1, thread_name_prefix="newsprism-prepare") as pool:
            pending = pool.submit(self.prepare_batch, first)
            for batch in it:
                prepared = pending.result()
                pending = pool.submit(self.prepare_batch, batch)
                yield self.write_batch(*prepared)
            yield self.write_batch(*pending.result())

    def prepare_batch(self, items: list[Any]) -> tuple[IngestReport, list[Prepared]]:
        """Validate, clean, embed and compute the signals of a batch (no write transaction).
        Returns the report so far (the rejected items) and the prepared ones."""
        report = IngestReport()
        ready: list[Prepared] = []
        for i, raw in enumerate(items):
            checked = self.validate(i, raw)
            if isinstance(checked, ItemResult):
                report.results.append(checked)
                continue
            prepared = self.prepare(i, checked)
            if isinstance(prepared, ItemResult):
                report.results.append(prepared)
            else:
                ready.append(prepared)
        if ready:
            per_article = [self.assignment.texts(p.title, p.clean) for p in ready]
            vectors = self.embedder.encode([t for texts in per_article for t in texts], pending=report.new_embeddings)
            pos = 0
            for p, texts in zip(ready, per_article):
                vs = list(vectors[pos:pos + len(texts)])
                pos += len(texts)
                p.vector = vs[0]
                p.signals = self.assignment.signals(p.title, p.clean, p.item.published_at, vs)
        return report, ready

    def write_batch(self, report: IngestReport, ready: list[Prepared]) -> IngestReport:
        """Store a prepared batch and assign its articles, in one write transaction."""
        if ready:
            report.results.extend(self._write(ready, report))
        report.results.sort(key=lambda r: r.index)
        return report

    def _write(self, ready: list[Prepared], report: IngestReport) -> list[ItemResult]:
        # (index, status, the article (new or stored), client id to report, detail); ids are
        # read after the batch's one flush at the end (no flush per article)
        done: list[tuple[int, str, Any, str | None, str | None]] = []
        with self.db.write() as s:
            session_assign = self.assignment.begin(s)
            outlets: dict[str, Outlet] = {}
            outlets_of: dict[int, set[int]] = {}  # story id -> its outlets, as of this batch
            seen = _Known(s, ready)
            self.embedder.store_in(s, report.new_embeddings)
            with s.no_autoflush:
                for p in ready:
                    existing = seen.find(p)
                    if existing is not None:
                        # the same article under another client id is still the same article; the
                        # same client id on different content (and another URL) is a conflict
                        if p.item.id and existing.external_id == p.item.id and existing.content_hash != p.content_hash \
                                and (p.url_key is None or existing.url_key != p.url_key):
                            done.append((p.index, "rejected", existing, p.item.id,
                                         f"external id {p.item.id!r} is already used by another article"))
                        else:
                            done.append((p.index, "duplicate", existing, None, None))
                        continue
                    outlet = outlets.get(p.outlet_name) or self._outlet(s, p.outlet_name)
                    outlets[p.outlet_name] = outlet
                    article = Article(
                        external_id=p.item.id, url=p.item.url, url_key=p.url_key, outlet_id=outlet.id,
                        title=p.title, raw_text=p.raw_text, clean_text=p.clean, language=p.item.language,
                        published_at=p.item.published_at, ingested_at=utcnow(), content_hash=p.content_hash,
                        embedding=p.vector.astype(np.float32).tobytes(),
                    )
                    story, score = session_assign.assign(p.signals, p.item.published_at, p.title)
                    article.story_id = story.id
                    article.assign_score = score
                    s.add(article)
                    seen.add(article)
                    self._refresh_story(s, story, article, outlets_of)
                    report.touched_stories.add(story.id)
                    done.append((p.index, "created", article, None, None))
            s.flush()
            session_assign.finish()
        session_assign.committed()
        return [ItemResult(index, status, obj.id, ext if ext is not None else obj.external_id, obj.story_id,
                           detail=detail) for index, status, obj, ext, detail in done]

    def _outlet(self, s: Session, name: str) -> Outlet:
        row = s.execute(select(Outlet).where(Outlet.name == name)).scalar_one_or_none()
        if row is not None:
            return row
        info = self.registry.by_name(name)
        slug = info.slug if info else slugify(name)
        base, n = slug, 1
        while s.execute(select(Outlet.id).where(Outlet.slug == slug)).first():
            n += 1
            slug = f"{base}-{n}"
        row = Outlet(name=name, slug=slug, domains=list(info.domains) if info else [],
                     country=info.country if info else None, type=info.type if info else None)
        s.add(row)
        s.flush()
        return row

    @staticmethod
    def _refresh_story(s: Session, story: Story, article: Article, outlets_of: dict[int, set[int]]) -> None:
        # the span of publication times (the assigner's time window works on these);
        # undated articles leave it unchanged
        when = as_utc(article.published_at)
        if when is not None:
            story.first_seen = min(filter(None, [as_utc(story.first_seen), when]))
            story.last_seen = max(filter(None, [as_utc(story.last_seen), when]))
        known = outlets_of.get(story.id)
        if known is None:
            # first touch in this batch: the stored articles' outlets (none for a new story)
            known = outlets_of[story.id] = set() if not story.article_count else set(s.execute(
                select(Article.outlet_id).where(Article.story_id == story.id).distinct()).scalars())
        known.add(article.outlet_id)
        story.article_count = (story.article_count or 0) + 1
        story.outlet_count = len(known)
        if not story.label:
            story.label = article.title
        story.version = (story.version or 0) + 1
        story.updated_at = utcnow()
