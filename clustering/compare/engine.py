"""``compare_story``: how each outlet framed one story.

The engine parses every article once (spaCy), embeds every sentence once (the caller's
embedder) and derives the comparison from those: facts, distinctive terms, voices,
attribution, naming, tone and frames. See docs/comparison.md for the methods.
"""
from __future__ import annotations

import re
import time
from datetime import datetime, timezone
from typing import Any, Callable

import numpy as np

from .articles import CompareArticle
from .attribution import attribution_for_outlet
from .certainty import mark_certain
from .claims import build_claims
from .distinctive import MAIN_ACTORS
from .evidence import evidence
from .coverage import CoverageIndex, assess_facts, content_tokens, quote_speakers
from .facts import group_facts, proposition_core
from .frames import frames_for_outlets
from .lexicons import Lexicons
from .naming import build_entity_index, naming_for_outlet, naming_variants
from .outlet_facts import OutletFactInputs, omitted_facts, unique_facts
from .outlet_facts import whole_sentence as whole_sentence  # imported from here by callers
from .params import CompareParams
from .quoted import quoted_ranges
from .quotes import extract_quotes
from .sentences import Sentence, parse_articles
from .speech_syntax import not_a_speaker
from .terms import distinctive_terms
from .tone import ToneScorer, tone_for_outlet
from .voices import carriers, own_sentences, plan_voices, relabel, voice_sentences

#: Bumped whenever the output of the same input can change (the service keys caches on it).
ENGINE_VERSION = "compare-44"
_NAMING_MAX_ENTITIES = 8


def _utc(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt


def _sentence_ref(articles: list[CompareArticle], s: Sentence) -> dict[str, Any]:
    return evidence(articles[s.article], s.field, s.start, s.end)


def _voice_key(name: str | None, entity: int | None) -> str:
    """Voices are grouped by entity; unresolved named speakers by their last word
    ("Governor Vasily Anokhin" and "Anokhin"), roles by their words ("a Pentagon spokesperson")."""
    if entity is not None:
        return f"@{entity}"
    if not name:
        return "(unattributed)"
    words = name.replace("’s", "").split()
    if words and words[-1][:1].isupper() and words[0][:1].isupper():
        return "name:" + words[-1].lower()
    return "role:" + name.lower()


def _self_name(outlet: str) -> re.Pattern[str] | None:
    name = re.sub(r"^the\s+", "", outlet.strip(), flags=re.IGNORECASE)
    if not name:
        return None
    return re.compile(r"(?<!\w)(?:the\s+)?" + re.escape(name) + r"(?!\w)", re.IGNORECASE)


def warm_up(params: CompareParams | None = None, lexicons: Lexicons | None = None) -> None:
    """Load what a first comparison would otherwise load: the spaCy pipeline, VADER and the
    clustering code of scipy. The service calls this at start-up so that the first request
    is as fast as the next ones.
    """
    params = params or CompareParams()
    lexicons = lexicons or Lexicons()
    from scipy.cluster.hierarchy import linkage  # noqa: F401  (import cost paid here)
    from spacy.lang.en.stop_words import STOP_WORDS  # noqa: F401

    from .sentences import get_nlp
    from .tone import analyzer

    nlp = get_nlp(params.spacy_model)
    list(nlp.pipe(["Warm-up sentence, said Mr Smith."]))
    analyzer(lexicons.tone)


def _copy_of(outlet: str, voice: str | None, plan: Any) -> dict[str, Any] | None:
    """Whose text a copying outlet runs, and how closely (None for an outlet's own text)."""
    if voice is None:
        return None
    for c in plan.copies:
        if c["voice"] == voice:
            for m in c["copies"]:
                if m["outlet"] == outlet:
                    return {"outlet": voice, "article_id": c["original"]["id"], "similarity": m["similarity"]}
    return {"outlet": voice, "article_id": None, "similarity": None}


def _canonical_name_tokens(index: Any) -> dict[int, dict[int, str]]:
    """Per sentence: token index of each surname mention -> the entity's canonical surname."""
    out: dict[int, dict[int, str]] = {}
    for ent in index.entities:
        surname = ent.name.split()[-1].lower()
        for m in ent.mentions:
            if m.kind == "name" and m.token is not None:
                out.setdefault(m.sentence, {})[m.token.i] = surname
    return out


def compare_story(
    story: dict[str, Any],
    articles: list[CompareArticle],
    embed: Callable[[list[str]], np.ndarray],
    params: CompareParams | None = None,
    lexicons: Lexicons | None = None,
) -> dict[str, Any]:
    """Compare how the outlets of one story framed it.

    Args:
        story: ``{"id", "label", "version"}`` of the story.
        articles: The story's articles, text already cleaned of boilerplate.
        embed: Sentence embedder: ``embed(list_of_texts) -> (n, d) float array`` with
            L2-normalised rows (the service passes its cached ``Embedder.encode``).
        params: Thresholds (defaults: :class:`CompareParams`).
        lexicons: Lexicons and frame codebook built from ``config/`` (defaults: the small
            built-in core, no frames).

    Returns:
        A JSON-serialisable dict: ``story``, ``facts``, ``outlets`` (see docs/comparison.md).
        Every evidence item carries ``text``/``start``/``end`` offsets into its article's
        ``title`` (``field == "title"``) or clean ``text`` (``field == "text"``).
    """
    params = params or CompareParams()
    lexicons = lexicons or Lexicons()
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round((now - clock) * 1000.0, 1)
        clock = now

    outlets: list[str] = []
    for art in articles:
        if art.outlet not in outlets:
            outlets.append(art.outlet)
    story_out: dict[str, Any] = {
        "id": story.get("id"),
        "label": story.get("label"),
        "version": story.get("version"),
        "article_count": len(articles),
        "outlets": outlets,
    }
    if not articles:
        return {"story": story_out, "facts": [], "outlets": [], "claims": [], "abstentions": [],
                "meta": {"engine": ENGINE_VERSION}}

    parsed = parse_articles(articles, params.spacy_model)
    # copies of one text are one voice: facts, terms, tone and frames run over voices
    # (clustering.compare.voices); quotes and naming stay per outlet
    plan = plan_voices(articles, outlets)
    story_out["independent_reports"] = len(plan.voices)
    story_out["copies"] = plan.copies
    lap("parse")
    boilerplate = {
        s.index
        for pa in parsed
        for s in pa.sentences
        if any(p.search(s.text) for p in lexicons.terms.boilerplate)
    }
    index = build_entity_index(parsed, lexicons.names, lexicons.attribution.reporting)
    quotes = extract_quotes(
        parsed, index, lexicons.attribution, params.quote_min_words, params.scare_quote_max_words
    )
    mark_certain(parsed, quotes, index, lexicons.attribution.reporting)
    ranges = quoted_ranges(quotes)
    said_at = {(q.article, q.field, q.verb_start) for q in quotes if q.verb_start is not None and q.speaker}
    lap("names_quotes")
    outlet_sentences: dict[str, list[Sentence]] = {o: [] for o in outlets}
    for pa in parsed:
        outlet_sentences[pa.article.outlet].extend(
            s for s in pa.sentences if s.duplicate_of is None and s.index not in boilerplate
        )
    # every sentence's proposition core is embedded once, in one batch, and reused by both
    # the fact grouping and the coverage tests
    reporting = lexicons.attribution.reporting
    kept = [s for ss in outlet_sentences.values() for s in ss]
    cores = {s.index: proposition_core(s, reporting, keep_dates=True) for s in kept}
    group_cores = [proposition_core(s, reporting) for s in kept if s.heading or s.words >= params.fact_min_words]
    tokens = {s.index: content_tokens(s, index, reporting) for s in kept}
    for sent, ent in quote_speakers(parsed, quotes).items():
        if sent in tokens:  # "“... all his cynical tricks ...,” he added": the speaker is Zelensky
            tokens[sent] = tokens[sent] | {f"@{ent}"}
    voice_sents = voice_sentences(outlet_sentences, parsed, plan)
    cov = CoverageIndex(voice_sents, cores, tokens, embed, extra_texts=group_cores,
                        raw={s.index: s.text for s in kept})

    def embed_once(texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in cov.vectors]
        if missing:
            vecs = np.asarray(embed(missing), dtype=np.float32)
            cov.vectors.update(zip(missing, vecs))
        return cov.embed_cached(texts)

    lap("embed")
    facts, fact_of = group_facts(
        relabel(parsed, plan),
        index,
        embed_once,
        lexicons.attribution,
        plan.voices,
        params.fact_threshold,
        params.fact_lexical_weight,
        params.fact_min_words,
        skip=boilerplate,
        cover_margin=params.fact_cover_margin,
        agent_penalty=params.fact_agent_penalty,
    )
    lap("facts")

    by_index = {s.index: s for pa in parsed for s in pa.sentences}
    # coverage runs over voices, like the facts (copies of one text are one voice)
    voice_of_sentence = {s.index: plan.label[pa.position] for pa in parsed for s in pa.sentences}
    coverage = assess_facts(facts, cov, plan.voices, voice_of_sentence)
    for f in facts:
        c = coverage[f.id]
        own = {voice_of_sentence[i] for i in f.sentences}
        f.outlets = c.covered  # every voice whose text covers it, under the lenient test
        f.covered_by = {v: hits for v, hits in c.matches.items() if v not in own}
    lap("coverage")
    terms = distinctive_terms(
        voice_sents,
        lexicons.terms.stop_words,
        params.term_ngram_max,
        params.max_terms,
        params.term_min_count,
        self_names={o: p for o in plan.voices if (p := _self_name(o)) is not None},
        canonical=_canonical_name_tokens(index),
        min_ratio=params.term_min_ratio,
        ngram_min_count=params.term_ngram_min_count,
    )
    frames = frames_for_outlets(
        articles,
        lexicons.frames,
        voice_sents,
        params.frame_min_sentences,
        params.frame_min_share,
        params.max_evidence,
        min_outlet_sentences=params.frame_min_outlet_sentences,
    )
    if not params.claim_frames:
        # measured, never claimed (CompareParams.claim_frames): like tone's by_entity, "present"
        # (stressed) is no longer said; the measurement stays in measured_present and the scores
        for rows in frames.values():
            for row in rows:
                row["measured_present"], row["present"], row["withheld"] = row.get("present"), False, True
    lap("terms_frames")

    main_entities = [e.id for e in index.main_entities(params.tone_max_entities)]
    naming_ids = [
        e.id
        for e in index.main_entities(len(index.entities))
        if (len(e.outlets(parsed)) >= 2 or any(m.kind == "epithet" for m in e.mentions))
        and any(m.field == "text" for m in e.mentions)
    ][:_NAMING_MAX_ENTITIES]
    variants = naming_variants(index, outlets, naming_ids)
    scorer = ToneScorer(
        lexicons.tone,
        lexicons.attribution,
        params.tone_neutral_band,
        params.tone_reported_weight,
        params.tone_hedge_factor,
    )

    # publication order
    firsts: dict[str, datetime | None] = {}
    for o in outlets:
        times = [_utc(a.published_at) for a in articles if a.outlet == o and a.published_at is not None]
        firsts[o] = min(times) if times else None
    known_times = [(t, outlets.index(o), o) for o, t in firsts.items() if t is not None]
    first_outlet = min(known_times)[2] if known_times else None
    # with date-only timestamps several outlets can share the first moment: all were first
    first_outlets = [o for t, _, o in sorted(known_times) if t == firsts[first_outlet]] if first_outlet else []
    story_out["first_published"] = (
        {"outlet": first_outlet, "at": firsts[first_outlet].isoformat(), "tied": first_outlets}
        if first_outlet
        else None
    )
    story_out["main_entities"] = [index.entity(e).name for e in main_entities]
    story_out["naming_variants"] = variants

    # the story's main actors (at most three, named by every outlet): naming them says nothing of a fact
    main_people = frozenset(f"@{e.id}" for e in index.main_entities(MAIN_ACTORS) if len(e.outlets(parsed)) >= len(outlets))
    # the first body sentence of every article
    leads = {next((s.index for s in pa.sentences if not s.heading and s.field == "text"), -1) for pa in parsed}
    sentence_outlet = {s.index: articles[s.article].outlet for s in by_index.values()}
    carried = {f.id: carriers(f, sentence_outlet, outlets) for f in facts}
    fact_inputs = OutletFactInputs(
        articles, facts, by_index, carried, coverage, cov, tokens, leads, ranges, said_at, voice_of_sentence,
        main_people, lexicons.names.titles, plan, params.omission_share, lexicons.names.institutions,
        {f"@{e.id}": e.name.split()[-1].lower() for e in index.entities if e.name.split()},
    )
    facts_out = []
    for f in facts:
        facts_out.append(
            {
                "id": f.id,
                "text": by_index[f.representative].text,
                "label": f.label,
                "outlets": carried[f.id],
                "voices": f.outlets,
                "sentences": [_sentence_ref(articles, by_index[i]) for i in f.sentences],
                "related_sentences": [
                    _sentence_ref(articles, by_index[i]) for o in f.outlets for i in f.covered_by.get(o, [])
                ],
                "cohesion": f.cohesion,
                "carriers": coverage[f.id].carriers,
            }
        )

    outlet_rows = []
    for o in outlets:
        arts = [a for a in articles if a.outlet == o]
        pas = [pa for pa in parsed if pa.article.outlet == o]
        first_art = min(arts, key=lambda a: (_utc(a.published_at) is None, _utc(a.published_at) or 0, articles.index(a)))
        pa0 = next(pa for pa in pas if pa.article is first_art)
        lead_s = next((s for s in pa0.body if not s.heading), None) or next(iter(pa0.body), None)
        copy_voice = plan.copy_outlets.get(o)  # o only runs another outlet's text: show its own edits
        own_facts = [f for f in facts if o in carried[f.id]]
        unique = unique_facts(fact_inputs, o, own_facts, copy_voice)
        omitted = omitted_facts(fact_inputs, o, copy_voice)
        o_quotes = [q for q in quotes if articles[q.article].outlet == o]
        quote_rows = []
        voices: dict[str, dict[str, Any]] = {}
        unattributed = {"quotes": 0, "words": 0}
        for q in o_quotes:
            if q.kind != "quote" or q.nested:
                continue
            name = index.entity(q.entity).name if q.entity is not None else q.speaker
            if (
                q.entity is not None and q.speaker and len(name.split()) == 1
                and len(q.speaker.split()) >= 2 and q.speaker.split()[-1] != name
            ):
                name = q.speaker  # entity "Steve" for "Rep. Steve King": the name as written
            if not (name and not not_a_speaker(name) and q.meta.get("certain")):
                # never a guess: a passage whose speaker the text does not make certain is no
                # quote claim and counts for no voice
                unattributed["quotes"] += 1
                unattributed["words"] += q.words
                continue
            quote_rows.append(
                {
                    "speaker": name,
                    "speaker_as_written": q.speaker,
                    "speaker_resolved": True,
                    "verb": q.verb,
                    **evidence(articles[q.article], q.field, q.start, q.end),
                    "words": q.words,
                    "attribution_inherited": q.inherited,
                }
            )
            key = _voice_key(name, q.entity)
            v = voices.setdefault(key, {"speaker": name or "(unattributed)", "quotes": 0, "words": 0, "entity": q.entity is not None})
            if name and q.entity is None and len(name) > len(v["speaker"]):
                v["speaker"] = name  # "Governor Vasily Anokhin" rather than "Anokhin"
            v["quotes"] += 1
            v["words"] += q.words
        attribution = attribution_for_outlet(
            articles, outlet_sentences[o], o_quotes, ranges, lexicons.attribution, params.max_evidence,
            params.claim_own_distancing,
        )
        naming_rows, spellings = naming_for_outlet(index, o, naming_ids, ranges)
        tone_sents = own_sentences(o, outlet_sentences, parsed, plan) if copy_voice else voice_sents.get(o, outlet_sentences[o])
        tone = tone_for_outlet(articles, tone_sents, ranges, index, main_entities, scorer, params.max_evidence)
        words = sum(len(a.text.split()) for a in arts)
        outlet_rows.append(
            {
                "outlet": o,
                "articles": [a.ref() for a in arts],
                "headline": first_art.title,
                "lead": lead_s.text if lead_s else "",
                "lead_evidence": _sentence_ref(articles, lead_s) if lead_s else None,
                "first_published": firsts[o].isoformat() if firsts[o] else None,
                "was_first": o in first_outlets,
                "length": words,
                "distinctive_terms": terms.get(o, []),
                "shared_facts": [f.id for f in own_facts if len(f.outlets) >= 2],
                "copy_of": _copy_of(o, copy_voice, plan),
                "unique_facts": unique,
                "omitted_facts": omitted,
                "quotes": quote_rows,
                "voices": sorted(voices.values(), key=lambda v: (-v["words"], v["speaker"])),
                "unattributed_quotes": unattributed,
                "attribution": attribution,
                "naming": naming_rows,
                "spellings": spellings,
                "tone": tone,
                "frames": frames.get(o, []),
            }
        )
    lap("outlets")
    result = {"story": story_out, "facts": facts_out, "outlets": outlet_rows}
    listed = build_claims(result)
    for row in outlet_rows:
        row["summary"] = listed["summaries"][row["outlet"]]
    return {
        "story": story_out,
        "facts": facts_out,
        "outlets": outlet_rows,
        "claims": listed["claims"],
        "abstentions": listed["abstentions"],
        "meta": {
            "engine": ENGINE_VERSION,
            "timings_ms": timings,
            "sentences": len(by_index),
            "boilerplate_sentences_dropped": len(boilerplate),
        },
    }
