"""Voices: a text run by several outlets (wire copy, republication) is one voice.

An article that is a copy (``CompareArticle.copy_of``) speaks with the voice of the text it
copies: the outlet of that text's original when the original is in the story, else the
outlet of the earliest copy present. Every other article speaks with its own outlet's voice.

The engine collapses copies before the story-wide analyses (facts, "alone reports" and
"leaves out", distinctive terms, tone, frames run over voices, so an agency text run by three
outlets is one confirmation, not three) and expands after: each fact still lists every outlet
that carries it, and an outlet whose articles all carry another outlet's text gets a row that
shows only what its own edits add (:func:`own_sentences`). Quotes and naming stay per outlet.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

from clustering.copies import voice_labels

from .articles import CompareArticle
from .sentences import ParsedArticle, Sentence

_WORD = re.compile(r"\w+")


@dataclass
class VoicePlan:
    """Who speaks with which voice in one story.

    Attributes:
        label: Per article position, its voice (an outlet name).
        voices: The distinct voices, in story outlet order.
        copy_outlets: Outlets all of whose articles carry another outlet's text, with that voice.
        copies: Per copied text: ``{"voice", "original": {"id", "outlet"}, "copies": [{"outlet",
            "article_id", "similarity"}]}`` (the story page's "ran the AP text" line).
    """

    label: list[str]
    voices: list[str]
    copy_outlets: dict[str, str] = field(default_factory=dict)
    copies: list[dict[str, Any]] = field(default_factory=list)

    @property
    def has_copies(self) -> bool:
        """Whether any article carries another article's text."""
        return bool(self.copies)


def plan_voices(articles: list[CompareArticle], outlets: list[str]) -> VoicePlan:
    """The voices of a story's articles (``outlets``: the story's outlets in output order)."""
    label = voice_labels([a.id for a in articles], [a.outlet for a in articles], [a.copy_of for a in articles])
    by_id = {a.id: k for k, a in enumerate(articles)}
    groups: dict[int, list[int]] = {}  # root article id -> positions of its copies in the story
    for k, a in enumerate(articles):
        if a.copy_of is not None:
            groups.setdefault(a.copy_of, []).append(k)
    copies = []
    for root, members in groups.items():
        present = by_id.get(root)
        lead = present if present is not None else min(members, key=lambda k: articles[k].id)
        voice = label[lead]
        copies.append({
            "voice": voice,
            "original": {"id": articles[lead].id, "outlet": voice, "in_story": present is not None},
            "copies": [{"outlet": articles[k].outlet, "article_id": articles[k].id,
                        "similarity": articles[k].copy_similarity} for k in members if k != lead],
        })
    copies = [c for c in copies if c["copies"]]
    voices = [o for o in outlets if o in set(label)]
    copy_outlets = {}
    for o in outlets:
        own = {label[k] for k, a in enumerate(articles) if a.outlet == o}
        if o not in own and len(own) == 1:
            copy_outlets[o] = next(iter(own))
    return VoicePlan(label, voices, copy_outlets, copies)


def relabel(parsed: list[ParsedArticle], plan: VoicePlan) -> list[ParsedArticle]:
    """The parsed articles as their voices (same sentences, the voice as outlet)."""
    if not plan.has_copies:
        return parsed
    return [dataclasses.replace(pa, article=dataclasses.replace(pa.article, outlet=plan.label[pa.position]))
            for pa in parsed]


def _key(s: Sentence) -> str:
    return " ".join(_WORD.findall(s.text.casefold()))


def voice_sentences(outlet_sentences: dict[str, list[Sentence]], parsed: list[ParsedArticle],
                    plan: VoicePlan) -> dict[str, list[Sentence]]:
    """Each voice's sentences: those of its articles, a sentence its copies repeat once."""
    if not plan.has_copies:
        return outlet_sentences
    kept = {s.index for ss in outlet_sentences.values() for s in ss}
    out: dict[str, list[Sentence]] = {v: [] for v in plan.voices}
    seen: dict[str, set[str]] = {v: set() for v in plan.voices}
    for pa in parsed:
        v = plan.label[pa.position]
        for s in pa.sentences:
            if s.index in kept and _key(s) not in seen[v]:
                seen[v].add(_key(s))
                out[v].append(s)
    return out


def own_sentences(outlet: str, outlet_sentences: dict[str, list[Sentence]], parsed: list[ParsedArticle],
                  plan: VoicePlan) -> list[Sentence]:
    """A copying outlet's own edits: its sentences that no other carrier of the text has."""
    voice = plan.copy_outlets[outlet]
    others = {_key(s) for pa in parsed if plan.label[pa.position] == voice and pa.article.outlet != outlet
              for s in pa.sentences}
    return [s for s in outlet_sentences[outlet] if _key(s) not in others]


def carriers(fact: Any, sentence_outlet: dict[int, str], outlets: list[str]) -> list[str]:
    """The outlets that carry a fact computed over voices: those with a sentence in it or
    one covering it (a voice's own outlet only when its own article carries the fact)."""
    found = {sentence_outlet[i] for i in fact.sentences}
    for idx in fact.covered_by.values():
        found.update(sentence_outlet[i] for i in idx)
    return [o for o in outlets if o in found]
