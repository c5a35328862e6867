"""8 concurrent clients post 500 articles each, 30 % of them duplicates of each other's,
to gunicorn with several workers: the store holds exactly the unique articles, each in one
story, and every story's counters (articles, outlets) and version agree with its articles."""
from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import create_engine, func, select

from service.devtools.served import unlimited_env
from service.store.models import Article, Story
from tests.conftest import API_KEY, REDIS_URL
from tests.servers import gunicorn
from tests.synth import story_article

CLIENTS, PER_CLIENT, DUP_SHARE, BATCH = 8, 500, 0.3, 25


def workload() -> tuple[list[list[dict]], set[str]]:
    own_n = int(PER_CLIENT * (1 - DUP_SHARE))
    universe = [story_article(s, o) for s in range(CLIENTS * own_n // 7 + 1) for o in range(7)]
    universe = universe[: CLIENTS * own_n]
    own = [universe[c::CLIENTS] for c in range(CLIENTS)]
    rng = random.Random(7)
    plans = []
    for c in range(CLIENTS):
        others = [a for d in range(CLIENTS) if d != c for a in own[d]]
        plan = own[c] + rng.sample(others, PER_CLIENT - len(own[c]))
        rng.shuffle(plan)
        plans.append(plan)
    return plans, {a["id"] for a in universe}


def run_client(base: str, plan: list[dict]) -> list[int]:
    codes = []
    with httpx.Client(base_url=base, timeout=300, headers={"Authorization": f"Bearer {API_KEY}"}) as http:
        for i in range(0, len(plan), BATCH):
            r = http.post("/api/v1/articles", json={"articles": plan[i:i + BATCH]})
            codes.append(r.status_code)
            if r.status_code in (200, 201):
                assert all(x["status"] in ("created", "duplicate") for x in r.json()["results"])
    return codes


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_concurrent_clients_lose_nothing_and_duplicate_nothing(store, tmp_path, redis_prefix, embedder, request):
    db_url = f"sqlite:///{tmp_path}/conc.db" if store == "sqlite" else request.getfixturevalue("pg_url")
    plans, unique = workload()
    assert sum(len(p) for p in plans) == CLIENTS * PER_CLIENT
    with gunicorn(db_url, REDIS_URL, redis_prefix, API_KEY, workers=3,
                  **unlimited_env()) as base:
        with ThreadPoolExecutor(CLIENTS) as pool:
            codes = [c for cs in pool.map(lambda p: run_client(base, p), plans) for c in cs]
    assert set(codes) <= {200, 201}, sorted(set(codes))
    from service.settings import load_settings

    engine = create_engine(load_settings({"database_url": db_url}).sqlalchemy_url)
    with engine.connect() as conn:
        ids = conn.execute(select(Article.external_id)).scalars().all()
        assert len(ids) == len(unique) and set(ids) == unique
        assert conn.execute(select(func.count()).where(Article.story_id.is_(None))).scalar_one() == 0
        per_story = dict(conn.execute(select(Article.story_id, func.count()).group_by(Article.story_id)).all())
        outlets = dict(conn.execute(select(Article.story_id, func.count(func.distinct(Article.outlet_id)))
                                    .group_by(Article.story_id)).all())
        rows = conn.execute(select(Story.id, Story.article_count, Story.version, Story.outlet_count)).all()
    engine.dispose()
    for sid, count, version, n_outlets in rows:
        assert per_story.get(sid, 0) == count, f"story {sid}: counter {count} != {per_story.get(sid, 0)} articles"
        assert outlets.get(sid, 0) == n_outlets, f"story {sid}: {n_outlets} outlets counted, {outlets.get(sid, 0)} stored"
        assert version == count, f"story {sid}: version {version} after {count} articles"
