"""The claims list over HTTP, the CLI and the story page: one list, built from the cached
comparison, is what every face of the product shows."""
import json

from click.testing import CliRunner

from tests.conftest import AUTH, REDIS_URL, seed_articles

KINDS = {"unique", "omitted", "quote", "contested", "hedge", "scare_quote", "naming", "tone", "frame", "summary"}


def _story(client):
    client.post("/api/v1/articles", json={"articles": seed_articles()}, headers=AUTH)
    return client.get("/api/v1/articles/seed-03").get_json()["story_id"]


def test_claims_endpoint_lists_claims_from_the_cached_comparison(client):
    sid = _story(client)
    comparison = client.get(f"/api/v1/stories/{sid}/comparison").get_json()
    resp = client.get(f"/api/v1/stories/{sid}/claims")
    assert resp.status_code == 200 and resp.headers["X-Cache"] == "hit"  # computed once, for the comparison
    body = resp.get_json()
    assert body["story"]["id"] == sid
    claims = body["claims"]
    assert claims and {c["kind"] for c in claims} <= KINDS
    assert {"unique", "quote", "naming", "summary"} <= {c["kind"] for c in claims}
    for c in claims:
        assert set(c) >= {"kind", "outlet", "statement", "evidence", "confidence"}
        assert c["outlet"] in comparison["story"]["outlets"] and c["statement"].strip()
        assert 0.0 <= c["confidence"] <= 1.0
        for ev in c["evidence"]:
            assert {"text", "start", "end", "field"} <= set(ev)
    # the claims are the comparison's fields, nothing more: one unique claim per unique fact
    for o in comparison["outlets"]:
        mine = [c for c in claims if c["outlet"] == o["outlet"]]
        assert len([c for c in mine if c["kind"] == "unique"]) == len(o["unique_facts"])
        assert len([c for c in mine if c["kind"] == "omitted"]) == len(o["omitted_facts"])
        summary = next(c for c in mine if c["kind"] == "summary")
        assert summary["statement"] == o["summary"] == body["summaries"][o["outlet"]]
    assert body["abstentions"] and all(a["statement"] for a in body["abstentions"])


def test_summary_restates_only_listed_claims(client):
    sid = _story(client)
    body = client.get(f"/api/v1/stories/{sid}/claims").get_json()
    for outlet, line in body["summaries"].items():
        # no counts, frames or omissions: only the surest claims, each restated
        assert "fact" not in line.lower() and "frame" not in line and "leaves out" not in line, line
        unique = [c for c in body["claims"] if c["outlet"] == outlet and c["kind"] == "unique"]
        part = next((p for p in line.rstrip(".").split("; ") if p.lower().startswith("alone reports ")), "")
        if part:
            assert any(c["confidence"] >= 0.9 and c["label"][:20] in part for c in unique), line


def test_unknown_story_claims_is_404_in_the_json_error_shape(client):
    resp = client.get("/api/v1/stories/424242/claims")
    assert resp.status_code == 404
    body = resp.get_json()
    assert body["status"] == 404 and "424242" in json.dumps(body)


def test_claims_are_in_the_openapi_spec(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "get" in spec["paths"]["/api/v1/stories/{story_id}/claims"]


def test_claims_cli_prints_text_and_json(app, client, sqlite_url, redis_prefix, monkeypatch):
    from service.cli import main

    sid = _story(client)
    monkeypatch.setenv("NEWSPRISM_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("NEWSPRISM_REDIS_URL", REDIS_URL)
    monkeypatch.setenv("NEWSPRISM_REDIS_PREFIX", redis_prefix)
    out = CliRunner().invoke(main, ["claims", str(sid), "--json"])
    assert out.exit_code == 0, out.output
    body = json.loads(out.output)
    assert body["claims"] == client.get(f"/api/v1/stories/{sid}/claims").get_json()["claims"]
    text = CliRunner().invoke(main, ["claims", str(sid)])
    assert text.exit_code == 0 and "The Moscow Times" in text.output and "[summary]" in text.output
    assert "[not claimed:" in text.output
    missing = CliRunner().invoke(main, ["claims", "999999"])
    assert missing.exit_code != 0 and "no story" in missing.output


def test_story_page_shows_summary_and_abstentions_from_the_claims_list(client):
    sid = _story(client)
    body = client.get(f"/api/v1/stories/{sid}/claims").get_json()
    html = client.get(f"/stories/{sid}").get_data(as_text=True)
    import html as html_mod

    page = html_mod.unescape(html)
    for line in body["summaries"].values():
        assert line in page
    assert "What the engine does not claim" in page
    # frames shown as stressed are exactly the frame claims
    framed = [c for c in body["claims"] if c["kind"] == "frame"]
    assert page.count("Frames stressed more than in the other outlets:") == len({c["outlet"] for c in framed})
    # frames are withheld by default: each compared column says they are measured, none says "none stressed"
    assert not framed and "No frame stressed" not in page
    assert page.count("Frames are measured, not claimed: the frame mix under Charts") == len(body["summaries"])
    handout = client.get(f"/stories/{sid}/handout.md").get_data(as_text=True)
    assert "**In one line:**" in handout and "**Not claimed:**" in handout
