"""Lexicons and the frame codebook, built from the TOML files in ``config/``.

Nothing here reads files: the service loads the TOML (see :data:`LEXICON_FILES`) and passes
the parsed tables to :meth:`Lexicons.from_dict`. A table that is missing falls back to a small
built-in core so that a notebook call without lexicons still runs; the files are the source
of truth and are much richer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

#: Where the service finds each table, relative to the repository root.
LEXICON_FILES: dict[str, str] = {
    "attribution": "config/lexicons/attribution.toml",
    "entities": "config/lexicons/entities.toml",
    "tone": "config/lexicons/tone.toml",
    "terms": "config/lexicons/terms.toml",
    "frames": "config/frames.toml",
}

_IRREGULAR_PAST = {"say": "said", "tell": "told", "write": "wrote", "hit": "hit", "speak": "spoke"}


def past_tense(lemma: str, irregular: dict[str, str] | None = None) -> str:
    """Display form of a reporting verb ("claim" -> "claimed", "say" -> "said")."""
    table = {**_IRREGULAR_PAST, **(irregular or {})}
    if " " in lemma:  # phrasal: inflect the first word ("hit back" -> "hit back")
        head, rest = lemma.split(" ", 1)
        return f"{past_tense(head, irregular)} {rest}"
    if lemma in table:
        return table[lemma]
    if lemma.endswith("e"):
        return lemma + "d"
    if lemma.endswith("y") and len(lemma) > 2 and lemma[-2] not in "aeiou":
        return lemma[:-1] + "ied"
    return lemma + "ed"


def _compile_all(patterns: list[str], what: str) -> tuple[re.Pattern[str], ...]:
    out = []
    for p in patterns:
        try:
            out.append(re.compile(p, re.IGNORECASE))
        except re.error as exc:
            raise ValueError(f"bad {what} pattern {p!r}: {exc}") from exc
    return tuple(out)


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    """Case-insensitive whole-word pattern for a literal phrase; "*" ends a stem."""
    parts = []
    for word in phrase.split():
        if word.endswith("*"):
            parts.append(re.escape(word[:-1]) + r"[\w’'-]*")
        else:
            parts.append(re.escape(word))
    return re.compile(r"(?<![\w-])" + r"[\s-]+".join(parts) + r"(?![\w-])", re.IGNORECASE)


@dataclass(frozen=True)
class AttributionLexicon:
    """Reporting verbs by class, hedges and partial-quote cues (``attribution.toml``)."""

    neutral: frozenset[str] = frozenset({"say", "tell", "write", "add", "state", "report", "announce"})
    contested: frozenset[str] = frozenset({"claim", "allege", "insist", "contend", "purport"})
    loaded: frozenset[str] = frozenset({"admit", "boast", "slam", "blast", "concede"})
    speech: frozenset[str] = frozenset({"say", "tell", "write", "add", "note", "warn"})
    always: frozenset[str] = frozenset({"say", "tell", "claim", "allege", "insist"})
    display: dict[str, str] = field(default_factory=dict)
    hedge_words: tuple[str, ...] = ("reportedly", "allegedly", "purportedly", "supposedly")
    hedge_patterns: tuple[re.Pattern[str], ...] = ()
    partial_quote_cues: frozenset[str] = frozenset({"call", "describe", "dub", "label", "term", "deem", "brand"})

    @property
    def reporting(self) -> frozenset[str]:
        """Every verb lemma that can introduce speech."""
        return self.neutral | self.contested | self.loaded | self.speech

    def verb_class(self, lemma: str) -> str | None:
        """``"neutral"``, ``"contested"``, ``"loaded"`` or None for a reporting-verb lemma."""
        if lemma in self.contested:
            return "contested"
        if lemma in self.loaded:
            return "loaded"
        if lemma in self.neutral:
            return "neutral"
        return None

    def shown(self, lemma: str) -> str:
        """How the verb is shown in counts ("said", "claimed")."""
        return past_tense(lemma, self.display)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "AttributionLexicon":
        """Build from the parsed ``attribution.toml``; a missing table keeps the core."""
        if not data:
            return cls()
        verbs = data.get("verbs", {})
        hedges = data.get("hedges", {})
        low = lambda xs: frozenset(x.lower() for x in xs)  # noqa: E731
        return cls(
            neutral=low(verbs.get("neutral", cls.neutral)),
            contested=low(verbs.get("contested", cls.contested)),
            loaded=low(verbs.get("loaded", cls.loaded)),
            speech=low(verbs.get("speech", cls.speech)),
            always=low(verbs.get("always", cls.always)),
            display=dict(data.get("display", {})),
            hedge_words=tuple(w.lower() for w in hedges.get("words", cls.hedge_words)),
            hedge_patterns=_compile_all(hedges.get("patterns", []), "hedge"),
            partial_quote_cues=low(data.get("partial_quotes", {}).get("cues", cls.partial_quote_cues)),
        )

    def hedge_regexes(self) -> tuple[tuple[str, re.Pattern[str]], ...]:
        """(label, pattern) for every hedge word and hedge pattern."""
        words = tuple((w, _phrase_pattern(w)) for w in self.hedge_words)
        return words + tuple((p.pattern, p) for p in self.hedge_patterns)


@dataclass(frozen=True)
class Epithet:
    """A descriptive name for a person ("Kremlin leader"), valid within date ranges."""

    text: str
    pattern: re.Pattern[str]
    during: tuple[tuple[date | None, date | None], ...] = ()
    evaluative: bool = False

    def valid_on(self, day: date | None) -> bool:
        """Whether the epithet refers to its person on ``day`` (unknown day: the latest range)."""
        if not self.during:
            return True
        if day is None:
            return any(end is None for _, end in self.during)
        return any((s is None or s <= day) and (e is None or day < e) for s, e in self.during)


@dataclass(frozen=True)
class KnownEntity:
    """A person the lexicon knows: canonical name, spellings and epithets."""

    name: str
    spellings: tuple[str, ...]
    first_names: tuple[str, ...] = ()
    epithets: tuple[Epithet, ...] = ()


@dataclass(frozen=True)
class NamesLexicon:
    """Titles, transliteration rules and known entities (``entities.toml``)."""

    titles: frozenset[str] = frozenset({"mr", "ms", "mrs", "dr", "president", "governor", "gen", "lt", "sen"})
    translit: tuple[tuple[str, str], ...] = (("yy", "y"), ("iy", "y"), ("ij", "y"), ("yi", "y"), ("j", "y"))
    not_people: frozenset[str] = frozenset({"Kyiv", "Moscow", "Washington", "Kremlin", "Beijing"})
    entities: tuple[KnownEntity, ...] = ()
    institutions: frozenset[str] = frozenset({"department", "ministry", "office", "agency", "committee", "board"})

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "NamesLexicon":
        """Build from the parsed ``entities.toml``."""
        if not data:
            return cls()
        names = data.get("names", {})

        def day(value: str | None) -> date | None:
            return date.fromisoformat(value) if value else None

        entities = []
        for ent in data.get("entity", []):
            epithets = []
            for ep in ent.get("epithets", []):
                if isinstance(ep, str):
                    ep = {"text": ep}
                epithets.append(
                    Epithet(
                        text=ep["text"],
                        pattern=_phrase_pattern(ep["text"]),
                        during=tuple((day(s), day(e)) for s, e in ep.get("during", [])),
                        evaluative=bool(ep.get("evaluative", False)),
                    )
                )
            entities.append(
                KnownEntity(
                    name=ent["name"],
                    spellings=tuple(ent.get("spellings", [ent["name"].split()[-1]])),
                    first_names=tuple(ent.get("first_names", [])),
                    epithets=tuple(epithets),
                )
            )
        return cls(
            titles=frozenset(t.lower().rstrip(".") for t in names.get("titles", cls.titles)),
            translit=tuple((a, b) for a, b in names.get("translit", cls.translit)),
            not_people=frozenset(names.get("not_people", cls.not_people)),
            entities=tuple(entities),
            institutions=frozenset(w.lower() for w in names.get("institutions", cls.institutions)),
        )


@dataclass(frozen=True)
class ToneLexicon:
    """Valence adjustments for news text (``tone.toml``)."""

    neutral_terms: frozenset[str] = frozenset({"war", "attack", "peace", "support", "conflict", "killed"})
    valence: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "ToneLexicon":
        """Build from the parsed ``tone.toml``."""
        if not data:
            return cls()
        return cls(
            neutral_terms=frozenset(w.lower() for w in data.get("neutral_terms", cls.neutral_terms)),
            valence={k.lower(): float(v) for k, v in data.get("valence", {}).items()},
        )


@dataclass(frozen=True)
class TermsLexicon:
    """Extra stop words and boilerplate-sentence guards (``terms.toml``)."""

    stop_words: frozenset[str] = frozenset({"said", "says", "told", "mr", "ms", "also"})
    boilerplate: tuple[re.Pattern[str], ...] = ()

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "TermsLexicon":
        """Build from the parsed ``terms.toml``."""
        if not data:
            return cls()
        return cls(
            stop_words=frozenset(w.lower() for w in data.get("stop_words", cls.stop_words)),
            boilerplate=_compile_all(data.get("boilerplate_sentences", []), "boilerplate"),
        )


@dataclass(frozen=True)
class Frame:
    """One frame of the codebook with its cues."""

    id: str
    label: str
    lemmas: frozenset[str]
    phrases: tuple[re.Pattern[str], ...]
    source: str = ""
    description: str = ""

    def cues_in(self, lemmas: list[str], text: str) -> list[str]:
        """The cues of this frame found in a sentence (its lemmas and its text)."""
        found = [lemma for lemma in lemmas if lemma in self.lemmas]
        found += [m.group(0).lower() for p in self.phrases for m in p.finditer(text)]
        return found


def frames_from_dict(data: dict[str, Any] | None) -> tuple[Frame, ...]:
    """The frame codebook from the parsed ``config/frames.toml`` (empty without it)."""
    frames = []
    for fr in (data or {}).get("frame", []):
        phrases = tuple(_phrase_pattern(p) for p in fr.get("phrases", []))
        phrases += _compile_all(fr.get("patterns", []), f"frame {fr.get('id')}")
        frames.append(
            Frame(
                id=fr["id"],
                label=fr.get("label", fr["id"]),
                lemmas=frozenset(w.lower() for w in fr.get("lemmas", [])),
                phrases=phrases,
                source=fr.get("source", ""),
                description=fr.get("description", ""),
            )
        )
    return tuple(frames)


@dataclass(frozen=True)
class Lexicons:
    """Every lexicon the engine uses."""

    attribution: AttributionLexicon = field(default_factory=AttributionLexicon)
    names: NamesLexicon = field(default_factory=NamesLexicon)
    tone: ToneLexicon = field(default_factory=ToneLexicon)
    terms: TermsLexicon = field(default_factory=TermsLexicon)
    frames: tuple[Frame, ...] = ()

    @classmethod
    def from_dict(cls, data: dict[str, dict[str, Any]]) -> "Lexicons":
        """Build from parsed TOML tables keyed like :data:`LEXICON_FILES`.

        Args:
            data: ``{"attribution": {...}, "entities": {...}, "tone": {...}, "terms": {...},
                "frames": {...}}``; any key may be missing.

        Returns:
            The lexicons. Raises ``ValueError`` on a bad regular expression or an unknown key.
        """
        unknown = sorted(set(data) - set(LEXICON_FILES))
        if unknown:
            raise ValueError(f"unknown lexicon table(s): {', '.join(unknown)}")
        return cls(
            attribution=AttributionLexicon.from_dict(data.get("attribution")),
            names=NamesLexicon.from_dict(data.get("entities")),
            tone=ToneLexicon.from_dict(data.get("tone")),
            terms=TermsLexicon.from_dict(data.get("terms")),
            frames=frames_from_dict(data.get("frames")),
        )
