"""Migration 0002 (copies) upgrades a store made by 0001 without losing a row."""
from datetime import datetime, timezone

import pytest
from alembic import command
from sqlalchemy import func, inspect, select, text

from service.store import Database
from service.store.models import Article, CopyBand, Outlet, Story
from tests.conftest import seed_articles


def _fill_0001(db: Database) -> int:
    """Rows as the 0001 schema stores them (plain SQL: today's models already differ)."""
    now = datetime(2026, 11, 1, tzinfo=timezone.utc)
    arts = seed_articles()[:4]
    with db.engine.begin() as c:
        c.execute(text("INSERT INTO outlets (id, name, slug, domains) VALUES (1, 'AP', 'ap', '[]')"))
        c.execute(text("INSERT INTO stories (id, version, keywords, article_count, outlet_count, created_at, updated_at) "
                       "VALUES (1, 1, '[]', 4, 1, :t, :t)"), {"t": now})
        for i, a in enumerate(arts, 1):
            c.execute(text("INSERT INTO articles (id, external_id, outlet_id, title, raw_text, clean_text, "
                           "ingested_at, content_hash, story_id) VALUES (:id, :ext, 1, :title, :raw, :clean, :t, :h, 1)"),
                      {"id": i, "ext": f"old-{i}", "title": a["title"], "raw": a["text"], "clean": a["text"],
                       "t": now, "h": f"{i:064d}"})
    return len(arts)


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_upgrade_from_0001_keeps_every_row(store, request, tmp_path):
    url = f"sqlite:///{tmp_path}/old.db" if store == "sqlite" else request.getfixturevalue("pg_url")
    db = Database(url)
    try:
        db.upgrade("0001")
        n = _fill_0001(db)
        db.upgrade()
        with db.session() as s:
            assert s.execute(select(func.count(Article.id))).scalar_one() == n
            assert s.execute(select(func.count(Story.id))).scalar_one() == 1
            assert s.execute(select(func.count(Outlet.id))).scalar_one() == 1
            rows = s.execute(select(Article).order_by(Article.id)).scalars().all()
            assert [a.external_id for a in rows] == [f"old-{i}" for i in range(1, n + 1)]
            assert all(a.copy_of is None and a.copy_similarity is None for a in rows)
            # the stored bodies are in the near-copy index, each with its band keys
            assert {a for (a,) in s.execute(select(CopyBand.article_id).distinct())} == set(range(1, n + 1))
        uniques = inspect(db.engine).get_unique_constraints("articles")
        assert any(u["column_names"] == ["outlet_id", "content_hash"] for u in uniques)
        assert not any(u["column_names"] == ["content_hash"] for u in uniques)
        # the same content under another outlet can now be stored
        with db.engine.begin() as c:
            c.execute(text("INSERT INTO outlets (id, name, slug, domains) VALUES (2, 'ABC', 'abc', '[]')"))
            c.execute(text("INSERT INTO articles (id, outlet_id, title, raw_text, clean_text, ingested_at, content_hash, copy_of, copy_similarity) "
                           "SELECT 100, 2, title, raw_text, clean_text, ingested_at, content_hash, id, 1.0 FROM articles WHERE id = 1"))
            c.execute(text("DELETE FROM articles WHERE id = 100"))
        command.downgrade(db.alembic_config(), "0001")  # and back down, once the copy is removed
        with db.session() as s:
            assert s.execute(text("SELECT count(*) FROM articles")).scalar_one() == n
        assert "copy_bands" not in inspect(db.engine).get_table_names()
    finally:
        db.dispose()
