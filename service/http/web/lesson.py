"""Lesson mode: the questions a teacher would ask about a story, generated from its
comparison, and the Markdown handout (the story page as text, with those questions).

The questions read the view model of :func:`service.http.web.present.story_page` only, so they
work with whatever the comparison found and simply ask fewer questions when it found less.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

MAX_QUESTIONS = 12
_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}<>#|~])")


def md(text: Any, limit: int | None = None) -> str:
    """Article text made inert in Markdown: one line, markup characters backslash-escaped
    (``<script>`` renders as the text ``<script>``, a ``|`` cannot break a table)."""
    s = " ".join(str(text or "").split())
    if limit and len(s) > limit:
        s = s[: limit - 1].rstrip() + "…"
    return _MD_SPECIAL.sub(r"\\\1", s)


def short(text: str, limit: int = 110) -> str:
    s = " ".join((text or "").split())
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "…"


def names(items: list[str]) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _q(kind: str, question: str, notes: list[str] | None = None, evidence: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"kind": kind, "question": question, "notes": notes or [], "evidence": (evidence or [])[:2]}


def _looks_descriptive(form: str) -> bool:
    """``the Kremlin leader`` or ``Russian president``: a description, not a spelling of a name."""
    words = form.split()
    return len(words) >= 2 and (words[0].lower() in {"the", "a", "an"} or any(w[:1].islower() for w in words))


def questions(page: dict[str, Any]) -> list[dict[str, Any]]:
    """Discussion questions with teacher's notes and the evidence to look at."""
    cols = page["columns"]
    outlets = [c["outlet"] for c in cols]
    out: list[dict[str, Any]] = []
    single = len(cols) < 2
    if single:
        out.append(_q("general", "Only one outlet covers this story so far. What would you want to know "
                      "before trusting this account, and where could you check it?"))

    # headlines
    heads = [f"{c['outlet']}: “{short(c['headline'], 120)}”" for c in cols if c["headline"]]
    if len(heads) >= 2:
        out.append(_q("headlines", "Read the headlines side by side. Which words differ, and what does each "
                      "choice make a reader think first?", heads))

    # omissions: facts the claims list says an outlet leaves out (and which outlets carry them)
    left: dict[str, dict[str, Any]] = {}
    for c in cols:
        if c.get("copy_of"):
            continue  # an outlet running another outlet's text is counted with that text
        for o in c.get("omitted") or []:
            entry = left.setdefault(o["text"], {"missing": [], "carried": o["covered_by"]})
            entry["missing"].append(c["outlet"])
    for text, entry in sorted(left.items(), key=lambda kv: -len(kv[1]["carried"]))[:2]:
        out.append(_q("omission", f"Which outlet left out “{short(text)}”? Why might it have?",
                      [f"Left out by {names(entry['missing'])}; reported by {names(entry['carried'])}."]))

    # descriptions and spellings of people: the most telling description a single outlet uses
    # for a speaker ("the Kremlin leader" over "the minister"), asked about once
    candidates = []
    for c in cols:
        for q in c["quotes"]:
            sp = (q.get("speaker") or "").strip()
            if not (sp.lower().startswith("the ") and _looks_descriptive(sp)):
                continue
            if any((x.get("speaker") or "").lower() == sp.lower() for o in cols if o is not c for x in o["quotes"]):
                continue
            score = (any(w[:1].isupper() for w in sp.split()[1:]), len(sp.split()))
            candidates.append((score, c, sp, q))
    if candidates:
        _, c, sp, q = max(candidates, key=lambda t: t[0])
        out.append(_q("naming", f"Why might {c['outlet']} call the speaker “{sp}” rather than use a name? "
                      "Who is meant, and what does the description add?",
                      [f"{c['outlet']} quotes “{sp}” ({q.get('verb') or 'no verb of saying'})."], [q]))
    entities: dict[str, dict[str, str]] = {}
    descriptive: list[tuple[str, str, str]] = []
    for c in cols:
        for g in c["naming"]:
            if g["forms"]:
                entities.setdefault(g["entity"], {})[c["outlet"]] = g["forms"][0]["form"]
            for f in g["forms"]:
                if f.get("kind") == "epithet" or (_looks_descriptive(f["form"]) and f["form"].lower().startswith("the ")):
                    descriptive.append((c["outlet"], g["entity"], f["form"]))
    for outlet, entity, form in descriptive[:2]:
        others = [o for o, e, f in descriptive if f.lower() == form.lower() and o != outlet]
        if not others:
            out.append(_q("naming", f"Why might {outlet} call {entity} “{form}”?",
                          [f"Other outlets name {entity} differently."]))
    for entity, forms in entities.items():
        spellings = sorted(set(forms.values()))
        if len(spellings) >= 2 and len(out) < MAX_QUESTIONS:
            detail = "; ".join(f"“{s}”: {names([o for o, f in forms.items() if f == s])}" for s in spellings)
            out.append(_q("naming", f"The outlets write {entity}'s name differently ({', '.join('“' + s + '”' for s in spellings)}). "
                          "Where could the spellings come from, and can a spelling take a side?", [detail]))
            break

    # verbs of attribution
    contested = sorted((c for c in cols if c["contested"]), key=lambda c: -len(c["contested"]))
    if contested:
        c = contested[0]
        verbs = [v["verb"] for v in c["verbs"] if v.get("class") == "contested"] or [e.get("verb") for e in c["contested"] if e.get("verb")]
        calm = [o["outlet"] for o in cols if not o["contested"]]
        note = f"{c['outlet']} uses {names(['“' + v + '”' for v in verbs[:3]])}."
        if calm:
            note += f" {names(calm)} use no such verbs."
        out.append(_q("attribution", f"{c['outlet']} reports claims with verbs like “{verbs[0] if verbs else 'claimed'}” "
                      "where a neutral report would write “said”. What does the verb suggest about the claim?",
                      [note], c["contested"]))

    # scare quotes: only the outlet's own distancing (a word given to a speaker is a quotation,
    # and asking why the outlet distances itself from it would claim something untrue)
    seen_sq: set[str] = set()
    for c in cols:
        for sq in c["scare_quotes"]:
            if sq.get("by"):
                continue
            key = sq["text"].strip("“”\"'‘’.,").lower()
            if key and key not in seen_sq and not any(x["kind"] == "scare_quotes" for x in out):
                seen_sq.add(key)
                users = [o["outlet"] for o in cols
                         if any(key == x["text"].strip("“”\"'‘’.,").lower() and not x.get("by") for x in o["scare_quotes"])]
                out.append(_q("scare_quotes", f"Why might {c['outlet']} put “{short(sq['text'], 60)}” in quotation marks? "
                              "No speaker is given for the word.", [f"Put in quotation marks without a speaker by {names(users)}."], [sq]))

    # voices
    voiced = [(c, sorted({q.get("speaker") for q in c["quotes"] if q.get("speaker")})) for c in cols]
    voiced = [(c, v) for c, v in voiced if v]
    if len(voiced) >= 2:
        most = max(voiced, key=lambda cv: len(cv[1]))
        least = min(voiced, key=lambda cv: len(cv[1]))
        notes = [f"{c['outlet']} quotes {names(v[:5])}." for c, v in voiced]
        out.append(_q("voices", f"Whose words does each outlet quote? {most[0]['outlet']} quotes {len(most[1])} voices, "
                      f"{least[0]['outlet']} {len(least[1])}. Who is not heard?", notes))
    silent = [c["outlet"] for c in cols if c["articles"] and not c["quotes"] and any(o["quotes"] for o in cols)]
    if silent:
        out.append(_q("voices", f"{names(silent)} quote{'s' if len(silent) == 1 else ''} nobody directly. "
                      "How does that change how the story reads?"))

    # unique facts
    for c in sorted(cols, key=lambda c: -len(c["unique"]))[:1]:
        if c["unique"] and not single:
            u = c["unique"][0]
            out.append(_q("unique", f"Only {c['outlet']} reports that “{short(u['text'])}”. Where might this come from, "
                          "and does it change the picture?", [f"{c['outlet']} reports {len(c['unique'])} fact(s) no other outlet carries."], [u]))

    # tone
    tone = page["charts"]["tone"]
    for s in tone["series"]:
        vals = [(v, o) for v, o in zip(s["values"], outlets) if v is not None]
        if len(vals) >= 2 and s["name"] != "Overall tone":
            lo, hi = min(vals), max(vals)
            if hi[0] - lo[0] >= 0.15:
                top = [o for v, o in vals if v == hi[0]]
                than = top[0] if len(top) == 1 else ("the other outlets" if len(top) == len(vals) - 1 else names(top))
                out.append(_q("tone", f"{lo[1]} writes about {s['name']} more negatively than {than}. "
                              "Find the sentences that make the difference.",
                              [f"Tone towards {s['name']}: " + "; ".join(f"{o} {v:+.2f}" for v, o in vals) + " (−1 negative … +1 positive)."]))
                break

    # frames
    for c in cols:
        if c["frames"]:
            top = max(c["frames"], key=lambda f: f["score"] if isinstance(f["score"], (int, float)) else 0)
            out.append(_q("frames", f"{c['outlet']} frames the story mainly as “{top['frame']}”. "
                          "Which sentence shows it, and how would another frame tell the same events?",
                          [], top["evidence"]))
            break

    # who was first
    first = [c for c in cols if c["first_status"] == "first"]
    if first and not single:
        out.append(_q("timing", f"{first[0]['outlet']} published first ({first[0]['first_published']}). "
                      "What did the later reports add, and what did they drop?"))

    if single:
        c = cols[0] if cols else None
        if c and c["headline"]:
            out.append(_q("headlines", f"Read the headline “{short(c['headline'], 120)}”. Which word choice "
                          "makes you think first, and how would you write it more neutrally?"))
    out.append(_q("general", "If you wrote this story for your school paper, which facts would you keep, and whose "
                  "voices would you include? Why?"))
    return out[:MAX_QUESTIONS]


def handout(page: dict[str, Any], qs: list[dict[str, Any]], story_url: str, max_fact_rows: int = 30) -> str:
    """The story page as a Markdown handout; every text from an article goes through :func:`md`."""
    st = page["story"]
    cols = page["columns"]
    mat = page["matrix"]
    today = datetime.now(timezone.utc).strftime("%d %b %Y")
    copies = [f"- {md(c['text'])}." for c in st.get("copies") or []]
    lines = [f"# Lesson handout: {md(st['label'])}", "",
             f"_{st['article_count']} articles from {st['outlet_count']} outlets ({md(st['span'])}). "
             f"Generated by newsprism on {today}. Online: <{story_url}>_", "",
             *((["Some outlets ran another outlet's text:", "", *copies, ""]) if copies else []),
             "## The coverage at a glance", "",
             "| Outlet | Published | Headline | Words |", "|---|---|---|---|"]
    for c in cols:
        when = md(c["first_published"] or "date not given")
        if c["first_status"] == "first":
            when += " (first)"
        elif c["first_status"] == "tied":
            when += " (earliest, tied)"
        lines.append(f"| {md(c['outlet'])} | {when} | {md(c['headline'], 160)} | {c['length'] if c['length'] is not None else ''} |")
    lines.append("")

    if mat["rows"]:
        lines += ["## Who reports what", "",
                  f"{len(mat['rows'])} facts; {mat['shared']} are reported by two or more independent outlets "
                  "(outlets running one text count once). "
                  "✓ = the outlet reports it, – = it does not.", "",
                  "| # | Fact | " + " | ".join(md(o) for o in mat["outlets"]) + " |",
                  "|---|---|" + "---|" * len(mat["outlets"])]
        for row in mat["rows"][:max_fact_rows]:
            marks = " | ".join("✓" if c["carried"] else "–" for c in row["cells"])
            lines.append(f"| {row['number']} | {md(row['text'], 160)} | {marks} |")
        if len(mat["rows"]) > max_fact_rows:
            lines.append("")
            lines.append(f"_{len(mat['rows']) - max_fact_rows} more facts, each reported by one outlet, are on the web page._")
        lines.append("")

    lines += ["## Outlet by outlet", ""]
    for c in cols:
        lines += [f"### {md(c['outlet'])}", ""]
        lines.append(f"- **Headline:** {md(c['headline'])}")
        if c["lead"]:
            lines.append(f"- **Lead:** {md(c['lead'], 400)}")
        if c["unique"]:
            lines.append("- **Only here:** " + " / ".join(f"“{md(u['text'], 200)}”" for u in c["unique"][:3]))
        if c["omitted"]:
            lines.append("- **Leaves out:** " + " / ".join(
                f"“{md(o['text'], 160)}” (reported by {md(names(o['covered_by']))})" for o in c["omitted"][:3]))
        if c["quotes"]:
            lines.append("- **Voices:** " + " / ".join(
                f"{md(q.get('speaker') or 'unattributed')} ({md(q.get('verb') or 'no verb')}): “{md(q['text'], 140)}”"
                for q in c["quotes"][:4]))
        if c["verbs"]:
            lines.append("- **Verbs of saying:** " + ", ".join(f"{md(v['verb'])} ×{v['count']}" for v in c["verbs"][:6]))
        if c["scare_quotes"]:
            lines.append("- **Words in quotation marks:** " + ", ".join(f"“{md(s['text'], 60)}”" for s in c["scare_quotes"][:5]))
        if c["naming"]:
            lines.append("- **Naming:** " + "; ".join(
                f"{md(g['entity'])}: " + ", ".join(f"“{md(f['form'])}” ×{f['count']}" for f in g["forms"][:3])
                for g in c["naming"][:4]))
        if c["tone"]["by_entity"]:
            lines.append("- **Tone:** " + "; ".join(
                f"towards {md(t['entity'])} {t['label']} ({t['value']:+.2f}, scale −1 … +1)" for t in c["tone"]["by_entity"]))
        if c["frames"]:
            lines.append("- **Frames stressed more than in the other outlets:** " + ", ".join(md(f["frame"]) for f in c["frames"]))
        if c.get("summary"):
            lines.append(f"- **In one line:** {md(c['summary'])}")
        if c.get("abstentions"):
            lines.append("- **Not claimed:** " + " ".join(md(a) for a in c["abstentions"]))
        lines.append("")

    lines += ["## Questions for discussion", ""]
    for i, q in enumerate(qs, 1):
        marker = f"{i}. "
        pad = " " * len(marker)  # CommonMark: sub-items indent to the item's text
        lines.append(f"{marker}{md(q['question'])}")
        for note in q["notes"]:
            lines.append(f"{pad}- _Teacher's note:_ {md(note)}")
        for ev in q["evidence"]:
            lines.append(f"{pad}- _Look at:_ “{md(ev['text'], 240)}”")
    lines += ["", "---", "",
              "_Facts, quotes, tone and frames are found automatically and can be wrong: check them "
              "against the articles before class._", ""]
    return "\n".join(lines)
