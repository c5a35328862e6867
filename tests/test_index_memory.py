"""The story index's compact structures (service.index.stories, .bm25): the BM25 postings
(interned term ids, a CSR "base" plus "delta" rows and dead rows, compacted now and then)
score exactly as a dict-of-dicts index does through any sequence of updates, an index
refreshed from the store scores as one built from scratch, and the HNSW graphs built in
chunks hold exactly the index's vectors even when stories change during the build."""
from __future__ import annotations

import math
import random
from datetime import datetime, timezone

import numpy as np
import pytest
from sqlalchemy import select, update

from service.index import hnsw
from service.index.bm25 import Bm25Postings
from service.index.lexical import lexical_terms
from service.index.stories import StoryIndex
from service.params import IndexParams
from service.settings import load_settings
from service.store.models import Article, Story
from service.wiring import build_services
from tests.synth import story_article


# -- a reference: the dict-of-dicts BM25 the compact one replaced ---------------------------
class DictBM25:
    def __init__(self, k1: float, b: float) -> None:
        self.k1, self.b = k1, b
        self.postings: dict[str, dict[int, float]] = {}
        self.docs: dict[int, dict[str, float]] = {}
        self.dl: dict[int, float] = {}
        self.total_len = 0.0

    def add(self, row: int, terms: dict[str, float], members: int) -> None:
        self.drop(row)
        self.docs[row] = dict(terms)
        self.dl[row] = float(sum(terms.values())) / max(1, members)
        self.total_len += self.dl[row]
        for t, tf in terms.items():
            self.postings.setdefault(t, {})[row] = tf

    def drop(self, row: int) -> None:
        for t in self.docs.pop(row, {}):
            p = self.postings[t]
            del p[row]
            if not p:
                del self.postings[t]
        self.total_len -= self.dl.pop(row, 0.0)

    def scores(self, terms: list[str], n_rows: int, n: int) -> np.ndarray:
        k1, b = self.k1, self.b
        out = np.zeros(n_rows)
        avg = self.total_len / n if self.total_len > 0 else 1.0
        idfs = {t: math.log(1.0 + (n - len(self.postings.get(t, ())) + 0.5) / (len(self.postings.get(t, ())) + 0.5))
                for t in dict.fromkeys(terms)}
        bound = sum(idfs.values()) * (k1 + 1.0)
        if bound <= 0:
            return out
        for t, idf in idfs.items():
            for row, tf in self.postings.get(t, {}).items():
                norm = k1 * (1.0 - b + b * self.dl[row] / avg)
                out[row] += idf * tf * (k1 + 1.0) / (tf + norm)
        return out / bound


def postings_of(idx: Bm25Postings | StoryIndex, term: str) -> dict[int, float]:
    got = getattr(idx, "lexical", idx).postings(term)
    if got is None:
        return {}
    rows, tf = got
    assert len(set(rows.tolist())) == len(rows), f"{term}: a row twice in its postings"
    return dict(zip(rows.tolist(), tf.tolist()))


def test_compact_bm25_follows_every_update_like_a_dict_index():
    """Random documents added, replaced and dropped (rows reused), compacted at random times:
    postings (hence document frequencies), the number of terms and the scores always equal
    the dict-of-dicts reference."""
    rng = random.Random(11)
    vocab = [f"term{i}" for i in range(60)] + ["#2024", "#4.2%"]
    params = IndexParams()
    idx = Bm25Postings(params.bm25_k1, params.bm25_b)
    ref = DictBM25(params.bm25_k1, params.bm25_b)
    n_rows = 120
    idx.n_rows = n_rows
    live: set[int] = set()
    for step in range(1500):
        row = rng.randrange(n_rows)
        action = rng.random()
        if action < 0.6:
            terms = {t: float(rng.choice([1, 2, 3, 5])) for t in rng.sample(vocab, rng.randint(0, 12))}
            members = rng.randint(1, 4)
            if row in live and rng.random() < 0.5:
                idx.drop(row)  # as _clear_row does before a reload
            idx.add(row, terms, members)
            ref.add(row, terms, members)
            live.add(row)
        elif action < 0.9:
            idx.drop(row)
            idx.drop(row)  # twice: the second does nothing
            ref.drop(row)
            live.discard(row)
        else:
            idx.compact(force=rng.random() < 0.7)
        # after every step (a stale cache shows only until the next change)
        assert idx.total_len == pytest.approx(ref.total_len, abs=1e-9)
        for t in vocab:
            assert postings_of(idx, t) == ref.postings.get(t, {}), (step, t)
        assert idx.term_count() == len(ref.postings)
        # the bookkeeping the compaction threshold and the dead-row filter rely on
        assert idx._b_dead_entries == int(idx._b_dead[idx._b_rows].sum())
        assert idx._d_entries == sum(d[0].shape[0] for d in idx._d_rows.values())
        assert set(np.flatnonzero(idx.doc_len[:n_rows] >= 0).tolist()) == live
        if step % 10 == 0 or step > 1480:
            for _ in range(5):
                q = rng.sample(vocab, rng.randint(1, 4)) + ["unknown"]
                np.testing.assert_allclose(idx.bm25_array(q), ref.scores(q, n_rows, max(1, len(live))),
                                           rtol=1e-12, atol=1e-12)
    idx.compact(force=True)
    assert idx._d_entries == idx._b_dead_entries == 0 and not idx._d_rows
    assert idx._b_rows.shape[0] == sum(len(p) for p in ref.postings.values())


# -- against a real store ------------------------------------------------------------------
@pytest.fixture
def services(sqlite_url, embedder):
    s = build_services(load_settings({"database_url": sqlite_url, "redis_url": "", "preload_model": False}))
    s.db.upgrade()
    yield s
    s.close()


def story_of(services, external_id: str) -> int:
    with services.db.session() as s:
        return s.execute(select(Article.story_id).where(Article.external_id == external_id)).scalar_one()


def fresh_index(services, backend: str = "numpy") -> StoryIndex:
    idx = StoryIndex(services.db, IndexParams(backend=backend))
    idx.ensure_fresh()
    return idx


def by_story(idx: StoryIndex, terms: list[str]) -> dict[int, float]:
    arr = idx.bm25_array(terms)
    return {int(idx.sid[r]): float(arr[r]) for r in idx.row_of.values()}


def by_member(idx: StoryIndex, terms: list[str]) -> dict[int, float]:
    arr = idx.member_bm25_array(terms)
    return {int(idx.sid[r]): float(arr[r]) for r in idx.row_of.values()}


def assert_same_bm25(a: StoryIndex, b: StoryIndex) -> None:
    assert set(a.row_of) == set(b.row_of)
    vocab = sorted(t for t in set(a.lexical.term_ids) | set(b.lexical.term_ids) if postings_of(a, t) or postings_of(b, t))
    assert vocab
    assert a.stats()["terms"] == b.stats()["terms"] == len(vocab)
    rows_a, rows_b = {r: s for s, r in a.row_of.items()}, {r: s for s, r in b.row_of.items()}
    for t in vocab:
        assert set(postings_of(a, t)) <= set(rows_a) and set(postings_of(b, t)) <= set(rows_b), t
        pa = {rows_a[r]: tf for r, tf in postings_of(a, t).items()}
        pb = {rows_b[r]: tf for r, tf in postings_of(b, t).items()}
        assert pa == pb, t
    assert a.lexical.total_len == pytest.approx(b.lexical.total_len, rel=1e-12)
    rng = random.Random(5)
    for q in [[t] for t in vocab] + [rng.sample(vocab, 3) for _ in range(30)]:
        sa, sb = by_story(a, q), by_story(b, q)
        assert sa.keys() == sb.keys()
        for sid in sa:
            assert sa[sid] == pytest.approx(sb[sid], rel=1e-9, abs=1e-12), (q, sid)
        # the per-article documents (their slots are recycled as stories change)
        ma, mb = by_member(a, q), by_member(b, q)
        assert ma == pytest.approx(mb, rel=1e-9, abs=1e-12), q
    assert a.member_lexical.docs == b.member_lexical.docs == sum(len(a.member_docs[r]) for r in a.row_of.values())
    assert int((a.doc_owner >= 0).sum()) == a.member_lexical.docs


def test_a_refreshed_index_scores_like_a_fresh_build(services):
    """Stories grow, vanish and come (reusing freed rows) in the store; the index that followed
    by incremental refreshes has the postings and BM25 scores of one built afterwards."""
    services.ingestor.ingest([story_article(s, 0) for s in range(10)])
    idx = fresh_index(services)
    assert idx.size == 10 and idx.lexical._b_rows.shape[0] > 0 and not idx.lexical._d_rows  # a full build compacts
    # members join stories: each reloaded story's base postings go dead, its new document is a delta
    services.ingestor.ingest([story_article(s, o) for s in (1, 4, 7) for o in (1, 2)])
    idx.ensure_fresh(force=True)
    assert idx.lexical._d_rows and idx.lexical._b_dead_entries
    assert_same_bm25(idx, fresh_index(services))
    # a new story only (its document joins the delta after a query read the delta)
    services.ingestor.ingest([story_article(22, 0)])
    idx.ensure_fresh(force=True)
    assert_same_bm25(idx, fresh_index(services))
    # stories empty (re-clustering moved their articles): they leave, one from the base, one
    # from the delta; then new stories take their rows
    gone = [story_of(services, "syn-0-0"), story_of(services, "syn-7-0")]
    assert idx.row_of[gone[0]] not in idx.lexical._d_rows and idx.row_of[gone[1]] in idx.lexical._d_rows
    with services.db.session() as s:
        s.execute(update(Story).where(Story.id.in_(gone)).values(
            article_count=0, version=Story.version + 1, updated_at=datetime.now(timezone.utc)))
        s.commit()
    idx.ensure_fresh(force=True)
    assert not set(gone) & set(idx.row_of) and len(idx.free_rows) == 2
    assert_same_bm25(idx, fresh_index(services))
    services.ingestor.ingest([story_article(s, 0) for s in (20, 21)] + [story_article(4, 3)])
    idx.ensure_fresh(force=True)
    assert not idx.free_rows  # the freed rows were reused
    assert_same_bm25(idx, fresh_index(services))
    # and after a compaction
    idx.lexical.compact(force=True)
    assert not idx.lexical._d_rows and not idx.lexical._b_dead_entries
    assert_same_bm25(idx, fresh_index(services))
    # the search and its filters see the same thing
    for text in ("bridge repairs", "dockworkers strike port pay", "hospital cancer ward"):
        terms = list(lexical_terms(text))
        assert by_story(idx, terms) == pytest.approx(by_story(fresh_index(services), terms), rel=1e-9)


def assert_graphs_hold_the_index(idx: StoryIndex) -> None:
    for graph, alive, data in ((idx.graph_c, idx.alive[: idx.n_rows], idx.cent),
                               (idx.graph_h, idx.headlines.owner[: idx.headlines.n] >= 0, idx.headlines.data)):
        live = np.flatnonzero(graph.state == graph.LIVE)
        np.testing.assert_array_equal(live, np.flatnonzero(alive))
        # the graph holds each live row's current vector, as its storage type rounds it
        np.testing.assert_array_equal(graph.stored(live), np.stack([graph.quantised(v) for v in data[live]]))
        assert graph.live == live.size == len(graph.index)


def test_hnsw_graphs_built_in_chunks_hold_the_index_and_rank_like_exact_search(services, monkeypatch):
    """The graphs are built a few rows at a time; stories change, vanish and come between two
    chunks. At the end the graphs hold exactly the live rows' current vectors, and rank as
    the exact search does."""
    pytest.importorskip("usearch")
    services.ingestor.ingest([story_article(s, o) for s in range(14) for o in range(1 + s % 3)])
    # exact, no graph yet; "auto" under ann_min_rows: refreshes start no build of their own
    idx = fresh_index(services, backend="auto")
    monkeypatch.setattr(hnsw, "GRAPH_CHUNK", 4)
    added = {"calls": 0}
    original_add = hnsw.HnswGraph.add

    def empty_story(external_id: str) -> int:
        sid = story_of(services, external_id)
        with services.db.session() as s:
            s.execute(update(Story).where(Story.id == sid).values(
                article_count=0, version=Story.version + 1, updated_at=datetime.now(timezone.utc)))
            s.commit()
        return sid

    def refresh() -> None:
        idx.refresh(idx.ingest_counter(), full_scan=True)  # the refresher, while the build runs
        assert idx._graph_dirty is not None

    def add_then_write(graph, data, rows):
        original_add(graph, data, rows)
        added["calls"] += 1
        if added["calls"] == 2:  # between two chunks of the story graph
            services.ingestor.ingest([story_article(2, 5), story_article(30, 0), story_article(31, 1)])
            refresh()
            # a story of 3 headlines leaves, and no new one takes its rows
            gone = empty_story("syn-5-0")
            refresh()
            assert gone not in idx.row_of and len(idx.headlines.free) >= 3
        if added["calls"] == 6:  # between two chunks of the headline graph
            services.ingestor.ingest([story_article(9, 4)])
            refresh()
            gone = empty_story("syn-8-0")
            refresh()
            assert gone not in idx.row_of

    monkeypatch.setattr(hnsw.HnswGraph, "add", add_then_write)
    idx._build_graphs()
    assert added["calls"] > 6 and idx.use_graphs() and idx._graph_dirty is None
    assert_graphs_hold_the_index(idx)
    # the graphs propose what the exact search finds
    exact = fresh_index(services)
    assert set(exact.row_of) == set(idx.row_of)
    for sid, row in idx.row_of.items():
        q = idx.cent[row]
        got = [int(idx.sid[r]) for r in idx.centroid_topk(q, 3)]
        want = [int(exact.sid[r]) for r in exact.centroid_topk(exact.cent[exact.row_of[sid]], 3)]
        assert got == want
        got = [int(idx.sid[r]) for r in idx.headline_topk(q, 3)]
        want = [int(exact.sid[r]) for r in exact.headline_topk(exact.cent[exact.row_of[sid]], 3)]
        assert got == want
    # stories changed after the swap-in are updated in place
    idx.params.backend = "hnsw"
    services.ingestor.ingest([story_article(30, 2), story_article(5, 4), story_article(40, 0)])
    idx.ensure_fresh(force=True)
    assert_graphs_hold_the_index(idx)
