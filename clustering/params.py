"""One rule for every parameter table read from config: unknown keys are an error."""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any


def check_known(cls: type, data: Mapping[str, Any] | None, what: str) -> dict[str, Any]:
    """The table as a dict, after checking every key names a field of dataclass ``cls``.

    Raises:
        ValueError: naming the unknown keys and listing the known ones, so a typo in
            ``config/*.toml`` or an environment variable fails at start, not silently.
    """
    data = dict(data or {})
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"unknown {what} parameter(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return data
