"""/api/v1/match: the article a reader has open → its story and the other outlets' coverage
(the browser extension's one call)."""
from __future__ import annotations

from flask import Blueprint, g, request
from pydantic import ValidationError

from service.http.api.common import json_body, json_response, operation, services
from service.auth import bearer
from service.http.limits import CLIENT_HEADER
from service.errors import BadRequest, ValidationFailed, validation_errors
from service.schemas import MatchIn

bp = Blueprint("match", __name__)

OUTLET_ITEM = {"type": "object", "properties": {
    "outlet": {"type": "string"}, "title": {"type": "string"}, "url": {"type": ["string", "null"]},
    "published_at": {"type": ["string", "null"], "format": "date-time"}, "articles": {"type": "integer"},
    "summary": {"type": ["string", "null"], "description": "the comparison's one-line summary of the outlet's emphasis"},
    "runs_text_of": {"type": ["object", "null"], "description": "the outlet runs another outlet's text (wire copy, "
                     "republication): that outlet and the share of text in common",
                     "properties": {"outlet": {"type": "string"}, "similarity": {"type": ["number", "null"]}}}}}
COPY_OF = {"type": ["object", "null"], "description": "the article read is a copy (wire copy, republication) of this "
           "stored article: its outlet, headline, URL, story and the share of text in common (0-1)",
           "properties": {"id": {"type": "integer"}, "outlet": {"type": "string"}, "title": {"type": "string"},
                          "url": {"type": ["string", "null"]}, "story_id": {"type": ["integer", "null"]},
                          "similarity": {"type": ["number", "null"]}}}
MATCH_OUT = {"type": "object", "required": ["status", "method", "score", "threshold", "story", "outlets"], "properties": {
    "status": {"enum": ["matched", "no_story", "unknown_url"]},
    "method": {"enum": ["url", "content", "ingest"]},
    "score": {"type": ["number", "null"], "description": "1.0 for a stored URL; else the assigner's probability"},
    "threshold": {"type": "number"},
    "rule": {"enum": ["bar", "one_candidate", None], "description": "how a content match was decided: 'bar' (the "
             "score reached the threshold) or 'one_candidate' (the only story in the article's time window, joined "
             "by the assigner's one-candidate rule: a lower bar or the dense rule, vetoed when the two name "
             "different people)"},
    "story": {"type": ["object", "null"], "properties": {
        "id": {"type": "integer"}, "label": {"type": ["string", "null"]}, "version": {"type": "integer"},
        "article_count": {"type": "integer"}, "outlet_count": {"type": "integer"},
        "first_seen": {"type": ["string", "null"]}, "last_seen": {"type": ["string", "null"]},
        "independent_reports": {"type": "integer", "description": "voices: outlets running one text count once"},
        "href": {"type": "string"}}},
    "copy_of": COPY_OF,
    "article": {"type": ["object", "null"], "description": "the stored article (known URL or ingested)"},
    "outlet": {"type": ["string", "null"], "description": "the reader's outlet, left out of 'outlets'"},
    "outlets": {"type": "array", "items": OUTLET_ITEM},
    "summaries": {"enum": ["ready", "pending", "unavailable"]},
    "cached": {"type": "boolean"}, "ingested": {"type": "string"}, "detail": {"type": "string"}}}


@bp.post("/match")
@operation("Find the story of the article a reader has open, and the other outlets' coverage", body=MatchIn,
           tags=["match"], response_schema=MATCH_OUT,
           headers=[{"name": CLIENT_HEADER, "required": False, "schema": {"type": "string"},
                     "description": "the extension's anonymous install id (a random id made once per install, "
                                    "up to 128 characters; a longer one is ignored): match is rate-limited per "
                                    "install id, under a per-address ceiling"}],
           responses={200: "Matched, no story yet, or unknown URL (see status)", 400: "Malformed JSON",
                      401: "ingest requested without a valid API key", 413: "Body too large", 415: "Not JSON",
                      422: "Invalid input (e.g. a private, loopback or non-http URL)"})
def match():
    """Send 'url' and/or 'text' or 'html' (optionally 'title', 'outlet', 'published_at').
    A URL the store knows is answered from the store; otherwise the text is extracted, embedded
    and matched without storing anything, unless 'ingest' is true (needs an API key). Below
    the calibrated threshold the answer is status "no_story". Answers are cached by URL
    until the next ingested article."""
    body = json_body()
    if not isinstance(body, dict):
        raise BadRequest("send a JSON object with 'url' and/or 'text' or 'html'")
    try:
        m = MatchIn.model_validate(body)
    except ValidationError as exc:
        raise ValidationFailed("the match request is invalid", errors=validation_errors(exc)) from None
    svc = services()

    def authorized() -> None:
        g.api_key_name = svc.keys.identify(bearer(request.headers.get("Authorization")))

    out = svc.matcher.match(m, authorized=authorized)
    resp = json_response(out)
    resp.headers["X-Cache"] = "hit" if out.get("cached") else "miss"
    resp.cache_control.private = True
    resp.cache_control.max_age = 0
    return resp
