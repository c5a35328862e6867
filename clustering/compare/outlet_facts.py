"""What one outlet alone reports and what it leaves out: the ``unique_facts`` and
``omitted_facts`` of its row of the comparison (docs/comparison.md). Both read the facts, their
coverage by every voice and the sentences' content tokens; :func:`.engine.compare_story`
builds them once per story (:class:`OutletFactInputs`) and asks for each outlet's rows."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .articles import CompareArticle
from .coverage import CoverageIndex, FactCoverage
from .distinctive import OMIT_MAX_COS, combination, distinctive, name_words, own_mark, shared_distinctive, stems
from .evidence import evidence
from .facts import Fact, display_text, fact_label
from .quoted import quoted_share
from .sentences import Sentence
from .voices import VoicePlan

#: An "alone reports" claim whose sentence has a unit of another voice at least this close (MiniLM
#: cosine) is made only on a mark of its own: a person (not a main actor), a figure or a
#: capitalised name that no other voice's text holds. Audited paraphrases MiniLM scored 0.35-0.53
#: ("the crowd erupted into cheers" / "drew cheers"); the seed's North Korean artillery (0.49) and
#: Oscar Jenkins (0.37) have such a mark. 0.35 until compare-43: a paraphrase scored 0.33 ("Police
#: took Roman Protasevich away" / "was busted after the plane touched down"), and the 40 claims
#: of the 240 audited sheets with 0.30-0.35 and no mark were judged 34 true, 5 false, 1 unclear
#: (docs/data/audit/band-compare-42): 0.87, below the other "alone" claims.
UNIQUE_NEAR_BAR = 0.30
#: A unique fact's sentence may be at most this share inside quotation marks.
_UNIQUE_MAX_QUOTED = 0.8
#: A unique fact's sentence needs this many words and content tokens (headlines excepted).
_UNIQUE_MIN_WORDS = 8
_UNIQUE_MIN_TOKENS = 4
#: A sentence that ends like this is whole (a cut-off excerpt "Vance announced in March..."
#: is not): a full stop, question or exclamation mark, maybe inside a closing quote or bracket.
_WHOLE_SENTENCE = re.compile(r"[.!?][\"”’')\]]*$")
#: A sentence that starts like one: a capital or a figure, maybe after an opening quote mark (not
#: "[ranked choice voting] round by round elimination report,” the BOE said": a piece of a
#: quotation the sentence splitter cut at an editor's bracket).
_SENTENCE_START = re.compile(r"^[\s\"“‘'(]*[A-Z0-9]")


def _claimable(s: Sentence, tokens: dict[int, frozenset[str]], leads: set[int],
               ranges: dict[tuple[int, str], list[tuple[int, int]]], said_at: set[tuple[int, str, int]]) -> bool:
    """Can "X alone reports" rest on this sentence? A whole body sentence, not a lead, of at
    least 8 words and 4 content tokens ("Nor is he a pundit." is no fact of its own), and not
    a quotation standing alone (a tweet's line quoted whole reads as the outlet's own statement
    once cut from the sentence that says who wrote it); ``said_at`` holds the speech verbs of
    attributed quotations, so "“...,” the spokesman said" keeps its speaker in the sentence."""
    return (not s.heading and s.index not in leads and s.words >= _UNIQUE_MIN_WORDS
            and len(tokens.get(s.index, ())) >= _UNIQUE_MIN_TOKENS and whole_sentence(s.text)
            and bool(_SENTENCE_START.match(s.text))
            and (quoted_share(ranges.get((s.article, s.field), []), s.start, s.end) < _UNIQUE_MAX_QUOTED
                 or any(a == s.article and f == s.field and s.start <= v < s.end for a, f, v in said_at)))


def whole_sentence(text: str) -> bool:
    """True when ``text`` ends as a finished sentence (not cut off, not "...")."""
    text = text.rstrip()
    return bool(_WHOLE_SENTENCE.search(text)) and not re.search(r"(\.\.\.|…)[\"”’')\]]*$", text)


@dataclass
class OutletFactInputs:
    """What the unique and omitted facts of every outlet are chosen from (one story).

    Attributes:
        articles: The story's articles.
        facts: The story's facts.
        by_index: Every sentence by its index.
        carried: Per fact, the outlets that carry it (copies included).
        coverage: Per fact, which voices cover and strictly carry it.
        cov: The coverage index (near tests, document frequencies, word windows).
        tokens: Content tokens of each kept sentence.
        leads: The first body sentence of every article.
        ranges: Quoted ranges per ``(article, field)``.
        said_at: ``(article, field, offset)`` of the speech verbs of attributed quotations.
        voice_of_sentence: The voice of each sentence.
        main_people: The story's main actors, as ``@entity`` tokens.
        titles: Titles of the names lexicon.
        institutions: Words that head institutions' names (no mark of a fact of one's own).
        surnames: ``@id`` -> the person's surname, lower case (another spelling elsewhere).
        plan: The story's voices and copies.
        omission_share: Share of the other voices that must carry an omitted fact.
    """

    articles: list[CompareArticle]
    facts: list[Fact]
    by_index: dict[int, Sentence]
    carried: dict[str, list[str]]
    coverage: dict[str, FactCoverage]
    cov: CoverageIndex
    tokens: dict[int, frozenset[str]]
    leads: set[int]
    ranges: dict[tuple[int, str], list[tuple[int, int]]]
    said_at: set[tuple[int, str, int]]
    voice_of_sentence: dict[int, str]
    main_people: frozenset[str]
    titles: frozenset[str]
    plan: VoicePlan
    omission_share: float
    institutions: frozenset[str] = frozenset()
    surnames: dict[str, str] = field(default_factory=dict)
    _voice_names: dict[str, frozenset[str]] | None = field(default=None, repr=False)

    def voice_names(self) -> dict[str, frozenset[str]]:
        """The words each voice writes with a capital (another spelling of a name is no mark of
        one's own), computed once per story."""
        if self._voice_names is None:
            texts: dict[str, list[str]] = {v: [] for v in self.plan.voices}
            for s in self.by_index.values():
                v = self.voice_of_sentence.get(s.index)
                if v in texts:
                    texts[v].append(s.text)
            self._voice_names = {v: name_words(" ".join(t)) for v, t in texts.items()}
        return self._voice_names


def unique_facts(
    inputs: OutletFactInputs, o: str, own_facts: list[Fact], copy_voice: str | None
) -> list[dict[str, Any]]:
    """The facts outlet ``o`` alone reports, each on a claimable sentence of its own that no
    other voice comes near; what it develops at length first."""
    articles, by_index, carried, cov = inputs.articles, inputs.by_index, inputs.carried, inputs.cov
    tokens = inputs.tokens
    leads, ranges, said_at, voice_of_sentence = inputs.leads, inputs.ranges, inputs.said_at, inputs.voice_of_sentence
    main_people, plan = inputs.main_people, inputs.plan
    unique = []
    # the outlet's own name is no mark of a fact ("He said later on Fox News that ..." in Fox News)
    own_name = stems(w.lower() for w in re.findall(r"[A-Za-z]{2,}", o))
    for f in own_facts:
        if (carried[f.id] != [o]) if copy_voice else (f.outlets != [o]):
            continue
        # the sentence claimed: the representative (the sentence the label is made from) when
        # it is this outlet's, else another of its sentences of the fact; a voice's fact may
        # rest on its copies' sentences only: then its own covering ones. It must be a whole
        # body sentence with content of its own, and not a lead (the lead is the story every
        # outlet tells; a headline or a cut-off excerpt "Vance announced in March..." states
        # no fact of its own)
        ours = [i for i in f.sentences if articles[by_index[i].article].outlet == o]
        ours = ours or list(f.covered_by.get(o, []))
        ours.sort(key=lambda i: i != f.representative)
        i0 = next((i for i in ours if _claimable(by_index[i], tokens, leads, ranges, said_at)), None)
        if i0 is None:
            continue
        s = by_index[i0]
        # no other voice may come even near it (the loose test): a paraphrase, the same
        # quoted words, the same figure or person with what they did stop the claim
        own_voice = voice_of_sentence[s.index]
        mine = [i for i in f.sentences if voice_of_sentence[i] == own_voice] or [s.index]
        nearest = 0.0
        marks = distinctive(frozenset().union(*(tokens.get(i, frozenset()) for i in mine)), cov.df, cov.n, main_people,
                            name_words(" ".join(by_index[i].text for i in mine), inputs.titles))
        for v in plan.voices:
            if v == own_voice:
                continue
            hits, top = cov.near(mine, v)
            nearest = max(nearest, top)
            # nor may another voice's whole text hold the fact's people, figures and rare
            # words together (a paraphrase MiniLM scores low, or told across sentences)
            if hits or any(combination(shared_distinctive(marks, w)) for w in cov.window_stems(v)):
                break
        else:
            if nearest >= UNIQUE_NEAR_BAR and not own_mark(
                    {t: w for t, w in marks.items() if t not in own_name},
                    [cov.text_stems(v) for v in plan.voices if v != own_voice],
                    frozenset().union(*(inputs.voice_names()[v] for v in plan.voices if v != own_voice)),
                    inputs.institutions, inputs.surnames):
                continue  # near another voice's sentence and nothing of its own: maybe a paraphrase
            ref = evidence(articles[s.article], s.field, s.start, s.end)
            label = f.label if i0 == f.representative else fact_label(display_text(s))
            unique.append({"fact_id": f.id, "label": label, **ref, "sentences": len(f.sentences),
                           "nearest": round(nearest, 3)})
    # what an outlet develops at length comes first (a one-line aside last)
    unique.sort(key=lambda u: (-u["sentences"], u["start"] if u["field"] == "text" else -1))
    return unique


def omitted_facts(inputs: OutletFactInputs, o: str, copy_voice: str | None) -> list[dict[str, Any]]:
    """The facts at least two, and half, of the other voices carry and nothing of outlet
    ``o`` comes near; those most voices carry first."""
    facts, by_index, carried, coverage = inputs.facts, inputs.by_index, inputs.carried, inputs.coverage
    cov, tokens, ranges, main_people, plan = inputs.cov, inputs.tokens, inputs.ranges, inputs.main_people, inputs.plan
    n_voices = len(plan.voices)
    omitted = []
    for f in facts:
        if o in f.outlets or n_voices < 2 or copy_voice:
            continue  # the outlet covers it, in its own words at least
        rep = by_index[f.representative]
        if quoted_share(ranges.get((rep.article, rep.field), []), rep.start, rep.end) >= 0.5:
            continue  # a quotation: outlets tell what was said in their own words, or quote other parts
        # only voices that carry it strictly are named: at least two (one voice's fact is its own)
        strict = [v for v in coverage[f.id].carriers if v != o]
        if len(strict) < max(2, inputs.omission_share * (n_voices - 1), (n_voices - 1) / 2):
            continue  # at least two, and half the other voices, carry it
        # nothing of this outlet may come even near the fact as its carriers tell it, nor
        # within a cosine of OMIT_MAX_COS of any of their sentences of it
        core = coverage[f.id].core
        hits, top = cov.near(core, o)
        if hits or top >= OMIT_MAX_COS:
            continue
        # and its whole text names none of the fact's people (other than the story's main
        # actors), and no three adjacent sentences of it hold the fact's figures, names and
        # rare words together
        marks = distinctive(frozenset().union(*(tokens.get(i, frozenset()) for i in core)), cov.df, cov.n, main_people,
                            name_words(" ".join(by_index[i].text for i in core), inputs.titles))
        if any(t.startswith("@") and w >= 1 for t, w in shared_distinctive(marks, cov.text_stems(o)).items()) or any(
            combination(shared_distinctive(marks, w)) for w in cov.window_stems(o)
        ):
            continue
        omitted.append(
            {
                "fact_id": f.id,
                "text": by_index[f.representative].text,
                "label": f.label,
                # the outlets running those voices' texts
                "covered_by": [c for c in carried[f.id] if plan.copy_outlets.get(c, c) in strict],
                "voices": strict,
            }
        )
    omitted.sort(key=lambda x: -len(x["voices"]))
    return omitted
