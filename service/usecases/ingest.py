"""Ingest: validate → resolve outlet → clean → deduplicate → embed → assign → store.

A batch is prepared outside any transaction (cleaning and embedding are the slow parts),
then written in ONE transaction that holds the store-wide assignment lock: either every
accepted article of the batch is stored with its story, or none is. Re-sending the batch
after a failure is safe, because ingest is idempotent by URL, content and external id
(``service.usecases.identity``).
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import numpy as np
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from clustering.cleaning import CleaningRules, content_hash
from clustering.copies import CopyParams, fingerprint
from clustering.undated import place_undated
from service.errors import validation_errors
from service.outlets import OutletRegistry, slugify
from service.schemas import ArticleIn
from service.store import Database
from service.store.models import Article, Outlet, utcnow
from service.usecases.assignment import Assignment
from service.usecases.batch import IngestReport, ItemResult, Prepared
from service.usecases.embeddings import CachedEmbedder
from service.usecases.copies import CopyFinder
from service.usecases.identity import StoredIdentities, url_key
from service.usecases.prepare import embed_signals, prepare_article

log = logging.getLogger(__name__)

#: articles per bulk-ingest transaction (``newsprism ingest``, replay, the RQ ingest job):
#: larger batches pad less when they are embedded (the model sorts a batch's texts by
#: length) and commit less often; 64 ran at 0.86-0.89 of the model's raw speed, 256 at 0.92
#: (docs/performance.md); the write lock is held ≈ 0.5 s
BULK_BATCH = 256


class Ingestor:
    """The ingest use case; the API, the CLI, the jobs and replay all call :meth:`ingest`
    (or :meth:`ingest_batches`)."""

    def __init__(self, db: Database, embedder: CachedEmbedder, registry: OutletRegistry,
                 rules: CleaningRules, assignment: Assignment, max_text_chars: int,
                 max_title_chars: int, copies: CopyParams | None = None) -> None:
        self.db = db
        self.embedder = embedder
        self.registry = registry
        self.rules = rules
        self.assignment = assignment
        self.max_text_chars = max_text_chars
        self.max_title_chars = max_title_chars
        self.copies = copies or CopyParams()

    # -- preparation (no transaction) ---------------------------------------------------
    def validate(self, index: int, raw: Any) -> ArticleIn | ItemResult:
        """The item as an ``ArticleIn``, or why it is rejected (shape, fields, sizes)."""
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
        """The article's outlet, headline and clean body, or why it is rejected."""
        outlet_name = self.registry.resolve(item.outlet, item.url)
        if not outlet_name:
            return ItemResult(index, "rejected", external_id=item.id,
                              detail="no outlet: give 'outlet', or a 'url' whose domain is in config/outlets.toml",
                              errors=[{"field": "outlet", "message": "missing and not resolvable from the URL", "type": "missing"}])
        text = prepare_article(item.title, item.text, item.html, self.rules)
        if not text.title:
            return ItemResult(index, "rejected", external_id=item.id, detail="no title",
                              errors=[{"field": "title", "message": "missing, and the HTML has no <title>", "type": "missing"}])
        if not text.clean.strip():
            return ItemResult(index, "rejected", external_id=item.id, detail="no article text left after cleaning",
                              errors=[{"field": "text" if item.text else "html", "message": "empty after removing markup and boilerplate", "type": "empty"}])
        return Prepared(index=index, item=item, outlet_name=outlet_name, title=text.title, raw_text=text.raw,
                        clean=text.clean, url_key=url_key(item.url), content_hash=content_hash(text.title, text.clean),
                        fingerprint=fingerprint(text.clean, self.copies))

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
        # new embeddings are written with the batch's transaction (report.new_embeddings)
        encode = partial(self.embedder.encode, pending=report.new_embeddings)
        embedded = embed_signals(self.assignment, encode, [(p.title, p.clean, p.item.published_at) for p in ready])
        # an undated article is placed at the median date of the batch it came with (else the
        # ingest time) for choosing its candidate stories: never compared with every story
        placed = place_undated([signals for _, signals in embedded], utcnow())
        for p, (vectors, _), signals in zip(ready, embedded, placed):
            p.vector = vectors[0]
            p.signals = signals
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
            assigning = self.assignment.begin(s)
            outlets: dict[str, Outlet] = {}
            seen = StoredIdentities(s, ready)
            copies = CopyFinder(s, self.copies)
            self.embedder.store_in(s, report.new_embeddings)
            with s.no_autoflush:
                for p in published_first(ready):
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
                    # another outlet's text (identical or lightly edited): a copy, linked after the flush
                    copies.link(p, article, seen.same_text(p))
                    story = assigning.assign(p.signals, article)
                    s.add(article)
                    seen.add(article, p.outlet_name)
                    report.touched_stories.add(story.id)
                    done.append((p.index, "created", article, None, None))
            s.flush()
            copies.flush()
            assigning.finish()
        assigning.committed()
        return [ItemResult(index, status, obj.id, ext if ext is not None else obj.external_id, obj.story_id,
                           detail=detail, copy_of=obj.copy_of, copy_similarity=obj.copy_similarity)
                for index, status, obj, ext, detail in done]

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


def published_first(ready: list[Prepared]) -> list[Prepared]:
    """A batch in the order its articles are assigned: the dated ones by publication time
    (ties in batch order), each undated one at its place in the batch, as a replay orders a
    file (``service.usecases.replay.published_order``). A batch posted in any order then
    makes the same stories as a replay of it."""
    def when(p: Prepared) -> Any:
        return p.signals.published_at if p.signals is not None and not p.signals.time_estimated else None

    dated = sorted((p for p in ready if when(p) is not None), key=lambda p: (when(p), p.index))
    it = iter(dated)
    return [next(it) if when(p) is not None else p for p in ready]
