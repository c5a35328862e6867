"""Why gold stories split: the online assigner's decisions traced against labelled stories.

:func:`split_cases` runs the in-memory driver (the same decisions as
:class:`clustering.assign.OnlineStoryClusterer`) and records every article that did not join a
story already holding an article of its gold story, with the reason:

* ``"not_candidate"``: no such story was within the time window;
* ``"under_bar"``: it was a candidate, but no story passed its bar, so the article opened a
  story of its own;
* ``"rival"``: another story passed its bar and scored higher.

``docs/clustering.md`` (round 3) has the counts on AllSides April-June.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from clustering.assign import StoryAssigner
from clustering.params import AssignParams
from clustering.signals import ArticleSignals
from clustering.state import InMemoryTermStats, StoryState


@dataclass
class SplitCase:
    """One article kept apart from the predicted story (or stories) of its gold mates.

    Attributes:
        index: Position of the article in the input.
        reason: ``"not_candidate"``, ``"under_bar"`` or ``"rival"``.
        mate_score: The best score of a mates' story among the candidates (None: none was one).
        best_score: The score of the chosen story, else the best score (0.0 without candidates).
        candidates: How many stories were in the time window.
        mates: Indices of the earlier articles of the same gold story.
    """

    index: int
    reason: str
    mate_score: float | None
    best_score: float
    candidates: int
    mates: list[int]


def split_cases(articles: Sequence[ArticleSignals], gold: Sequence[Hashable],
                params: AssignParams | None = None) -> list[SplitCase]:
    """Every article, in arrival order, that did not join a story holding an earlier article of
    its gold story.

    Args:
        articles: Signals in arrival order.
        gold: The gold story of each article.
        params: Assignment parameters (None: defaults).

    Returns:
        The cases, in arrival order.
    """
    assigner = StoryAssigner(params)
    stats = InMemoryTermStats()
    stories: list[StoryState] = []
    labels: list[int] = []
    out: list[SplitCase] = []
    for k, (art, g) in enumerate(zip(articles, gold)):
        cand = [i for i, s in enumerate(stories)
                if assigner.is_candidate(s, art.published_at, art.time_estimated)]
        j, best = assigner.choose(art, [stories[i] for i in cand], stats)
        chosen = cand[j] if j is not None else None
        mates = [q for q in range(k) if gold[q] == g]
        mate_stories = {labels[q] for q in mates}
        if mate_stories and chosen not in mate_stories:
            in_window = [n for n, i in enumerate(cand) if i in mate_stories]
            mate_score = None
            if in_window:
                scores = assigner.score(art, [stories[i] for i in cand], stats)
                mate_score = float(max(scores[n] for n in in_window))
            reason = "not_candidate" if not in_window else "under_bar" if chosen is None else "rival"
            out.append(SplitCase(k, reason, mate_score, float(best), len(cand), mates))
        if chosen is None:
            stories.append(assigner.new_story(art))
            labels.append(len(stories) - 1)
        else:
            stories[chosen] = assigner.absorb(stories[chosen], art)
            labels.append(chosen)
        stats.add(assigner.stat_terms(art))
    return out


def split_reasons(cases: Sequence[SplitCase]) -> Counter[str]:
    """How many cases per reason."""
    return Counter(c.reason for c in cases)
