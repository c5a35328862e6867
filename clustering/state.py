"""What the online assigner keeps per story (:class:`StoryState`, stored as bytes in the
service's database) and the corpus term statistics it reads (:class:`TermStats`)."""
from __future__ import annotations

import json
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Protocol, runtime_checkable

import numpy as np
from orjson import loads as _loads  # decoding states is a per-candidate cost of assignment

from clustering.signals import to_datetime


@runtime_checkable
class TermStats(Protocol):
    """Document frequencies of the corpus seen so far (the service implements it over SQL)."""

    @property
    def n_docs(self) -> int:
        """Number of documents counted."""
        ...

    def doc_freq(self, terms: Iterable[str]) -> dict[str, int]:
        """Document frequency of each requested term (missing terms may be left out: 0)."""
        ...


class InMemoryTermStats:
    """A :class:`TermStats` backed by a dict."""

    def __init__(self) -> None:
        self._df: dict[str, int] = {}
        self._n = 0

    @property
    def n_docs(self) -> int:
        """Number of documents added."""
        return self._n

    def add(self, terms: Iterable[str]) -> None:
        """Count one document containing ``terms`` (duplicates are counted once)."""
        self._n += 1
        for t in set(terms):
            self._df[t] = self._df.get(t, 0) + 1

    def doc_freq(self, terms: Iterable[str]) -> dict[str, int]:
        """Document frequency of each term (0 when never seen)."""
        return {t: self._df.get(t, 0) for t in terms}


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt is not None else None


_MAGIC = b"NPS2"


@dataclass
class StoryState:
    """Everything the assigner needs to know about one story; bounded in size.

    Attributes:
        n_articles: Articles absorbed so far.
        first_seen: Earliest known publication time (None while no member had one).
        last_seen: Latest known publication time.
        dense_sum: Sum of the members' dense vectors (centroid = normalised sum).
        members: ``(m, dim)`` dense vectors of up to ``max_members`` members: the founder and
            the newest.
        title_members: ``(m, dim)`` headline vectors aligned with ``members``.
        facts: ``(r, dim)`` headline and lead-sentence vectors of members (up to
            ``max_facts``: the founder's first, then the newest).
        founder_facts: How many leading rows of ``facts`` are the founder's (kept).
        terms: Term centroid: sum of the members' L2-normalised raw term vectors, top
            ``max_terms`` (IDF is applied at scoring time, with the statistics of that time).
        entities: Entity key -> number of members naming it (top ``max_entities``).
        title_terms: Headline term -> number of member headlines with it.
        time_estimated: True while every member was undated: ``first_seen``/``last_seen``
            are then stand-in times (``clustering.undated.undated_stand_in``), a guess.
    """

    n_articles: int
    first_seen: datetime | None
    last_seen: datetime | None
    dense_sum: np.ndarray
    members: np.ndarray
    title_members: np.ndarray
    facts: np.ndarray
    founder_facts: int = 0
    terms: dict[str, float] = field(default_factory=dict)
    entities: dict[str, int] = field(default_factory=dict)
    title_terms: dict[str, int] = field(default_factory=dict)
    time_estimated: bool = False

    @property
    def dim(self) -> int:
        """Embedding dimension."""
        return int(self.dense_sum.shape[0])

    @cached_property
    def cohesion(self) -> float:
        """Mean pairwise cosine of the member vectors (0 with fewer than two members).

        A state is never changed in place (:meth:`StoryAssigner.absorb` returns a new one),
        so this is computed once per state, not once per article scored against it."""
        m = self.members.shape[0]
        if m < 2:
            return 0.0
        gram = self.members @ self.members.T
        return (float(gram.sum()) - float(np.trace(gram))) / (m * (m - 1))

    @cached_property
    def mix_cohesion(self) -> float:
        """Mean pairwise "better of lead and headline" cosine of the members."""
        m = self.members.shape[0]
        if m < 2:
            return 0.0
        gram = np.maximum(self.members @ self.members.T, self.title_members @ self.title_members.T)
        return (float(gram.sum()) - float(np.trace(gram))) / (m * (m - 1))

    @cached_property
    def centroid(self) -> np.ndarray:
        """L2-normalised mean dense vector."""
        n = float(np.linalg.norm(self.dense_sum))
        return (self.dense_sum / n).astype(np.float32) if n > 0 else self.dense_sum

    def to_bytes(self) -> bytes:
        """Compact serialisation: magic, header length, JSON header, little-endian float32.

        Returns:
            Bytes readable by :meth:`from_bytes` (no pickle). About
            ``4 * dim * (1 + 2 * members + facts)`` bytes plus a few KiB of terms.
        """
        header = {
            "n": self.n_articles,
            "first": _iso(self.first_seen),
            "last": _iso(self.last_seen),
            "dim": self.dim,
            "m": int(self.members.shape[0]),
            "r": int(self.facts.shape[0]),
            "ff": int(self.founder_facts),
            "terms": {k: round(float(v), 5) for k, v in self.terms.items()},
            "entities": self.entities,
            "title_terms": self.title_terms,
        }
        if self.time_estimated:
            header["est"] = 1
        hb = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        arrays = (self.dense_sum, self.members, self.title_members, self.facts)
        body = b"".join(np.ascontiguousarray(a, dtype="<f4").tobytes() for a in arrays)
        return _MAGIC + struct.pack("<I", len(hb)) + hb + body

    @classmethod
    def from_bytes(cls, data: bytes) -> "StoryState":
        """Inverse of :meth:`to_bytes`.

        Raises:
            ValueError: If the bytes are not a serialised story state of this version.
        """
        if bytes(data[:4]) != _MAGIC:
            raise ValueError("not a newsprism story state (bad magic or old version)")
        (hl,) = struct.unpack("<I", data[4:8])
        header = _loads(bytes(data[8 : 8 + hl]))
        dim, m, r = int(header["dim"]), int(header["m"]), int(header["r"])
        buf = np.frombuffer(data, dtype="<f4", offset=8 + hl)
        if buf.size != dim * (1 + 2 * m + r):
            raise ValueError("truncated or corrupt story state")
        parts = np.split(buf, np.cumsum([dim, m * dim, m * dim]))
        return cls(
            n_articles=int(header["n"]),
            first_seen=to_datetime(header["first"]),
            last_seen=to_datetime(header["last"]),
            dense_sum=parts[0].astype(np.float32),
            members=parts[1].reshape(m, dim).astype(np.float32),
            title_members=parts[2].reshape(m, dim).astype(np.float32),
            facts=parts[3].reshape(r, dim).astype(np.float32),
            founder_facts=int(header["ff"]),
            terms={k: float(v) for k, v in header["terms"].items()},
            entities={k: int(v) for k, v in header["entities"].items()},
            title_terms={k: int(v) for k, v in header["title_terms"].items()},
            time_estimated=bool(header.get("est", 0)),
        )
