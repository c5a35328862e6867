"""Frames: generic news frames of the codebook (``config/frames.toml``) scored per outlet.

A sentence is a cue sentence of a frame when it holds one of the frame's cue lemmas or
phrases (the stand-ins for the codebook's yes/no questions). An outlet's score for a frame is
the share of its sentences that are cue sentences; ``vs_others`` is the score minus the mean
score of the other outlets.

A frame is *present* (the claim "this outlet stresses the frame more than the others") only
when the engine can back it: at least ``frame_min_sentences`` cue sentences making at least
``frame_min_share`` of the outlet's sentences, at least two of them expressing the frame on
their own (two different cues, or a cue phrase such as "hit back"), and a clear margin:
``vs_others`` of at least :data:`STRESS_MARGIN` and a score at least :data:`STRESS_RATIO`
times that of every other outlet; and every outlet's text has at least
``frame_min_outlet_sentences`` sentences (shares of a few sentences differ by chance). The evidence listed is those self-expressing sentences.
Only frames whose cues are specific enough that two of them in a sentence make the sentence
express the frame (:data:`SPECIFIC_FRAMES`) are ever present: an audit found a legal argument
given as evidence of "human interest", and "both sides" as evidence of "conflict".
Quotations count: choosing whom to quote is framing.
"""
from __future__ import annotations

from typing import Any

from .articles import CompareArticle
from .evidence import evidence
from .lexicons import Frame
from .sentences import Sentence

#: Score above the other outlets' mean needed to say an outlet stresses a frame.
STRESS_MARGIN = 0.04
#: ... and how many times the highest score of another outlet.
STRESS_RATIO = 1.5
#: Sentences that must express the frame on their own.
MIN_STRONG = 2
#: Frames that may be claimed. Human interest, morality, responsibility, conflict and political
#: cues ("life", "right", "call on", "both sides", "White House") occur in sentences about
#: anything; economic, security, legal and diplomatic cues are specific to their frame.
SPECIFIC_FRAMES = frozenset({"economic", "security_defense", "legality", "diplomacy"})


def expresses(cues: list[str]) -> bool:
    """A sentence expresses a frame by itself with two different cues (a cue phrase such as
    "peace talks" counts as one)."""
    return len(set(cues)) >= 2


def frame_hits(frames: tuple[Frame, ...], sentences: list[Sentence]) -> dict[str, list[tuple[Sentence, list[str]]]]:
    """Cue sentences of every frame: ``{frame id: [(sentence, cues)]}``."""
    out: dict[str, list[tuple[Sentence, list[str]]]] = {f.id: [] for f in frames}
    for s in sentences:
        lemmas = [t.lemma_.lower() for t in s.span] if s.span is not None else []
        for f in frames:
            cues = f.cues_in(lemmas, s.text)
            if cues:
                out[f.id].append((s, sorted(set(cues))))
    return out


def frames_for_outlets(
    articles: list[CompareArticle],
    frames: tuple[Frame, ...],
    outlet_sentences: dict[str, list[Sentence]],
    min_sentences: int,
    min_share: float,
    max_evidence: int,
    min_outlet_sentences: int = 0,
) -> dict[str, list[dict[str, Any]]]:
    """Frame scores with evidence for every outlet of the story.

    Args:
        articles: All input articles.
        frames: The codebook.
        outlet_sentences: Each outlet's sentences (duplicates and boilerplate removed).
        min_sentences: Cue sentences needed for "present".
        min_share: Share of sentences needed for "present".
        max_evidence: Evidence sentences listed per frame.
        min_outlet_sentences: Sentences every outlet needs before any frame is "present".

    Returns:
        ``{outlet: [{"frame", "label", "score", "present", "comparable", "vs_others", "sentences",
        "evidence"}]}`` (``comparable``: every outlet's text is long enough to call a frame stressed)
        sorted by score.
    """
    scores: dict[str, dict[str, float]] = {}
    hits_by_outlet: dict[str, dict[str, list[tuple[Sentence, list[str]]]]] = {}
    for outlet, sentences in outlet_sentences.items():
        hits = frame_hits(frames, sentences)
        hits_by_outlet[outlet] = hits
        n = max(len(sentences), 1)
        scores[outlet] = {fid: len(h) / n for fid, h in hits.items()}
    out: dict[str, list[dict[str, Any]]] = {}
    # shares of a handful of sentences differ by chance: compare only texts long enough
    comparable = all(len(s) >= min_outlet_sentences for s in outlet_sentences.values())
    for outlet, hits in hits_by_outlet.items():
        others = [o for o in scores if o != outlet]
        rows = []
        for f in frames:
            h = hits[f.id]
            if not h:
                continue
            score = scores[outlet][f.id]
            mean_others = sum(scores[o][f.id] for o in others) / len(others) if others else 0.0
            max_other = max((scores[o][f.id] for o in others), default=0.0)
            strong = [x for x in h if expresses(x[1])]
            ranked = sorted(strong, key=lambda x: (-len(set(x[1])), x[0].index))[:max_evidence]
            present = (
                comparable
                and f.id in SPECIFIC_FRAMES
                and len(h) >= min_sentences
                and score >= min_share
                and len(strong) >= min(MIN_STRONG, min_sentences)
                and bool(others)
                and score - mean_others >= STRESS_MARGIN
                and score >= STRESS_RATIO * max_other
            )
            rows.append(
                {
                    "frame": f.id,
                    "label": f.label,
                    "score": round(score, 3),
                    "present": present,
                    "comparable": comparable,
                    "vs_others": round(score - mean_others, 3),
                    "sentences": len(h),
                    "evidence": [
                        evidence(articles[s.article], s.field, s.start, s.end, cues=cues) for s, cues in ranked
                    ],
                }
            )
        rows.sort(key=lambda r: (-r["score"], r["frame"]))
        out[outlet] = rows
    return out
