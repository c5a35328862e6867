"""The plain baseline of the leave-one-out match (``newsprism evaluate-search``): the nearest
story centroid by the article's stored vector (its title + lead embedding), within ±3 days of
the story's other articles, joined when the cosine is at least 0.65: the dense rule of issue
15's clustering baseline (``clustering.baselines.dense_online``), applied to a stored store.

It is scored exactly as the service's match is (docs/search.md): the article's own vector is
taken out of its story (leave-one-out), a story it was alone in disappears; the answer is
correct when it is a story holding another article of the same gold story, or "no story" for
an article alone in its gold story. Leave-story-out: the whole gold story taken out, any story
at or above the bar is a false match."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import select

from service.store.models import Article

#: the dense rule of the clustering baseline: cosine to the centroid, window in days
THRESHOLD = 0.65
WINDOW_DAYS = 3.0


class DenseMatchBaseline:
    """Story sums and spans of a stored store, answering with some articles taken out."""

    def __init__(self, db: Any) -> None:
        with db.session() as s:
            rows = s.execute(select(Article.id, Article.story_id, Article.published_at, Article.embedding)
                             .where(Article.story_id.is_not(None), Article.embedding.is_not(None))).all()
        self.story_ids = sorted({sid for _, sid, _, _ in rows})
        pos = {sid: i for i, sid in enumerate(self.story_ids)}
        self.vec: dict[int, np.ndarray] = {}
        self.when: dict[int, float | None] = {}
        self.row: dict[int, int] = {}
        self.members: dict[int, list[int]] = {}
        dim = len(np.frombuffer(rows[0][3], dtype=np.float32)) if rows else 1
        self.sums = np.zeros((len(self.story_ids), dim), dtype=np.float64)
        self.first = np.full(len(self.story_ids), np.inf)
        self.last = np.full(len(self.story_ids), -np.inf)
        for aid, sid, when, emb in rows:
            v = np.frombuffer(emb, dtype=np.float32).astype(np.float64)
            i = pos[sid]
            self.vec[aid], self.row[aid] = v, i
            self.when[aid] = _days(when)
            self.members.setdefault(i, []).append(aid)
            self.sums[i] += v
            if self.when[aid] is not None:
                self.first[i] = min(self.first[i], self.when[aid])
                self.last[i] = max(self.last[i], self.when[aid])

    def best(self, article_id: int, exclude: Iterable[int]) -> tuple[int | None, float]:
        """(story id, cosine) of the nearest centroid within the window, the ``exclude``d
        articles taken out of their stories; (None, 0.0) without any candidate."""
        out = set(exclude) | {article_id}
        sums, first, last = self.sums, self.first, self.last
        touched = {self.row[a] for a in out if a in self.row}
        if touched:
            sums, first, last = sums.copy(), first.copy(), last.copy()
            for i in touched:
                keep = [a for a in self.members[i] if a not in out]
                sums[i] = np.sum([self.vec[a] for a in keep], axis=0) if keep else 0.0
                dates = [self.when[a] for a in keep if self.when[a] is not None]
                first[i], last[i] = (min(dates), max(dates)) if dates else (np.inf, -np.inf)
        norms = np.linalg.norm(sums, axis=1)
        alive = norms > 0
        t = self.when.get(article_id)
        if t is not None:
            dated = np.isfinite(first)
            gap = np.where(t > last, t - last, np.where(t < first, first - t, 0.0))
            alive &= ~dated | (gap <= WINDOW_DAYS)
        if not alive.any():
            return None, 0.0
        cos = np.where(alive, sums @ self.vec[article_id] / np.where(norms > 0, norms, 1.0), -np.inf)
        j = int(np.argmax(cos))
        return self.story_ids[j], float(cos[j])


def _days(when: datetime | None) -> float | None:
    return None if when is None else when.timestamp() / 86400.0


def score(db: Any, mates_of: Mapping[int, set[int]], story_of: Mapping[int, int | None],
          threshold: float = THRESHOLD) -> dict[str, Any]:
    """recall@1, wrong story and leave-story-out false match of the baseline, for every stored
    article of ``mates_of`` (article id → the other stored articles of its gold story)."""
    base = DenseMatchBaseline(db)
    hits = wrong = false = lso = 0
    n = 0
    for aid, mates in mates_of.items():
        if aid not in base.vec:
            continue
        n += 1
        sid, cos = base.best(aid, ())
        answered = sid is not None and cos >= threshold
        right = answered and any(story_of.get(m) == sid for m in mates)
        hits += right or (not mates and not answered)
        wrong += answered and not right
        if mates:
            lso += 1
            sid2, cos2 = base.best(aid, mates)
            false += sid2 is not None and cos2 >= threshold
    return {"rule": f"nearest centroid within ±{WINDOW_DAYS:g} days, cosine ≥ {threshold}", "articles": n,
            "recall@1": round(hits / n, 4) if n else None, "wrong_story": round(wrong / n, 4) if n else None,
            "leave_story_out_false_match": round(false / lso, 4) if lso else None}
