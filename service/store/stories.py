"""The one place that changes a story's row. A story's assigner state, centroid, span,
counts, label, version and time of update move together: a new version is what tells every
cache (comparisons, summaries) and every per-process copy (the story rows) that the story
changed.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from service.store.db import as_utc
from service.store.models import Article, Story, utcnow

if TYPE_CHECKING:
    from clustering.state import StoryState


def state_centroid(state: StoryState) -> np.ndarray:
    """The story's L2-normalised dense centroid, as stored beside its state."""
    return np.asarray(state.centroid, dtype=np.float32)


class StoryWriter:
    """Changes story rows inside one write transaction (``session``)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._outlets: dict[int, set[int]] = {}  # story id -> its outlets, as of this transaction

    def open(self, title: str) -> Story:
        """A new story with no article yet (flushed: it has its id)."""
        story = Story(version=0, label=title, article_count=0, outlet_count=0, keywords=[],
                      created_at=utcnow(), updated_at=utcnow())
        self.session.add(story)
        self.session.flush()
        return story

    def get(self, story_id: int) -> Story:
        """A stored story (its state blob left unread: the caller has it decoded)."""
        return self.session.get(Story, story_id, options=[defer(Story.state)])

    def add_article(self, story: Story, article: Article, state: StoryState) -> None:
        """Make ``article`` a member of ``story``, whose assigner state is now ``state``."""
        story.state = state.to_bytes()
        story.centroid = state_centroid(state).tobytes()
        # the span of publication times (the assigner's time window works on these);
        # undated articles leave it unchanged
        when = as_utc(article.published_at)
        if when is not None:
            story.first_seen = min(filter(None, [as_utc(story.first_seen), when]))
            story.last_seen = max(filter(None, [as_utc(story.last_seen), when]))
        known = self._outlets.get(story.id)
        if known is None:
            # first touch in this transaction: the stored articles' outlets (none for a new story)
            known = self._outlets[story.id] = set() if not story.article_count else set(self.session.execute(
                select(Article.outlet_id).where(Article.story_id == story.id).distinct()).scalars())
        known.add(article.outlet_id)
        story.article_count = (story.article_count or 0) + 1
        story.outlet_count = len(known)
        if not story.label:
            story.label = article.title
        self._bump(story)
        article.story_id = story.id

    def retopic(self, story: Story, topic: str | None, keywords: list[str], label: str | None) -> bool:
        """Set the story's topic, keywords and label (re-clustering); True when they changed."""
        if (story.topic, story.keywords, story.label) == (topic, keywords, label):
            return False
        story.topic, story.keywords, story.label = topic, keywords, label
        self._bump(story)
        return True

    @staticmethod
    def _bump(story: Story) -> None:
        # a new version: cached comparisons and summaries, and the per-process story rows, follow
        story.version = (story.version or 0) + 1
        story.updated_at = utcnow()
