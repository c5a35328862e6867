"""Wire copies and republished articles are kept per outlet and linked to their original
(HTTP through the Flask test client; real Redis, the real model, SQLite and PostgreSQL)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from clustering.copies import CopyParams, compare_texts, fingerprint
from service.store.models import Article, CopyBand
from tests.conftest import AUTH, make_app
from tests.copytexts import WIRE_TEXT, near_copy, own_report, wire


@pytest.fixture
def copies_app(any_db_url, redis_prefix, embedder):
    app = make_app(any_db_url, redis_prefix)
    yield app
    app.extensions["newsprism"].close()


def post(client, body):
    """POST one article (the answer's article, with the status) or a batch (the answer)."""
    r = client.post("/api/v1/articles", json=body, headers=AUTH)
    assert r.status_code in (200, 201), r.get_data(as_text=True)
    answer = r.get_json()
    return {"status": answer["status"], **answer["article"]} if "article" in answer else answer


def test_the_same_text_under_three_outlets_is_three_articles_two_of_them_copies(copies_app):
    client = copies_app.test_client()
    ap = post(client, wire("Associated Press", "ap-1", "https://apnews.com/article/tarn-floods-1"))
    assert ap["status"] == "created" and ap["copy_of"] is None
    abc = post(client, wire("ABC News", "abc-1", "https://abcnews.go.com/International/tarn-floods"))
    yahoo = post(client, {"articles": [wire("Yahoo News", "yahoo-1", "https://news.yahoo.com/tarn-floods-0400.html")]})
    assert abc["status"] == "created" and abc["copy_of"] == ap["id"] and abc["copy_similarity"] == 1.0
    assert yahoo["created"] == 1 and yahoo["results"][0]["copy_of"] == ap["id"]
    assert len({ap["id"], abc["id"], yahoo["results"][0]["id"]}) == 3
    got = client.get("/api/v1/articles/abc-1")
    assert got.status_code == 200
    body = got.get_json()
    assert body["outlet"] == "ABC News" and body["copy_of"] == ap["id"] and body["copy_similarity"] == 1.0
    original = client.get("/api/v1/articles/ap-1").get_json()
    assert original["copy_of"] is None and original["copy_similarity"] is None
    # the three are in one story, which now counts three outlets
    story = client.get(f"/api/v1/stories/{ap['story_id']}").get_json()
    assert set(story["outlets"]) == {"Associated Press", "ABC News", "Yahoo News"}
    # and the export carries the link
    rows = [r for r in client.get("/api/v1/export").get_data(as_text=True).splitlines() if r]
    assert sum('"copy_of":%d' % ap["id"] in r for r in rows) == 2


def test_a_near_copy_is_linked_with_its_similarity(copies_app):
    client = copies_app.test_client()
    ap = post(client, wire("Associated Press", "ap-2", "https://apnews.com/article/tarn-floods-2"))
    near = post(client, near_copy("Yahoo News", "yahoo-2", "https://news.yahoo.com/tarn-2.html"))
    assert near["status"] == "created" and near["copy_of"] == ap["id"]
    assert 0.5 <= near["copy_similarity"] < 1.0
    # a copy of the copy points at the original
    third = post(client, near_copy("MSN", "msn-2", "https://www.msn.com/en-us/news/world/tarn-2"))
    assert third["copy_of"] == ap["id"]


def test_the_same_outlet_reposting_with_a_tracking_parameter_is_a_duplicate(copies_app):
    client = copies_app.test_client()
    first = post(client, wire("Associated Press", "ap-3", "https://apnews.com/article/tarn-floods-3"))
    again = client.post("/api/v1/articles", headers=AUTH, json=wire(
        "Associated Press", None, "https://apnews.com/article/tarn-floods-3?utm_source=twitter&utm_medium=social"))
    assert again.status_code == 200
    assert again.get_json()["status"] == "duplicate" and again.get_json()["article"]["id"] == first["id"]
    # the same outlet, same content, another URL: still the same article
    other_url = post(client, wire("Associated Press", None, "https://apnews.com/article/tarn-floods-3-copy"))
    assert other_url["status"] == "duplicate" and other_url["id"] == first["id"]
    with copies_app.extensions["newsprism"].db.session() as s:
        assert s.execute(select(func.count(Article.id))).scalar_one() == 1


def test_an_unrelated_article_on_the_same_event_is_not_a_copy(copies_app):
    client = copies_app.test_client()
    ap = post(client, wire("Associated Press", "ap-4", "https://apnews.com/article/tarn-floods-4"))
    own = post(client, own_report("Le Monde", "lm-4", "https://www.lemonde.fr/tarn-4"))
    assert own["status"] == "created" and own["copy_of"] is None
    assert own["story_id"] == ap["story_id"]  # same event, same story, no copy
    assert client.get("/api/v1/articles/lm-4").get_json()["copy_of"] is None


def test_band_keys_are_written_with_their_article_and_find_nothing_for_other_text(copies_app):
    services = copies_app.extensions["newsprism"]
    report = services.ingestor.ingest([wire("Associated Press", "ap-5", "https://apnews.com/a/5"),
                                       wire("Reuters", "r-5", "https://www.reuters.com/world/5")])
    ids = [r.id for r in report.results]
    assert report.results[1].copy_of == ids[0]  # linked inside one batch too
    params = CopyParams()
    with services.db.session() as s:
        n_bands = s.execute(select(func.count()).select_from(CopyBand).where(CopyBand.article_id == ids[0])).scalar_one()
    assert n_bands == len(set(fingerprint(WIRE_TEXT, params).bands)) > 0


def test_similarity_is_the_exact_share_of_shared_shingles():
    params = CopyParams()
    paras = WIRE_TEXT.split("\n\n")
    same = compare_texts(WIRE_TEXT, WIRE_TEXT, params)
    trimmed = compare_texts(WIRE_TEXT, "\n\n".join(paras[:-1]), params)
    assert same.jaccard == 1.0 and same.is_copy(params)
    assert trimmed.containment == 1.0 and 0.8 < trimmed.jaccard < 1.0 and trimmed.is_copy(params)
    assert not compare_texts(WIRE_TEXT, own_report("x", "x", "x")["text"], params).is_copy(params)


def test_match_says_when_the_article_read_is_a_copy_and_of_what(copies_app):
    client = copies_app.test_client()
    ap = post(client, wire("Associated Press", "ap-6", "https://apnews.com/article/tarn-floods-6"))
    lm = post(client, own_report("Le Monde", "lm-6", "https://www.lemonde.fr/tarn-6"))
    abc = post(client, wire("ABC News", "abc-6", "https://abcnews.go.com/International/tarn-6"))
    assert lm["story_id"] == ap["story_id"] == abc["story_id"]
    # a stored copy, read by its URL
    known = client.post("/api/v1/match", json={"url": "https://abcnews.go.com/International/tarn-6"}).get_json()
    assert known["status"] == "matched" and known["method"] == "url"
    assert known["copy_of"]["id"] == ap["id"] and known["copy_of"]["outlet"] == "Associated Press"
    assert known["copy_of"]["similarity"] == 1.0 and known["story"]["independent_reports"] == 2
    # the original and an independent report are nobody's copies
    assert client.post("/api/v1/match", json={"url": "https://apnews.com/article/tarn-floods-6"}).get_json()["copy_of"] is None
    assert client.post("/api/v1/match", json={"url": "https://www.lemonde.fr/tarn-6"}).get_json()["copy_of"] is None
    # an unknown page carrying the wire text (lightly edited): found by content, nothing stored
    page = near_copy("Yahoo News", "y-6", "https://news.yahoo.com/tarn-6.html")
    by_text = client.post("/api/v1/match", json={"url": page["url"], "title": page["title"], "text": page["text"]}).get_json()
    assert by_text["method"] == "content" and by_text["copy_of"]["id"] == ap["id"]
    assert 0.5 <= by_text["copy_of"]["similarity"] < 1.0
    abc_item = next(o for o in by_text["outlets"] if o["outlet"] == "ABC News")
    assert abc_item["runs_text_of"] == {"outlet": "Associated Press", "similarity": 1.0}
    assert next(o for o in by_text["outlets"] if o["outlet"] == "Le Monde")["runs_text_of"] is None
    assert client.get("/api/v1/articles/y-6").status_code == 404


def test_story_json_counts_independent_reports(copies_app):
    client = copies_app.test_client()
    ap = post(client, wire("Associated Press", "ap-7", "https://apnews.com/article/tarn-floods-7"))
    story = client.get(f"/api/v1/stories/{ap['story_id']}").get_json()
    assert story["outlet_count"] == 1 and story["independent_reports"] == 1
    lm = post(client, own_report("Le Monde", "lm-7", "https://www.lemonde.fr/tarn-7"))
    post(client, wire("ABC News", "abc-7", "https://abcnews.go.com/International/tarn-7"))
    post(client, near_copy("Yahoo News", "y-7", "https://news.yahoo.com/tarn-7.html"))
    assert lm["story_id"] == ap["story_id"]
    story = client.get(f"/api/v1/stories/{ap['story_id']}").get_json()
    assert story["outlet_count"] == 4 and story["independent_reports"] == 2
    listed = next(s for s in client.get("/api/v1/stories").get_json()["items"] if s["id"] == ap["story_id"])
    assert listed["independent_reports"] == 2
    comparison = client.get(f"/api/v1/stories/{ap['story_id']}/comparison").get_json()
    assert comparison["story"]["independent_reports"] == 2


def test_a_short_identical_text_of_another_outlet_is_a_copy_in_one_batch_too(copies_app):
    services = copies_app.extensions["newsprism"]
    short = {"title": "Polls close in the regional election", "text": "Polls closed at 8 pm, officials said."}
    report = services.ingestor.ingest([{**short, "id": "s-ap", "outlet": "Associated Press"},
                                       {**short, "id": "s-abc", "outlet": "ABC News"},
                                       {**short, "id": "s-ap2", "outlet": "Associated Press", "url": "https://apnews.com/x"}])
    assert [r.status for r in report.results] == ["created", "created", "duplicate"]
    assert report.results[1].copy_of == report.results[0].id and report.results[1].copy_similarity == 1.0
    assert report.results[2].id == report.results[0].id
