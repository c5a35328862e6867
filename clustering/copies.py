"""Near-copy detection: MinHash signatures and LSH band keys of an article body.

Wire copy and republished articles share most of their text with the original even when
lightly edited (a new headline, an added first paragraph or byline, a trimmed ending,
reordered paragraphs). Each body is reduced to its set of word shingles (``shingle`` words in
a row, lower-cased, punctuation ignored); ``datasketch``'s MinHash estimates the Jaccard
similarity of two such sets and the signature is cut into ``bands`` bands of ``rows`` values.
Two bodies that agree on any band are candidates (locality-sensitive hashing: at Jaccard
similarity J the chance is ``1 - (1 - J**rows)**bands``); candidates are then verified on
their real shingle sets, so a reported similarity is exact, never an estimate.

The band keys are plain 63-bit integers, so the index can live in any store (the service
keeps them in a database table and looks them up with one indexed query per article).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from datasketch import MinHash, MinHashLSH

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class CopyParams:
    """Thresholds of copy detection (``[copies]`` in config/settings.toml).

    Attributes:
        shingle: Words per shingle.
        num_perm: MinHash permutations (the signature's length).
        lsh_threshold: Jaccard similarity around which LSH makes two bodies candidates
            (``datasketch`` picks the bands and rows for it); lower than ``threshold`` so a
            copy is rarely missed, the verification removes the false candidates.
        threshold: A candidate is a copy when the Jaccard similarity of the two shingle sets
            is at least this, or when the shorter body's share inside the longer one is at
            least ``containment`` (a trimmed copy or one with added paragraphs).
        containment: See ``threshold``.
        min_shingles: Bodies with fewer shingles are too short to call near copies (only an
            identical text makes them a copy).
    """

    shingle: int = 5
    num_perm: int = 64
    lsh_threshold: float = 0.3
    threshold: float = 0.5
    containment: float = 0.7
    min_shingles: int = 20

    @classmethod
    def from_dict(cls, data: dict | None) -> CopyParams:
        """Parameters from a settings table (unknown keys are an error)."""
        data = dict(data or {})
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown [copies] settings: {sorted(unknown)}")
        return cls(**data)

    def bands_rows(self) -> tuple[int, int]:
        """(bands, rows) of the LSH for ``lsh_threshold`` (datasketch's optimum for equal
        weights of false positives and false negatives)."""
        return _bands_rows(self.lsh_threshold, self.num_perm)


@lru_cache(maxsize=16)
def _bands_rows(threshold: float, num_perm: int) -> tuple[int, int]:
    # datasketch integrates the false positive/negative curves here: slow, so computed once
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return lsh.b, lsh.r


def words(text: str) -> list[str]:
    """The body's normalised words (lower-cased, punctuation dropped)."""
    return _WORD.findall(text.casefold())


def shingles(text: str, size: int = 5) -> set[str]:
    """The set of ``size``-word shingles of ``text`` (short texts: the whole text once)."""
    w = words(text)
    if len(w) < size:
        return {" ".join(w)} if w else set()
    return {" ".join(w[i:i + size]) for i in range(len(w) - size + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    """|a ∩ b| / |a ∪ b| (0 for two empty sets)."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def containment(a: set[str], b: set[str]) -> float:
    """The share of the smaller set found in the other."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


@dataclass(frozen=True)
class Fingerprint:
    """A body's shingle count and LSH band keys."""

    n_shingles: int
    bands: tuple[int, ...]


def fingerprint(text: str, params: CopyParams) -> Fingerprint:
    """The LSH band keys of a body (no keys for a body shorter than ``min_shingles``)."""
    sh = shingles(text, params.shingle)
    if len(sh) < params.min_shingles:
        return Fingerprint(len(sh), ())
    m = MinHash(num_perm=params.num_perm)
    m.update_batch([s.encode("utf-8") for s in sh])
    return Fingerprint(len(sh), band_keys(m.hashvalues, *params.bands_rows()))


def band_keys(hashvalues: np.ndarray, bands: int, rows: int) -> tuple[int, ...]:
    """One 63-bit key per band: a hash of the band number and its ``rows`` MinHash values."""
    hv = np.asarray(hashvalues, dtype=np.uint64)
    keys = []
    for b in range(bands):
        digest = hashlib.blake2b(hv[b * rows:(b + 1) * rows].tobytes(), digest_size=8,
                                 person=b"np-band" + bytes([b])).digest()
        keys.append(int.from_bytes(digest, "big") >> 1)
    return tuple(keys)


@dataclass(frozen=True)
class Verdict:
    """How much of two bodies' text they share."""

    jaccard: float
    containment: float

    def is_copy(self, params: CopyParams) -> bool:
        """The decision rule (see :class:`CopyParams`)."""
        return self.jaccard >= params.threshold or self.containment >= params.containment


def compare_texts(a: str, b: str, params: CopyParams, a_shingles: set[str] | None = None) -> Verdict:
    """The shared share of two bodies, computed exactly on their shingle sets (``a_shingles``:
    those of ``a``, when the caller compares it with several bodies)."""
    sa = a_shingles if a_shingles is not None else shingles(a, params.shingle)
    sb = shingles(b, params.shingle)
    if min(len(sa), len(sb)) < params.min_shingles:
        same = words(a) == words(b) and bool(sa)
        return Verdict(1.0 if same else jaccard(sa, sb), 1.0 if same else 0.0)
    return Verdict(jaccard(sa, sb), containment(sa, sb))


def voice_labels(ids: list[int], outlets: list[str], copy_of: list[int | None]) -> list[str]:
    """Per article of a story, its voice: the outlet whose text it carries. A copy speaks with
    the voice of its original's outlet when the original is among ``ids``, else with that of
    the earliest copy of the same text present; every other article with its own outlet's."""
    pos = {i: k for k, i in enumerate(ids)}
    lead: dict[int, int] = {}
    for k, root in enumerate(copy_of):
        if root is not None:
            here = pos.get(root)
            if here is not None:
                lead[root] = here
            elif root not in lead or ids[k] < ids[lead[root]]:
                lead[root] = k
    return [outlets[lead[root]] if root is not None else outlets[k] for k, root in enumerate(copy_of)]
