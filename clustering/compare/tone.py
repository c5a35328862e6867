"""Tone: the outlet's own evaluative language, overall and about the story's main people.

Plain VADER over whole sentences that mention a person scores the story's events and the
quoted speakers rather than the outlet. Here:

1. Quoted words (quotations and short quoted phrases) are blanked out: they are the
   speaker's voice, reported in "quotes".
2. Topic words ("war", "killed", "peace") are neutralised and a few news-specific
   evaluative words added (``config/lexicons/tone.toml``).
3. Towards a person, only words about the person are scored. As subject, the person's
   clause: the verb with its dependents, without embedded clauses that do not contain the
   mention. As subject of a reporting verb ("Zelensky said ..."), what follows is the
   person's view, not the outlet's view of the person: only the verb phrase is scored. As
   object or modifier, only the person's own noun phrase and appositions ("the illegitimate
   Zelensky", "Putin, the autocratic leader"): "accused Putin of trying to manipulate Trump"
   says nothing evaluative about Trump.
4. Indirect speech (the complement of a reporting verb) is weighted down, hedged clauses
   ("reportedly") are damped, and VADER's own negation handling applies within the clause.
5. Scores with ``|s| < tone_neutral_band`` are set to 0 before averaging (calibrated so
   that most hard-news clauses count as neutral; see docs/comparison.md).

Tone towards a person is checked against people (``python -m clustering.compare.tone_eval``,
docs/tone.md): it is shown only where the method's precision on held-out stories reaches 0.9,
and no threshold does today, so the comparison says "no clear tone" for every person.
"""
from __future__ import annotations

import threading
from typing import Any

from .articles import CompareArticle
from .evidence import evidence
from .lexicons import AttributionLexicon, ToneLexicon
from .naming import EntityIndex, Mention
from .sentences import Sentence

CLAIM_MIN_PRECISION = 0.9
NO_CLEAR_TONE = (
    "no clear tone: tone towards a person is not shown, because no confidence threshold of the "
    "method reached 0.9 precision against annotated author feelings (BASIL-dev, docs/tone.md)"
)
_ANALYZERS: dict[tuple, Any] = {}
_LOCK = threading.Lock()
_CLAUSE_DEPS = {"ccomp", "advcl", "conj", "relcl", "parataxis", "xcomp", "acl", "pcomp"}
_VERB_POS = {"VERB", "AUX"}


def analyzer(lexicon: ToneLexicon) -> Any:
    """A VADER analyzer with the tone lexicon applied (built once per lexicon content)."""
    key = (lexicon.neutral_terms, tuple(sorted(lexicon.valence.items())))
    found = _ANALYZERS.get(key)
    if found is None:
        with _LOCK:
            found = _ANALYZERS.get(key)
            if found is None:
                from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

                found = SentimentIntensityAnalyzer()
                found.lexicon = dict(found.lexicon)
                for word in lexicon.neutral_terms:
                    found.lexicon.pop(word, None)
                found.lexicon.update(lexicon.valence)
                _ANALYZERS[key] = found
    return found


def calibrate_neutral_band(scores: list[float], neutral_share: float = 0.7) -> float:
    """The ``|score|`` below which ``neutral_share`` of the given clause scores fall.

    Used offline on hard-news text (docs/comparison.md) to set ``tone_neutral_band``.
    """
    values = sorted(abs(s) for s in scores)
    if not values:
        return 0.0
    k = min(len(values) - 1, max(0, int(round(neutral_share * len(values))) - 1))
    return values[k]


def _clause_tokens(token: Any) -> tuple[list[Any], Any | None]:
    """Tokens of the clause around ``token`` and the clause's verb (None: the whole phrase)."""
    node = token
    for _ in range(8):
        if node.pos_ in _VERB_POS and node.i != token.i:
            break
        if node.head.i == node.i:
            break
        node = node.head
    verb = node if node.pos_ in _VERB_POS else None
    top = verb or node
    path = set()
    walker = token
    while walker.i != top.i and walker.head.i != walker.i:
        path.add(walker.i)
        walker = walker.head
    path.add(token.i)
    keep = []
    stack = [top]
    while stack:
        cur = stack.pop()
        keep.append(cur)
        for child in cur.children:
            # embedded clauses not on the path to the mention are about something else
            if child.dep_ in _CLAUSE_DEPS and child.i not in path:
                continue
            stack.append(child)
    return sorted(keep, key=lambda t: t.i), verb


def _speaks(mention_token: Any, lexicon: AttributionLexicon) -> Any | None:
    """The reporting verb the mentioned person is the subject of, if any."""
    tok = mention_token
    if tok.dep_ in ("nsubj", "nsubjpass") and tok.head.lemma_.lower() in lexicon.reporting:
        return tok.head
    return None


def _in_reported_speech(token: Any, lexicon: AttributionLexicon) -> bool:
    node = token
    for _ in range(8):
        if node.head.i == node.i:
            return False
        if node.dep_ in ("ccomp", "parataxis") and node.head.lemma_.lower() in lexicon.reporting:
            return True
        node = node.head
    return False


def _hedged(text: str, lexicon: AttributionLexicon) -> bool:
    return any(p.search(text) for _, p in lexicon.hedge_regexes())


def voice_text(tokens: list[Any], base: int, ranges: list[tuple[int, int]], neutral: frozenset[str]) -> str:
    """The words of ``tokens`` that are the outlet's own evaluative voice.

    Quoted tokens are left out, and so are modifiers of topic words: "strong threats",
    "massive attack" measure the event, they do not judge it.

    Args:
        tokens: spaCy tokens (in order).
        base: Field offset of the tokens' doc.
        ranges: Quoted ranges of the field.
        neutral: The tone lexicon's topic words.
    """
    words = []
    for t in tokens:
        if any(a <= base + t.idx < b for a, b in ranges):
            continue
        if t.dep_ in ("amod", "advmod", "compound") and t.head.lower_ in neutral:
            continue
        words.append(t.text)
    return " ".join(words)


class ToneScorer:
    """Scores sentences and clauses of the outlet's own voice."""

    def __init__(self, tone: ToneLexicon, attribution: AttributionLexicon, band: float, reported_weight: float, hedge_factor: float):
        self.neutral = tone.neutral_terms
        self.vader = analyzer(tone)
        self.attribution = attribution
        self.band = band
        self.reported_weight = reported_weight
        self.hedge_factor = hedge_factor

    def raw(self, text: str) -> float:
        """VADER compound score of a text (with the tone lexicon)."""
        return float(self.vader.polarity_scores(text)["compound"])

    def banded(self, score: float) -> float:
        """0 inside the neutral band, the score outside it."""
        return 0.0 if abs(score) < self.band else score

    def sentence(self, s: Sentence, ranges: list[tuple[int, int]]) -> tuple[float, float, str] | None:
        """``(score, weight, own_text)`` of a sentence's own voice, None if nothing is left."""
        if s.span is None:
            return None
        own = voice_text(list(s.span), s.start - s.span.start_char, ranges, self.neutral)
        if sum(1 for w in own.split() if w[:1].isalnum()) < 3:
            return None
        score = self.raw(own)
        weight = 1.0
        root = s.span.root if s.span is not None else None
        if root is not None and root.lemma_.lower() in self.attribution.reporting and any(
            c.dep_ in ("ccomp", "parataxis") for c in root.children
        ):
            weight = self.reported_weight
        if _hedged(own, self.attribution):
            score *= self.hedge_factor
        return self.banded(score), weight, own

    def clause(self, s: Sentence, m: Mention, ranges: list[tuple[int, int]]) -> tuple[float, float, str] | None:
        """``(score, weight, clause_text)`` of the clause about a mentioned person."""
        if m.token is None or s.span is None:
            return None
        base = s.start - s.span.start_char
        if any(a <= m.start < b for a, b in ranges):
            return None  # the mention is inside a quotation: the speaker's words
        tok = m.token
        verb = _speaks(tok, self.attribution)
        if verb is not None:
            # the person speaks: what follows is their view; only the verb phrase is about them
            tokens = [verb] + [c for c in verb.children if c.dep_ in ("advmod", "prt", "neg", "aux", "nsubj")]
        elif tok.dep_ in ("nsubj", "nsubjpass"):
            # the person acts or is described: the predicate is about them
            tokens, _ = _clause_tokens(tok)
        else:
            # the person is an object or a modifier: only words that describe the person
            # ("the illegitimate Zelensky", "Putin, the autocratic leader") are about them
            tokens = list(tok.subtree)
            head = tok.head
            if tok.dep_ == "appos" or head.dep_ == "appos":
                tokens += list(head.subtree)
        tokens = sorted({t.i: t for t in tokens}.values(), key=lambda t: t.i)
        text = voice_text([t for t in tokens if s.span.start <= t.i < s.span.end], base, ranges, self.neutral)
        if not text.strip():
            return None
        score = self.raw(text)
        weight = self.reported_weight if _in_reported_speech(m.token, self.attribution) else 1.0
        if _hedged(text, self.attribution):
            score *= self.hedge_factor
        return self.banded(score), weight, text


def tone_for_outlet(
    articles: list[CompareArticle],
    sentences: list[Sentence],
    ranges: dict[tuple[int, str], list[tuple[int, int]]],
    index: EntityIndex,
    entity_ids: list[int],
    scorer: ToneScorer,
    max_evidence: int,
) -> dict[str, Any]:
    """Overall tone and tone towards the main people for one outlet.

    Args:
        articles: All input articles.
        sentences: The outlet's sentences (duplicates and boilerplate removed).
        ranges: Quoted ranges per (article, field).
        index: The entity index.
        entity_ids: The story's main people.
        scorer: The tone scorer.
        max_evidence: Evidence items listed.

    Returns:
        ``{"overall", "by_entity", "by_entity_reason", "tone_abstain_reason",
        "measured_by_entity", "mentions", "evidence"}``. ``by_entity`` holds a claim (a number)
        only where the method's held-out precision on BASIL-dev reaches
        :data:`CLAIM_MIN_PRECISION`; today that is nowhere, so every value is None ("no clear
        tone", with the reason). ``measured_by_entity`` keeps the clause scores for research:
        they are not claims and the product does not show them.
    """
    scored: list[tuple[float, float, Sentence, str | None, str]] = []
    total = weights = 0.0
    for s in sentences:
        res = scorer.sentence(s, ranges.get((s.article, s.field), []))
        if res is None:
            continue
        score, weight, own = res
        total += score * weight
        weights += weight
        if score:
            scored.append((score, weight, s, None, own))
    by_entity: dict[str, float | None] = {}
    counts: dict[str, int] = {}
    wanted = set(entity_ids)
    per_entity: dict[int, list[tuple[float, float]]] = {e: [] for e in entity_ids}
    for s in sentences:
        seen: set[int] = set()
        for m in index.in_sentence(s.index):
            if m.entity not in wanted or m.entity in seen:
                continue
            res = scorer.clause(s, m, ranges.get((s.article, s.field), []))
            if res is None:
                continue
            seen.add(m.entity)
            score, weight, text = res
            per_entity[m.entity].append((score, weight))
            if score:
                scored.append((score, weight, s, index.entity(m.entity).name, text))
    measured: dict[str, float] = {}
    reasons: dict[str, str] = {}
    for eid in entity_ids:
        vals = per_entity[eid]
        if not vals:
            continue
        name = index.entity(eid).name
        w = sum(v[1] for v in vals)
        measured[name] = round(sum(v[0] * v[1] for v in vals) / w, 3) if w else 0.0
        counts[name] = len(vals)
        # a tone claim only where the method is validated (docs/tone.md): no confidence
        # threshold reached the required precision on BASIL-dev, so every entity abstains
        by_entity[name] = None
        reasons[name] = NO_CLEAR_TONE
    scored.sort(key=lambda x: -abs(x[0] * x[1]))
    ev = []
    used: set[tuple[int, str | None]] = set()
    for score, weight, s, ent, text in scored:
        if (s.index, ent) in used:
            continue
        used.add((s.index, ent))
        art = articles[s.article]
        ev.append(evidence(art, s.field, s.start, s.end, score=round(score, 3), weight=weight, entity=ent, scored_text=text.strip()))
        if len(ev) >= max_evidence * 2:
            break
    return {
        "overall": round(total / weights, 3) if weights else 0.0,
        "by_entity": by_entity,
        "by_entity_reason": reasons,
        "tone_abstain_reason": NO_CLEAR_TONE if by_entity else None,
        "measured_by_entity": measured,
        "mentions": counts,
        "evidence": ev,
    }


FEATURES = ("full_mean", "own_mean", "lexicon_neg", "article_neg_share", "log_sentences")
_PLAIN: list[Any] = []


def plain_vader() -> Any:
    """VADER with its own lexicon, unchanged (the baseline, and one feature of the model)."""
    if not _PLAIN:
        with _LOCK:
            if not _PLAIN:
                from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

                _PLAIN.append(SentimentIntensityAnalyzer())
    return _PLAIN[0]


def own_voice(s: Sentence, ranges: dict[tuple[int, str], list[tuple[int, int]]], neutral: frozenset[str]) -> str:
    """The own-voice words of a sentence (:func:`voice_text`; quotations left out)."""
    if s.span is None:
        return ""
    return voice_text(list(s.span), s.start - s.span.start_char, ranges.get((s.article, s.field), []), neutral)


def about_sentences(
    sentences: list[Sentence],
    index: EntityIndex,
    entity_id: int | None,
    surname: str,
) -> list[Sentence]:
    """The sentences about one person: those naming them (the surname, or a mention the entity
    index gives to them) and the ones right after whose subject is "he"/"she"."""
    import re

    pattern = re.compile(r"(?<!\w)" + re.escape(surname) + r"(?!\w)") if surname else None
    out = []
    previous = False
    for s in sentences:
        if s.span is None:
            continue
        named = any(m.entity == entity_id for m in index.in_sentence(s.index)) if entity_id is not None else False
        named = named or bool(pattern and pattern.search(s.text))
        pronoun = previous and any(t.dep_ in ("nsubj", "nsubjpass") and t.lower_ in ("he", "she") for t in s.span)
        previous = named or pronoun
        if named or pronoun:
            out.append(s)
    return out


def entity_features(
    sentences: list[Sentence],
    ranges: dict[tuple[int, str], list[tuple[int, int]]],
    index: EntityIndex,
    entity_id: int | None,
    surname: str,
    scorer: ToneScorer,
) -> dict[str, float] | None:
    """The features of the tone model for one outlet and one person (None: never named).

    The sentences about the person are :func:`about_sentences`.

    - ``full_mean``: mean plain VADER compound of those sentences, quotations included (whom
      an outlet chooses to quote about a person is part of how it presents them);
    - ``own_mean``: mean compound (tone lexicon) of their own-voice text, quotations blanked;
    - ``lexicon_neg``: negative words (valence <= -1) of their own-voice text per sentence;
    - ``article_neg_share``: share of all the outlet's own-voice sentences that are clearly
      negative (compound <= -0.3);
    - ``log_sentences``: log(1 + number of sentences about the person).
    """
    import math

    about = {s.index for s in about_sentences(sentences, index, entity_id, surname)}
    plain = plain_vader()
    full: list[float] = []
    own: list[float] = []
    neg_words = 0
    article_own: list[float] = []
    for s in sentences:
        if s.span is None:
            continue
        own_text = own_voice(s, ranges, scorer.neutral)
        own_words = [w for w in own_text.split() if w[:1].isalnum()]
        own_score = scorer.raw(own_text) if len(own_words) >= 3 else None
        if own_score is not None:
            article_own.append(own_score)
        if s.index not in about:
            continue
        full.append(float(plain.polarity_scores(s.text)["compound"]))
        if own_score is not None:
            own.append(own_score)
        neg_words += sum(1 for w in own_words if scorer.vader.lexicon.get(w.lower().strip(".,;:"), 0.0) <= -1.0)
    if not full:
        return None
    return {
        "full_mean": sum(full) / len(full),
        "own_mean": sum(own) / len(own) if own else 0.0,
        "lexicon_neg": neg_words / len(full),
        "article_neg_share": sum(1 for v in article_own if v <= -0.3) / len(article_own) if article_own else 0.0,
        "log_sentences": math.log1p(len(full)),
    }
