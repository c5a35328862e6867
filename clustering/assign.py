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

import math
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from clustering.params import FEATURES, AssignParams
from clustering.signals import ArticleSignals, to_datetime
from clustering.state import InMemoryTermStats, StoryState, TermStats


# Columns whose "background" (mean over the other candidates) the *_rel features subtract.
_REL_SOURCES = (("title_rel", "title_mean"), ("dense_rel", "dense_mean"), ("mix_rel", "mix_mean"))

_DAY = 86400.0


_COL = {f: j for j, f in enumerate(FEATURES)}
#: the feature columns the one-candidate path reads besides the models' (:meth:`StoryAssigner.lone_joins`)
LONE_COLUMNS = frozenset({"dense_centroid", "entity_none"})


def _top(d: Mapping[str, float], k: int) -> dict[str, Any]:
    if len(d) <= k:
        return dict(d)
    # ties broken by key so that truncation is deterministic
    return dict(sorted(d.items(), key=lambda kv: (-kv[1], kv[0]))[:k])


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

    def window(self, estimated: bool = False) -> float:
        """Days of the candidate window: ``undated_window_days`` around an undated article's
        stand-in time (``estimated``), else ``window_days``."""
        return self.params.undated_window_days if estimated else self.params.window_days

    def is_candidate(self, story: StoryState, published_at: Any, estimated: bool = False) -> bool:
        """The time pre-filter: may this story receive an article published at that time?

        ``estimated``: ``published_at`` is an undated article's stand-in
        (:func:`clustering.undated.undated_stand_in`; the wider window applies). A story without
        any time is always a candidate; an article without any time (no stand-in) may be
        compared with every story (give undated articles a stand-in instead).
        """
        gap = self.time_gap_days(story, published_at)
        return gap is None or gap <= self.window(estimated or story.time_estimated)

    def time_bounds(self, published_at: Any, estimated: bool = False) -> tuple[datetime, datetime] | None:
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
        w = timedelta(days=self.window(estimated))
        return t - w, t + w

    # -- scoring ---------------------------------------------------------------------------
    def needed_terms(self, article: ArticleSignals, candidates: list[StoryState],
                     used: frozenset[str] | None = None) -> set[str]:
        """The terms whose document frequency :meth:`features` asks the statistics for
        (``used``: only for those columns): none unless IDF is applied (``overlap_idf``, or
        the TF-IDF cosine)."""
        need: set[str] = set()
        if self.params.overlap_idf:
            need |= set(article.title_terms)
            if used is None or "entity" in used or "entity_none" in used:
                need |= set(article.entities)
        if used is None or "tfidf" in used:
            need |= set(article.terms)
            for s in candidates:
                need.update(s.terms)
        return need

    @property
    def used_columns(self) -> frozenset[str]:
        """The feature columns the fitted models use: a non-zero coefficient (in ``coef`` or
        ``undated_coef``), or the source of a ``*_rel`` column that has one."""
        p = self.params
        used = {f for f, c, u in zip(FEATURES, p.coef, p.undated_coef) if c != 0.0 or u != 0.0}
        used |= {src for rel, src in _REL_SOURCES if rel in used}
        return frozenset(used)

    def rate(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Scores and bars of feature rows (:meth:`features`): a row whose time is unknown or a
        stand-in (``time_unknown``: the article's or the story's) is scored by the ``undated_*``
        model against ``undated_threshold``, every other row by ``intercept``/``coef`` against
        ``threshold``.

        Returns:
            ``(scores in (0, 1), bars)``, one each per row.
        """
        p = self.params
        unknown = x[:, _COL["time_unknown"]] == 1.0
        z = np.where(unknown, p.undated_intercept + x @ np.asarray(p.undated_coef, dtype=np.float64),
                     p.intercept + x @ np.asarray(p.coef, dtype=np.float64))
        return 1.0 / (1.0 + np.exp(-z)), np.where(unknown, p.undated_threshold, p.threshold)

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
        needed = self.needed_terms(article, candidates, used)
        df = stats.doc_freq(sorted(needed)) if needed else {}
        want_facts = used is None or "fact_max" in used
        want_tfidf = used is None or "tfidf" in used
        want_entity = used is None or "entity" in used or "entity_none" in used
        n = int(stats.n_docs)
        idf_cache: dict[str, float] = {}

        def idf(t: str) -> float:
            v = idf_cache.get(t)
            if v is None:
                v = idf_cache[t] = _idf(int(df.get(t, 0)), n)
            return v

        a_vec = _unit_terms({t: w * idf(t) for t, w in article.terms.items()}) if want_tfidf else {}
        # overlaps weigh words by IDF only when asked: IDF comes from whatever the store holds,
        # and a story must not change with the unrelated stories stored beside it
        w_of = idf if p.overlap_idf else (lambda _t: 1.0)
        a_ent = {e: w_of(e) for e in article.entities} if want_entity else {}
        a_ent_total = sum(a_ent.values())
        a_title = {t: w_of(t) for t in article.title_terms}
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
                # template events ("Dockworkers strike at X port over pay"): the same words
                # about other places or people
                out[i, 18] = float(out[i, 8] == 0.0 and bool(s.entities))
            if a_title_total > 0:
                out[i, 9] = sum(w for t, w in a_title.items() if t in s.title_terms) / a_title_total
            # a stand-in time bounds the candidates but says nothing about closeness
            estimated = article.time_estimated or s.time_estimated
            gap = None if estimated else self.time_gap_days(s, article.published_at)
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
        return self.rate(self.features(article, candidates, stats, self.used_columns))[0]

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
        idx = [i for i, s in enumerate(candidates)
               if self.is_candidate(s, article.published_at, article.time_estimated)]
        if not idx:
            return None, 0.0
        if not self.lone_applies(len(idx)):
            scores, bars = self.rate(self.features(article, [candidates[i] for i in idx], stats, self.used_columns))
            # the best story among those above their bar (the two models' bars may differ)
            passed = np.flatnonzero(scores >= bars)
            if passed.size == 0:
                return None, float(scores.max())
            j = int(passed[np.argmax(scores[passed])])
            return idx[j], float(scores[j])
        # One candidate (events days or years apart, a fresh store): the relative features only
        # see the cold-start prior there, so full texts with differing headlines score low. A
        # second, lower bar, or the plain dense rule (title + lead cosine to the centroid),
        # joins it, unless both name entities and share none (template events).
        story = candidates[idx[0]]
        x = self.features(article, [story], stats, self.used_columns | LONE_COLUMNS)
        rated, bar = self.rate(x)
        best = float(rated[0])
        if best >= bar[0] or self.lone_joins(x[0], best):
            return idx[0], best
        return None, best

    def lone_applies(self, n_candidates: int) -> bool:
        """Whether the one-candidate path (:meth:`choose`) decides for ``n_candidates`` stories
        in the time window: exactly one, and a lower bar or the dense rule is set."""
        p = self.params
        return n_candidates == 1 and (p.lone_threshold < max(p.threshold, p.undated_threshold) or p.lone_dense > 0.0)

    def lone_joins(self, row: np.ndarray, score: float) -> bool:
        """The one-candidate path's second chance for a row under its bar: the lower bar
        ``lone_threshold`` or the dense rule (``dense_centroid >= lone_dense``), unless both
        sides name entities and share none. ``row`` holds the :data:`LONE_COLUMNS`."""
        p = self.params
        return bool(row[_COL["entity_none"]] == 0.0 and (
            score >= p.lone_threshold or (p.lone_dense > 0.0 and row[_COL["dense_centroid"]] >= p.lone_dense)))

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
            time_estimated=t is not None and article.time_estimated,
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
        estimated = story.time_estimated
        if t is not None and (first is None or last is None or (estimated and not article.time_estimated)):
            # the first time, or the first real date: it replaces a stand-in span
            first, last, estimated = t, t, article.time_estimated
        elif t is not None and (estimated or not article.time_estimated):
            # a stand-in never widens a span of real dates
            first, last = min(first, t), max(last, t)
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
            time_estimated=estimated,
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
            cand = [i for i, s in enumerate(stories)
                    if assigner.is_candidate(s, art.published_at, art.time_estimated)]
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
