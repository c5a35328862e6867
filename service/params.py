"""The service's parameter tables, in one place: ``[search]`` (:class:`SearchParams`),
``[search.index]`` (:class:`IndexParams`) and ``[search.match]`` (:class:`MatchParams`).
Their defaults are the field defaults (``config/default.toml`` holds only overrides); unknown
keys are an error (``clustering.params.check_known``), as for the clustering and comparison
tables."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clustering.params import check_known


@dataclass
class SearchParams:
    """Ranking weights and limits (calibrated on AllSides editor titles: docs/search.md)."""

    w_headline: float = 0.30
    w_centroid: float = 0.20
    #: BM25 over the story document (every member's headline and lead, summed)
    w_lexical: float = 0.0
    #: BM25 over the story's best-matching member article alone (its headline and lead):
    #: a story is as close as its closest article (docs/search.md, "Per-article BM25")
    w_member: float = 0.50
    #: + w_number · the query's figures ("498,000" → #498000) matched in the story's best member
    #: article (normalised BM25 over the number terms alone; 0 when the query has no figure):
    #: chosen on the April–June editor titles (docs/search.md, "Figures in the query")
    w_number: float = 0.10
    w_recency: float = 0.01
    recency_days: float = 30.0
    #: prior for breadth of coverage: + w_coverage · min(1, log(outlets) / log(coverage_outlets));
    #: off (0.03 until the per-article BM25: it lost split stories to broader ones, docs/search.md)
    w_coverage: float = 0.0
    coverage_outlets: int = 8
    #: results need at least this relevance (before the recency term)
    min_relevance: float = 0.30
    #: candidates per channel (dense centroid, dense headline, lexical) in ANN mode
    candidates: int = 100
    #: ranked results kept for pagination
    max_results: int = 1000
    #: seconds a search answer is cached (its key includes the ingest counter)
    cache_ttl: int = 300

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "SearchParams":
        """From the ``[search]`` table; unknown keys are an error."""
        return cls(**check_known(cls, data, "search"))


@dataclass
class IndexParams:
    """Knobs of the index (defaults measured in docs/search.md)."""

    #: rows past which an HNSW graph proposes candidates (exact numpy below)
    ann_min_rows: int = 50_000
    #: "auto" (HNSW past ann_min_rows when usearch is importable), "numpy" or "hnsw"
    backend: str = "auto"
    #: a filter keeping at most this many stories (or 5%) is searched exactly, not by graph
    exact_subset: int = 5000
    #: at most this many headline vectors per story (the founder and the newest)
    max_headlines: int = 16
    #: seconds between incremental polls when the ingest counter did not move
    poll_seconds: float = 5.0
    #: re-read stories whose updated_at is within this many seconds before the watermark
    #: (assignment, search and match share the rows this applies to)
    slack_seconds: float = 300.0
    #: seconds between full (id, version) comparisons
    full_scan_seconds: float = 600.0
    #: body words per article in the BM25 document (headlines count ``title_weight`` times)
    lead_words: int = 80
    title_weight: int = 2
    #: BM25 parameters
    bm25_k1: float = 1.2
    bm25_b: float = 0.75
    #: HNSW graph parameters
    hnsw_m: int = 16
    hnsw_ef_construction: int = 100
    hnsw_ef_search: int = 128
    #: how the graph stores its vectors (usearch: "f16", "f32", "i8", ...); candidates only,
    #: the scores are exact
    hnsw_dtype: str = "f16"
    #: rebuild the graph when this share of its rows is stale
    hnsw_rebuild_stale: float = 0.25

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "IndexParams":
        """From the ``[search.index]`` table; unknown keys are an error."""
        return cls(**check_known(cls, data, "search.index"))


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
        """From the ``[search.match]`` table; unknown keys and summary modes are an error."""
        data = check_known(cls, data, "search.match")
        if data.get("summaries", "background") not in {"background", "inline", "cache", "off"}:
            raise ValueError("match.summaries must be background, inline, cache or off")
        return cls(**data)


def search_tables(table: dict[str, Any] | None) -> tuple[SearchParams, IndexParams, MatchParams]:
    """The ``[search]`` table of the settings, with its ``index`` and ``match`` sub-tables."""
    cfg = dict(table or {})
    index_cfg = cfg.pop("index", None) or {}
    match_cfg = cfg.pop("match", None) or {}
    return SearchParams.from_dict(cfg), IndexParams.from_dict(index_cfg), MatchParams.from_dict(match_cfg)
