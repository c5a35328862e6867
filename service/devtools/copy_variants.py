"""Hand-made copy variants: the light edits outlets make to agency or republished text.

Each recipe turns a real body (and headline) into the variant an outlet might run; the
labelled pair set (``newsprism evaluate copies``) stores only article ids and recipe names,
and rebuilds the variant texts from the data set with these functions.
"""
from __future__ import annotations

import random

#: added first paragraphs and bylines (made up here)
_INTROS = [
    "Here is what we know so far about the developing story, which our newsroom is following.",
    "Editor's note: this report has been updated with the latest information from officials.",
]
_BYLINES = ["By the Associated Press", "By Reuters staff", "From wire reports", "By AFP with local staff"]


def paragraphs(text: str) -> list[str]:
    """The body's paragraphs (blank-line separated; single lines when there are none)."""
    paras = [p.strip() for p in text.split("\n\n") if p.strip()]
    return paras if len(paras) > 1 else [p.strip() for p in text.splitlines() if p.strip()]


def new_headline(title: str, text: str, rng: random.Random) -> tuple[str, str]:
    """Another headline, the same body."""
    return "UPDATE: " + " ".join(reversed(title.split()[:8])), text


def add_first_paragraph(title: str, text: str, rng: random.Random) -> tuple[str, str]:
    """A paragraph of the outlet's own before the text."""
    return title, rng.choice(_INTROS) + "\n\n" + text


def add_byline(title: str, text: str, rng: random.Random) -> tuple[str, str]:
    """A byline line before the text."""
    return title, rng.choice(_BYLINES) + "\n\n" + text


def trim_ending(title: str, text: str, rng: random.Random) -> tuple[str, str]:
    """The last paragraph (or last fifth, for a short body) dropped."""
    paras = paragraphs(text)
    keep = max(1, len(paras) - max(1, len(paras) // 5))
    return title, "\n\n".join(paras[:keep])


def reorder_paragraphs(title: str, text: str, rng: random.Random) -> tuple[str, str]:
    """Paragraphs after the first in another order."""
    paras = paragraphs(text)
    rest = paras[1:]
    rng.shuffle(rest)
    return title, "\n\n".join(paras[:1] + rest)


def combined(title: str, text: str, rng: random.Random) -> tuple[str, str]:
    """New headline, an added first paragraph and the ending trimmed."""
    title, text = new_headline(title, text, rng)
    title, text = add_first_paragraph(title, text, rng)
    return trim_ending(title, text, rng)


RECIPES = {f.__name__: f for f in (new_headline, add_first_paragraph, add_byline, trim_ending,
                                   reorder_paragraphs, combined)}


def make_variant(recipe: str, title: str, text: str, seed: int = 0) -> tuple[str, str]:
    """The (headline, body) ``recipe`` makes of an article (deterministic for a seed)."""
    return RECIPES[recipe](title, text, random.Random(seed))
