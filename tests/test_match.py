"""POST /api/v1/match: known URL from the store, unknown article by content without storing,
"no story yet" below the threshold, input validation, the Redis answer cache and ingest."""
import pytest

from tests.conftest import AUTH, seed_articles

SEED_STORY = "putin-zelensky-illegitimate"


def with_urls(arts):
    return [dict(a, url=f"https://news.example.com/2025/01/29/{a['id']}") for a in arts]


@pytest.fixture
def seeded(client):
    r = client.post("/api/v1/articles", json={"articles": with_urls(seed_articles())}, headers=AUTH)
    assert r.status_code == 201, r.get_data(as_text=True)
    return client


def count(client):
    return client.get("/api/v1/articles").get_json()["total"]


def story_of(client, external_id):
    return client.get(f"/api/v1/articles/{external_id}").get_json()["story_id"]


def test_match_by_known_url_answers_from_the_store(seeded):
    url = "https://news.example.com/2025/01/29/seed-04?utm_source=newsletter"  # tracking params ignored
    r = seeded.post("/api/v1/match", json={"url": url})
    assert r.status_code == 200, r.get_data(as_text=True)
    body = r.get_json()
    assert body["status"] == "matched" and body["method"] == "url" and body["score"] == 1.0
    assert body["story"]["id"] == story_of(seeded, "seed-04")
    assert body["article"]["external_id"] == "seed-04" and body["outlet"] == "RFE/RL"
    # every other outlet of the story, never the reader's own
    assert len(body["outlets"]) == body["story"]["outlet_count"] - 1
    for item in body["outlets"]:
        assert set(item) >= {"outlet", "title", "url", "published_at", "summary"}
        assert item["outlet"] != "RFE/RL"
    assert body["summaries"] in {"ready", "pending", "unavailable"}
    assert r.headers["X-Cache"] == "miss"
    again = seeded.post("/api/v1/match", json={"url": url})
    assert again.headers["X-Cache"] == "hit" and again.get_json()["story"]["id"] == body["story"]["id"]


def seed_mates(client, *ids):
    """Stored stories holding any of these seed articles."""
    return {story_of(client, i) for i in ids}


ILLEGITIMATE = ("seed-01", "seed-03", "seed-04", "seed-05", "seed-06", "seed-07")


def test_match_by_text_finds_the_story_without_storing_anything(seeded):
    """The reader has the Moscow Times piece open under another URL (a syndicated copy)."""
    before = count(seeded)
    art = {a["id"]: a for a in seed_articles()}["seed-03"]
    text = "\n\n".join(art["text"].split("\n\n")[:3])
    r = seeded.post("/api/v1/match", json={"url": "https://syndication.example.net/world/putin-talks",
                                           "title": art["title"], "text": text})
    assert r.status_code == 200, r.get_data(as_text=True)
    body = r.get_json()
    assert body["status"] == "matched" and body["method"] == "content"
    assert body["score"] >= body["threshold"]
    assert body["story"]["id"] in seed_mates(seeded, *ILLEGITIMATE)
    assert body["article"] is None
    assert count(seeded) == before  # nothing stored
    # a paraphrase in other words is scored against the same candidates (whatever the verdict)
    para = seeded.post("/api/v1/match", json={
        "title": "Putin rules out talks with 'illegitimate' Zelensky",
        "text": "Russian President Vladimir Putin said he was ready for peace negotiations over Ukraine but would "
                "not talk directly to Volodymyr Zelensky, whom he called illegitimate. Zelensky answered that "
                "Putin was afraid of negotiations."}).get_json()
    assert para["status"] in {"matched", "no_story"}
    if para["status"] == "matched":
        assert para["story"]["id"] in seed_mates(seeded, *ILLEGITIMATE, "seed-02")
    assert count(seeded) == before


def test_match_from_html(seeded):
    art = {a["id"]: a for a in seed_articles()}["seed-03"]
    paras = "".join(f"<p>{p}</p>" for p in art["text"].split("\n\n")[:3])
    html = (f"<html><head><title>{art['title']}</title></head><body><nav>Home | World</nav><article>"
            f"<h1>{art['title']}</h1>{paras}</article><footer>Subscribe</footer></body></html>")
    before = count(seeded)
    body = seeded.post("/api/v1/match", json={"html": html}).get_json()
    assert body["status"] == "matched" and body["story"]["id"] in seed_mates(seeded, *ILLEGITIMATE)
    assert count(seeded) == before


def test_match_below_the_threshold_is_no_story(seeded):
    before = count(seeded)
    r = seeded.post("/api/v1/match", json={
        "title": "Council votes to close the old Elm Street bridge",
        "text": "The city council voted 7-2 on Tuesday to close the Elm Street bridge for repairs. "
                "Engineers said the steel was corroded."})
    body = r.get_json()
    assert r.status_code == 200 and body["status"] == "no_story"
    assert body["story"] is None and body["outlets"] == []
    assert body["score"] is None or body["score"] < body["threshold"]
    assert count(seeded) == before


def test_unknown_url_without_content_asks_for_the_page(seeded):
    body = seeded.post("/api/v1/match", json={"url": "https://unknown.example.org/a/b"}).get_json()
    assert body["status"] == "unknown_url" and body["story"] is None


@pytest.mark.parametrize("url", ["http://127.0.0.1/admin", "http://localhost:8000/x", "http://10.0.0.5/a",
                                 "http://[::1]/a", "http://169.254.169.254/latest/meta-data",
                                 "file:///etc/passwd", "ftp://example.org/a", "https://user:pw@example.org/"])
def test_match_rejects_private_and_non_http_urls(client, url):
    r = client.post("/api/v1/match", json={"url": url})
    assert r.status_code == 422
    body = r.get_json()
    assert body["errors"][0]["field"] == "url"


def test_match_validation(client):
    assert client.post("/api/v1/match", json={}).status_code == 422
    assert client.post("/api/v1/match", json={"text": "x", "unknown": 1}).status_code == 422
    assert client.post("/api/v1/match", data="not json", content_type="application/json").status_code == 400
    assert client.post("/api/v1/match", data="a=b", content_type="text/plain").status_code == 415


def test_cached_answer_is_invalidated_by_a_new_article(seeded):
    req = {"url": "https://reader.example.org/bridge", "title": "Council votes to close the old Elm Street bridge",
           "text": "The city council voted 7-2 on Tuesday to close the Elm Street bridge for repairs. "
                   "Engineers said the steel was corroded."}
    first = seeded.post("/api/v1/match", json=req)
    assert first.get_json()["status"] == "no_story" and first.headers["X-Cache"] == "miss"
    assert seeded.post("/api/v1/match", json=req).headers["X-Cache"] == "hit"
    new = {"id": "bridge-1", "outlet": "Capital Wire", "title": "Council votes to close the old Elm Street bridge",
           "text": "The city council voted 7-2 on Tuesday to close the Elm Street bridge for repairs.\n\n"
                   "Engineers said the steel was corroded."}
    assert seeded.post("/api/v1/articles", json=new, headers=AUTH).status_code == 201
    third = seeded.post("/api/v1/match", json=req)
    assert third.headers["X-Cache"] == "miss"
    body = third.get_json()
    assert body["status"] == "matched" and body["story"]["id"] == story_of(seeded, "bridge-1")


def test_match_with_ingest_needs_a_key_and_stores(seeded):
    req = {"url": "https://news.example.com/2025/01/30/bridge", "outlet": "Capital Wire",
           "title": "Council votes to close the old Elm Street bridge",
           "text": "The city council voted 7-2 on Tuesday to close the Elm Street bridge for repairs.", "ingest": True}
    before = count(seeded)
    assert seeded.post("/api/v1/match", json=req).status_code == 401
    assert count(seeded) == before
    r = seeded.post("/api/v1/match", json=req, headers=AUTH)
    body = r.get_json()
    assert r.status_code == 200 and body["method"] == "ingest" and body["ingested"] == "created"
    assert count(seeded) == before + 1
    known = seeded.post("/api/v1/match", json={"url": req["url"]}).get_json()
    assert known["method"] == "url" and known["story"]["id"] == body["story"]["id"]


def test_summaries_come_from_the_comparison_when_available(seeded, app):
    """Summaries are read from the comparison cached per story version; with none, the answer
    still comes (degraded) and says so."""
    services = app.extensions["newsprism"]
    summaries = services.matcher.summaries
    url = "https://news.example.com/2025/01/29/seed-04"
    body = seeded.post("/api/v1/match", json={"url": url}).get_json()
    sid, version = body["story"]["id"], body["story"]["version"]
    fake = {"outlets": [{"outlet": o["outlet"], "summary": f"{o['outlet']} stresses X"} for o in body["outlets"]]}
    services.cache.set_json(services.comparisons.key(sid, version), fake)
    services.cache.delete_prefix(services.cache.store_key("match") + ":*")
    services.cache.delete_prefix(summaries.key(sid, version))
    again = seeded.post("/api/v1/match", json={"url": url}).get_json()
    assert again["summaries"] == "ready"
    assert all(o["summary"] == f"{o['outlet']} stresses X" for o in again["outlets"])


def test_leave_one_out_excludes_the_article_itself(app, seeded):
    """Matching a stored article with its own id excluded scores its story as if it had never
    been ingested (the evaluation's leave-one-out)."""
    from service.schemas import MatchIn

    services = app.extensions["newsprism"]
    matcher = services.matcher
    arts = {a["id"]: a for a in seed_articles()}
    own_id = lambda ext: int(seeded.get(f"/api/v1/articles/{ext}").get_json()["id"])  # noqa: E731
    # without any exclusion, an article's best story is its own
    a = arts["seed-08"]
    sig = matcher.assignment.signals(a["title"], a["text"], None, list(services.search.embedder.encode(
        matcher.assignment.texts(a["title"], a["text"]))))
    best, _ = matcher.best_story(sig)
    assert best[0] == story_of(seeded, "seed-08")
    # excluded, its own (single-article) story no longer exists for it
    best, debug = matcher.best_story(sig, {own_id("seed-08")})
    assert best is None or best[0] != story_of(seeded, "seed-08")
    # a member of the big story, left out, still finds a story holding one of its mates
    b = arts["seed-03"]
    out = matcher.match(MatchIn(title=b["title"], text=b["text"]), exclude_article_ids={own_id("seed-03")},
                        use_cache=False, with_debug=True)
    top = out["debug"]["top"][0][0]
    assert top in seed_mates(seeded, *[x for x in ILLEGITIMATE if x != "seed-03"])
    if out["status"] == "matched":
        assert all(o["title"] != b["title"] for o in out["outlets"])
    st = matcher.state_without(story_of(seeded, "seed-03"), {own_id("seed-03")})
    full_n = seeded.get(f"/api/v1/stories/{story_of(seeded, 'seed-03')}").get_json()["article_count"]
    assert (st is None and full_n == 1) or st.n_articles == full_n - 1


def test_an_undated_match_is_held_to_the_undated_bar(app, seeded, monkeypatch):
    """An article without a date is scored by the assigner's undated model (every row has an
    unknown time) and held to that model's bar (``undated_threshold``), as the assigner would
    hold it, not to the dated model's ``threshold``; ``[search.match] threshold``, when set,
    is the bar of every row."""
    from service.schemas import MatchIn

    matcher = app.extensions["newsprism"].matcher
    params = matcher.assignment.assigner.params
    art = {a["id"]: a for a in seed_articles()}["seed-03"]
    req = {"title": art["title"], "text": "\n\n".join(art["text"].split("\n\n")[:3])}
    best, debug = matcher.best_story(matcher.signals(MatchIn(**req)))
    assert best is not None and best[2] == params.undated_threshold
    assert all(bar == params.undated_threshold for _, _, bar in debug["top"])
    body = seeded.post("/api/v1/match", json=req).get_json()
    assert body["threshold"] == params.undated_threshold
    assert (body["status"] == "matched") == (body["score"] >= params.undated_threshold)
    # the score between the two bars: the dated bar would pass it, the undated one does not
    score = best[1]
    monkeypatch.setattr(params, "threshold", score - 0.05)
    monkeypatch.setattr(params, "undated_threshold", score + 0.01)
    held = matcher.match(MatchIn(**req), use_cache=False)
    assert held["status"] == "no_story" and held["threshold"] == score + 0.01
    assert held["score"] == round(score, 4)
    # an explicit [search.match] threshold is the bar of every row
    monkeypatch.setattr(matcher.params, "threshold", score - 0.05)
    set_bar = matcher.match(MatchIn(**req), use_cache=False)
    assert set_bar["status"] == "matched" and set_bar["threshold"] == score - 0.05
    assert set_bar["story"]["id"] == best[0]


LERNER = {"id": "lerner-huffpost", "outlet": "HuffPost", "published_at": "2013-05-22T12:00:00Z",
          "url": "https://huff.example.com/2013/05/22/lerner",
          "title": "Lois Lerner, IRS Scandal Figure, Will Invoke Fifth Amendment At Oversight Hearing",
          "text": "WASHINGTON -- Lois Lerner, the Internal Revenue Service official at the center of the agency's "
                  "targeting of conservative groups, will refuse to answer questions from lawmakers on Wednesday, her "
                  "lawyer said.\n\nLerner, who heads the IRS division that oversees tax-exempt organizations, will "
                  "invoke her Fifth Amendment right against self-incrimination before the House Oversight and "
                  "Government Reform Committee, according to a letter from her attorney to committee chairman "
                  "Darrell Issa.\n\nThe IRS has apologized for singling out Tea Party groups for extra scrutiny when "
                  "they applied for tax-exempt status."}
# the next day's follow-up in other words: the fitted score alone leaves it under the bar
LERNER_PAST = {"title": "Conservatives question embattled official's record at election commission",
               "published_at": "2013-05-23T15:00:00Z",
               "text": "Lois Lerner's years at the Federal Election Commission are drawing new attention from "
                       "conservatives, who say she pursued Christian groups there long before the tax agency's "
                       "troubles.\n\nLerner told a House panel on Wednesday that she had done nothing wrong, then "
                       "declined to answer questions."}
# the same template about someone else
OSTREL = {"title": "Pentagon contractor will invoke Fifth Amendment at Senate hearing",
          "published_at": "2013-05-23T15:00:00Z",
          "text": "Kenneth Ostrel, the defense contractor at the center of a billing inquiry, will refuse to answer "
                  "questions from senators on Thursday, his lawyer said.\n\nOstrel will invoke his Fifth Amendment "
                  "right against self-incrimination before the Senate Armed Services Committee, according to a "
                  "letter to chairman Carl Levin."}


def test_one_story_in_the_window_is_matched_as_ingest_would_join_it(client, app):
    """A dated article whose time window holds one story is decided by the assigner's
    one-candidate path, as ingest decides it: the follow-up scoring under the bar is matched
    (rule "one_candidate"), then ingested into that same story; the same template naming
    someone else is not matched (the name veto)."""
    params = app.extensions["newsprism"].matcher.assignment.assigner.params
    r = client.post("/api/v1/articles", json={"articles": [LERNER]}, headers=AUTH)
    assert r.status_code == 201, r.get_data(as_text=True)
    story = r.get_json()["results"][0]["story_id"]

    body = client.post("/api/v1/match", json=LERNER_PAST).get_json()
    assert body["score"] < params.threshold  # the fitted score alone would say "no story"
    assert body["status"] == "matched" and body["rule"] == "one_candidate", body
    assert body["story"]["id"] == story and body["threshold"] == params.threshold

    other = client.post("/api/v1/match", json=OSTREL).get_json()
    assert other["status"] == "no_story" and other["story"] is None, other

    # ingest agrees with the match
    r = client.post("/api/v1/articles", json={"articles": [dict(LERNER_PAST, id="lerner-past", outlet="Fox News",
                                                                url="https://fox.example.com/lerner-past")]},
                    headers=AUTH)
    assert r.get_json()["results"][0]["story_id"] == story
    # a match bar set by hand is the bar of every row, the one-candidate path included
    app.extensions["newsprism"].matcher.params.threshold = params.threshold
    try:
        held = client.post("/api/v1/match", json=dict(LERNER_PAST, title="Lerner's past at the election "
                                                                          "commission draws scrutiny")).get_json()
    finally:
        app.extensions["newsprism"].matcher.params.threshold = None
    assert held["status"] == "no_story" or held["rule"] == "bar"


def test_a_changed_match_rule_or_bar_is_never_served_an_old_cached_answer(seeded, app, monkeypatch):
    """The answer cache's key names the match's rules and knobs and the assigner's model: a
    changed ``[search.match]`` threshold (or a new rule version) misses the cache and decides
    anew; the old settings find their answer again."""
    import service.usecases.match as match_module

    matcher = app.extensions["newsprism"].matcher
    req = {"url": "https://reader.example.org/elm-bridge", "title": "Council votes to close the old Elm Street "
           "bridge", "text": "The city council voted 7-2 on Tuesday to close the Elm Street bridge for repairs."}
    first = seeded.post("/api/v1/match", json=req)
    assert first.headers["X-Cache"] == "miss"
    assert seeded.post("/api/v1/match", json=req).headers["X-Cache"] == "hit"
    monkeypatch.setattr(matcher.params, "threshold", 0.01)
    changed = seeded.post("/api/v1/match", json=req)
    assert changed.headers["X-Cache"] == "miss" and changed.get_json()["threshold"] == 0.01
    monkeypatch.setattr(matcher.params, "threshold", None)
    assert seeded.post("/api/v1/match", json=req).headers["X-Cache"] == "hit"
    monkeypatch.setattr(match_module, "MATCH_RULES", "match-test")
    assert seeded.post("/api/v1/match", json=req).headers["X-Cache"] == "miss"
