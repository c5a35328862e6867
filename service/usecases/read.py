"""Reading articles, stories and outlets: lists with filters and pagination, single items."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from service.errors import NotFound
from service.usecases.serialize import article_view, independent_reports, outlet_view, story_view
from service.schemas import PageQuery, StoryQuery
from service.store import Database
from service.store.models import Article, Outlet, Story


class Reader:
    """Read use cases over the store."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def article(self, ident: str) -> dict[str, Any]:
        """By internal id (digits) or by external id."""
        with self.db.session() as s:
            row = None
            if ident.isdigit() and len(ident) < 19:
                row = s.get(Article, int(ident))
            if row is None:
                row = s.execute(select(Article).where(Article.external_id == ident)).scalar_one_or_none()
            if row is None:
                raise NotFound(f"no article with id or external id {ident!r}")
            return article_view(row)

    def articles(self, q: PageQuery) -> dict[str, Any]:
        """A page of articles (optionally of one outlet or story), with the total."""
        with self.db.session() as s:
            base = select(Article)
            if q.outlet:
                base = base.join(Outlet).where((Outlet.name == q.outlet) | (Outlet.slug == q.outlet))
            if q.story_id:
                base = base.where(Article.story_id == q.story_id)
            total = s.execute(select(func.count()).select_from(base.subquery())).scalar_one()
            rows = s.execute(base.options(selectinload(Article.outlet)).order_by(Article.id)
                             .offset((q.page - 1) * q.per_page).limit(q.per_page)).scalars().all()
            return {"total": total, "page": q.page, "per_page": q.per_page,
                    "items": [article_view(a, full=False) for a in rows]}

    def story_filter(self, q: StoryQuery) -> Select:
        """The story list's filters as a query (search applies the same ones to its index)."""
        stmt = select(Story).where(Story.article_count > 0, Story.outlet_count >= q.min_outlets)
        if q.since:
            stmt = stmt.where(Story.last_seen >= q.since)
        if q.until:
            stmt = stmt.where(Story.first_seen <= q.until)
        if q.outlet:
            sub = (select(Article.story_id).join(Outlet)
                   .where((Outlet.name == q.outlet) | (Outlet.slug == q.outlet)))
            stmt = stmt.where(Story.id.in_(sub))
        return stmt

    def stories(self, q: StoryQuery) -> dict[str, Any]:
        """A page of stories passing the filters, newest first, with the total."""
        with self.db.session() as s:
            stmt = self.story_filter(q)
            total = s.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
            rows = s.execute(stmt.order_by(Story.last_seen.desc().nulls_last(), Story.id.desc())
                             .offset((q.page - 1) * q.per_page).limit(q.per_page)).scalars().all()
            outlets = outlets_of(s, [r.id for r in rows])
            voices = voices_of(s, [r.id for r in rows])
            items = []
            for r in rows:
                d = story_view(r)
                d["outlets"] = outlets.get(r.id, [])
                d["independent_reports"] = voices.get(r.id, 0)
                items.append(d)
            return {"total": total, "page": q.page, "per_page": q.per_page, "items": items}

    def story(self, story_id: int) -> dict[str, Any]:
        """One story with its articles by outlet (``NotFound`` for an unknown or empty one)."""
        with self.db.session() as s:
            st = s.get(Story, story_id)
            if st is None or not st.article_count:
                raise NotFound(f"no story {story_id}")
            arts = s.execute(select(Article).options(selectinload(Article.outlet))
                             .where(Article.story_id == story_id)).scalars().all()
            return story_view(st, arts)

    def outlets(self) -> list[dict[str, Any]]:
        """Every outlet with its article count."""
        with self.db.session() as s:
            counts = dict(s.execute(select(Article.outlet_id, func.count()).group_by(Article.outlet_id)).all())
            rows = s.execute(select(Outlet).order_by(Outlet.name)).scalars().all()
            return [{**outlet_view(o), "article_count": counts.get(o.id, 0)} for o in rows]


def outlets_of(s: Session, story_ids: list[int]) -> dict[int, list[str]]:
    """The outlets (names, sorted) of each story."""
    out: dict[int, list[str]] = {}
    if not story_ids:
        return out
    rows = s.execute(select(Article.story_id, Outlet.name).join(Outlet)
                     .where(Article.story_id.in_(story_ids)).distinct()).all()
    for sid, name in rows:
        out.setdefault(sid, []).append(name)
    return {k: sorted(v) for k, v in out.items()}


def voices_of(s: Session, story_ids: list[int]) -> dict[int, int]:
    """The number of independent reports (voices) of each story."""
    per: dict[int, list[tuple[int, str, int | None]]] = {}
    if story_ids:
        rows = s.execute(select(Article.story_id, Article.id, Outlet.name, Article.copy_of).join(Outlet)
                         .where(Article.story_id.in_(story_ids))).all()
        for sid, aid, name, copy_of in rows:
            per.setdefault(sid, []).append((aid, name, copy_of))
    return {sid: independent_reports(arts) for sid, arts in per.items()}
