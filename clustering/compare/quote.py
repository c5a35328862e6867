"""A quoted passage of one article (the record that quotation extraction, speaker
attribution and the scare-quote rules fill in)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Quote:
    """A quoted passage of one article.

    Attributes:
        article: Position of the article in the input list.
        field: ``"title"`` or ``"text"``.
        start: Start offset of the quoted words (inside the marks) in the field.
        end: End offset of the quoted words.
        text: The quoted words.
        words: Number of words.
        kind: ``"quote"`` (a voice), ``"short"`` (a scare or partial quote) or ``"title"``
            (the name of a programme or work in quote marks).
        nested: Inside another quotation (the speaker's own quote marks).
        outer_start: Offset of the opening mark.
        outer_end: Offset after the closing mark (or the paragraph end if left open).
        speaker: Who speaks, as written ("the Kremlin leader"), if found.
        entity: Entity id of the speaker, if resolved.
        verb: The reporting verb as written ("added").
        verb_lemma: Its lemma.
    """

    article: int
    field: str
    start: int
    end: int
    text: str
    words: int
    kind: str
    nested: bool = False
    outer_start: int = 0
    outer_end: int = 0
    speaker: str | None = None
    speaker_start: int | None = None
    speaker_end: int | None = None
    entity: int | None = None
    verb: str | None = None
    verb_lemma: str | None = None
    verb_start: int | None = None
    inherited: bool = False
    unclosed: bool = False
    paragraph_start: int = 0
    meta: dict[str, Any] = field(default_factory=dict)
