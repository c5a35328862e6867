"""/api/v1/stories: list and search, one story, its framing comparison."""
from __future__ import annotations

from flask import Blueprint

from service.http.api.common import json_response, operation, parse_query, services
from service.schemas import StoryQuery

bp = Blueprint("stories", __name__)


@bp.get("/stories")
@operation("List stories, or search them with q (hybrid dense + keyword ranking)", query=StoryQuery, tags=["stories"])
def list_stories():
    q = parse_query(StoryQuery)
    svc = services()
    if q.q:
        return json_response(svc.search.search(q))
    return json_response(svc.reader.stories(q))


@bp.get("/stories/<id:story_id>")
@operation("One story: label, topic, keywords, articles by outlet, first/last seen", tags=["stories"],
           responses={200: "OK", 304: "Not modified (ETag)", 404: "Unknown story"})
def get_story(story_id: int):
    return json_response(services().reader.story(story_id), etag=True, max_age=30)


@bp.get("/stories/<id:story_id>/comparison")
@operation("How each outlet framed the story, with evidence (cached per story version)", tags=["stories"],
           responses={200: "OK", 304: "Not modified (ETag)", 404: "Unknown story"})
def get_comparison(story_id: int):
    raw, source = services().comparisons.get_raw(story_id)
    resp = json_response(None, raw=raw, etag=True, max_age=30)
    resp.headers["X-Cache"] = source
    return resp


@bp.get("/stories/<id:story_id>/claims")
@operation("Every claim the product makes about the story's outlets (kind, outlet, statement, evidence, "
           "confidence), and where it abstains; built from the cached comparison", tags=["stories"],
           responses={200: "OK", 304: "Not modified (ETag)", 404: "Unknown story"})
def get_claims(story_id: int):
    body, source = services().comparisons.claims(story_id)
    resp = json_response(body, etag=True, max_age=30)
    resp.headers["X-Cache"] = source
    return resp
