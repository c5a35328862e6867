"""Two writers per outlet post copies of one text at the same moment to gunicorn with
several workers: the store holds exactly one article per outlet, and every copy points at
the one original (real gunicorn, Redis and SQL)."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import create_engine, select

from service.store.models import Article, Outlet
from tests.conftest import API_KEY, REDIS_URL
from tests.copytexts import WIRE_TEXT, WIRE_TITLE
from tests.servers import gunicorn

OUTLETS = ["Associated Press", "ABC News", "Yahoo News"]
WRITERS_PER_OUTLET, ROUNDS = 2, 3


def item(outlet: str, rnd: int, writer: int) -> dict:
    # each writer has its own client id and URL variant (a tracking parameter): the outlet and
    # its content make the article, not the id
    slug = outlet.lower().replace(" ", "-")
    return {"outlet": outlet, "id": f"{slug}-r{rnd}-w{writer}",
            "url": f"https://{slug}.example/tarn-{rnd}?utm_source=w{writer}",
            "title": f"{WIRE_TITLE} ({rnd})", "text": f"Round {rnd}.\n\n{WIRE_TEXT}"}


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_concurrent_writers_store_one_article_per_outlet(store, tmp_path, redis_prefix, embedder, request):
    db_url = f"sqlite:///{tmp_path}/copies.db" if store == "sqlite" else request.getfixturevalue("pg_url")
    jobs = [(o, w) for o in OUTLETS for w in range(WRITERS_PER_OUTLET)]
    with gunicorn(db_url, REDIS_URL, redis_prefix, API_KEY, workers=3,
                  NEWSPRISM_RATE_LIMIT_WRITE="100000/minute") as base:
        with httpx.Client(base_url=base, timeout=120, headers={"Authorization": f"Bearer {API_KEY}"}) as http, \
                ThreadPoolExecutor(len(jobs)) as pool:
            for rnd in range(ROUNDS):
                barrier = threading.Barrier(len(jobs))

                def send(job, rnd=rnd, barrier=barrier):
                    barrier.wait()
                    return http.post("/api/v1/articles", json=item(job[0], rnd, job[1]))

                answers = list(pool.map(send, jobs))
                assert all(a.status_code in (200, 201) for a in answers), [a.text for a in answers]
                statuses = [a.json()["status"] for a in answers]
                assert statuses.count("created") == len(OUTLETS), statuses
    from service.settings import load_settings

    engine = create_engine(load_settings({"database_url": db_url}).sqlalchemy_url)
    with engine.connect() as conn:
        rows = conn.execute(select(Article.id, Outlet.name, Article.title, Article.copy_of, Article.copy_similarity)
                            .join(Outlet, Outlet.id == Article.outlet_id).order_by(Article.id)).all()
    engine.dispose()
    assert len(rows) == ROUNDS * len(OUTLETS)
    for rnd in range(ROUNDS):
        group = [r for r in rows if r.title.endswith(f"({rnd})")]
        assert sorted(r.name for r in group) == sorted(OUTLETS)  # exactly one per outlet
        first = group[0]
        # later rounds differ from the first by one line: near copies of its original
        root = first.copy_of or first.id
        assert (first.copy_of is None) == (rnd == 0)
        assert [r.copy_of for r in group[1:]] == [root, root]
        assert all(r.copy_similarity > 0.95 for r in group[1:])
