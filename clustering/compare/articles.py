"""The input of a comparison: one article of a story, already cleaned of boilerplate."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class CompareArticle:
    """One article of the story being compared.

    Attributes:
        id: The store's article id.
        external_id: The caller's id for the article (e.g. the browser extension's), if any.
        outlet: Display name of the outlet; articles of one outlet are compared together.
        title: The headline, as published.
        text: The body, already cleaned of boilerplate by ``clustering.cleaning.clean_text``
            (paragraphs separated by blank lines). All body offsets in the output index this.
        url: The article URL, if known.
        published_at: Publication time, if known (naive datetimes are taken as UTC).
        copy_of: The store id of the article whose text this one copies (wire copy,
            republication), if any; copies of one text are one voice (``voices``).
        copy_similarity: The share of text the copy has in common with that article (0-1).
    """

    id: int
    external_id: str | None
    outlet: str
    title: str
    text: str
    url: str | None = None
    published_at: datetime | None = None
    copy_of: int | None = None
    copy_similarity: float | None = None

    def field_text(self, field: str) -> str:
        """The text an evidence item's offsets index: ``"title"`` or ``"text"``."""
        return self.title if field == "title" else self.text

    def ref(self) -> dict[str, Any]:
        """The article as the output lists it under its outlet."""
        return {
            "id": self.id,
            "external_id": self.external_id,
            "title": self.title,
            "url": self.url,
            "published_at": self.published_at.isoformat() if self.published_at else None,
        }
