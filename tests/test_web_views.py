"""The educators' pages through the Flask test client: rendering, escaping, the CSP rules
(no inline script or style), accessibility structure, the handout and the article highlight.

The story page is rendered against a synthetic comparison in the engine's JSON shape, with
markup payloads in every text slot, so these tests neither depend on the clustering of the
seed nor wait for the engine. The browser tests (test_web_browser.py) use the real engine.
"""
from __future__ import annotations

import itertools
import json
import re
import uuid
from html.parser import HTMLParser

import pytest

from clustering.compare.claims import build_claims
from service.schemas import PageQuery
from tests.conftest import AUTH, REDIS_URL, make_app, seed_articles

PAYLOAD = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
BREAKOUT = "</script><script>window.__pwned=3</script>"


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of each heading, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.headings: list[int] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._script: dict[str, str | None] | None = None
        self._buf: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "script":
            self._script, self._buf = dict(attrs), []

    def handle_data(self, data):
        if self._script is not None:
            self._buf.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._buf)))
            self._script = None


def parse(html: str) -> Tags:
    t = Tags()
    t.feed(html)
    return t


@pytest.fixture(scope="module")
def web(tmp_path_factory, embedder):
    """One app with the seed ingested, shared by the module (its own Redis prefix, removed after)."""
    seed = seed_articles()
    prefix = "nptest-web-" + uuid.uuid4().hex[:8]
    app = make_app(f"sqlite:///{tmp_path_factory.mktemp('web')}/web.db", prefix)
    client = app.test_client()
    r = client.post("/api/v1/articles", json={"articles": seed}, headers=AUTH)
    assert r.status_code == 201, r.get_data(as_text=True)
    yield app, client
    app.extensions["newsprism"].close()
    import redis

    rc = redis.Redis.from_url(REDIS_URL)
    for key in rc.scan_iter(match=prefix + ":*", count=1000):
        rc.delete(key)


def svc_of(app):
    return app.extensions["newsprism"]


_versions = itertools.count(1_000_000)


def fresh_version(svc, monkeypatch) -> None:
    """The story pages are cached per story version: a test that swaps the story or its
    comparison for its own gives it a version of its own, as a new article would."""
    version = next(_versions)
    monkeypatch.setattr(svc.comparisons, "version", lambda story_id: version)


def first_sentence(text: str) -> tuple[int, int]:
    end = text.find(". ")
    return 0, (end + 1 if 0 < end < 400 else min(len(text), 120))


def synthetic(app) -> tuple[dict, dict]:
    """A story of four outlets (real seed articles) and a comparison in the engine's shape,
    with markup in every text slot the engine fills from article text."""
    svc = svc_of(app)
    picked: dict[str, dict] = {}
    for item in svc.reader.articles(PageQuery(per_page=50))["items"]:
        if item["outlet"] not in picked and len(picked) < 4:
            picked[item["outlet"]] = svc.reader.article(str(item["id"]))
    outlets = list(picked)
    story = {"id": 4242, "label": "Synthetic story " + PAYLOAD, "topic": None, "keywords": [], "version": 1,
             "article_count": 4, "outlet_count": 4, "first_seen": "2025-01-28T00:00:00Z", "last_seen": "2025-01-29T10:00:00Z",
             "outlets": outlets,
             "articles_by_outlet": {o: [{k: a[k] for k in ("id", "external_id", "url", "outlet", "title", "published_at", "story_id")}]
                                    for o, a in picked.items()}}

    def ev(outlet: str, **extra) -> dict:
        a = picked[outlet]
        s, e = first_sentence(a["text"])
        return {"text": a["text"][s:e], "external_id": a["external_id"], "article_id": a["id"], "outlet": outlet,
                "field": "text", "start": s, "end": e, **extra}

    o0, o1, o2, o3 = outlets
    facts = [
        {"id": "f3", "text": "Only one " + PAYLOAD + BREAKOUT, "outlets": [o0], "sentences": [{**ev(o0), "text": "Only " + PAYLOAD + BREAKOUT}]},
        {"id": "f2", "text": "Two of them " + PAYLOAD, "outlets": [o1, o2], "sentences": [ev(o1), ev(o2)]},
        {"id": "f1", "text": "All four " + PAYLOAD, "outlets": outlets, "sentences": [ev(o) for o in outlets]},
    ]
    rows = []
    for i, o in enumerate(outlets):
        a = picked[o]
        rows.append({
            "outlet": o, "articles": [{k: a[k] for k in ("id", "external_id", "title", "url", "published_at")}],
            "headline": a["title"], "lead": "Lead " + PAYLOAD, "summary": "Summary " + PAYLOAD,
            "first_published": ["2025-01-28T00:00:00+00:00", "2025-01-29T00:00:00+00:00", None, "2025-01-29T10:00:00+00:00"][i],
            "length": 100 + i,
            "distinctive_terms": [{"term": "term " + PAYLOAD, "score": 0.5}],
            "shared_facts": ["f1"] + (["f2"] if o in (o1, o2) else []),
            "unique_facts": [{"fact_id": "f3", "text": "Unique " + PAYLOAD, "external_id": a["external_id"], "start": 0, "end": 5}] if o == o0 else [],
            "omitted_facts": [] if o in (o1, o2) else [{"fact_id": "f2", "text": "Omitted " + PAYLOAD, "covered_by": [o1, o2]}],
            "quotes": [{"speaker": "the Kremlin leader" if o == o1 else "Speaker " + PAYLOAD, "verb": "said" if i else "claimed " + PAYLOAD,
                        "text": "Quoted " + PAYLOAD, "external_id": a["external_id"], "start": 0, "end": 5}],
            "attribution": {"verbs": {"said": 3, "claimed": 1} if i == 0 else {"said": 2},
                            "contested": [ev(o, text="Contested " + PAYLOAD)] if i == 0 else [],
                            "hedges": [ev(o, text="Hedge " + PAYLOAD)] if i == 1 else [],
                            "scare_quotes": [ev(o, text="scare " + PAYLOAD)] if i == 2 else []},
            "naming": [{"entity": "Entity " + PAYLOAD, "form": ["Zelensky", "Zelenskyy", "Zelenskiy", "Zelensky"][i], "count": 2},
                       {"entity": "Entity " + PAYLOAD, "form": "Form " + PAYLOAD, "count": 1}],
            "tone": {"overall": [-0.4, 0.1, 0.0, 0.3][i], "by_entity": {"Entity " + PAYLOAD: [-0.5, 0.2, 0.0, 0.1][i]},
                     "evidence": [ev(o, text="Tone " + PAYLOAD, score=-0.4)]},
            "frames": [{"frame": "frame " + PAYLOAD, "score": 0.3 + i / 10, "evidence": [ev(o, text="Frame " + PAYLOAD)]}],
        })
    comparison = {"story": {"id": 4242, "label": story["label"], "version": 1, "article_count": 4, "outlets": outlets},
                  "facts": facts, "outlets": rows}
    listed = build_claims(comparison)  # what the engine adds: the claims list the page reads
    comparison.update(claims=listed["claims"], abstentions=listed["abstentions"])
    return story, comparison


@pytest.fixture
def fake(web, monkeypatch):
    app, client = web
    story, comparison = synthetic(app)
    svc = svc_of(app)
    monkeypatch.setattr(svc.reader, "story", lambda story_id: story)
    monkeypatch.setattr(svc.comparisons, "get", lambda story_id: comparison)
    fresh_version(svc, monkeypatch)
    return client, story, comparison


def assert_inert(html: str) -> Tags:
    """No markup from the payloads: no <img>, no event-handler or style attributes, and the
    only scripts are our own files and the two JSON data blocks."""
    t = parse(html)
    assert not [tag for tag, _ in t.tags if tag in {"img", "iframe", "object", "embed", "svg"}]
    for tag, attrs in t.tags:
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        assert "style" not in attrs, (tag, attrs)
        for a in ("href", "src", "action"):
            assert not (attrs.get(a) or "").lower().lstrip().startswith("javascript:"), (tag, attrs)
    for attrs, body in t.scripts:
        if attrs.get("type") == "application/json":
            json.loads(body)
            assert "<" not in body, "JSON data blocks must escape '<' (tojson)"
        else:
            assert attrs.get("src", "").startswith(("/static/", "/vendor/")) and not body.strip(), attrs
    assert "<script>window.__pwned" not in html and "<img src=x" not in html
    return t


# ---------------------------------------------------------------- story page

def test_story_page_escapes_every_article_text_and_keeps_the_csp_rules(fake):
    client, story, _ = fake
    r = client.get("/stories/4242")
    assert r.status_code == 200 and r.mimetype == "text/html"
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe-inline" not in csp
    html = r.get_data(as_text=True)
    assert_inert(html)
    assert html.count("&lt;script&gt;window.__pwned=1&lt;/script&gt;") >= 10
    assert "Synthetic story &lt;script&gt;" in html


def test_story_page_has_one_column_per_outlet_in_publication_order(fake):
    client, story, comparison = fake
    html = client.get("/stories/4242").get_data(as_text=True)
    cols = re.findall(r'<article class="outlet-col" id="outlet-\d+" aria-labelledby="[^"]+" data-outlet="([^"]*)"', html)
    assert len(cols) == len(story["outlets"]) == 4
    # earliest first; the outlet without a date last
    o0, o1, o2, o3 = story["outlets"]
    from markupsafe import escape

    assert cols == [str(escape(o)) for o in (o0, o1, o3, o2)]
    assert "★ First to publish" in html and html.count("★ First to publish") == 1
    for section in ("Lead", "Only here", "Left out", "Voices", "Naming and attribution", "Tone and frames"):
        assert html.count(f">{section}</h4>") == 4


def test_fact_matrix_sorts_shared_first_with_labelled_buttons_and_scoped_headers(fake):
    client, story, _ = fake
    html = client.get("/stories/4242").get_data(as_text=True)
    table = html[html.index('<table class="matrix">'):html.index("</table>", html.index('<table class="matrix">'))]
    assert re.findall(r'<tr class="(shared|unique)" id="fact-(f\d)"', table) == [("shared", "f1"), ("shared", "f2"), ("unique", "f3")]
    t = parse(table)
    col_heads = [a for tag, a in t.tags if tag == "th" and a.get("scope") == "col"]
    row_heads = [a for tag, a in t.tags if tag == "th" and a.get("scope") == "row"]
    assert len(col_heads) == 4 + 2 and len(row_heads) == 3
    assert all(a.get("scope") in {"col", "row"} for tag, a in t.tags if tag == "th")
    buttons = [a for tag, a in t.tags if tag == "button"]
    assert len(buttons) == 4 + 2 + 1
    assert all(b["type"] == "button" and b["aria-label"].startswith("Fact ") and "reported by" in b["aria-label"] for b in buttons)
    assert table.count(">✓</button>") == 7
    assert table.count("not reported by") == 4 * 3 - 7
    # the detail panel is announced, and the data the buttons read is complete
    assert 'aria-live="polite"' in html
    data = json.loads(re.search(r'<script type="application/json" id="fact-data">(.*?)</script>', html, re.S).group(1))
    assert set(data) == {"f1", "f2", "f3"} and len(data["f1"]["outlets"]) == 4
    first = data["f1"]["outlets"][story["outlets"][0]][0]
    assert first["href"].startswith("/articles/") and "start=0" in first["href"] and first["href"].endswith("#hl")
    assert BREAKOUT in data["f3"]["text"]


def test_headings_are_in_order_and_landmarks_present(fake):
    client, _, _ = fake
    html = client.get("/stories/4242").get_data(as_text=True)
    t = parse(html)
    assert t.headings.count(1) == 1 and t.headings[0] == 1
    for prev, cur in zip(t.headings, t.headings[1:]):
        assert cur <= prev + 1, f"heading level jumps from h{prev} to h{cur}"
    names = [tag for tag, _ in t.tags]
    assert {"header", "main", "nav", "footer"} <= set(names)
    assert parse(html).tags[0][0] == "html" and 'lang="en"' in html


def test_chart_data_block_carries_tone_frames_and_timeline(fake):
    client, story, _ = fake
    html = client.get("/stories/4242").get_data(as_text=True)
    data = json.loads(re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', html, re.S).group(1))
    assert data["tone"]["present"] and data["frames"]["present"] and data["timeline"]["present"]
    assert len(data["outlets"]) == 4
    tone = {s["name"]: s["values"] for s in data["tone"]["series"]}
    # only tones the claims list claims (|value| >= 0.05); no overall tone is claimed
    assert "Overall tone" not in tone
    values = tone["Entity " + PAYLOAD]
    assert sorted(v for v in values if v is not None) == [-0.5, 0.1, 0.2] and values.count(None) == 1
    assert all(s["pattern"] is not None for s in data["tone"]["series"])
    assert len({s["pattern"] for s in data["frames"]["series"]}) == len(data["frames"]["series"])
    assert 'src="/vendor/plotly.min.js"' in html and 'id="chart-tone"' in html
    # the numbers are on the page as a table too (charts are not the only carrier)
    assert "The numbers as a table" in html


def test_story_page_tolerates_an_empty_comparison(web, monkeypatch):
    app, client = web
    story, comparison = synthetic(app)
    svc = svc_of(app)
    empty = {"story": comparison["story"], "facts": [],
             "outlets": [{"outlet": o, "articles": [], "headline": "", "lead": "", "summary": "", "first_published": None,
                          "length": 0, "distinctive_terms": [], "shared_facts": [], "unique_facts": [], "omitted_facts": [],
                          "quotes": [], "attribution": {"verbs": {}, "contested": [], "hedges": [], "scare_quotes": []},
                          "naming": [], "tone": {"overall": None, "by_entity": {}, "evidence": []}, "frames": []}
                         for o in story["outlets"]]}
    monkeypatch.setattr(svc.reader, "story", lambda story_id: story)
    monkeypatch.setattr(svc.comparisons, "get", lambda story_id: empty)
    fresh_version(svc, monkeypatch)
    r = client.get("/stories/4242")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert html.count('class="outlet-col"') == 4
    assert "No facts were found for this story." in html and "Tone was not measured" in html
    assert client.get("/stories/4242/handout.md").status_code == 200


def test_story_page_without_the_engine_lists_the_outlets(web, monkeypatch):
    app, client = web
    svc = svc_of(app)

    def missing(story_id):
        raise ImportError("clustering.compare")

    monkeypatch.setattr(svc.comparisons, "get", missing)
    fresh_version(svc, monkeypatch)
    story_id = svc.reader.article("seed-03")["story_id"]
    story = svc.reader.story(story_id)
    r = client.get(f"/stories/{story_id}")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert html.count('class="outlet-col"') == story["outlet_count"]
    assert "comparison engine is not installed" in html


def test_unknown_story_and_article_answer_with_an_html_page(web):
    _, client = web
    for url in ("/stories/987654", "/articles/no-such-article"):
        r = client.get(url)
        assert r.status_code == 404 and r.mimetype == "text/html"
        assert "Not found" in r.get_data(as_text=True)


# ---------------------------------------------------------------- handout

def test_handout_is_markdown_with_questions_and_inert_text(fake):
    client, story, _ = fake
    r = client.get("/stories/4242/handout.md")
    assert r.status_code == 200 and r.content_type == "text/markdown; charset=utf-8"
    assert r.headers["Content-Disposition"] == 'attachment; filename="story-4242-handout.md"'
    md = r.get_data(as_text=True)
    assert md.startswith("# Lesson handout: Synthetic story")
    assert "## Questions for discussion" in md and "## Who reports what" in md
    assert "Which outlet left out" in md and "Why might it have?" in md
    assert "“the Kremlin leader”" in md
    assert "Teacher's note" in md
    # markup from articles is backslash-escaped: a Markdown renderer shows it as text
    assert r"\<script\>window.\_\_pwned=1\</script\>" in md
    assert re.findall(r"(?<!\\)<(?!http://localhost/)", md) == [], "every '<' from an article is escaped"
    assert client.get("/stories/4242/handout.md?inline=1").headers.get("Content-Disposition") is None


def test_lesson_questions_come_from_the_comparison(fake):
    client, story, _ = fake
    html = client.get("/stories/4242").get_data(as_text=True)
    questions = re.findall(r"<li><p>(.*?)</p>", html[html.index('id="lesson-h"'):], re.S)
    assert 5 <= len(questions) <= 12
    text = " ".join(questions)
    assert "Which outlet left out" in text
    assert "the Kremlin leader" in text
    assert "differently" in text  # Zelensky / Zelenskyy / Zelenskiy
    assert "published first" in text


# ---------------------------------------------------------------- story list

def test_story_list_shows_stories_and_filters(web):
    app, client = web
    r = client.get("/")
    assert r.status_code == 200 and "Content-Security-Policy" in r.headers
    html = r.get_data(as_text=True)
    assert_inert(html)
    assert 'role="search"' in html and 'name="q"' in html
    assert html.count('class="story-card"') >= 1
    assert "The Moscow Times" in html and "Time span" in html
    one = client.get("/?outlet=Fox+News").get_data(as_text=True)
    assert one.count('class="story-card"') == 1 and "Fox News" in one
    assert client.get("/?min_outlets=1000").get_data(as_text=True).count('class="story-card"') == 0
    dated = client.get("/?since=2025-01-28&until=2025-01-28").get_data(as_text=True)
    assert dated.count('class="story-card"') >= 1 and "Newsweek" in dated
    bad = client.get("/?since=yesterday-ish")
    assert bad.status_code == 200 and 'role="alert"' in bad.get_data(as_text=True)


def test_search_box_finds_stories(web):
    _, client = web
    r = client.get("/?q=California")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "Stories matching “California”" in html
    assert "Putin Fueling Independence Plans in California" in html


# ---------------------------------------------------------------- article page

def test_article_page_marks_the_cited_span(web):
    app, client = web
    a = svc_of(app).reader.article("seed-03")
    s, e = first_sentence(a["text"])
    html = client.get(f"/articles/{a['id']}?start={s}&end={e}").get_data(as_text=True)
    from markupsafe import escape

    marked = re.search(r'<mark id="hl" tabindex="-1"><span class="visually-hidden">Highlight starts: </span>(.*?)<span', html, re.S)
    assert marked and marked.group(1) == str(escape(a["text"][s:e]))
    assert html.count("<mark") == 2  # the span, and the legend "highlighted"
    by_external = client.get(f"/articles/seed-03?start={s}&end={e}").get_data(as_text=True)
    assert by_external.count('id="hl"') == 1
    title = client.get("/articles/seed-03?start=0&end=5&field=title").get_data(as_text=True)
    assert re.search(r"<h1><mark id=\"hl\"[^>]*><span class=\"visually-hidden\">Highlight starts: </span>" + re.escape(str(escape(a["title"][:5]))), title)
    for bad in ("start=5&end=2", f"start=0&end={len(a['text']) + 1}", "start=x&end=3"):
        page = client.get(f"/articles/seed-03?{bad}").get_data(as_text=True)
        assert 'id="hl"' not in page and "not inside this article" in page


def test_highlight_keeps_offsets_across_paragraphs():
    from service.http.web.present import highlight

    text = "One two.\n\nThree four.\n\nFive."
    paras = highlight(text, 4, 15)
    assert ["".join(s["text"] for s in p) for p in paras] == ["One two.", "Three four.", "Five."]
    marked = [s["text"] for p in paras for s in p if s["mark"]]
    assert marked == ["two.", "Three"] and "".join(marked) == text[4:15].replace("\n\n", "")
    assert [s.get("first") for p in paras for s in p if s["mark"]] == [True, False]


def test_plotly_is_served_from_the_installed_package(web):
    _, client = web
    r = client.get("/vendor/plotly.min.js")
    assert r.status_code == 200 and r.mimetype == "text/javascript"
    assert r.get_data()[:40].lstrip().startswith(b"/**") and b"plotly.js" in r.get_data()[:200]
    assert r.headers["Cache-Control"].startswith("public") or "max-age" in r.headers["Cache-Control"]
    from pathlib import Path

    web_dir = Path(__file__).resolve().parents[1] / "service" / "web"
    assert not list(web_dir.rglob("plotly*.min.js")), "plotly.min.js is served from the package, not copied"


def test_single_outlet_story_still_gets_questions():
    from service.http.web.lesson import questions

    col = {"outlet": "A", "headline": "Leader “slams” critics", "quotes": [{"speaker": "the Kremlin leader", "verb": "said", "text": "x"}],
           "naming": [], "contested": [], "verbs": [], "scare_quotes": [{"text": "slams", "href": None}], "unique": [{"text": "u"}],
           "articles": [{}], "frames": [], "first_status": "first", "first_published": "1 Jan 2025"}
    page = {"columns": [col], "matrix": {"rows": [], "outlets": ["A"]}, "charts": {"tone": {"series": []}}}
    qs = [q["question"] for q in questions(page)]
    assert qs[0].startswith("Only one outlet covers this story")
    assert any("the Kremlin leader" in q for q in qs) and any("quotation marks" in q for q in qs)
    assert not any("published first" in q or q.startswith("Only A reports") for q in qs)


def test_lesson_asks_about_quotation_marks_only_for_own_distancing():
    from service.http.web.lesson import questions

    def page(scare):
        col = {"outlet": "A", "headline": "h", "quotes": [], "naming": [], "contested": [], "verbs": [],
               "scare_quotes": scare, "unique": [], "articles": [{}], "frames": [], "first_status": "first",
               "first_published": "1 Jan 2025"}
        return {"columns": [col], "matrix": {"rows": [], "outlets": ["A"]}, "charts": {"tone": {"series": []}}}

    spoken = [{"text": "illegitimate", "href": None, "by": "Vladimir Putin"}]
    assert not any("quotation marks" in q["question"] for q in questions(page(spoken)))
    own = spoken + [{"text": "experts", "href": None, "by": None}]
    asked = [q["question"] for q in questions(page(own)) if "quotation marks" in q["question"]]
    assert len(asked) == 1 and "“experts”" in asked[0]
