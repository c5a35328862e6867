"""What an ingest batch holds between its two phases, and what it reports per item."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from clustering.copies import Fingerprint
from clustering.signals import ArticleSignals
from service.schemas import ArticleIn


@dataclass
class Prepared:
    """One validated, cleaned article waiting for the write transaction."""

    index: int
    item: ArticleIn
    outlet_name: str
    title: str
    raw_text: str
    clean: str
    url_key: str | None
    content_hash: str
    vector: np.ndarray | None = None
    signals: ArticleSignals | None = None
    fingerprint: Fingerprint | None = None


@dataclass
class ItemResult:
    """One input item's outcome, in the batch answer (``results[i]``)."""

    index: int
    status: str  # created | duplicate | rejected
    id: int | None = None
    external_id: str | None = None
    story_id: int | None = None
    errors: list[dict[str, Any]] | None = None
    detail: str | None = None
    copy_of: int | None = None
    copy_similarity: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The item's entry in the API answer."""
        d: dict[str, Any] = {"index": self.index, "status": self.status, "id": self.id,
                             "external_id": self.external_id, "story_id": self.story_id}
        if self.copy_of is not None:
            d.update(copy_of=self.copy_of, copy_similarity=self.copy_similarity)
        if self.status == "rejected":
            d["error"] = {"title": "Validation failed" if self.errors else "Conflict",
                          "detail": self.detail, "errors": self.errors or []}
        return d


@dataclass
class IngestReport:
    """A batch's outcome: one result per input item, the stories it touched."""

    results: list[ItemResult] = field(default_factory=list)
    touched_stories: set[int] = field(default_factory=set)
    #: embeddings computed while preparing, written with the batch's transaction
    new_embeddings: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def count(self, status: str) -> int:
        """Items with this status."""
        return sum(1 for r in self.results if r.status == status)
