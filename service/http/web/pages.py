"""The educators' pages. Views are thin: call the pipeline, build the view model, render.

Routes: ``/`` (story list, search, filters), ``/stories/<id>`` (one story outlet by outlet),
``/stories/<id>/handout.md`` (lesson handout), ``/articles/<id>`` (article text with the
cited span highlighted), ``/sources`` (the feeds followed and their health),
``/vendor/plotly.min.js`` (served from the installed package).
"""
from __future__ import annotations

import functools
import logging
import re
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request, send_file, url_for
from pydantic import ValidationError

from service.errors import NewsprismError, NotFound
from service.schemas import StoryQuery
from service.http.web import lesson, present

log = logging.getLogger(__name__)

bp = Blueprint("web", __name__)


def services():
    return current_app.extensions["newsprism"]


@bp.errorhandler(NewsprismError)
def _error_page(exc: NewsprismError):
    """Pages answer errors with a page (the API keeps its JSON problems)."""
    body = exc.to_problem()
    html = render_template("error.html", status=body["status"], title=body["title"], detail=body["detail"])
    return Response(html, status=body["status"], mimetype="text/html")


@bp.app_template_filter("signed")
def _signed(value: Any) -> str:
    return present.signed(value)


@bp.get("/sources")
def sources_page():
    return render_template("sources.html", sources=services().sources.list_all())


# ---------------------------------------------------------------- story list

def _story_query(args) -> tuple[StoryQuery, list[str]]:
    """The list's query from the form: dates are whole days; errors become messages."""
    data: dict[str, Any] = {}
    for key in ("q", "outlet", "since", "until", "min_outlets", "page"):
        value = (args.get(key) or "").strip()
        if value:
            data[key] = value
    if "until" in data and len(data["until"]) == 10:
        data["until"] += "T23:59:59Z"
    if "since" in data and len(data["since"]) == 10:
        data["since"] += "T00:00:00Z"
    try:
        return StoryQuery.model_validate(data), []
    except ValidationError as exc:
        errors = [f"{'.'.join(str(p) for p in e['loc']) or 'query'}: {e['msg']}" for e in exc.errors()]
        return StoryQuery(), errors


@bp.get("/")
def index():
    query, errors = _story_query(request.args)
    svc = services()
    search_note = None
    if query.q:
        search = getattr(svc, "search", None)
        result = None
        if search is not None:
            try:
                result = search.search(query)
            except Exception:
                log.exception("story search failed for %r", query.q)
        if result is None:
            # no (working) search backend: match the words in labels and keywords
            wide = query.model_copy(update={"q": None, "page": 1, "per_page": 200})
            items = present.title_match(svc.reader.stories(wide)["items"], query.q)
            start = (query.page - 1) * query.per_page
            result = {"total": len(items), "items": items[start:start + query.per_page]}
            search_note = ("Full-text search is not available right now; showing the stories whose title "
                           "contains your words.")
    else:
        result = svc.reader.stories(query)
    total = result.get("total", len(result.get("items", [])))
    pages = max(1, -(-total // query.per_page))
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "index.html", stories=present.story_rows(result.get("items", [])), total=total, query=query,
        form={k: request.args.get(k, "") for k in ("q", "outlet", "since", "until", "min_outlets")},
        outlets=[o["name"] for o in svc.reader.outlets() if o.get("article_count")], errors=errors,
        search_note=search_note,
        prev_url=url_for("web.index", **args, page=query.page - 1) if query.page > 1 else None,
        next_url=url_for("web.index", **args, page=query.page + 1) if query.page < pages else None,
        page=query.page, pages=pages)


# ---------------------------------------------------------------- story

def _comparison(story_id: int) -> tuple[dict[str, Any] | None, str | None]:
    """The comparison, or None and why (the page still shows the outlets' articles)."""
    try:
        return services().comparisons.get(story_id), None
    except NotFound:
        raise
    except ImportError:
        return None, "The framing comparison engine is not installed on this server."
    except Exception:
        log.exception("comparison of story %s failed", story_id)
        return None, "The framing comparison could not be computed for this story; the articles are listed below."


def _story_page(story_id: int) -> tuple[dict[str, Any], str | None]:
    story = services().reader.story(story_id)
    comparison, problem = _comparison(story_id)
    return present.story_page(story, comparison, services().registry.wire_services()), problem


@bp.get("/stories/<int:story_id>")
def story(story_id: int):
    page, problem = _story_page(story_id)
    questions = lesson.questions(page)
    return render_template("story.html", page=page, problem=problem, questions=questions,
                           fact_data=page["matrix"]["details"], chart_data=page["charts"],
                           style_guards=plotly_style_guards())


@bp.get("/stories/<int:story_id>/handout.md")
def handout(story_id: int):
    page, _ = _story_page(story_id)
    text = lesson.handout(page, lesson.questions(page), url_for("web.story", story_id=story_id, _external=True))
    resp = Response(text, mimetype="text/markdown")
    if request.args.get("inline") != "1":
        resp.headers["Content-Disposition"] = f'attachment; filename="story-{story_id}-handout.md"'
    return resp


# ---------------------------------------------------------------- article

def _span(length: int) -> tuple[int | None, int | None, bool]:
    """``start``/``end`` from the query string; ``(None, None, bad)`` when absent or out of range."""
    raw_s, raw_e = request.args.get("start"), request.args.get("end")
    if raw_s is None and raw_e is None:
        return None, None, False
    try:
        s, e = int(raw_s or ""), int(raw_e or "")
    except ValueError:
        return None, None, True
    if not 0 <= s < e <= length:
        return None, None, True
    return s, e, False


@bp.get("/articles/<path:ident>")
def article(ident: str):
    a = services().reader.article(ident)
    text, title = a.get("text") or "", a.get("title") or ""
    in_title = request.args.get("field") == "title"
    start, end, bad = _span(len(title) if in_title else len(text))
    url = a.get("url") if isinstance(a.get("url"), str) and a["url"].startswith(("http://", "https://")) else None
    return render_template(
        "article.html", article=a, url=url, published=present.fmt_time(a.get("published_at")),
        published_iso=present.iso(a.get("published_at")),
        title_segments=present.title_segments(title, start, end) if in_title else present.title_segments(title, None, None),
        paragraphs=present.highlight(text, None if in_title else start, None if in_title else end),
        highlighted=start is not None, bad_span=bad,
        story_url=url_for("web.story", story_id=a["story_id"]) if a.get("story_id") else None)


# ---------------------------------------------------------------- vendor

def plotly_js_path() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


@functools.cache
def plotly_style_guards() -> tuple[str, ...]:
    """Ids of the <style> elements plotly.js would inject on load unless an element with that
    id exists (its bundled map CSS). The CSP blocks such injections; the story page puts an
    inert element with each id in its head, so nothing is injected and nothing is blocked."""
    try:
        source = plotly_js_path().read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ()
    pattern = r'document\.getElementById\("([A-Za-z0-9_-]{6,80})"\)\)\{var \w+=document\.createElement\("style"\)'
    return tuple(dict.fromkeys(re.findall(pattern, source)))


@bp.get("/vendor/plotly.min.js")
def plotly_js():
    path = plotly_js_path()
    if not path.is_file():
        abort(404)
    resp = send_file(path, mimetype="text/javascript", max_age=86400, conditional=True)
    return resp
