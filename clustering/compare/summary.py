"""The one-line summary of an outlet's framing (shown by the browser extension)."""
from __future__ import annotations

from typing import Any

_MAX_LABEL_WORDS = 9


def _short(label: str) -> str:
    words = label.rstrip("…").split()
    text = " ".join(words[:_MAX_LABEL_WORDS]).rstrip(",;:")
    return text + ("…" if len(words) > _MAX_LABEL_WORDS else "")


def outlet_summary(outlet: dict[str, Any], majority_spelling: dict[str, str]) -> str:
    """"Stresses X; leaves out Y; quotes Z" for one outlet of a comparison.

    Args:
        outlet: The outlet's entry of the comparison (terms, facts, voices, frames ...).
        majority_spelling: ``{entity: spelling most outlets use}``, to flag a different one.

    Returns:
        One line of plain text.
    """
    parts: list[str] = []
    copy = outlet.get("copy_of")
    if copy:
        share = f", {round(100 * copy['similarity'])} % identical" if copy.get("similarity") is not None else ""
        parts.append(f"Runs the {copy['outlet']} text{share}")
    terms = [t["term"] for t in outlet.get("distinctive_terms", [])[:3]]
    stressed = [f for f in outlet.get("frames", []) if f.get("present") and f.get("vs_others", 0) > 0]
    stress = ""
    if terms:
        stress = "Stresses " + ", ".join(terms)
    if stressed:
        top = max(stressed, key=lambda f: f["vs_others"])
        stress += (" (" if stress else "Stresses ") + top["label"].lower() + (" frame)" if stress else " frame")
    if stress:
        parts.append(stress)
    unique = outlet.get("unique_facts", [])
    if unique:
        parts.append(f"alone reports {len(unique)} fact{'s' if len(unique) != 1 else ''}, e.g. “{_short(unique[0]['label'])}”")
    omitted = outlet.get("omitted_facts", [])
    if omitted:
        parts.append(f"leaves out “{_short(omitted[0]['label'])}”")
    voices = outlet.get("voices", [])
    if voices:
        named = [f"{v['speaker']} ({v['words']} words)" for v in voices[:2]]
        parts.append("quotes " + ", ".join(named))
    else:
        parts.append("quotes no one directly")
    contested = outlet.get("attribution", {}).get("by_class", {}).get("contested", {})
    if contested:
        parts.append("distancing verbs " + ", ".join(f"“{v}”" for v in list(contested)[:3]))
    for entity, spelling in outlet.get("spellings", {}).items():
        if entity in majority_spelling and spelling != majority_spelling[entity]:
            parts.append(f"writes “{spelling}”")
    return "; ".join(parts) + "."
