"""Undated articles: the stand-in time that bounds which stories they are compared with
(docs/clustering.md, *Undated articles*)."""
import copy
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from clustering.signals import ArticleSignals, to_datetime


def undated_stand_in(dates: Iterable[Any], now: datetime) -> datetime:
    """The time an undated article is placed at, for choosing its candidate stories.

    The median publication time of the dated articles that arrived with it (one request, one
    batch of a replay: a feed page or a reading list is about one moment), else ``now``, the
    ingest time. The assigner then uses ``AssignParams.undated_window_days`` around it and
    scores the time as unknown (``time_unknown``), so the stand-in only bounds which stories
    are compared, never how close in time they look.

    Args:
        dates: The publication times of the other articles of the batch (None for undated).
        now: The ingest time.

    Returns:
        A UTC datetime.
    """
    known = sorted(t for t in (to_datetime(d) for d in dates) if t is not None)
    if not known:
        return to_datetime(now) or now
    return known[(len(known) - 1) // 2]


def place_undated(batch: Sequence[ArticleSignals], now: datetime) -> list[ArticleSignals]:
    """The batch with every undated article placed at :func:`undated_stand_in` of the batch
    (``time_estimated`` set on a copy; dated articles are returned as they are)."""
    stand_in = undated_stand_in([a.published_at for a in batch if not a.time_estimated], now)
    out = []
    for art in batch:
        if art.published_at is None:
            art = copy.copy(art)
            art.published_at, art.time_estimated = stand_in, True
        out.append(art)
    return out
