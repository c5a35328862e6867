"""SQLAlchemy 2 table models: outlets, articles, copy bands, stories, embeddings, term
statistics, keys, sources, the store's identity."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    """Declarative base of every newsprism table."""


class Outlet(Base):
    __tablename__ = "outlets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    domains: Mapped[list] = mapped_column(JSON, default=list)
    country: Mapped[str | None] = mapped_column(String(8))
    type: Mapped[str | None] = mapped_column(String(100))


class Story(Base):
    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    label: Mapped[str | None] = mapped_column(Text)
    topic: Mapped[str | None] = mapped_column(Text)
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    article_count: Mapped[int] = mapped_column(Integer, default=0)
    outlet_count: Mapped[int] = mapped_column(Integer, default=0)
    first_seen: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # float32 bytes of the L2-normalised dense centroid (search index input)
    centroid: Mapped[bytes | None] = mapped_column(LargeBinary)
    # the assigner's full state (clustering.assign.StoryState.to_bytes)
    state: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    articles: Mapped[list["Article"]] = relationship(back_populates="story")

    __table_args__ = (Index("ix_stories_last_seen", "last_seen"), Index("ix_stories_updated_at", "updated_at"))


class Article(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(300), unique=True)
    url: Mapped[str | None] = mapped_column(Text)
    # normalised URL (no scheme, www, fragment or tracking parameters): the dedup key
    url_key: Mapped[str | None] = mapped_column(String(700), unique=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id"))
    title: Mapped[str] = mapped_column(Text)
    raw_text: Mapped[str] = mapped_column(Text)
    clean_text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ingested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # the same outlet never stores the same content twice; another outlet's identical text
    # is a copy (``copy_of``), not a duplicate
    content_hash: Mapped[str] = mapped_column(String(64))
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id"))
    assign_score: Mapped[float | None] = mapped_column(Float)
    # float32 bytes of the L2-normalised embedding of the embedded text (title + lead)
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)
    # wire copy or republished text: the earliest stored article with (nearly) this text,
    # and the share of text the two have in common (Jaccard similarity of word shingles)
    copy_of: Mapped[int | None] = mapped_column(ForeignKey("articles.id"))
    copy_similarity: Mapped[float | None] = mapped_column(Float)

    outlet: Mapped[Outlet] = relationship()
    story: Mapped[Story | None] = relationship(back_populates="articles")

    __table_args__ = (
        Index("ix_articles_story_id", "story_id"),
        Index("ix_articles_published_at", "published_at"),
        Index("ix_articles_outlet_id", "outlet_id"),
        Index("ix_articles_content_hash", "content_hash"),
        Index("ix_articles_copy_of", "copy_of"),
        UniqueConstraint("outlet_id", "content_hash", name="uq_articles_outlet_content"),
    )


class CopyBand(Base):
    """The near-copy index: one row per LSH band key of an article body
    (``clustering.copies``); articles sharing a key are candidate copies."""

    __tablename__ = "copy_bands"

    band: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)


class EmbeddingCache(Base):
    """Embeddings by (model, text) hash, so nothing is encoded twice."""

    __tablename__ = "embedding_cache"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class TermStat(Base):
    """Document frequencies of terms over every stored article (the sparse signal's IDF).

    The row with term '' holds the number of documents.
    """

    __tablename__ = "term_stats"

    term: Mapped[str] = mapped_column(String(200), primary_key=True)
    df: Mapped[int] = mapped_column(BigInteger, default=0)


class ApiKey(Base):
    """A hashed API key (sha256 of the key); the key itself is never stored."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Source(Base):
    """A feed or news sitemap newsprism polls for one outlet, with its health.

    ``items_seen`` and ``articles_created`` are totals over every poll; ``failures`` counts
    the errors since the last success (the backoff's exponent)."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    # normalised URL (service.usecases.identity.url_key): adding the same feed twice is harmless
    url_key: Mapped[str] = mapped_column(String(700), unique=True)
    outlet: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str | None] = mapped_column(String(20))
    interval_minutes: Mapped[int] = mapped_column(Integer, default=30)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    last_polled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_status: Mapped[str | None] = mapped_column(String(40))
    last_http_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    items_seen: Mapped[int] = mapped_column(Integer, default=0)
    articles_created: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    next_poll_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("ix_sources_next_poll_at", "next_poll_at"),)


class StoreMeta(Base):
    """The store's identity: one row (``id`` 1) holding a random id written when the store is
    created (``service.store.identity``); cached answers that depend on the store carry it."""

    __tablename__ = "store_meta"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
