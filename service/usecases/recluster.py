"""The batch re-clustering job (``newsprism recluster``, RQ ``recluster_job``).

BERTopic runs over the stored article embeddings (no re-encoding) and its clusters are mapped
onto the existing story ids by member overlap (``StoryTopics.recluster``), so ids stay stable.
What the job writes: each story's **topic** (the BERTopic cluster most of its members fall
in, labelled by c-TF-IDF words), its **keywords** and a refreshed **label** (the most
representative member headline). Story *membership* stays with the online assigner:
BERTopic's clusters are topic-level (0.28-0.35 B-cubed F1 on the AllSides events against the
assigner's 0.91), so moving articles by them would merge distinct events. The job reports how
many articles the topic clustering would have put elsewhere, which is the signal to look at
if the online assignment drifts.
"""
from __future__ import annotations

import time
from collections import Counter, defaultdict
from typing import Any

import numpy as np
from sqlalchemy import select

from clustering.params import TopicParams
from clustering.topics import StoryTopics, story_label
from service.store import Database
from service.store.models import Article, Story
from service.store.stories import StoryWriter


def recluster_arrays(docs: list[str], embeddings: np.ndarray, params: TopicParams | None = None) -> StoryTopics:
    """Fit the topic model on documents and their stored embeddings (benchmarks call this)."""
    return StoryTopics(params).fit(docs, embeddings)


def recluster(db: Database, params: TopicParams | None = None) -> dict[str, Any]:
    """Refresh topics, keywords and labels of every story (``[clustering.topics]``: ``params``);
    bump the versions that changed."""
    t0 = time.perf_counter()
    with db.session() as s:
        rows = s.execute(select(Article.id, Article.title, Article.clean_text, Article.embedding, Article.story_id)
                         .where(Article.story_id.is_not(None)).order_by(Article.id)).all()
    if not rows:
        return {"articles": 0, "stories_updated": 0, "seconds": 0.0}
    docs = [f"{r.title}. {' '.join(r.clean_text.split()[:60])}" for r in rows]
    emb = np.stack([np.frombuffer(r.embedding, dtype=np.float32) for r in rows])
    story_ids = [r.story_id for r in rows]
    topics = StoryTopics(params)
    result = topics.recluster(docs, emb, story_ids)
    fit_s = time.perf_counter() - t0

    members: dict[int, list[int]] = defaultdict(list)
    for i, sid in enumerate(story_ids):
        members[sid].append(i)
    moved = sum(1 for i, sid in enumerate(result.story_ids) if sid is not None and sid != story_ids[i])
    updated = 0
    with db.write() as s:
        writer = StoryWriter(s)
        for sid, idx in members.items():
            story = s.get(Story, sid)
            if story is None:
                continue
            votes = Counter(result.cluster_labels[i] for i in idx if result.cluster_labels[i] >= 0)
            topic_id = votes.most_common(1)[0][0] if votes else None
            topic = topics.topic_labels_.get(topic_id) if topic_id is not None else None
            words = [w for w, _ in topics.topic_words_.get(topic_id, [])][:8] if topic_id is not None else []
            label = story_label([rows[i].title for i in idx]) or story.label
            updated += writer.retopic(story, topic, words, label)
    return {"articles": len(rows), "stories": len(members), "topics": len(set(result.cluster_labels) - {-1}),
            "stories_updated": updated, "articles_topic_clustering_would_move": moved,
            "fit_seconds": round(fit_s, 2), "seconds": round(time.perf_counter() - t0, 2)}
