"""StoryTopics: every corpus size works, labels are words of the topic, ids stay stable.

Most tests use cheap synthetic embeddings (clusters of random vectors) because the pipeline,
not the model, is under test; one test uses the real model on the seed headlines.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("bertopic")

from clustering.topics import StoryTopics, TopicParams, class_terms, story_label

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SEED = DATA / "seed-putin" / "articles.jsonl"

TOPIC_WORDS = [
    ["senate", "filibuster", "infrastructure", "bill", "vote", "schumer", "mcconnell", "bipartisan"],
    ["wildfire", "evacuation", "firefighters", "blaze", "acres", "containment", "smoke", "california"],
    ["vaccine", "booster", "pfizer", "dose", "fda", "moderna", "immunity", "shots"],
]


def synthetic(n: int, k: int = 3, dim: int = 24, seed: int = 0):
    rng = np.random.default_rng(seed)
    # orthogonal centres: the clusters are unambiguous, whatever the seed
    centers = np.eye(k, dim) * 3
    labels = np.arange(n) % k
    emb = centers[labels] + 0.2 * rng.normal(size=(n, dim))
    docs = [" ".join(rng.choice(TOPIC_WORDS[t % len(TOPIC_WORDS)], 6)) + " the of and" for t in labels]
    return docs, emb.astype(np.float32), labels


@pytest.mark.parametrize("n", [1, 2, 5, 12, 300])
def test_small_and_medium_corpora_do_not_crash(n):
    docs, emb, _ = synthetic(n)
    st = StoryTopics().fit(docs, emb)
    assert len(st.labels_) == n
    assert set(st.topic_labels_) == set(st.labels_)
    expected = "single" if n == 1 else ("agglomerative" if n < TopicParams().small_max_docs else "pca+hdbscan")
    assert st.pipeline_ == expected


@pytest.mark.parametrize("n", [12, 300])
def test_topics_recover_the_clusters_and_are_labelled_with_their_words(n):
    docs, emb, truth = synthetic(n)
    st = StoryTopics().fit(docs, emb)
    labels = np.array(st.labels_)
    # each true cluster maps to exactly one topic and topics do not mix clusters
    for t in range(3):
        assert len(set(labels[truth == t])) == 1
    assert len(set(labels)) == 3
    for topic, label in st.topic_labels_.items():
        words = set(label.split(", "))
        assert words and not words & {"the", "of", "and"}  # stop words never label a topic
        members = truth[labels == topic]
        assert words <= set(TOPIC_WORDS[int(members[0])])


@pytest.mark.slow
def test_large_corpus_uses_pca_and_hdbscan():
    docs, emb, truth = synthetic(20_000, k=3)
    st = StoryTopics().fit(docs, emb)
    assert st.pipeline_ == "pca+hdbscan"
    assert len(set(st.labels_) - {-1}) >= 3


def test_recluster_keeps_existing_ids_and_marks_new_stories():
    docs, emb, truth = synthetic(30)
    existing = [f"story-{t}" if t < 2 else None for t in truth]
    # two members of story-0 were wrongly in story-1: they move, ids stay
    existing[0], existing[3] = "story-1", "story-1"
    res = StoryTopics().recluster(docs, emb, existing)
    by_truth = {t: {res.story_ids[i] for i in range(30) if truth[i] == t} for t in range(3)}
    assert by_truth[0] == {"story-0"}
    assert by_truth[1] == {"story-1"}
    assert by_truth[2] == {None}  # a new story for the caller to create
    new_keys = {res.new_story_key[i] for i in range(30) if truth[i] == 2}
    assert len(new_keys) == 1 and None not in new_keys
    assert sorted(v for v in res.mapping.values() if v) == ["story-0", "story-1"]


def test_recluster_never_gives_one_id_to_two_clusters():
    docs, emb, truth = synthetic(24)
    res = StoryTopics().recluster(docs, emb, ["same"] * 24)
    ids = [v for v in res.mapping.values() if v is not None]
    assert ids == ["same"]


def test_params_reject_unknown_keys():
    with pytest.raises(ValueError, match="min_cluster"):
        TopicParams.from_dict({"min_cluster": 3})
    with pytest.raises(ValueError):
        StoryTopics({"reducer": "tsne"}).fit(*synthetic(5)[:2])


def test_empty_corpus_is_an_error_and_mismatched_embeddings_too():
    with pytest.raises(ValueError):
        StoryTopics().fit([], np.zeros((0, 4)))
    with pytest.raises(ValueError):
        StoryTopics().fit(["a b", "c d"], np.zeros((3, 4)))


def test_story_label_picks_the_representative_headline():
    titles = [
        "Senate passes $1 trillion infrastructure bill",
        "Infrastructure bill clears the Senate in bipartisan vote",
        "What the weather will be like this weekend",
    ]
    assert story_label(titles) in titles[:2]
    assert story_label([{"title": t} for t in titles]) == story_label(titles)
    assert story_label([]) == ""
    long = story_label(["word " * 40], max_chars=30)
    assert len(long) <= 30 and long.endswith("…")


def test_class_terms_find_each_outlets_own_words():
    docs = ["tax cut for the wealthy", "tax giveaway to billionaires", "tax relief for families",
            "families get tax relief"]
    out = class_terms(docs, ["left", "left", "right", "right"], top_n=3)
    left = [w for w, _ in out["left"]]
    right = [w for w, _ in out["right"]]
    assert "families" in right and "relief" in right
    assert "families" not in left and {"wealthy", "billionaires", "giveaway", "cut"} & set(left)
    assert StoryTopics().topics_per_class(docs, ["l", "l", "r", "r"]).keys() == {"l", "r"}


def test_real_model_on_seed_headlines(embedder):
    if not SEED.exists():
        pytest.skip("seed-putin: ../shared/data not present")
    rows = [json.loads(x) for x in SEED.read_text(encoding="utf-8").splitlines()]
    titles = [r["title"] for r in rows]
    st = StoryTopics(embedder=embedder).fit(titles)
    assert st.pipeline_ == "agglomerative" and len(st.labels_) == 10
    main = [st.labels_[i] for i, r in enumerate(rows) if r["story_id"] == "putin-zelensky-illegitimate"]
    # the six headlines of one story share a topic more than chance would
    assert max(main.count(t) for t in set(main)) >= 4
    assert any("putin" in lab or "zelensk" in lab for lab in st.topic_labels_.values())
    label = story_label([r["title"] for r in rows if r["story_id"] == "putin-zelensky-illegitimate"])
    assert "Putin" in label and "Zelensk" in label
