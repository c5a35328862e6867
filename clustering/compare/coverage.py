"""Coverage: does an outlet's text carry a fact, told in its own words?

Two tests decide what the comparison may claim about facts:

- the LENIENT test ("covers"): a fact is covered by an outlet when one of the fact's
  sentences matches one sentence of the outlet, or a window of two adjacent sentences of it.
  Two units match when their embedding cosine is high, or when it clears a low bar and the
  two share content (the same numbers however written, the same people, the same content
  lemmas). It is deliberately generous: "X alone reports F" and "X leaves out F" are claimed
  only when it finds nothing, so a paraphrase elsewhere is enough to stop the claim.
- the LOOSE test ("touches"): for the claims "X alone reports F" and "X leaves out F". Any
  sentence or two-sentence window of another outlet that comes near the fact stops the claim:
  a sentence with a cosine above a low bar (:data:`LOOSE_COS`), five words in a row in common (the same
  quoted words, however split by "he asked"), or, above a floor (:data:`LOOSE_FLOOR`), the
  same figure and one more content word, the same person and two more content words, or
  three content words in common (the story's topic words not counted).
- the STRICT test ("carries"): a high cosine *and* shared content with the fact's
  representative sentence. It decides which outlets are listed as carrying a fact, so that
  a carrier list never names an outlet that only has something vaguely similar.

Quote and reported speech, active and passive match through the lemmas they share ("said
he would" / "“I will”"; "police detained" / "were detained by police"). Numbers are
normalised first: "two months" and "2 months" share ``#2``; "a month and a half or two"
shares ``#2`` and ``month`` with them.

Entry point: :func:`assess_facts`. It takes per-outlet lists of sentences so that a caller
can pass any grouping of documents (an outlet, or a group of copies of one text).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import numpy as np

from .distinctive import UNIT_WORDS, stems
from .naming import EntityIndex
from .sentences import Sentence

#: Cosine above which two units match with no further check (lenient test).
LENIENT_HIGH = 0.80
#: Cosine above which two units match when they also share content (lenient test).
LENIENT_LOW = 0.45
#: Cosine enough when the two units share a person and what the person did or said.
LENIENT_SPEECH_COS = 0.30
#: Shared content tokens (and their share of the shorter unit) for a lenient match.
LENIENT_MIN_SHARED = 2
LENIENT_MIN_SHARE = 0.25
#: Strict test: cosine and shared content with the fact's representative.
STRICT_COS = 0.60
STRICT_MIN_SHARED = 3
STRICT_MIN_SHARE = 0.40
#: Loose test: any unit above this cosine is near the fact.
LOOSE_COS = 0.50
#: Loose test: words in a row that two units may share before they are the same words.
LOOSE_RUN = 5
#: Loose test: below this cosine, shared words are a coincidence.
LOOSE_FLOOR = 0.36
#: Loose test: the same person and two more shared words count from this cosine on.
LOOSE_PERSON_COS = 0.20
#: Loose test: three shared words count from this cosine on.
LOOSE_WORDS_COS = 0.40
#: Loose test: the same person and one more rare shared word (the same reporting event:
#: "Ryan told WVLK" / "Ryan said on WVLK Radio") count from this cosine on.
LOOSE_SPEAKER_COS = 0.30
#: Adjacent sentences of another outlet searched together for a fact's distinctive tokens.
WINDOW = 3
#: Units shorter than this (in words) cover nothing on their own (headlines excepted).
MIN_WORDS = 4

_CONTENT_POS = {"NOUN", "PROPN", "VERB", "ADJ", "NUM", "ADV"}
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "hundred": 100, "thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000,
    "dozen": 12, "half": 0.5, "once": 1, "twice": 2, "first": 1, "second": 2, "third": 3,
}
_SCALE = {"thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000, "bn": 1_000_000_000,
          "m": 1_000_000, "k": 1000}
_NUMBER = re.compile(r"^\d+(?:[.,]\d+)*$")
_WEAK = {"say", "tell", "be", "have", "do", "also", "just", "not", "very", "so", "then", "now",
         "more", "most", "many", "much", "even", "still", "would", "could", "will", "new"}


def _number(text: str) -> float | None:
    low = text.lower().rstrip("%")
    if low in _NUMBER_WORDS:
        return float(_NUMBER_WORDS[low])
    if _NUMBER.match(low):
        try:
            return float(low.replace(",", ""))
        except ValueError:
            return None
    return None


def quote_speakers(parsed: list[Any], quotes: list[Any]) -> dict[int, int]:
    """Sentence index -> entity id of the resolved speaker of a quotation in it."""
    out: dict[int, int] = {}
    for q in quotes:
        if getattr(q, "entity", None) is None:
            continue
        for s in parsed[q.article].sentences:
            if s.field == q.field and s.start < q.end and q.start < s.end:
                out.setdefault(s.index, q.entity)
    return out


def content_tokens(sentence: Sentence, index: EntityIndex | None, reporting: frozenset[str]) -> frozenset[str]:
    """The sentence's content as comparable tokens: ``#2`` for numbers (however written,
    "2 million" and "two million" both give ``#2000000``), ``@3`` for a known person,
    lower-case lemmas of other content words (reporting verbs and weak words left out)."""
    span = sentence.span
    if span is None:
        return frozenset(w.lower() for w in re.findall(r"\w+", sentence.text) if len(w) > 2)
    people: dict[int, int] = {}
    if index is not None:
        for m in index.in_sentence(sentence.index):
            if m.token is not None:
                people[m.token.i] = m.entity
    out: set[str] = set()
    toks = list(span)
    for k, tok in enumerate(toks):
        if tok.i in people:
            out.add(f"@{people[tok.i]}")
            continue
        value = _number(tok.text) if (tok.like_num or tok.lower_ in _NUMBER_WORDS) else None
        if value is not None:
            nxt = toks[k + 1].lower_ if k + 1 < len(toks) else ""
            if nxt in _SCALE and value < 1000:
                value *= _SCALE[nxt]
            out.add(f"#{value:g}")
            continue
        if tok.lower_ in _SCALE and k and (toks[k - 1].like_num or toks[k - 1].lower_ in _NUMBER_WORDS):
            continue
        lemma = tok.lemma_.lower()
        if tok.pos_ not in _CONTENT_POS or tok.is_stop or lemma in reporting or lemma in _WEAK:
            continue
        if tok.is_alpha and len(tok.text) > 1:
            out.add(lemma)
    return frozenset(out)


@dataclass
class Unit:
    """A sentence, or a window of two adjacent sentences, of one outlet."""

    outlet: str
    sentences: tuple[int, ...]
    text: str
    tokens: frozenset[str]
    row: int = -1


@dataclass
class FactCoverage:
    """What the coverage tests found for one fact.

    Attributes:
        core: The fact's sentences as its carriers tell it (the representative's outlet's
            sentences and the carriers' strictly matching ones).
        covered: Outlets whose text covers the fact under the lenient test (the fact's own
            outlets included), in story outlet order.
        carriers: Outlets that carry it under the strict test.
        matches: Per covering outlet, the sentence indices that matched.
    """

    covered: list[str]
    carriers: list[str]
    matches: dict[str, list[int]] = field(default_factory=dict)
    core: list[int] = field(default_factory=list)


def _overlap(a: frozenset[str], b: frozenset[str]) -> tuple[int, float]:
    if not a or not b:
        return 0, 0.0
    shared = len(a & b)
    return shared, shared / min(len(a), len(b))


def lenient_match(cos: float, a: frozenset[str], b: frozenset[str]) -> bool:
    """The lenient test on one pair of units."""
    if cos >= LENIENT_HIGH:
        return True
    shared, share = _overlap(a, b)
    common = a & b
    if cos >= LENIENT_SPEECH_COS and share >= 0.4 and shared >= 2:
        # a quote and its report in other words ("“We will not negotiate”" / "she said she
        # would not negotiate") embed far apart but name the same person and the same act
        if any(t.startswith("@") for t in common) and any(t[0].isalpha() for t in common):
            return True
        # the same figure with the same words around it ("over in a month and a half or two"
        # / "could end within two months")
        if shared >= 3 and any(t.startswith("#") for t in common) and any(t[0].isalpha() for t in common):
            return True
    if cos < LENIENT_LOW:
        return False
    numbers_a = {t for t in a if t.startswith("#")}
    numbers_b = {t for t in b if t.startswith("#")}
    if numbers_a and numbers_b and not numbers_a & numbers_b and cos < 0.6:
        return False  # different figures, moderate similarity: a different fact
    # a short unit ("This walkout breaks the law.") shares at most a word or two
    need = 1 if min(len(a), len(b)) <= 3 and cos >= LENIENT_LOW + 0.05 else LENIENT_MIN_SHARED
    # the same people alone are not the same fact ("Putin ruled out talks with Zelensky" /
    # "Zelensky said Putin was afraid"): something they did or said must be shared too
    things = sum(1 for t in a & b if not t.startswith("@"))
    return shared >= need and share >= LENIENT_MIN_SHARE and things >= 1


def strict_match(cos: float, a: frozenset[str], b: frozenset[str], weight: dict[str, float] | None = None) -> bool:
    """The strict test on one pair of units.

    ``weight`` gives each token its inverse document frequency in the story: sharing the
    story's own topic words ("Russia", "Ukraine", "talks") says little, so the shared share
    is measured in those weights."""
    if cos < STRICT_COS:
        return False
    shared, share = _overlap(a, b)
    if shared < STRICT_MIN_SHARED or share < STRICT_MIN_SHARE:
        return False
    if weight is None:
        return True
    w = lambda toks: sum(weight.get(t, 1.0) for t in toks)  # noqa: E731
    return w(a & b) / max(min(w(a), w(b)), 1e-9) >= STRICT_MIN_SHARE


#: Verbs too light to make two sentences near ("set", "come" in "set to send 100 systems" and
#: "let's set it at 100 days").
_LIGHT = frozenset({"come", "set", "make", "take", "get", "go", "give", "put", "keep", "let", "see", "know",
                    "want", "need", "think", "find", "use", "call", "ask", "begin", "start", "seem", "look"})
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def word_runs(text: str, n: int = LOOSE_RUN) -> frozenset[tuple[str, ...]]:
    """Every run of ``n`` words of a text, lower case, curly apostrophes made straight and
    punctuation and quote marks ignored ("“Is it true,” he asked, “that ..." and "Is it
    true that ..." share their runs)."""
    words = _WORD.findall(text.lower().replace("’", "'").replace("‘", "'"))
    return frozenset(tuple(words[k:k + n]) for k in range(len(words) - n + 1))


def loose_match(cos: float, a: frozenset[str], b: frozenset[str], runs_a: frozenset = frozenset(),
                runs_b: frozenset = frozenset(), common: frozenset[str] = frozenset()) -> bool:
    """The loose test on one pair of units: is ``b`` anywhere near ``a``?

    ``common`` holds the story's topic tokens (in a tenth of its sentences or more): sharing
    "Russian" or "war" with a fact does not bring a sentence near it."""
    if cos >= LOOSE_COS or (runs_a & runs_b):
        return True
    # words agree by their stem ("approve" / "approval"), nationality words excepted
    shared = (stems(a) & stems(b)) - stems(common) - _LIGHT
    things = [t for t in shared if not t.startswith("@")]
    words = [t for t in things if not t.startswith("#")]
    if cos >= LOOSE_FLOOR and any(t.startswith("#") for t in things) and words:
        return True  # the same figure and something more
    if cos >= LOOSE_PERSON_COS and words and any(_big_figure(t) for t in things) and len(things) >= 2:
        return True  # the same big figure and a word ("billions at stake" / "could cost billions")
    if cos >= LOOSE_PERSON_COS and len(words) >= 2 and any(t.startswith("@") for t in shared):
        return True  # the same person and what they did
    if words and (
        (cos >= LOOSE_SPEAKER_COS and any(t.startswith("@") for t in shared))
        or (cos >= LOOSE_WORDS_COS and any(t.startswith("@") for t in a & b))
    ):
        # the same person and a rare word: the same event in other words ("Trump’s claim that
        # he would end the war ... brokering a possible peace accord" / "Trump’s promise to
        # broker a swift ceasefire"); a main actor (a topic token) needs the higher cosine
        return True
    # words in common at a cosine that says the sentences are about the same thing: three,
    # or two making a large share of the shorter ("Billions of dollars are at stake" / "could
    # cost ... billions of dollars")
    share = len(shared) / max(min(len(a), len(b)), 1)
    return cos >= LOOSE_WORDS_COS and ((len(words) >= 3 and share >= 0.3) or (len(words) >= 2 and share >= 0.4))


_UNIT_STEMS = stems(UNIT_WORDS)


def _big_figure(token: str) -> bool:
    """A million or more, or a unit word ("billion", "percent")."""
    if token in _UNIT_STEMS:
        return True
    if not token.startswith("#"):
        return False
    try:
        return float(token[1:]) >= 1_000_000
    except ValueError:
        return False


class CoverageIndex:
    """Units (sentences and two-sentence windows) of every outlet, embedded once.

    Args:
        outlet_sentences: ``{outlet: [sentences]}`` (boilerplate and repeats removed).
        cores: ``{sentence index: text to embed}`` (the sentence's proposition core).
        tokens: ``{sentence index: content tokens}``.
        embed: Sentence embedder (L2-normalised rows); called once, for every distinct text.
        raw: ``{sentence index: text as written}`` for the loose test's word runs.
    """

    def __init__(
        self,
        outlet_sentences: dict[str, list[Sentence]],
        cores: dict[int, str],
        tokens: dict[int, frozenset[str]],
        embed: Callable[[list[str]], np.ndarray],
        extra_texts: Iterable[str] = (),
        raw: dict[int, str] | None = None,
    ) -> None:
        self.units: list[Unit] = []
        self._text_stems: dict[str, frozenset[str]] = {}
        self._window_stems: dict[str, list[frozenset[str]]] = {}
        self.by_outlet: dict[str, list[int]] = {}
        self.sentence_unit: dict[int, int] = {}
        for outlet, sents in outlet_sentences.items():
            rows = self.by_outlet.setdefault(outlet, [])
            ordered = sorted(sents, key=lambda s: s.index)
            for k, s in enumerate(ordered):
                if s.index not in cores:
                    continue
                if s.heading or s.words >= MIN_WORDS:
                    self.sentence_unit[s.index] = len(self.units)
                    rows.append(len(self.units))
                    self.units.append(Unit(outlet, (s.index,), cores[s.index], tokens[s.index]))
                nxt = ordered[k + 1] if k + 1 < len(ordered) else None
                if (
                    nxt is not None and nxt.index in cores and nxt.article == s.article
                    and not s.heading and not nxt.heading
                ):
                    rows.append(len(self.units))
                    self.units.append(Unit(outlet, (s.index, nxt.index), cores[s.index] + " " + cores[nxt.index],
                                           tokens[s.index] | tokens[nxt.index]))
        singles = [u.tokens for u in self.units if len(u.sentences) == 1]
        df: dict[str, int] = {}
        for toks in singles:
            for t in toks:
                df[t] = df.get(t, 0) + 1
        n = max(len(singles), 1)
        #: story sentences holding each token, and their number
        self.df, self.n = df, n
        #: inverse document frequency of each token over the story's sentences
        self.weight = {t: float(np.log((n + 1) / c)) for t, c in df.items()}
        #: the story's topic tokens, in a tenth of its sentences or more (the loose test
        #: ignores them)
        self.common = frozenset(t for t, c in df.items() if c >= max(3, 0.1 * n))
        texts = list(dict.fromkeys([u.text for u in self.units] + list(extra_texts)))
        self.vectors: dict[str, np.ndarray] = {}
        if texts:
            mat = np.asarray(embed(texts), dtype=np.float32)
            norms = np.linalg.norm(mat, axis=1, keepdims=True)
            norms[norms == 0] = 1.0
            mat = mat / norms
            self.vectors = {t: mat[i] for i, t in enumerate(texts)}
        dim = next(iter(self.vectors.values())).shape[0] if self.vectors else 1
        self.matrix = (np.stack([self.vectors[u.text] for u in self.units]) if self.units
                       else np.zeros((0, dim), dtype=np.float32))
        for i, u in enumerate(self.units):
            u.row = i
        # word runs of the sentences as written (a core may cut a split quotation short)
        raw = raw or {}
        self.runs = [word_runs(" ".join(raw.get(i, "") for i in u.sentences) or u.text) for u in self.units]
        self.outlet_runs = {o: frozenset().union(*(self.runs[k] for k in rows)) for o, rows in self.by_outlet.items()}

    def near(self, sentences: list[int], outlet: str) -> tuple[list[int], float]:
        """Sentence indices of ``outlet`` near a fact under the loose test, and the highest
        cosine of any unit of ``outlet`` to the fact's sentences (0.0 when none)."""
        rows = [self.sentence_unit[s] for s in sentences if s in self.sentence_unit]
        cols = self.by_outlet.get(outlet, [])
        if not rows or not cols:
            return [], 0.0
        sims = self.matrix[rows] @ self.matrix[cols].T
        hits: list[int] = []
        pairs = set(zip(*np.nonzero(sims >= LOOSE_FLOOR)))  # below the floor only word runs count
        union = self.outlet_runs.get(outlet, frozenset())
        for i, r in enumerate(rows):
            if self.runs[r] & union:
                pairs.update((i, j) for j, c in enumerate(cols) if self.runs[r] & self.runs[c])
        for i, j in sorted(pairs):
            r, c = rows[i], cols[j]
            a, b = self.units[r], self.units[c]
            cos = float(sims[i, j])
            if len(b.sentences) > 1 or len(a.sentences) > 1:
                # a window's cosine alone is no evidence (two sentences on the topic score
                # high together): windows are near only by shared words
                cos = min(cos, LOOSE_COS - 1e-3)
            if loose_match(cos, a.tokens, b.tokens, self.runs[r], self.runs[c], self.common):
                hits.extend(x for x in b.sentences if x not in hits)
        return hits, float(sims.max())

    def text_stems(self, outlet: str) -> frozenset[str]:
        """Stems of every content token of the outlet's whole text."""
        if outlet not in self._text_stems:
            self._text_stems[outlet] = stems(
                t for k in self.by_outlet.get(outlet, []) if len(self.units[k].sentences) == 1 for t in self.units[k].tokens
            )
        return self._text_stems[outlet]

    def window_stems(self, outlet: str, size: int = WINDOW) -> list[frozenset[str]]:
        """Stems of the content tokens of every ``size`` adjacent sentences of the outlet (a
        fact told across sentences, in other words)."""
        if outlet not in self._window_stems:
            singles = sorted((self.units[k].sentences[0], self.units[k].tokens)
                             for k in self.by_outlet.get(outlet, []) if len(self.units[k].sentences) == 1)
            self._window_stems[outlet] = [
                stems(t for _, toks in singles[k:k + size] for t in toks) for k in range(max(len(singles) - size + 1, 1))
            ]
        return self._window_stems[outlet]

    def embed_cached(self, texts: list[str]) -> np.ndarray:
        """Vectors of texts embedded at construction (the engine's fact grouping reuses them)."""
        return np.stack([self.vectors[t] for t in texts])

    def cosines(self, sentence_rows: list[int], outlet: str) -> np.ndarray:
        """Cosine of each given unit against every unit of ``outlet``."""
        cols = self.by_outlet.get(outlet, [])
        if not sentence_rows or not cols:
            return np.zeros((len(sentence_rows), len(cols)), dtype=np.float32)
        return self.matrix[sentence_rows] @ self.matrix[cols].T

    def covering(self, sentences: list[int], outlet: str, strict: bool = False) -> list[int]:
        """Sentence indices of ``outlet`` that cover (or, with ``strict``, carry) a fact
        given by its sentences; empty when the outlet's text does not."""
        rows = [self.sentence_unit[s] for s in sentences if s in self.sentence_unit]
        cols = self.by_outlet.get(outlet, [])
        if strict:
            cols = [c for c in cols if len(self.units[c].sentences) == 1]
        if not rows or not cols:
            return []
        sims = self.matrix[rows] @ self.matrix[cols].T
        hits: list[int] = []
        for i, j in zip(*np.nonzero(sims >= (STRICT_COS if strict else min(LENIENT_LOW, LENIENT_SPEECH_COS)))):
            a, b = self.units[rows[i]], self.units[cols[j]]
            ok = (strict_match(float(sims[i, j]), a.tokens, b.tokens, self.weight) if strict
                  else lenient_match(float(sims[i, j]), a.tokens, b.tokens))
            if ok:
                hits.extend(x for x in b.sentences if x not in hits)
        return hits


def assess_facts(
    facts: list[Any],
    cov: CoverageIndex,
    outlets: list[str],
    outlet_of_sentence: dict[int, str],
) -> dict[str, FactCoverage]:
    """Lenient coverage and strict carriers of every fact.

    Args:
        facts: Facts with ``id``, ``sentences``, ``representative`` and ``covered_by``.
        cov: The story's coverage index.
        outlets: Story outlets (the order of the lists returned).
        outlet_of_sentence: Sentence index -> outlet.

    Returns:
        ``{fact id: FactCoverage}``.
    """
    out: dict[str, FactCoverage] = {}
    for f in facts:
        own: dict[str, list[int]] = {}
        for s in f.sentences:
            own.setdefault(outlet_of_sentence[s], []).append(s)
        # carriers: the representative's outlet, and every outlet with a sentence that
        # strictly matches one of that outlet's sentences of the fact (a wrong member of
        # the fact, grouped with it by a loose similarity, carries nothing by itself)
        rep_outlet = outlet_of_sentence[f.representative]
        anchors = own.get(rep_outlet, [f.representative])
        core = list(anchors)
        carriers = {rep_outlet}
        for o in outlets:
            if o == rep_outlet:
                continue
            hit = cov.covering(anchors, o, strict=True)
            if hit:
                carriers.add(o)
                core.extend(hit)
        # covered: the fact's own outlets, and every outlet with a sentence (or two adjacent
        # ones) that matches the fact as its carriers tell it, under the lenient test
        matches: dict[str, list[int]] = {o: list(v) for o, v in own.items()}
        for o in outlets:
            if o in matches:
                continue
            hit = cov.covering(core, o)
            if hit:
                matches[o] = hit
        out[f.id] = FactCoverage(
            covered=[o for o in outlets if o in matches],
            carriers=[o for o in outlets if o in carriers],
            matches=matches,
            core=core,
        )
    return out
