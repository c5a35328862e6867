"""The story page and the handout are cached per story version: rendered once, served with an
ETag (304 on If-None-Match) and Cache-Control, and rendered anew when an article joins the story."""
from __future__ import annotations

from tests.conftest import AUTH, seed_articles


def _seeded(client):
    r = client.post("/api/v1/articles", json={"articles": seed_articles()}, headers=AUTH)
    assert r.status_code == 201, r.get_data(as_text=True)


def test_story_page_and_handout_are_cached_with_an_etag(app, client):
    _seeded(client)
    story_id = client.get("/api/v1/articles/seed-03").get_json()["story_id"]
    for url in (f"/stories/{story_id}", f"/stories/{story_id}/handout.md"):
        first = client.get(url)
        assert first.status_code == 200 and first.headers["X-Cache"] == "miss"
        again = client.get(url)
        assert again.headers["X-Cache"] == "hit"
        assert again.get_data() == first.get_data()
        assert again.headers["ETag"] == first.headers["ETag"]
        assert "public" in again.headers["Cache-Control"] and "max-age=30" in again.headers["Cache-Control"]
        not_modified = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert not_modified.status_code == 304 and not not_modified.get_data()
        assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200
    # the download header is not part of the cached body
    assert client.get(f"/stories/{story_id}/handout.md?inline=1").headers.get("Content-Disposition") is None
    assert client.get(f"/stories/{story_id}/handout.md").headers["Content-Disposition"].startswith("attachment")


def test_a_new_article_in_the_story_changes_the_page(app, client):
    _seeded(client)
    seed = {a["id"]: a for a in seed_articles()}["seed-03"]
    story_id = client.get("/api/v1/articles/seed-03").get_json()["story_id"]
    before = client.get(f"/stories/{story_id}")
    etag = before.headers["ETag"]
    assert "Classroom Courier" not in before.get_data(as_text=True)

    # the same report in other words: a new article (not a duplicate) about the same story
    paragraphs = seed["text"].split("\n\n")
    text = "\n\n".join(paragraphs[:5]) + "\n\nOur correspondent confirmed the remarks with the Kremlin on Wednesday."
    follow_up = {"id": "follow-up-1", "outlet": "Classroom Courier", "title": "Putin open to peace talks, not with Zelensky",
                 "text": text, "published_at": "2025-01-29T18:00:00+00:00"}  # dated: undated news is today's
    r = client.post("/api/v1/articles", json=follow_up, headers=AUTH)
    assert r.status_code == 201, r.get_data(as_text=True)
    assert client.get("/api/v1/articles/follow-up-1").get_json()["story_id"] == story_id

    after = client.get(f"/stories/{story_id}", headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["X-Cache"] == "miss"
    assert after.headers["ETag"] != etag
    assert "Classroom Courier" in after.get_data(as_text=True)
    handout = client.get(f"/stories/{story_id}/handout.md?inline=1").get_data(as_text=True)
    assert "Classroom Courier" in handout


def test_an_unknown_story_is_a_404_page_not_a_cached_one(client):
    for _ in range(2):
        r = client.get("/stories/987654")
        assert r.status_code == 404 and r.mimetype == "text/html" and "X-Cache" not in r.headers
