"""The terms search and its BM25 index work on: a headline, a lead or a query, normalised as
the assigner normalises its terms (folded, transliterations merged, plurals stripped, stop
words dropped), plus numbers, which tell this week's figures from last week's."""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from clustering.signals import fold, normalize_token

# numbers first ("498,000", "4.2%"), then words (as clustering.signals tokenises them)
_TOKEN = re.compile(r"\d[\d,.]*\d%?|\d%?|[^\W\d_][^\W_]*(?:['’][^\W_]+)*|[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_EXTRA_STOP = frozenset("""said says say told according new year years week day just like time people news
make did does dont don mr ms mrs it's he's that's wrote added reported statement photo image getty
images ap afp reuters quote details""".split())
_MISS = object()
_KEYS: dict[str, str | None] = {}  # token → term key (None: not a term); bounded below


@lru_cache(maxsize=1)
def _stop() -> frozenset[str]:
    # imported on first use: scikit-learn is a large import for a list of words
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS | _EXTRA_STOP)


def _term_key(token: str) -> str | None:
    if token[0].isdigit():
        return "#" + token.replace(",", "").rstrip(".")
    stop = _stop()
    low = fold(token)
    if low in stop or low.replace("'", "") in stop or low.isdigit() or len(low) < 2:
        return None
    key = normalize_token(token)
    return key if len(key) >= 2 and key not in stop else None


def lexical_terms(text: str, into: dict[str, float] | None = None, weight: float = 1.0) -> Counter[str]:
    """Normalised content terms of a headline, a lead or a query: folded, transliterations
    merged (Zelenskyy = Zelensky), plurals stripped, stop words dropped, as the assigner's
    terms; plus numbers ("498,000" → "#498000", "4.2%" → "#4.2%"), which tell this week's
    jobless claims from last week's. With ``into``, adds ``weight`` per occurrence there
    (index builds are hot: per-token work is cached)."""
    out: dict[str, float] = {} if into is None else into
    keys = _KEYS
    for tok in _TOKEN.findall(text):
        key = keys.get(tok, _MISS)
        if key is _MISS:
            key = _term_key(tok)
            if len(keys) < 500_000:
                keys[tok] = key
        if key is not None:
            out[key] = out.get(key, 0) + weight
    return Counter(out) if into is None else out  # type: ignore[return-value]
