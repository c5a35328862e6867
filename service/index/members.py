"""Reading what the story index keeps per story from the store: its members' headlines,
leads and stored embeddings, and its outlets."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select

from service.store import Database
from service.store.models import Article, Outlet, Story

#: (headline, the first characters of the clean text, the stored embedding)
Member = tuple[str, str, bytes | None]
_CHUNK = 1000  # stories whose members are read per query


def read_members(db: Database, story_ids: list[int], lead_chars: int
                 ) -> Iterator[tuple[Any, list[Member], set[str]]]:
    """Per story: its row (id, version, label, article_count), its members in id order and
    its outlets' names and slugs (casefolded)."""
    for start in range(0, len(story_ids), _CHUNK):
        chunk = story_ids[start:start + _CHUNK]
        with db.session() as s:
            stories = s.execute(select(Story.id, Story.version, Story.label, Story.article_count)
                                .where(Story.id.in_(chunk))).all()
            arts = s.execute(select(Article.story_id, Article.id, Article.title,
                                    func.substr(Article.clean_text, 1, lead_chars), Article.embedding,
                                    Outlet.name, Outlet.slug)
                             .join(Outlet, Outlet.id == Article.outlet_id)
                             .where(Article.story_id.in_(chunk)).order_by(Article.id)).all()
        members: dict[int, list[Member]] = {}
        outlets: dict[int, set[str]] = {}
        for story_id, _aid, title, lead, emb, oname, oslug in arts:
            members.setdefault(story_id, []).append((title or "", lead or "", emb))
            outlets.setdefault(story_id, set()).update({oname.casefold(), (oslug or "").casefold()})
        for story in stories:
            yield story, members.get(story.id, []), outlets.get(story.id, set())
