"""Facts: sentences of all outlets grouped into pieces of information.

Each sentence is reduced to its proposition core before it is embedded: the leading
discourse connective ("Meanwhile,", "On the war front,"), a trailing attribution ("...,
Russian officials said"), "according to ..." and dates/times are dropped, because outlets
differ most in exactly those parts while reporting the same fact. The pair similarity mixes
the embedding cosine of the cores with a TF-IDF cosine over content lemmas in which every
mention of a person is replaced by the person's id (so "Zelenskiy", "Zelensky" and "the
Ukrainian leader" agree). Sentences are then grouped by average-linkage agglomerative
clustering with a similarity threshold.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .lexicons import AttributionLexicon
from .naming import EntityIndex
from .sentences import ParsedArticle, Sentence

_CONTENT_POS = {"NOUN", "PROPN", "VERB", "ADJ", "NUM"}
_TIME_WORDS = {
    "overnight", "today", "tonight", "yesterday", "earlier", "later", "meanwhile", "now",
    "currently", "recently", "still", "also",
}
_CONNECTIVE_MAX_TOKENS = 6


@dataclass
class Fact:
    """One piece of information and the sentences that carry it.

    Attributes:
        id: ``"f1"``, ``"f2"``, ... (ordered by number of outlets, then first appearance).
        sentences: Indices of the story-wide sentences in the fact.
        outlets: Outlets carrying it, in story outlet order: those with a sentence in the
            fact, and those with a sentence as similar to the fact as a member must be
            (``covered_by``), so that a sentence that carries two facts counts for both.
        representative: Index of the sentence that best represents the fact.
        label: A short form of the representative's proposition core.
    """

    id: str
    sentences: list[int]
    outlets: list[str]
    representative: int
    label: str
    cohesion: float = 1.0
    covered_by: dict[str, list[int]] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)


def _connective(tokens: list[Any]) -> set[int]:
    """Token indices of a leading discourse connective ("Meanwhile,", "On the war front,")."""
    for k, tok in enumerate(tokens[: _CONNECTIVE_MAX_TOKENS + 1]):
        if tok.text == ",":
            head = tokens[:k]
            # a connective is adverbial ("Still,", "On the war front,") and has no subject
            # or verb of its own ("There were no casualties," and "The pickup in inflation,"
            # are not connectives)
            if (
                head
                and head[0].pos_ in ("ADV", "ADP", "SCONJ", "CCONJ", "PART")
                and not any(t.dep_ in ("nsubj", "nsubjpass", "expl") or t.pos_ in ("VERB", "AUX") for t in head)
            ):
                return {t.i for t in head} | {tok.i}
            break
    return set()


def display_text(sentence: Sentence) -> str:
    """The sentence without its leading connective and outer quote marks (for labels)."""
    span = sentence.span
    if span is None or len(span) == 0:
        return sentence.text
    drop = _connective(list(span))
    kept = [t for t in span if t.i not in drop]
    out = "".join(t.text_with_ws for t in kept).strip(" ,;:–—-")
    if out[:1] in "“\"‘'" and sum(1 for ch in out if ch in "“”\"") <= 2:
        out = out[1:]
    return out[:1].upper() + out[1:]


def proposition_core(sentence: Sentence, reporting: frozenset[str], keep_dates: bool = False) -> str:
    """The sentence without connective, trailing attribution, "according to" and dates.

    Args:
        sentence: A parsed sentence.
        reporting: Reporting-verb lemmas.
        keep_dates: Keep dates and durations ("in two months"): the coverage tests need
            them, the grouping does not.

    Returns:
        The core text (falls back to the sentence if nothing would remain).
    """
    span = sentence.span
    if span is None or len(span) == 0:
        return sentence.text
    tokens = list(span)
    # leading connective: "Meanwhile,", "On the war front,", "Off the battlefield,"
    drop: set[int] = _connective(tokens)
    root = span.root
    # trailing attribution: "[proposition], officials said." (ccomp or parataxis before the verb)
    if root.lemma_.lower() in reporting:
        comps = [c for c in root.children if c.dep_ in ("ccomp", "parataxis") and c.i < root.i]
        # a quotation split by its attribution ("“Is it true,” he asked, “that ...?”") goes on
        # after the verb: nothing is dropped then
        resumes = any(c.dep_ in ("ccomp", "parataxis", "xcomp") and c.i > root.i for c in root.children)
        if comps and not resumes:
            keep_until = max(t.i for c in comps for t in c.subtree)
            drop.update(t.i for t in tokens if t.i > keep_until and not t.is_punct)
    else:
        for child in root.children:
            if child.dep_ == "parataxis" and child.lemma_.lower() in reporting and child.i > root.i:
                drop.update(t.i for t in child.subtree)
    for tok in tokens:
        if tok.lower_ == "according" and any(c.lower_ == "to" for c in tok.children):
            drop.update(t.i for t in tok.subtree)
        if not keep_dates and (tok.ent_type_ in ("DATE", "TIME") or tok.lower_ in _TIME_WORDS):
            drop.add(tok.i)
    kept = [t for t in tokens if t.i not in drop]
    if sum(1 for t in kept if t.is_alpha) < 3:
        return sentence.text
    # a dropped quote mark keeps its space ("illegal” and" must not become "illegaland")
    out = "".join(t.whitespace_ if t.text in "“”\"‘’" else t.text_with_ws for t in kept)
    out = " ".join(out.split()).strip(" ,;:–—-")
    return out[:1].upper() + out[1:]


def _lexical_tokens(sentence: Sentence, index: EntityIndex, reporting: frozenset[str]) -> list[str]:
    """Content lemmas of a sentence, people replaced by their entity id."""
    span = sentence.span
    if span is None:
        return []
    by_token: dict[int, int] = {}
    for m in index.in_sentence(sentence.index):
        if m.token is not None:
            by_token[m.token.i] = m.entity
    out = []
    seen_entities = set()
    for tok in span:
        if tok.i in by_token:
            ent = by_token[tok.i]
            if ent not in seen_entities:
                out.append(f"@person{ent}")
                seen_entities.add(ent)
            continue
        if tok.pos_ not in _CONTENT_POS or tok.is_stop or tok.lemma_.lower() in reporting:
            continue
        if tok.like_num:
            out.append(tok.text.replace(",", ""))
        elif tok.is_alpha and len(tok.text) > 1:
            out.append(tok.lemma_.lower())
    return out


def _agents(sentence: Sentence, index: EntityIndex) -> frozenset[int]:
    """People who act in the sentence's main clause (subject of the root, or its possessor:
    "Trump’s claim that ..."), as entity ids."""
    span = sentence.span
    if span is None:
        return frozenset()
    root = span.root
    heads = {root.i} | {c.i for c in root.children if c.dep_ == "conj"}
    out = set()
    for m in index.in_sentence(sentence.index):
        tok = m.token
        if tok is None:
            continue
        if tok.dep_ in ("nsubj", "nsubjpass") and tok.head.i in heads:
            out.add(m.entity)
        elif tok.dep_ == "poss" and tok.head.dep_ in ("nsubj", "nsubjpass") and tok.head.head.i in heads:
            out.add(m.entity)
    return frozenset(out)


def _tfidf_cosine(docs: list[list[str]]) -> np.ndarray:
    """Cosine similarity of sublinear TF-IDF vectors of token lists (IDF over these docs)."""
    vocab: dict[str, int] = {}
    for d in docs:
        for t in d:
            vocab.setdefault(t, len(vocab))
    n = len(docs)
    if not vocab:
        return np.zeros((n, n), dtype=np.float32)
    mat = np.zeros((n, len(vocab)), dtype=np.float32)
    for i, d in enumerate(docs):
        for t, c in Counter(d).items():
            mat[i, vocab[t]] = 1.0 + np.log(c)
    df = (mat > 0).sum(axis=0)
    idf = np.log((1 + n) / (1 + df)) + 1.0
    mat *= idf
    norms = np.linalg.norm(mat, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    mat /= norms
    return mat @ mat.T


def _average_linkage(sim: np.ndarray, threshold: float) -> np.ndarray:
    """Cluster labels from average-linkage clustering cut at similarity ``threshold``."""
    n = sim.shape[0]
    if n == 1:
        return np.zeros(1, dtype=int)
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    dist = np.clip(1.0 - sim, 0.0, 2.0)
    np.fill_diagonal(dist, 0.0)
    dist = (dist + dist.T) / 2.0
    tree = linkage(squareform(dist, checks=False), method="average")
    return fcluster(tree, t=1.0 - threshold, criterion="distance")


def group_facts(
    parsed: list[ParsedArticle],
    index: EntityIndex,
    embed: Callable[[list[str]], np.ndarray],
    attribution: AttributionLexicon,
    outlets: list[str],
    threshold: float,
    lexical_weight: float,
    min_words: int,
    skip: set[int] | None = None,
    cover_margin: float = 0.08,
    agent_penalty: float = 0.25,
) -> tuple[list[Fact], dict[int, str]]:
    """Group the story's sentences into facts.

    Args:
        parsed: The story's parsed articles.
        index: Entity index (people become shared lexical tokens).
        embed: Sentence embedder returning L2-normalised rows.
        attribution: Reporting verbs (stripped from the cores).
        outlets: The story's outlets in output order.
        threshold: Average-linkage similarity threshold.
        lexical_weight: Weight of the lexical cosine in the pair similarity.
        min_words: Body sentences shorter than this are left out (headlines never are).
        skip: Sentence indices to leave out (boilerplate).
        cover_margin: A sentence outside a fact of two or more sentences still carries it
            when its average similarity to the members reaches ``threshold + cover_margin``.
        agent_penalty: Subtracted from the similarity of two sentences whose main-clause
            actors are different known people.

    Returns:
        ``(facts, fact_of_sentence)``.
    """
    skip = skip or set()
    reporting = attribution.reporting
    units: list[Sentence] = []
    duplicates: list[Sentence] = []
    for pa in parsed:
        for s in pa.sentences:
            if s.index in skip:
                continue
            if s.duplicate_of is not None:
                duplicates.append(s)
                continue
            if s.heading or s.words >= min_words:
                units.append(s)
    if not units:
        return [], {}
    cores = [proposition_core(s, reporting) for s in units]
    # outlets repeat quotations word for word: embed each distinct core once
    distinct = list(dict.fromkeys(cores))
    vectors = np.asarray(embed(distinct), dtype=np.float32)
    row = {text: k for k, text in enumerate(distinct)}
    emb = vectors[[row[c] for c in cores]]
    norms = np.linalg.norm(emb, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    emb = emb / norms
    sim = (1.0 - lexical_weight) * (emb @ emb.T)
    if lexical_weight > 0:
        sim += lexical_weight * _tfidf_cosine([_lexical_tokens(s, index, reporting) for s in units])
    if agent_penalty > 0:
        # the same words said by, or about, different actors are different facts
        # ("Putin ruled out talks" vs "Zelensky said Putin is afraid of talks")
        agents = [_agents(s, index) for s in units]
        for i, a in enumerate(agents):
            if not a:
                continue
            for j in range(i + 1, len(units)):
                b = agents[j]
                if b and not (a & b):
                    sim[i, j] -= agent_penalty
                    sim[j, i] -= agent_penalty
    labels = _average_linkage(sim, threshold)

    outlet_of = {pa.position: pa.article.outlet for pa in parsed}
    clusters: dict[int, list[int]] = {}
    for k, lab in enumerate(labels):
        clusters.setdefault(int(lab), []).append(k)
    raw = []
    for members in clusters.values():
        sub = sim[np.ix_(members, members)]
        mean_sim = sub.mean(axis=1) if len(members) > 1 else np.ones(1)

        def pref(j: int) -> tuple:
            s = units[members[j]]
            # a body sentence of normal length reads better than a headline or a fragment
            return (not s.heading and s.words >= 8, float(mean_sim[j]))

        rep = members[max(range(len(members)), key=pref)]
        fact_outlets = {outlet_of[units[k].article] for k in members}
        raw.append(
            {
                "members": [units[k].index for k in members],
                "outlets": [o for o in outlets if o in fact_outlets],
                "rep": units[rep].index,
                "label": fact_label(display_text(units[rep])),
                "cohesion": float(sub[np.triu_indices(len(members), 1)].mean()) if len(members) > 1 else 1.0,
                "first": min(units[k].index for k in members),
            }
        )
    # soft coverage: an outlet whose sentence is, on average, as similar to a fact's members as
    # the linkage threshold demands also carries the fact (the sentence went to another fact
    # because it carries two pieces of information)
    position = {s.index: k for k, s in enumerate(units)}
    for r in raw:
        members = [position[i] for i in r["members"]]
        avg = sim[:, members].mean(axis=1)
        covered: dict[str, list[int]] = {}
        if len(members) < 2:
            r["covered_by"] = {}
            r["all_outlets"] = list(r["outlets"])
            continue
        for k in np.nonzero(avg >= threshold + cover_margin)[0]:
            unit = units[int(k)]
            outlet = outlet_of[unit.article]
            if unit.index in r["members"] or outlet in r["outlets"]:
                continue
            covered.setdefault(outlet, []).append(unit.index)
        r["covered_by"] = covered
        carried = set(r["outlets"]) | set(covered)
        r["all_outlets"] = [o for o in outlets if o in carried]
    raw.sort(key=lambda r: (-len(r["all_outlets"]), -len(r["outlets"]), r["first"]))
    facts: list[Fact] = []
    fact_of: dict[int, str] = {}
    for i, r in enumerate(raw, start=1):
        fact = Fact(
            id=f"f{i}",
            sentences=sorted(r["members"]),
            outlets=r["all_outlets"],
            representative=r["rep"],
            label=r["label"],
            cohesion=round(r["cohesion"], 3),
            covered_by=r["covered_by"],
        )
        facts.append(fact)
        for s in fact.sentences:
            fact_of[s] = fact.id
    by_id = {f.id: f for f in facts}
    for s in duplicates:
        fid = fact_of.get(s.duplicate_of)
        if fid is not None:
            by_id[fid].sentences.append(s.index)
            by_id[fid].sentences.sort()
            fact_of[s.index] = fid
    return facts, fact_of


def fact_label(core: str, max_words: int = 14) -> str:
    words = core.split()
    text = " ".join(words[:max_words])
    return text + ("…" if len(words) > max_words else "")
