"""Building the engine's configuration from TOML tables the caller reads."""
from __future__ import annotations

from typing import Any, Callable

from .lexicons import LEXICON_FILES, Lexicons
from .params import CompareParams


def load_config(
    read: Callable[[str], dict[str, Any]], params: dict[str, Any] | None = None
) -> tuple[CompareParams, Lexicons]:
    """Params and lexicons from the caller's TOML reader (nothing here touches files).

    Args:
        read: ``read("config/lexicons/attribution.toml") -> parsed dict``; it may raise
            ``FileNotFoundError`` (or ``OSError``) for a missing file, whose table then falls
            back to the built-in core.
        params: The ``[compare]`` table of the settings, if any.

    Returns:
        ``(CompareParams, Lexicons)``.
    """
    tables: dict[str, dict[str, Any]] = {}
    for name, path in LEXICON_FILES.items():
        try:
            tables[name] = read(path)
        except OSError:
            continue
    return CompareParams.from_dict(params), Lexicons.from_dict(tables)
