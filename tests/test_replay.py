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
