"""The story page shows who ran whose text, in real headless Chromium against gunicorn
(real SQLite, Redis and model): "ABC News and Yahoo News ran the Associated Press text,
100 % / 8x % identical", the independent-report count, the wire-service badge and a copy's
column limited to its own edits."""
from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from tests.conftest import API_KEY, REDIS_URL
from tests.copytexts import near_copy, own_report, wire
from tests.servers import gunicorn
from tests.test_web_browser import CHROMIUM, browser  # noqa: F401  (the Playwright fixture)

pytestmark = pytest.mark.browser
AUTH = {"Authorization": f"Bearer {API_KEY}"}


@pytest.fixture(scope="module")
def agency_site(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    import uuid

    tmp = tmp_path_factory.mktemp("copies-web")
    prefix = "nptest-copiesweb-" + uuid.uuid4().hex[:8]
    with gunicorn(f"sqlite:///{tmp}/web.db", REDIS_URL, prefix, API_KEY, workers=1,
                  NEWSPRISM_RATE_LIMIT_WRITE="100000/minute", NEWSPRISM_RATE_LIMIT_READ="100000/minute") as base:
        with httpx.Client(base_url=base, headers=AUTH, timeout=300) as http:
            ids = {}
            for item in (wire("Associated Press", "ap-w", "https://apnews.com/article/tarn-w"),
                         own_report("Le Monde", "lm-w", "https://www.lemonde.fr/tarn-w"),
                         wire("ABC News", "abc-w", "https://abcnews.go.com/International/tarn-w"),
                         near_copy("Yahoo News", "y-w", "https://news.yahoo.com/tarn-w.html")):
                r = http.post("/api/v1/articles", json=item)
                assert r.status_code == 201, r.text
                ids[item["outlet"]] = r.json()["article"]
            sid = ids["Associated Press"]["story_id"]
            assert {a["story_id"] for a in ids.values()} == {sid}
            assert http.get(f"/api/v1/stories/{sid}/comparison").status_code == 200  # warm the cache
            yield {"base": base, "story": sid, "articles": ids}
        import redis

        rc = redis.Redis.from_url(REDIS_URL)
        for key in rc.scan_iter(match=prefix + ":*", count=1000):
            rc.delete(key)


def test_the_story_page_shows_the_copy_relation(agency_site, browser):  # noqa: F811
    yahoo_share = round(100 * agency_site["articles"]["Yahoo News"]["copy_similarity"])
    page = browser.new_page()
    try:
        page.goto(f"{agency_site['base']}/stories/{agency_site['story']}")
        line = page.locator(".copy-line")
        assert line.count() == 1
        assert line.inner_text() == (f"ABC News and Yahoo News ran the Associated Press text, "
                                     f"100 % / {yahoo_share} % identical.")
        assert line.is_visible()
        assert re.search(r"4 outlets\s*·\s*2 independent reports", page.locator(".story-head .meta").inner_text())
        ap = page.locator('article.outlet-col[data-outlet="Associated Press"]')
        assert ap.locator(".badge-wire").inner_text() == "Wire service"
        assert page.locator('article.outlet-col[data-outlet="Le Monde"] .badge-wire').count() == 0
        abc = page.locator('article.outlet-col[data-outlet="ABC News"]')
        assert "Runs the Associated Press text (100 % identical)" in abc.locator(".copy-note").inner_text()
        assert "No edits of its own." in abc.inner_text()
        assert "Counted with the Associated Press text." in abc.inner_text()
        yahoo = page.locator('article.outlet-col[data-outlet="Yahoo News"]')
        assert f"({yahoo_share} % identical)" in yahoo.locator(".copy-note").inner_text()
        unique = yahoo.locator("section.blk").filter(has_text="Only here").inner_text()
        # its added first paragraph is a new lead, which is never claimed as "only here"; the page
        # must not say it made no edits either
        assert "rail operator" not in unique and "No edits of its own." not in unique
        assert "Its own edits hold no fact" in unique or "Our correspondent in the region" in unique
    finally:
        page.close()


def test_the_handout_names_who_ran_whose_text_and_no_copy_leaves_anything_out(agency_site):
    r = httpx.get(f"{agency_site['base']}/stories/{agency_site['story']}/handout.md", params={"inline": 1}, timeout=60)
    assert r.status_code == 200
    text = r.text
    assert "- ABC News and Yahoo News ran the Associated Press text, 100 % / " in text
    assert "Left out by ABC News" not in text and "Left out by Yahoo News" not in text
    assert "reported by two or more independent outlets" in text
