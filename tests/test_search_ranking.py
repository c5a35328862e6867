"""Search ranking on hand-made stories (written straight into a SQLite store, every vector the
same so only the terms decide): a story one of whose articles says what the query says ranks
above a story whose articles, between them, mention every query term more often; a figure of
the query tells one instalment of a recurring report from another."""
from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pytest

from service.index.stories import StoryIndex
from service.params import IndexParams, SearchParams
from service.settings import load_settings
from service.store.models import Article, Outlet, Story
from service.usecases.search import Search
from service.wiring import build_services

DIM = 8
UNIT = np.eye(DIM, dtype=np.float32)[0]
WHEN = datetime(2025, 3, 4, 12, tzinfo=timezone.utc)

#: story → its articles' (headline, lead)
STORIES = {
    # between them these four mention every query term, each more than once
    "roundup": [("House Democrats meet on spending", "House Democrats met again. The House is split."),
                ("Budget fight goes on", "The budget fight goes on. Budget talks resume."),
                ("Blueprint for roads unveiled", "A blueprint for roads was unveiled; the blueprint costs more."),
                ("Senate passes farm bill", "The Senate passes a farm bill and passes a tax measure.")],
    # one article says it all
    "event": [("House passes budget blueprint", "The House voted on Tuesday.")],
    "other1": [("Storm cuts power to homes", "High winds cut power across the county.")],
    "other2": [("School board approves new calendar", "The board voted to start classes earlier.")],
    # two weeks of one recurring report: the earlier week repeats the query's words, the later
    # one holds its figure
    "week1": [("Jobless claims drop to pandemic low", "Jobless claims drop again to a new pandemic low, "
                                                      "507,000; claims drop for a third week.")],
    "week2": [("Jobless claims fall to pandemic low", "Claims fell to 498,000 last week.")],
}


class SameVector:
    """Embeds every text as the same unit vector: the dense parts tie, the terms decide."""

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.tile(UNIT, (len(texts), 1))


@pytest.fixture
def store(sqlite_url):
    services = build_services(load_settings({"database_url": sqlite_url, "redis_url": "", "preload_model": False}))
    services.db.upgrade()
    ids = {}
    with services.db.session() as s:
        outlet = Outlet(name="Capital Wire", slug="capital-wire", domains=[])
        s.add(outlet)
        s.flush()
        for name, members in STORIES.items():
            story = Story(label=members[0][0], article_count=len(members), outlet_count=1, first_seen=WHEN,
                          last_seen=WHEN, centroid=UNIT.tobytes(), updated_at=WHEN)
            s.add(story)
            s.flush()
            ids[name] = story.id
            for i, (title, lead) in enumerate(members):
                s.add(Article(external_id=f"{name}-{i}", outlet_id=outlet.id, title=title, raw_text=lead,
                              clean_text=lead, published_at=WHEN, content_hash=f"{name}-{i}", story_id=story.id,
                              embedding=UNIT.tobytes()))
        s.commit()
    yield services, ids
    services.close()


def ranked(services, params: SearchParams, query: str) -> list[int]:
    index = StoryIndex(services.db, IndexParams(backend="numpy"))
    index.ensure_fresh()
    search = Search(db=services.db, cache=None, embedder=SameVector(), index=index, params=params)
    hits, _ = search.rank(query)
    return [h.story_id for h in hits]


def test_the_story_whose_article_says_it_all_ranks_first(store):
    services, ids = store
    query = "House passes budget blueprint"
    # the story document alone: the roundup's members sum to more of every query term
    old = ranked(services, SearchParams(w_lexical=0.4, w_member=0.0), query)
    assert old[0] == ids["roundup"]
    # with the member term (the default weights): the event's one article matches it all
    new = ranked(services, SearchParams(), query)
    assert new[:2] == [ids["event"], ids["roundup"]]


def test_the_query_figure_picks_the_instalment_that_holds_it(store):
    services, ids = store
    query = "Jobless Claims Drop to Pandemic-Era Low of 498,000"
    # without the figure term the words decide: the earlier week repeats them
    old = ranked(services, SearchParams(w_number=0.0), query)
    assert old[:2] == [ids["week1"], ids["week2"]]
    new = ranked(services, SearchParams(), query)
    assert new[:2] == [ids["week2"], ids["week1"]]
    # the part is reported per hit (the API's explain.figures): the week that holds the figure
    index = StoryIndex(services.db, IndexParams(backend="numpy"))
    index.ensure_fresh()
    hits, _ = Search(db=services.db, cache=None, embedder=SameVector(), index=index, params=SearchParams()).rank(query)
    figures = {h.story_id: h.figures for h in hits}
    assert figures[ids["week2"]] > 0.2 and figures[ids["week1"]] == 0.0
    # a query without a figure is ranked as before
    plain = "Jobless claims drop to pandemic low"
    assert ranked(services, SearchParams(), plain) == ranked(services, SearchParams(w_number=0.0), plain)
