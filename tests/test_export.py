"""GET /api/v1/export: JSON Lines and CSV, streamed, paged, with filters."""
import csv
import io
import json

import pytest

from tests.conftest import AUTH

ARTS = [
    {"id": "e-1", "outlet": "Capital Wire", "title": "Council votes to close the old bridge",
     "text": "The city council voted 7-2 to close the Elm Street bridge.", "published_at": "2025-01-10T09:00:00Z",
     "url": "https://capital.example.com/bridge"},
    {"id": "e-2", "outlet": "Harbour Times", "title": "Bridge shut after vote, \"finally\" say residents",
     "text": "Residents, commas, and \"quotes\" survive CSV.\nA second line.", "published_at": "2025-01-12T09:00:00Z"},
    {"id": "e-3", "outlet": "Capital Wire", "title": "=HYPERLINK(\"http://x\") budget passes",
     "text": "The budget passed on Friday after a long debate.", "published_at": "2025-02-01T09:00:00Z"},
    {"id": "e-4", "outlet": "Harbour Times", "title": "Undated note on the ferry timetable",
     "text": "The ferry timetable changes next month."},
]


@pytest.fixture
def loaded(client):
    r = client.post("/api/v1/articles", json={"articles": ARTS}, headers=AUTH)
    assert r.status_code == 201
    return client


def jsonl(resp):
    return [json.loads(line) for line in resp.get_data(as_text=True).splitlines() if line]


def test_export_jsonl_everything(loaded):
    r = loaded.get("/api/v1/export", query_string={"format": "jsonl"})
    assert r.status_code == 200 and r.is_streamed
    assert r.mimetype == "application/x-ndjson"
    assert "attachment" in r.headers["Content-Disposition"] and r.headers["Content-Disposition"].endswith('.jsonl"')
    rows = jsonl(r)
    assert [x["external_id"] for x in rows] == ["e-1", "e-2", "e-3", "e-4"]
    assert set(rows[0]) >= {"id", "external_id", "url", "outlet", "title", "published_at", "story_id",
                            "story_label", "text"}
    assert rows[0]["story_id"] and rows[0]["story_label"]
    assert loaded.get("/api/v1/export").get_data() == r.get_data()  # jsonl is the default


def test_export_filters(loaded):
    cap = jsonl(loaded.get("/api/v1/export", query_string={"outlet": "Capital Wire"}))
    assert [x["external_id"] for x in cap] == ["e-1", "e-3"]
    slug = jsonl(loaded.get("/api/v1/export", query_string={"outlet": "harbour-times"}))
    assert [x["external_id"] for x in slug] == ["e-2", "e-4"]
    window = jsonl(loaded.get("/api/v1/export", query_string={"since": "2025-01-11", "until": "2025-01-31"}))
    assert [x["external_id"] for x in window] == ["e-2"]
    since = jsonl(loaded.get("/api/v1/export", query_string={"since": "2025-01-11T00:00:00Z", "outlet": "Capital Wire"}))
    assert [x["external_id"] for x in since] == ["e-3"]
    assert loaded.get("/api/v1/export", query_string={"format": "xml"}).status_code == 422
    assert loaded.get("/api/v1/export", query_string={"since": "yesterday"}).status_code == 422


def test_export_csv(loaded):
    r = loaded.get("/api/v1/export", query_string={"format": "csv", "outlet": "Harbour Times"})
    assert r.status_code == 200 and r.mimetype == "text/csv" and r.is_streamed
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert [x["external_id"] for x in rows] == ["e-2", "e-4"]
    assert rows[0]["title"] == ARTS[1]["title"]
    assert "\n" in rows[0]["text"]
    assert rows[1]["published_at"] == ""
    all_rows = list(csv.DictReader(io.StringIO(loaded.get("/api/v1/export?format=csv").get_data(as_text=True))))
    formula = next(x for x in all_rows if x["external_id"] == "e-3")
    assert formula["title"].startswith("'=")  # no spreadsheet formula injection


def test_export_pages_through_the_table(app, loaded):
    from service.usecases.export import export_rows, export_stream
    from service.schemas import ExportQuery

    db = app.extensions["newsprism"].db
    rows = list(export_rows(db, ExportQuery(), page=1))
    assert [r["external_id"] for r in rows] == ["e-1", "e-2", "e-3", "e-4"]
    chunks = list(export_stream(db, ExportQuery(format="jsonl"), page=2))
    assert len(chunks) == 2 and sum(c.count(b"\n") for c in chunks) == 4
