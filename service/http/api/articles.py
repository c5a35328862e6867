"""/api/v1/articles: ingest (one or a batch), list, get."""
from __future__ import annotations

from flask import Blueprint

from service.http.api.common import json_body, json_response, operation, parse_query, services
from service.errors import BadRequest, Conflict, ValidationFailed
from service.schemas import ArticleIn, PageQuery

bp = Blueprint("articles", __name__)

BATCH_SCHEMA = {"type": "object", "required": ["articles"], "additionalProperties": False,
                "properties": {"articles": {"type": "array", "items": {"$ref": "#/components/schemas/ArticleIn"},
                                            "minItems": 1}}}


@bp.post("/articles")
@operation("Ingest one article or a batch", body=ArticleIn, auth=True, tags=["articles"],
           body_schema={"oneOf": [{"$ref": "#/components/schemas/ArticleIn"}, BATCH_SCHEMA]},
           responses={200: "Every article was already stored (idempotent)", 201: "Stored",
                      400: "Malformed JSON", 401: "Missing or wrong API key", 413: "Body too large",
                      415: "Not JSON", 422: "Invalid article(s)"})
def ingest():
    """A single object answers with that article; ``{"articles": [...]}`` stores the valid
    items, and reports each rejected one by index (the batch is not rejected whole)."""
    body = json_body()
    svc = services()
    batch = isinstance(body, dict) and "articles" in body
    if batch:
        items = body["articles"]
        extra = set(body) - {"articles"}
        if extra:
            raise ValidationFailed("unknown fields next to 'articles'",
                                   errors=[{"field": k, "message": "unknown field", "type": "extra_forbidden"} for k in sorted(extra)])
        if not isinstance(items, list) or not items:
            raise ValidationFailed("'articles' must be a non-empty list",
                                   errors=[{"field": "articles", "message": "expected a non-empty list", "type": "list_type"}])
        if len(items) > svc.settings.max_batch:
            raise ValidationFailed(f"at most {svc.settings.max_batch} articles per request",
                                   errors=[{"field": "articles", "message": "too many items", "type": "too_long"}])
    elif isinstance(body, dict):
        items = [body]
    else:
        raise BadRequest("send an article object or {\"articles\": [...]}")
    report = svc.ingestor.ingest(items)
    results = [r.to_dict() for r in report.results]
    created, dups, rejected = (report.count(s) for s in ("created", "duplicate", "rejected"))
    if not batch:
        r = report.results[0]
        if r.status == "rejected":
            cls = ValidationFailed if r.errors else Conflict
            raise cls(r.detail or "the article is invalid", errors=r.errors)
        article = svc.reader.article(str(r.id))
        return json_response({"status": r.status, "article": article}, status=201 if r.status == "created" else 200)
    if rejected == len(items):
        raise ValidationFailed("no article of the batch is valid",
                               errors=[{"field": f"articles.{r['index']}.{e['field']}", "message": e["message"], "type": e["type"]}
                                       for r in results for e in (r.get("error", {}).get("errors") or [{"field": "", "message": r.get("error", {}).get("detail", ""), "type": "conflict"}])])
    return json_response({"created": created, "duplicates": dups, "rejected": rejected, "results": results},
                         status=201 if created else 200)


@bp.get("/articles")
@operation("List articles (paginated)", query=PageQuery, tags=["articles"])
def list_articles():
    return json_response(services().reader.articles(parse_query(PageQuery)))


@bp.get("/articles/<ident>")
@operation("One article by internal or external id", tags=["articles"], responses={200: "OK", 404: "Unknown id"})
def get_article(ident: str):
    return json_response(services().reader.article(ident), etag=True, max_age=60)
