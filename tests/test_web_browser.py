"""The educators' pages end to end: real gunicorn (bin/entrypoint.sh), the seed ingested
through the API, headless Chromium driving the pages. One server for the whole module.

Saves docs/screenshots/story-desktop.png (1366x900) and story-phone.png (390x844).
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.conftest import API_KEY, REDIS_URL, ROOT, seed_articles
from service.devtools.served import free_port, unlimited_env

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ROOT / "docs" / "screenshots"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
EVIL_TITLE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2;alert(2)"> School bake sale'
EVIL = {
    "id": "evil-web-1", "outlet": "Parish <b>Newsletter</b>", "title": EVIL_TITLE, "published_at": "2025-01-20",
    "text": ("The school bake sale raised money for new library books on Saturday. "
             "<script>window.__pwned=3;alert(3)</script> Parents baked cakes <img src=x onerror=\"window.__pwned=4\"> "
             "and the pupils sold lemonade.\n\n"
             "\u201cWe are <b onmouseover=\"window.__pwned=5\">thrilled</b> with the result,\u201d said the head teacher. "
             "</textarea></title><svg onload=\"window.__pwned=6\"> The sale will return next spring."),
}
# the collector of Content-Security-Policy violations, installed before any page script runs
CSP_PROBE = ("window.__csp = []; document.addEventListener('securitypolicyviolation', function (e) {"
             " window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber); });")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """gunicorn through the Docker entrypoint on a free port, with its own SQLite and Redis prefix."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    seed = seed_articles()  # skips when ../shared/data is absent
    tmp = tmp_path_factory.mktemp("webe2e")
    prefix = "nptest-webe2e-" + uuid.uuid4().hex[:8]
    port = free_port()
    env = dict(os.environ, NEWSPRISM_DATABASE_URL=f"sqlite:///{tmp}/served.db", NEWSPRISM_REDIS_URL=REDIS_URL,
               NEWSPRISM_REDIS_PREFIX=prefix, NEWSPRISM_API_KEYS=API_KEY, NEWSPRISM_BIND=f"127.0.0.1:{port}",
               NEWSPRISM_WORKERS="1", NEWSPRISM_THREADS="8", NEWSPRISM_ACCESS_LOG="/dev/null",
               **unlimited_env(),
               PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
    log = open(tmp / "gunicorn.log", "wb")
    proc = subprocess.Popen([str(ROOT / "bin" / "entrypoint.sh")], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"

    def stop() -> None:
        os.killpg(proc.pid, signal.SIGQUIT)  # quick shutdown: nothing in flight worth waiting for
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()
        import redis

        rc = redis.Redis.from_url(REDIS_URL)
        for key in rc.scan_iter(match=prefix + ":*", count=1000):
            rc.delete(key)

    deadline = time.time() + 120
    while True:
        try:
            if httpx.get(base + "/api/v1/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
        if proc.poll() is not None or time.time() > deadline:
            stop()
            pytest.fail("gunicorn did not serve: " + (tmp / "gunicorn.log").read_text(errors="replace")[-3000:])

    r = httpx.post(base + "/api/v1/articles", json={"articles": seed}, headers=AUTH, timeout=180)
    assert r.status_code == 201, r.text
    r = httpx.post(base + "/api/v1/articles", json=EVIL, headers=AUTH, timeout=60)
    assert r.status_code == 201, r.text
    evil = r.json()["article"]

    main_id = httpx.get(base + "/api/v1/articles/seed-03", timeout=10).json()["story_id"]
    main = httpx.get(f"{base}/api/v1/stories/{main_id}", timeout=10).json()
    # compute the comparisons once (cached in Redis for both workers) before the pages ask
    comparisons = {}
    for sid in {main_id, evil["story_id"]}:
        c = httpx.get(f"{base}/api/v1/stories/{sid}/comparison", timeout=300)
        assert c.status_code == 200, c.text[:500]
        comparisons[sid] = c.json()
    yield {"base": base, "main": main, "comparison": comparisons[main_id], "evil": evil,
           "evil_story": evil["story_id"]}
    stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM,
                              args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield b
        b.close()


class Watch:
    """A page with its dialogs, page errors and CSP violations recorded."""

    def __init__(self, browser, **context) -> None:
        self.context = browser.new_context(**context)
        self.context.add_init_script(CSP_PROBE)
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def csp(self) -> list[str]:
        return self.page.evaluate("window.__csp || []")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def desktop(browser):
    w = Watch(browser, viewport={"width": 1366, "height": 900})
    yield w
    w.close()


def story_url(server) -> str:
    return f"{server['base']}/stories/{server['main']['id']}"


def wait_for_chart(page) -> None:
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=20_000)
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot g.trace path').length > 0", timeout=20_000)


# ---------------------------------------------------------------- the story page

def test_story_page_columns_matrix_chart_and_fact_click(server, desktop):
    page = desktop.page
    page.goto(story_url(server))
    wait_for_chart(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "story-desktop.png"))

    # one column per outlet of the story, as the API counts them
    assert page.locator("article.outlet-col").count() == server["main"]["outlet_count"]
    names = page.locator("article.outlet-col h3.outlet-name").all_text_contents()
    assert sorted(names) == sorted(server["main"]["outlets"])

    # the fact matrix: a row per fact, a column per outlet
    facts = server["comparison"]["facts"]
    assert facts, "the engine found no facts for the seed story"
    assert page.locator("table.matrix tbody tr").count() == len(facts)
    assert page.locator("table.matrix thead th[scope=col]").count() == len(names) + 2
    counts = [int(t.split()[0]) for t in page.locator("table.matrix tbody td.count").all_text_contents()]
    assert counts == sorted(counts, reverse=True), "shared facts first, unique ones last"

    # a chart rendered, with data: Plotly's SVG with trace paths that have geometry
    d = page.locator(".js-plotly-plot g.trace path").first.get_attribute("d")
    assert d and len(d) > 5

    # clicking a ✓ shows that outlet's sentence of the fact in the live region
    button = page.locator("table.matrix button.cell").first
    fact_id, outlet = button.get_attribute("data-fact"), button.get_attribute("data-outlet")
    assert button.text_content().strip() == "✓" and "reported by" in button.get_attribute("aria-label")
    button.click()
    assert button.get_attribute("aria-pressed") == "true"
    fact = next(f for f in facts if str(f["id"]) == fact_id)
    expected = [s["text"] for s in fact["sentences"] if s["outlet"] == outlet] or [fact["text"]]
    shown = page.locator("#fact-detail-body blockquote").all_text_contents()
    assert [s.strip() for s in shown] == [e.strip() for e in expected]
    assert page.locator("#fact-detail-body").get_attribute("aria-live") == "polite"

    # ...and its link opens the article with exactly that sentence highlighted
    link = page.locator("#fact-detail-body a").first
    sentence = next(s for s in fact["sentences"] if s["outlet"] == outlet)
    link.click()
    page.wait_for_selector("mark#hl")
    marked = "".join(page.locator(".article-text h1 mark, .article-text .body mark").all_text_contents())
    marked = marked.replace("Highlight starts: ", "").replace(" (highlight ends)", "")
    assert marked.replace("\n", "") == sentence["text"].replace("\n", "")

    assert desktop.errors == [] and desktop.dialogs == []
    assert desktop.csp() == []


def test_seed_story_shows_six_outlet_columns(server, desktop):
    """The hand-labelled seed story has six outlets; this holds once the clustering puts them together."""
    desktop.page.goto(story_url(server))
    assert desktop.page.locator("article.outlet-col").count() == 6


def test_evidence_links_open_the_article_with_the_sentence_marked(server, desktop):
    page = desktop.page
    page.goto(story_url(server))
    links = page.locator("article.outlet-col a.ev-link")
    assert links.count() > 0
    href = links.first.get_attribute("href")
    assert "start=" in href and href.endswith("#hl")
    links.first.click()
    page.wait_for_selector("mark#hl")
    assert page.locator("mark#hl").is_visible()
    assert page.url.endswith("#hl")


def test_phone_layout_stacks_the_columns(server, browser):
    w = Watch(browser, viewport={"width": 390, "height": 844}, device_scale_factor=1, is_mobile=True, has_touch=True)
    try:
        page = w.page
        page.goto(story_url(server))
        wait_for_chart(page)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(SCREENSHOTS / "story-phone.png"))
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        boxes = [c.bounding_box() for c in page.locator("article.outlet-col").all()]
        for a, b in zip(boxes, boxes[1:]):
            assert b["y"] >= a["y"] + a["height"], "columns stack on phones"
        assert all(b["width"] <= 390 for b in boxes)
    finally:
        w.close()


def test_page_reflows_at_200_percent_zoom(server, browser):
    """1366 px at 200 % zoom is a 683 CSS px viewport: no sideways scrolling of the page itself."""
    w = Watch(browser, viewport={"width": 683, "height": 450}, device_scale_factor=2)
    try:
        for url in (story_url(server), server["base"] + "/", f"{server['base']}/articles/seed-03"):
            w.page.goto(url)
            assert w.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), url
    finally:
        w.close()


def test_keyboard_reaches_and_opens_a_fact_cell(server, desktop):
    page = desktop.page
    page.goto(story_url(server))
    page.locator(".table-scroll").focus()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.matches('button.cell')")
    assert focused, "Tab from the matrix region lands on its first ✓"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", ""), "the focused control shows a focus outline"
    page.keyboard.press("Enter")
    assert page.locator("#fact-detail-body blockquote").count() >= 1
    assert page.locator("button.cell[aria-pressed=true]").count() == 1
    # arrow keys stay on the matrix's buttons; Space works like Enter
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.matches('button.cell')")
    page.keyboard.press(" ")
    assert page.evaluate("document.activeElement.getAttribute('aria-pressed')") == "true"
    assert page.locator("button.cell[aria-pressed=true]").count() == 1


def test_skip_link_and_landmarks(server, desktop):
    page = desktop.page
    page.goto(story_url(server))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('skip-link')")
    assert page.locator("header").count() >= 1 and page.locator("main").count() == 1 and page.locator("nav").count() >= 2
    assert page.locator("h1").count() == 1


# ---------------------------------------------------------------- safety

def test_injected_markup_never_runs_and_shows_as_text(server, desktop):
    page = desktop.page
    base, evil = server["base"], server["evil"]
    urls = [f"{base}/stories/{server['evil_story']}", f"{base}/articles/{evil['id']}",
            f"{base}/articles/{evil['id']}?start=0&end=40", f"{base}/?q=bake+sale", f"{base}/"]
    for url in urls:
        page.goto(url)
        page.wait_for_load_state("load")
        page.wait_for_timeout(200)
        assert page.evaluate("typeof window.__pwned") == "undefined", url
        assert page.locator("main img").count() == 0 and page.locator("main svg[onload]").count() == 0, url
    assert desktop.dialogs == []
    assert desktop.errors == []

    page.goto(f"{base}/articles/{evil['id']}")
    assert page.locator("h1").inner_text() == EVIL_TITLE
    body = page.locator(".article-text .body").inner_text()
    assert "<script>window.__pwned=3;alert(3)</script>" in body and '<svg onload="window.__pwned=6">' in body
    page.goto(f"{base}/stories/{server['evil_story']}")
    assert page.locator("h1").inner_text() == EVIL_TITLE
    assert "Parish <b>Newsletter</b>" in page.locator("article.outlet-col h3").first.inner_text()
    page.goto(f"{base}/")
    assert page.get_by_text(EVIL_TITLE).count() >= 1
    assert desktop.csp() == []


def test_pages_send_the_content_security_policy(server):
    for path in ("/", story_url(server).removeprefix(server["base"]), "/articles/seed-03"):
        r = httpx.get(server["base"] + path, timeout=30)
        assert r.status_code == 200
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe-inline" not in csp
        assert not re.search(r"<[a-z][^>]*\sstyle=", r.text), "no style attributes (CSP)"
        assert not re.search(r"<script(?![^>]*\b(src=\"/|type=\"application/json\"))", r.text), "no inline scripts"


# ---------------------------------------------------------------- list, lesson mode

def test_story_list_search_and_filters(server, desktop):
    page = desktop.page
    page.goto(server["base"] + "/")
    assert page.locator(".story-card").count() >= 2
    page.get_by_label("Search stories").fill("California")
    page.get_by_label("Search stories").press("Enter")
    page.wait_for_url("**/?q=California*")
    assert page.get_by_role("link", name="Putin Fueling Independence Plans in California, Texas: Republican").count() == 1
    page.goto(server["base"] + "/")
    page.get_by_label("Outlet").select_option("Fox News")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**outlet=Fox+News*")
    assert page.locator(".story-card").count() == 1
    page.locator(".story-card h3 a").click()
    page.wait_for_selector("article.outlet-col")
    assert page.locator("article.outlet-col h3").first.inner_text() == "Fox News"


def test_lesson_mode_print_styles_and_handout_download(server, desktop):
    page = desktop.page
    page.goto(story_url(server))
    assert page.locator("#lesson ol.questions > li").count() >= (3 if server["main"]["outlet_count"] >= 2 else 2)
    with page.expect_download() as dl:
        page.get_by_role("link", name="Download lesson handout (Markdown)").click()
    download = dl.value
    assert download.suggested_filename == f"story-{server['main']['id']}-handout.md"
    text = Path(download.path()).read_text(encoding="utf-8")
    assert text.startswith("# Lesson handout: ") and "## Questions for discussion" in text
    page.emulate_media(media="print")
    assert not page.locator(".actions").is_visible() and not page.locator(".site-header").is_visible()
    assert page.locator("#lesson").is_visible() and page.locator("table.matrix").is_visible()


def test_story_page_says_what_it_claims_and_what_it_does_not(server, desktop):
    """Each column's one-line summary is the claims list's, and the abstentions open on click."""
    base, sid = server["base"], server["main"]["id"]
    listed = httpx.get(f"{base}/api/v1/stories/{sid}/claims", timeout=300).json()
    page = desktop.page
    page.goto(story_url(server))
    for col in page.locator("article.outlet-col").all():
        outlet = col.get_attribute("data-outlet")
        assert col.locator("p.summary").inner_text().strip() == listed["summaries"][outlet]
        notes = [a["statement"] for a in listed["abstentions"] if a["outlet"] == outlet]
        details = col.locator("details.abstain")
        if notes:
            assert not details.locator("li").first.is_visible()
            details.locator("summary").focus()  # the columns scroll sideways: open it by keyboard
            page.keyboard.press("Enter")
            shown = [li.strip() for li in details.locator("li").all_inner_texts()]
            assert shown == notes
    assert desktop.errors == [] and desktop.csp() == []
