"""The claims list: every statement the product makes about a story's outlets, in one place.

:func:`build_claims` reads a finished comparison (the engine's JSON) and lists, outlet by
outlet, each checkable claim with its evidence: unique facts, omissions, quotes, distancing
verbs, hedges, scare quotes, naming, tone, stressed frames and the one-line summary. It reads
the same fields, with the same caps, as the audit sheet (``../shared/tools/claims_sheet.py``),
so that what is audited is exactly what is shown. The summary line is composed from the
outlet's listed claims only, so its counts agree with them. Where the engine abstains (no
clear tone, no frame stressed, facts not compared, quotes without a speaker) an abstention
note says so in plain words.

Nothing here computes: the tests that decide each claim run in the engine.
"""
from __future__ import annotations

from typing import Any

#: Caps per outlet, as the audit sheet applies them.
MAX_QUOTES = 8
MAX_HEDGES = 5
MAX_SCARE_QUOTES = 5
MAX_NAMING = 8
MAX_OMISSION_EVIDENCE = 3
#: Tone values closer to 0 than this are "neutral", not a claim.
TONE_MIN = 0.05
_MAX_LABEL_WORDS = 9
#: Nearest cosine of another outlet below which a unique fact is as sure as the engine gets,
#: and above which it is less sure than the prior.
UNIQUE_FAR = 0.30
UNIQUE_NEAR = 0.38
#: Only claims at least this confident go into the summary line.
SUMMARY_MIN_CONFIDENCE = 0.9
#: A summary names a unique fact only from the surest tier (no other outlet's unit within
#: cosine UNIQUE_FAR): in the audits of rounds 3-5 every "alone" claim of that tier was true,
#: and both false summary lines of round 5 repeated a less sure "alone" claim.
SUMMARY_UNIQUE_MIN_CONFIDENCE = 0.95

#: A rough prior per kind (the share of such claims found true by the last audit, rounded
#: down); a claim's confidence starts here and is lowered where its own evidence is thin.
PRIOR = {
    "unique": 0.9, "omitted": 0.9, "quote": 0.9, "contested": 0.85, "hedge": 0.9,
    "scare_quote": 0.85, "naming": 0.95, "tone": 0.8, "frame": 0.85, "summary": 0.9, "copy": 0.95,
}


def _short(label: str) -> str:
    words = (label or "").rstrip("…").split()
    text = " ".join(words[:_MAX_LABEL_WORDS]).rstrip(",;:")
    return text + ("…" if len(words) > _MAX_LABEL_WORDS else "")


def _names(items: list[str]) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _span(item: dict[str, Any] | None) -> list[dict[str, Any]]:
    """An evidence list holding the span of ``item`` (its offsets and ids only)."""
    if not isinstance(item, dict) or item.get("start") is None:
        return []
    keys = ("text", "external_id", "article_id", "outlet", "field", "start", "end")
    return [{k: item.get(k) for k in keys if k in item}]


def _claim(kind: str, outlet: str, statement: str, evidence: list[dict[str, Any]], confidence: float,
           **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "outlet": outlet, "statement": statement, "evidence": evidence,
            "confidence": round(max(0.0, min(1.0, confidence)), 2), **extra}


def _outlet_claims(o: dict[str, Any], facts: dict[str, dict[str, Any]], majority: dict[str, str]) -> list[dict[str, Any]]:
    name = o.get("outlet") or "(unknown outlet)"
    out: list[dict[str, Any]] = []
    copy = o.get("copy_of")
    if isinstance(copy, dict) and copy.get("outlet"):
        share = f", {round(100 * copy['similarity'])} % identical" if copy.get("similarity") is not None else ""
        out.append(_claim("copy", name, f"{name} runs the {copy['outlet']} text{share}", [], PRIOR["copy"],
                          original=copy["outlet"], similarity=copy.get("similarity")))
    for u in o.get("unique_facts") or []:
        f = facts.get(u.get("fact_id"), {})
        label = u.get("label") or f.get("label") or f.get("text") or u.get("text")
        out.append(_claim("unique", name, f"{name} alone reports: “{label}”", _span(u), _unique_confidence(u),
                          fact_id=u.get("fact_id"), label=label))
    for m in o.get("omitted_facts") or []:
        carriers = list(m.get("covered_by") or [])
        f = facts.get(m.get("fact_id"), {})
        ev = [s for s in f.get("sentences") or [] if s.get("outlet") in carriers][:MAX_OMISSION_EVIDENCE]
        label = m.get("label") or m.get("text")
        conf = PRIOR["omitted"] + 0.02 * (len(carriers) - 2)
        out.append(_claim("omitted", name, f"{name} leaves out: “{label}” (carried by {_names(carriers)})",
                          [e for s in ev for e in _span(s)], conf, fact_id=m.get("fact_id"), label=label,
                          carried_by=carriers))
    for q in (o.get("quotes") or [])[:MAX_QUOTES]:
        speaker = q.get("speaker")
        words = q.get("text") or ""
        if speaker:
            verb = f" ({q['verb']})" if q.get("verb") else ""
            statement = f"{name} quotes {speaker}{verb}: “{words}”"
            conf = PRIOR["quote"] - (0.1 if q.get("attribution_inherited") else 0.0)
        else:
            statement = f"{name} quotes an unattributed speaker: “{words}”"
            conf = PRIOR["quote"]
        out.append(_claim("quote", name, statement, _span(q), conf, speaker=speaker or None, verb=q.get("verb")))
    att = o.get("attribution") or {}
    for c in att.get("contested") or []:
        out.append(_claim("contested", name, f"{name} reports a claim with the distancing verb “{c.get('verb')}”",
                          _span(c), PRIOR["contested"], verb=c.get("verb")))
    for h in (att.get("hedges") or [])[:MAX_HEDGES]:
        out.append(_claim("hedge", name, f"{name} hedges with “{h.get('hedge')}”", _span(h), PRIOR["hedge"],
                          hedge=h.get("hedge")))
    for s in (att.get("scare_quotes") or [])[:MAX_SCARE_QUOTES]:
        who = s.get("attributed_to")
        if who:
            statement = f"{name} puts “{s.get('text')}” in quotation marks as the words of {who}"
        else:
            statement = f"{name} puts “{s.get('text')}” in quotation marks as its own distancing (no speaker given)"
        places = _span(s) + [p for a in s.get("also_at") or [] for p in _span(a)]
        out.append(_claim("scare_quote", name, statement, places, PRIOR["scare_quote"], speaker=who or None))
    for nm in (o.get("naming") or [])[:MAX_NAMING]:
        n = nm.get("count")
        out.append(_claim("naming", name, f"{name} calls {nm.get('entity')} “{nm.get('form')}” {n} time{'s' if n != 1 else ''}",
                          [], PRIOR["naming"], entity=nm.get("entity"), form=nm.get("form"), count=n))
    for entity, spelling in (o.get("spellings") or {}).items():
        if entity in majority and spelling != majority[entity]:
            out.append(_claim("naming", name, f"{name} writes {entity}’s name “{spelling}” (the most common "
                                              f"spelling here is “{majority[entity]}”)", [], PRIOR["naming"], entity=entity,
                              form=spelling, spelling=True))
    tone = o.get("tone") or {}
    for entity, v in (tone.get("by_entity") or {}).items():
        if isinstance(v, (int, float)) and abs(v) >= TONE_MIN:
            ev = [e for e in tone.get("evidence") or [] if e.get("entity") == entity]
            out.append(_claim("tone", name, f"{name}’s own tone towards {entity} is {'negative' if v < 0 else 'positive'}",
                              [x for e in ev[:3] for x in _span(e)], PRIOR["tone"] - (0.1 if len(ev) < 2 else 0.0),
                              entity=entity, value=v))
    for fr in o.get("frames") or []:
        if fr.get("present") and (fr.get("vs_others") or 0) > 0 and not fr.get("withheld"):
            label = fr.get("label") or fr.get("frame")
            ev = [x for e in (fr.get("evidence") or [])[:3] for x in _span(e)]
            out.append(_claim("frame", name, f"{name} stresses the “{label}” frame more than the other outlets", ev,
                              PRIOR["frame"], frame=fr.get("frame"), label=label))
    return out


def _unique_confidence(u: dict[str, Any]) -> float:
    """Confidence of "X alone reports F": higher the farther the nearest unit of any other
    outlet is (``nearest``, its cosine, is always below the loose test's bar)."""
    nearest = u.get("nearest")
    if not isinstance(nearest, (int, float)):
        return PRIOR["unique"] - 0.05
    return PRIOR["unique"] + (0.05 if nearest < UNIQUE_FAR else 0.0) - (0.05 if nearest >= UNIQUE_NEAR else 0.0)


def summary_line(outlet: str, claims: list[dict[str, Any]]) -> str:
    """One short line made only of the outlet's most certain listed claims.

    A summary is false if any part of it is, so it holds no counts and no frames: the copy
    claim, the one unique fact the engine is surest of (at :data:`SUMMARY_UNIQUE_MIN_CONFIDENCE`
    or above, and not a quoted sentence, often a fragment of a longer quotation), the speakers quoted at least twice with a speaker resolved in the sentence
    itself, and spellings that differ from the majority. Every part restates a listed claim.

    Args:
        outlet: The outlet's name.
        claims: The outlet's claims (any kinds; summary claims are ignored).

    Returns:
        The line, e.g. "Alone reports “...”; quotes Anthony Kennedy."
    """
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for c in claims:
        if c["outlet"] == outlet:
            by_kind.setdefault(c["kind"], []).append(c)
    parts: list[str] = []
    for c in by_kind.get("copy", []):
        parts.append(c["statement"][len(outlet) + 1:])  # "runs the AP text, 97 % identical"
    # a quoted sentence is often one fragment of a longer quotation: the summary names a fact
    # the outlet states in its own words
    sure = [c for c in by_kind.get("unique", []) if c["confidence"] >= SUMMARY_UNIQUE_MIN_CONFIDENCE
            and not any(q in (e.get("text") or "") for e in c.get("evidence") or [] for q in "“”\"")]
    if sure:
        best = max(sure, key=lambda c: c["confidence"])  # the first (longest developed) among equals
        parts.append(f"alone reports “{_short(best['label'])}”")
    counts: dict[str, int] = {}
    for c in by_kind.get("quote", []):
        sp = c.get("speaker")
        if sp and c["confidence"] >= SUMMARY_MIN_CONFIDENCE:
            counts[sp] = counts.get(sp, 0) + 1
    speakers = [sp for sp, n in counts.items() if n >= 2]
    if speakers:
        parts.append("quotes " + _names(speakers[:2]))
    for c in by_kind.get("naming", []):
        if c.get("spelling"):
            parts.append(f"writes “{c['form']}”")
    if not parts:
        return f"{outlet}: no single statement the engine is sure enough of to summarise."
    line = "; ".join(parts)
    return line[:1].upper() + line[1:] + "."


def _abstentions(o: dict[str, Any], claims: list[dict[str, Any]], n_outlets: int) -> list[dict[str, Any]]:
    name = o.get("outlet") or "(unknown outlet)"
    kinds = {c["kind"] for c in claims}
    notes: list[dict[str, Any]] = []

    def note(kind: str, text: str) -> None:
        notes.append({"kind": kind, "outlet": name, "statement": text})

    if n_outlets < 2:
        note("facts", "Facts not compared: only one outlet covers this story.")
    else:
        if "unique" not in kinds:
            note("unique", f"Nothing said to be reported by {name} alone: every fact it carries is covered, at "
                           "least in other words, by another outlet.")
        if "omitted" not in kinds:
            note("omitted", f"No omission claimed: a fact counts as left out only when nothing {name} writes comes "
                            "near it, even in other words, and at least two (and half) of the other outlets carry it.")
    unattributed = (o.get("unattributed_quotes") or {}).get("quotes") or 0
    if unattributed:
        note("quote", f"{unattributed} quoted passage{'s are' if unattributed != 1 else ' is'} not attributed: "
                      "the text does not make the speaker certain.")
    withheld = [s for s in (o.get("attribution") or {}).get("scare_quotes_unclear") or []
                if s.get("withheld") == "own_distancing"]
    if withheld:
        note("scare_quote", f"{len(withheld)} phrase{'s' if len(withheld) != 1 else ''} in quotation marks with no "
                            "speaker in the text: not claimed as the outlet’s own distancing (such words are often a "
                            "document’s or an agency’s).")
    if "tone" not in kinds:
        note("tone", f"No clear tone: not enough of {name}’s own evaluative wording about the main people.")
    if "frame" not in kinds and n_outlets >= 2:
        if any(fr.get("comparable") is False for fr in o.get("frames") or []):
            note("frame", "No frame compared: some outlet’s text is too short (a few sentences) to say that one "
                          "stresses a frame more than the others.")
        elif any(fr.get("withheld") for fr in o.get("frames") or []):
            note("frame", "Frames are measured, not claimed: careful readers could not confirm “stresses a frame "
                          "more than the others” often enough (half of the audited claims held), so the frame mix "
                          "is a measurement of cue words, not a finding.")
        else:
            note("frame", f"No frame stressed: {name} uses no frame clearly more than the other outlets "
                          "(only frames with specific cues are ever claimed).")
    return notes


def build_claims(comparison: dict[str, Any]) -> dict[str, Any]:
    """The claims list of a comparison.

    Args:
        comparison: The engine's result (``story``, ``facts``, ``outlets``).

    Returns:
        ``{"claims": [...], "abstentions": [...], "summaries": {outlet: line}}``. Each claim is
        ``{"kind", "outlet", "statement", "evidence", "confidence", ...}`` with kind one of
        unique, omitted, quote, contested, hedge, scare_quote, naming, tone, frame, copy, summary;
        each abstention is ``{"kind", "outlet", "statement"}``.
    """
    facts = {f.get("id"): f for f in comparison.get("facts") or [] if isinstance(f, dict)}
    outlets = [o for o in comparison.get("outlets") or [] if isinstance(o, dict)]
    majority = _majority_spellings(outlets)
    claims: list[dict[str, Any]] = []
    abstentions: list[dict[str, Any]] = []
    summaries: dict[str, str] = {}
    for o in outlets:
        own = _outlet_claims(o, facts, majority)
        name = o.get("outlet") or "(unknown outlet)"
        line = summary_line(name, own)
        summaries[name] = line
        claims.extend(own)
        claims.append(_claim("summary", name, line, [], PRIOR["summary"]))
        abstentions.extend(_abstentions(o, own, len(outlets)))
    return {"claims": claims, "abstentions": abstentions, "summaries": summaries}


def _majority_spellings(outlets: list[dict[str, Any]]) -> dict[str, str]:
    """``{entity: spelling}`` where one spelling is used by more outlets than any other."""
    counts: dict[str, dict[str, int]] = {}
    for o in outlets:
        for entity, spelling in (o.get("spellings") or {}).items():
            counts.setdefault(entity, {})
            counts[entity][spelling] = counts[entity].get(spelling, 0) + 1
    out = {}
    for entity, c in counts.items():
        top = sorted(c.items(), key=lambda kv: -kv[1])
        if len(top) == 1 or top[0][1] > top[1][1]:
            out[entity] = top[0][0]
    return out
