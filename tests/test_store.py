"""The store suite, against SQLite and PostgreSQL alike."""
import pytest
from sqlalchemy import func, inspect, select

from service.store.models import Article, Story, TermStat
from tests.conftest import make_app, seed_articles


@pytest.fixture
def services(any_db_url, redis_prefix, embedder):
    app = make_app(any_db_url, redis_prefix)
    yield app.extensions["newsprism"]
    app.extensions["newsprism"].close()


def test_migrations_create_every_table(services):
    tables = set(inspect(services.db.engine).get_table_names())
    assert {"outlets", "articles", "stories", "embedding_cache", "term_stats", "api_keys", "alembic_version"} <= tables
    services.db.upgrade()  # idempotent


def test_ingest_stores_articles_stories_and_term_stats(services):
    report = services.ingestor.ingest(seed_articles())
    assert report.count("created") == 10
    with services.db.session() as s:
        assert s.execute(select(func.count(Article.id))).scalar_one() == 10
        stories = s.execute(select(Story)).scalars().all()
        assert sum(st.article_count for st in stories) == 10
        assert all(st.version == st.article_count for st in stories)
        assert s.get(TermStat, "").df == 10
        art = s.execute(select(Article).where(Article.external_id == "seed-03")).scalar_one()
        assert art.outlet.name == "The Moscow Times" and len(art.embedding) == 384 * 4
        assert "Dear readers" not in art.clean_text and "Dear readers" in art.raw_text


def test_duplicates_do_not_change_the_store(services):
    services.ingestor.ingest(seed_articles())
    with services.db.session() as s:
        versions = dict(s.execute(select(Story.id, Story.version)).all())
    again = services.ingestor.ingest(seed_articles())
    assert again.count("duplicate") == 10
    with services.db.session() as s:
        assert dict(s.execute(select(Story.id, Story.version)).all()) == versions
        assert s.execute(select(func.count(Article.id))).scalar_one() == 10


def test_a_write_that_fails_halfway_leaves_nothing_behind(services, monkeypatch):
    """The whole batch is one transaction: a fault after some inserts rolls all back."""
    from service.store.stories import StoryWriter

    calls = {"n": 0}
    original = StoryWriter.add_article

    def failing(writer, story, article, state):
        calls["n"] += 1
        if calls["n"] == 4:
            raise ConnectionError("connection lost")  # stands in for a killed connection
        return original(writer, story, article, state)

    monkeypatch.setattr(StoryWriter, "add_article", failing)
    with pytest.raises(ConnectionError):
        services.ingestor.ingest(seed_articles())
    with services.db.session() as s:
        assert s.execute(select(func.count(Article.id))).scalar_one() == 0
        assert s.execute(select(func.count(Story.id))).scalar_one() == 0
    monkeypatch.setattr(StoryWriter, "add_article", original)
    # retrying the same batch is safe and complete
    assert services.ingestor.ingest(seed_articles()).count("created") == 10


def test_embeddings_are_cached_by_content(services):
    services.ingestor.ingest(seed_articles()[:3])
    encoded = services.cached_embedder.encoded
    services.cache.local.clear()
    texts = [services.assignment.texts(a["title"], a["text"])[0] for a in seed_articles()[:1]]
    services.cached_embedder.encode(texts)
    assert services.cached_embedder.encoded == encoded
