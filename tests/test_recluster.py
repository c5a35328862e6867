"""The batch re-clustering job on real stored embeddings: topics and labels refreshed, story
ids and memberships stable, versions bumped; tiny corpora do not crash."""
import json

from click.testing import CliRunner
from sqlalchemy import select

from service.usecases.replay import SAMPLE, article_fields, read_jsonl
from service.store.models import Article, Story
from tests.conftest import REDIS_URL, seed_articles


def memberships(services):
    with services.db.session() as s:
        return dict(s.execute(select(Article.external_id, Article.story_id)).all())


def test_recluster_sets_topics_and_keeps_story_ids(app, sqlite_url, redis_prefix, monkeypatch):
    services = app.extensions["newsprism"]
    services.ingestor.ingest(seed_articles() + [article_fields(r) for r in read_jsonl(str(SAMPLE))])
    before = memberships(services)
    with services.db.session() as s:
        versions = dict(s.execute(select(Story.id, Story.version)).all())
    from service.cli import main

    monkeypatch.setenv("NEWSPRISM_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("NEWSPRISM_REDIS_URL", REDIS_URL)
    monkeypatch.setenv("NEWSPRISM_REDIS_PREFIX", redis_prefix)
    out = CliRunner().invoke(main, ["recluster"])
    assert out.exit_code == 0, out.output
    report = json.loads(out.output)
    assert report["articles"] == 34 and report["topics"] >= 2 and report["stories_updated"] >= 1
    assert memberships(services) == before
    with services.db.session() as s:
        stories = s.execute(select(Story)).scalars().all()
        assert all(st.label for st in stories)
        assert sum(1 for st in stories if st.topic) >= len(stories) // 2
        assert any(st.version > versions[st.id] for st in stories)


def test_recluster_on_two_articles_does_not_crash(app):
    from service.usecases.recluster import recluster

    services = app.extensions["newsprism"]
    services.ingestor.ingest(seed_articles()[:2])
    report = recluster(services.db, services.params.topics)
    assert report["articles"] == 2
