"""The per-process story rows as assignment uses them (service.index.rows) against a real
store: it sees what other processes wrote, forgets what a rolled-back transaction did,
rebuilds when the store is replaced, and selects exactly the stories a scan of the store
selects."""
from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pytest
from sqlalchemy import select

from service.index.rows import Pending, epoch
from service.settings import load_settings
from service.store.models import Article, Story
from service.wiring import build_services
from tests.synth import story_article


def services_on(db_url: str, migrate: bool = True):
    """One 'process': its own Services, hence its own candidate index and state cache."""
    s = build_services(load_settings({"database_url": db_url, "redis_url": "", "preload_model": False}))
    if migrate:
        s.db.upgrade()
    return s


def story_of(services, external_id: str) -> int:
    with services.db.session() as s:
        return s.execute(select(Article.story_id).where(Article.external_id == external_id)).scalar_one()


def test_a_process_sees_the_stories_another_process_wrote(any_db_url, embedder):
    a = services_on(any_db_url)
    b = services_on(any_db_url, migrate=False)
    try:
        a.ingestor.ingest([story_article(1, 0), story_article(5, 0)])
        assert a.assignment.index.full_loads == 1
        # b has never seen the store: it loads it whole, then joins a's story
        b.ingestor.ingest([story_article(1, 1)])
        assert story_of(b, "syn-1-1") == story_of(a, "syn-1-0")
        # a's index is now behind (b bumped the story's version and centroid): it catches up
        # incrementally and joins the same story again
        a.ingestor.ingest([story_article(1, 2)])
        assert a.assignment.index.incremental_loads == 1 and a.assignment.index.full_loads == 1
        sid = story_of(a, "syn-1-0")
        assert story_of(a, "syn-1-2") == sid
        with a.db.session() as s:
            version, centroid = s.execute(select(Story.version, Story.centroid).where(Story.id == sid)).one()
        idx = a.assignment.index
        row = idx.row_of[sid]
        assert idx.version[row] == version == 3
        stored = np.frombuffer(centroid, dtype=np.float32)
        # held as int8 with a scale per row: each component within half a step
        np.testing.assert_allclose(idx.centroid(row), stored, rtol=0, atol=0.51 * np.abs(stored).max() / 127)
        # nothing written since: the next transaction reads nothing
        a.ingestor.ingest([story_article(1, 2)])  # a duplicate
        assert idx.incremental_loads == 1
    finally:
        a.close()
        b.close()


def test_a_rolled_back_transaction_leaves_no_trace(sqlite_url, embedder):
    services = services_on(sqlite_url)
    try:
        services.ingestor.ingest([story_article(2, 0)])
        idx = services.assignment.index
        before = dict(idx.row_of), idx.counter
        art = story_article(7, 0)
        texts = services.assignment.texts(art["title"], art["text"])
        vecs = list(services.cached_embedder.encode(texts))
        when = datetime.fromisoformat(art["published_at"].replace("Z", "+00:00"))
        signals = services.assignment.signals(art["title"], art["text"], when, vecs)
        with pytest.raises(RuntimeError):
            with services.db.write() as s:
                session = services.assignment.begin(s)
                story = session.assign(signals, Article(title=art["title"], published_at=when))
                new_id = story.id
                # within the transaction the new story is a candidate of the next article
                assert new_id in {sid for sid, _ in session.candidates(when, signals.dense)}
                session.finish()
                raise RuntimeError("the batch fails before its commit")
        assert (dict(idx.row_of), idx.counter) == before
        assert services.assignment.states.get(new_id, 1) is None
        # the store and the index still agree: the same article goes in cleanly
        report = services.ingestor.ingest([art])
        assert report.results[0].status == "created"
        with services.db.session() as s:
            rows = dict(s.execute(select(Story.id, Story.version)).all())
        assert {sid: int(idx.version[r]) for sid, r in idx.row_of.items()} == rows
    finally:
        services.close()


def test_a_replaced_store_is_loaded_afresh(tmp_path, embedder):
    first = services_on(f"sqlite:///{tmp_path}/one.db")
    try:
        first.ingestor.ingest([story_article(s, 0) for s in range(6)])
        assignment = first.assignment
        assert len(assignment.index.row_of) == 6 and assignment.index.counter == 6
        # the same process now writes to an empty store (its ingest counter went backwards)
        second = services_on(f"sqlite:///{tmp_path}/two.db")
        second.assignment = assignment  # what a store restored from an older backup looks like to it
        second.ingestor.assignment = assignment
        second.ingestor.ingest([story_article(3, 1)])
        with second.db.session() as s:
            ids = s.execute(select(Story.id)).scalars().all()
        assert sorted(assignment.index.row_of) == sorted(ids) and assignment.index.full_loads == 2
        second.close()
    finally:
        first.close()


def test_the_window_selects_what_a_scan_of_the_store_selects(sqlite_url, embedder):
    services = services_on(sqlite_url)
    try:
        arts = [story_article(s, o) for s in range(40) for o in range(2)]
        arts.append({"id": "undated", "outlet": "Capital Wire", "title": "Museum restores a medieval tapestry",
                     "text": "Conservators spent four years cleaning the wool and silk threads by hand."})
        services.ingestor.ingest(arts)
        idx = services.assignment.index
        with services.db.session() as s:
            spans = s.execute(select(Story.id, Story.first_seen, Story.last_seen)).all()
        assert any(last is None for _, _, last in spans)
        rng = np.random.default_rng(0)
        q = rng.normal(size=idx.dim).astype(np.float32)
        for day in (1, 9, 15, 27, 31):
            when = datetime(2026, 3, day, 12, tzinfo=timezone.utc)
            lo, hi = services.assignment.assigner.time_bounds(when)
            want = {sid for sid, first, last in spans
                    if last is None or (epoch(last) >= epoch(lo) and epoch(first) <= epoch(hi))}
            got = idx.window(epoch(lo), epoch(hi), q, None, Pending())
            assert {sid for sid, _ in got} == want
            # bounded: the closest centroids among them
            k = max(1, len(want) // 2)
            best = idx.window(epoch(lo), epoch(hi), q, k, Pending())
            sims = {sid: float(idx.centroid(idx.row_of[sid]) @ q) for sid in want}
            assert sorted(sid for sid, _ in best) == sorted(sorted(want, key=lambda x: -sims[x])[:k])
    finally:
        services.close()


def test_health_reports_the_assignment_index(client):
    from tests.conftest import API_KEY

    r = client.post("/api/v1/articles", json={"articles": [story_article(s, 0) for s in range(3)]},
                    headers={"Authorization": f"Bearer {API_KEY}"})
    assert r.status_code == 201
    body = client.get("/api/v1/health").get_json()
    assert body["assignment_index"]["stories"] == 3 and body["assignment_index"]["counter"] == 3
