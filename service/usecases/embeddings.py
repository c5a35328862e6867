"""Embeddings with two cache tiers: Redis (fast, shared) then the store (durable).

Every text is keyed by ``clustering.embed.embedding_cache_key(model, text)``, so the same
text is never encoded twice, whichever worker or job met it first.
"""
from __future__ import annotations

import logging

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from clustering.embed import Embedder, embedding_cache_key
from service.cache import Cache
from service.store import Database
from service.store.models import EmbeddingCache

log = logging.getLogger(__name__)


class CachedEmbedder:
    """``encode(texts)`` through Redis, then the store, then the model (batched)."""

    def __init__(self, embedder: Embedder, model_name: str, cache: Cache, db: Database,
                 use_store: bool = True) -> None:
        self.embedder = embedder
        self.model_name = model_name
        self.cache = cache
        self.db = db
        self.use_store = use_store
        self.encoded = 0  # texts that went through the model (metrics)

    @property
    def dim(self) -> int:
        """The model's embedding dimension."""
        return self.embedder.dim

    def encode(self, texts: list[str], pending: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """L2-normalised float32 rows, one per text, in order. New vectors go to Redis at
        once; to the store in a transaction of their own, or, given ``pending``, into it for
        the caller to write with :meth:`store_in` inside its own transaction (ingest does:
        a second writer would wait for the ingest transaction's lock)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        keys = [embedding_cache_key(self.model_name, t) for t in texts]
        found: dict[str, np.ndarray] = {}
        redis_keys = [self.cache.key("emb", k) for k in keys]
        for k, raw in zip(keys, self.cache.get_many(redis_keys)):
            if raw is not None:
                found[k] = np.frombuffer(raw, dtype=np.float32)
        missing = [k for k in dict.fromkeys(keys) if k not in found]
        if missing and self.use_store:
            with self.db.session() as s:
                for i in range(0, len(missing), 500):
                    chunk = missing[i:i + 500]
                    for row in s.execute(select(EmbeddingCache).where(EmbeddingCache.key.in_(chunk))).scalars():
                        found[row.key] = np.frombuffer(row.vector, dtype=np.float32)
            self.cache.set_many({self.cache.key("emb", k): found[k].tobytes() for k in missing if k in found})
        todo = [k for k in dict.fromkeys(keys) if k not in found]
        if todo:
            text_of = dict(zip(keys, texts))
            vectors = self.embedder.encode([text_of[k] for k in todo]).astype(np.float32)
            self.encoded += len(todo)
            new = {k: v for k, v in zip(todo, vectors)}
            found.update(new)
            self.cache.set_many({self.cache.key("emb", k): v.tobytes() for k, v in new.items()})
            if self.use_store:
                if pending is not None:
                    pending.update(new)
                else:
                    self._store(new)
        return np.stack([found[k] for k in keys]).astype(np.float32, copy=False)

    def _store(self, vectors: dict[str, np.ndarray]) -> None:
        """Persist new embeddings; a race with another worker that stored them is harmless."""
        try:
            with self.db.session() as s:
                self.store_in(s, vectors)
                s.commit()
        except Exception as exc:  # noqa: BLE001 - the cache is an optimisation, never a failure
            log.warning("could not store embeddings: %s", type(exc).__name__)

    @staticmethod
    def store_in(s: Session, vectors: dict[str, np.ndarray]) -> None:
        """Add the embeddings not stored yet to the caller's transaction (no commit)."""
        if not vectors:
            return
        have = set(s.execute(select(EmbeddingCache.key).where(EmbeddingCache.key.in_(list(vectors)))).scalars())
        s.add_all(EmbeddingCache(key=k, vector=v.tobytes()) for k, v in vectors.items() if k not in have)


def encode_grouped(embedder: CachedEmbedder, texts: list[str], ratio: float = 1.8) -> np.ndarray:
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
