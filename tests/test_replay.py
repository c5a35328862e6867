"""Replay and evaluate go through the same ingest pipeline as the API."""
import json

from click.testing import CliRunner

from service.cli import main
from tests.conftest import ALLSIDES, SEED, need_shared, read_jsonl


def test_replay_of_the_seed_groups_the_six_outlets_and_nothing_else(tmp_path, embedder, redis_prefix, monkeypatch):
    monkeypatch.setenv("NEWSPRISM_REDIS_PREFIX", redis_prefix)
    out = tmp_path / "pred.jsonl"
    comps = tmp_path / "comp.jsonl"
    res = CliRunner().invoke(main, ["replay", str(need_shared(SEED)), "--out", str(out),
                                    "--db", f"sqlite:///{tmp_path}/r.db", "--comparisons", str(comps)])
    assert res.exit_code == 0, res.output
    pred = {row["id"]: row["story_id"] for row in map(json.loads, out.read_text().splitlines())}
    assert len(pred) == 10
    main_story = {pred[i] for i in ("seed-01", "seed-03", "seed-04", "seed-05", "seed-06", "seed-07")}
    assert len(main_story) == 1
    others = [pred[i] for i in ("seed-02", "seed-08", "seed-09", "seed-10")]
    assert len(set(others)) == 4 and not main_story & set(others)
    comparisons = [json.loads(line) for line in comps.read_text().splitlines()]
    assert [c["story"]["id"] for c in comparisons] == list(main_story)
    assert len(comparisons[0]["outlets"]) == 6


def test_evaluate_prints_scores_next_to_the_baselines(tmp_path, embedder, redis_prefix, monkeypatch):
    rows = read_jsonl(need_shared(ALLSIDES))[:90]
    subset = tmp_path / "subset.jsonl"
    subset.write_text("".join(json.dumps(r) + "\n" for r in rows))
    monkeypatch.setenv("NEWSPRISM_REDIS_PREFIX", redis_prefix)
    res = CliRunner().invoke(main, ["evaluate", str(subset), "--json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output[res.output.index("{"):])
    ours, single = report["newsprism"], report["baseline_singletons"]
    assert single["bcubed_precision"] == 1.0
    assert ours["bcubed_f1"] > single["bcubed_f1"]
    assert ours["bcubed_f1"] > report["baseline_tfidf_online"]["bcubed_f1"] - 0.05
    assert report["articles"] == 90


SEED_MAIN = ("seed-01", "seed-03", "seed-04", "seed-05", "seed-06", "seed-07")
SEED_APART = ("seed-02", "seed-08", "seed-09", "seed-10")


def _assert_exact_seed(pred: dict[str, int]) -> None:
    main_story = {pred[i] for i in SEED_MAIN}
    assert len(main_story) == 1, pred
    others = [pred[i] for i in SEED_APART]
    assert len(set(others)) == 4 and not main_story & set(others), pred


def test_the_seed_after_the_demo_corpus_gives_the_exact_seed_stories(tmp_path, embedder, redis_prefix, monkeypatch):
    """A populated store (``make run``'s demo corpus first) must not change the seed's stories:
    the six outlets in one story, the four others each apart and apart from every demo story."""
    from service.usecases.replay import SAMPLE

    monkeypatch.setenv("NEWSPRISM_REDIS_PREFIX", redis_prefix)
    db = f"sqlite:///{tmp_path}/r.db"
    demo_out, seed_out = tmp_path / "demo.jsonl", tmp_path / "seed.jsonl"
    res = CliRunner().invoke(main, ["replay", str(SAMPLE), "--out", str(demo_out), "--db", db])
    assert res.exit_code == 0, res.output
    demo_stories = {row["story_id"] for row in map(json.loads, demo_out.read_text().splitlines())}
    res = CliRunner().invoke(main, ["replay", str(need_shared(SEED)), "--out", str(seed_out), "--db", db])
    assert res.exit_code == 0, res.output
    pred = {row["id"]: row["story_id"] for row in map(json.loads, seed_out.read_text().splitlines())}
    assert len(pred) == 10 and all(pred.values())
    _assert_exact_seed(pred)
    assert not set(pred.values()) & demo_stories


def test_undated_seed_articles_never_join_older_stories(client):
    """The seed's dated articles (late January 2025) are stored first: older stories on the
    same subject. The undated ones, posted later on their own, are placed at their ingest
    time and may only meet stories of those days: none joins an older story, however close."""
    from tests.conftest import AUTH, seed_articles

    arts = seed_articles()
    dated = [a for a in arts if a.get("published_at")]
    undated = [a for a in arts if not a.get("published_at")]
    assert dated and len(undated) >= 4
    r = client.post("/api/v1/articles", json={"articles": dated}, headers=AUTH)
    assert r.status_code == 201, r.get_data(as_text=True)
    older = {x["story_id"] for x in r.get_json()["results"]}
    r = client.post("/api/v1/articles", json={"articles": undated}, headers=AUTH)
    assert r.status_code == 201, r.get_data(as_text=True)
    results = r.get_json()["results"]
    assert all(x["story_id"] for x in results)
    assert not {x["story_id"] for x in results} & older
    # they still group with each other: the main story's undated outlets arrive together
    main_undated = {x["story_id"] for x, a in zip(results, undated) if a["id"] in SEED_MAIN}
    assert len(main_undated) < len([a for a in undated if a["id"] in SEED_MAIN])


def test_replay_keeps_an_untitled_row(tmp_path, embedder, redis_prefix, monkeypatch):
    """A file row without a title is ingested with its first sentence as the headline."""
    monkeypatch.setenv("NEWSPRISM_REDIS_PREFIX", redis_prefix)
    rows = [{"id": "u-1", "outlet": "Capital Wire", "text": "The council closed the Elm Street bridge on Tuesday. "
             "Engineers said the steel was corroded.", "published_at": "2026-03-10"},
            {"id": "u-2", "outlet": "Harbor Post", "title": "Council closes the Elm Street bridge",
             "text": "The bridge is shut for repairs, the council said.", "published_at": "2026-03-10"}]
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    res = CliRunner().invoke(main, ["replay", str(src), "--out", str(out), "--db", f"sqlite:///{tmp_path}/r.db"])
    assert res.exit_code == 0, res.output
    pred = [json.loads(line) for line in out.read_text().splitlines()]
    assert [p["id"] for p in pred] == ["u-1", "u-2"] and all(p["story_id"] for p in pred)


def test_the_seed_posted_in_file_order_over_http_gives_the_exact_stories(client):
    """The README's "Try it": one request with the seed in page order. Ingest assigns a batch
    in publication order, so the API makes the same stories as a replay."""
    from tests.conftest import AUTH, seed_articles

    arts = seed_articles()
    r = client.post("/api/v1/articles", json={"articles": arts}, headers=AUTH)
    assert r.status_code == 201, r.get_data(as_text=True)
    _assert_exact_seed({a["id"]: x["story_id"] for a, x in zip(arts, r.get_json()["results"])})


def test_evaluate_without_a_file_prints_one_row_per_corpus(tmp_path, embedder, redis_prefix, monkeypatch):
    """The cross-corpus table on small slices of the shared files (the real table is in
    docs/evaluation.md): every row, the dense baseline beside it, the seed exact."""
    from tests.conftest import SHARED

    monkeypatch.setenv("NEWSPRISM_REDIS_PREFIX", redis_prefix)
    data = tmp_path / "data"
    for rel, n in (("allsides-neus-2021/articles.jsonl", 30), ("basil-dev/articles.jsonl", 24),
                   ("seed-putin/articles.jsonl", 10)):
        rows = read_jsonl(need_shared(SHARED / rel))
        # AllSides: a slice of each period (the file is in story_date order)
        rows = rows[:n] + rows[-n:] if "allsides" in rel else rows[:n]
        (data / rel).parent.mkdir(parents=True)
        (data / rel).write_text("".join(json.dumps(r) + "\n" for r in rows))
    res = CliRunner().invoke(main, ["evaluate", "--data", str(data), "--folds", "2", "--json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output[res.output.index("{"):])
    rows = {r["row"]: r for r in report["rows"]}
    assert set(rows) == {"AllSides Apr-Jun (fit)", "AllSides Jul-Aug (held out)", "seed alone",
                         "seed after the demo corpus", "seed after AllSides", "BASIL-dev, 2-fold story CV"}
    assert rows["AllSides Apr-Jun (fit)"]["articles"] == rows["AllSides Jul-Aug (held out)"]["articles"] == 30
    assert not report["skipped"]
    for name in ("seed alone", "seed after the demo corpus", "seed after AllSides"):
        assert rows[name]["seed_exact"] is True, rows[name]
    assert rows["BASIL-dev, 2-fold story CV"]["articles"] == 24
    assert all(0 < r["baseline_dense"]["bcubed_f1"] <= 1 for r in report["rows"])
    assert all(0 < r["before"]["bcubed_f1"] <= 1 for r in report["rows"])
    assert len(report["lone_per_fold"]) == 2


def test_evaluate_without_the_shared_data_skips_every_row_with_the_reason(tmp_path, redis_prefix, monkeypatch):
    monkeypatch.setenv("NEWSPRISM_REDIS_PREFIX", redis_prefix)
    res = CliRunner().invoke(main, ["evaluate", "--data", str(tmp_path / "nothing"), "--json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output[res.output.index("{"):])
    assert report["rows"] == []
    assert len(report["skipped"]) == 5 and all("not found" in s["reason"] for s in report["skipped"])
