"""Distinctive terms: BERTopic's c-TF-IDF maths, stop words, self-references, boilerplate."""
from __future__ import annotations

import numpy as np
import pytest

from clustering.compare.terms import ctfidf
from tests.test_compare_helpers import DOCK_STRIKE, article, compare, hashing_embed, outlet


def test_ctfidf_matches_bertopic():
    pytest.importorskip("bertopic", reason="BERTopic is the reference implementation")
    from bertopic.vectorizers import ClassTfidfTransformer
    from scipy.sparse import csr_matrix

    rng = np.random.default_rng(0)
    counts = rng.integers(0, 5, size=(4, 30)).astype(float)
    counts[:, 0] = 0
    counts[0, 0] = 3  # a term only one class uses
    reference = ClassTfidfTransformer().fit_transform(csr_matrix(counts)).toarray()
    np.testing.assert_allclose(ctfidf(counts), reference, rtol=1e-9, atol=1e-12)


def test_terms_are_what_one_outlet_says_more():
    result = compare(DOCK_STRIKE, hashing_embed)
    wire = [t["term"] for t in outlet(result, "Coastal Wire")["distinctive_terms"]]
    assert "ferry" in wire or "blueline" in wire
    for o in result["outlets"]:
        terms = [t["term"] for t in o["distinctive_terms"]]
        assert all(t["score"] > 0 for t in o["distinctive_terms"])
        assert not {"said", "monday", "the", "mr"} & set(terms)


def test_spelling_variants_are_not_terms():
    result = compare(DOCK_STRIKE, hashing_embed)
    herald = [t["term"] for t in outlet(result, "Harbour Herald")["distinctive_terms"]]
    daily = [t["term"] for t in outlet(result, "Valdria Daily")["distinctive_terms"]]
    assert "kovac" not in daily and "kovach" not in [t["term"] for t in outlet(result, "Coastal Wire")["distinctive_terms"]]
    assert all(not t.startswith("kovac") for t in herald if t != "kovač")


def test_own_name_and_boilerplate_sentences_never_show_up():
    arts = DOCK_STRIKE[:2] + [
        article(
            3,
            "Coastal Wire",
            "Strike at Valdria docks halts cargo",
            "Cargo traffic at Valdria's port stopped on Monday, a harbour official told Coastal Wire.\n\n"
            "Your support helps keep independent journalism alive: become a patron today.\n\n"
            "Please support our journalism with a monthly donation to Coastal Wire.",
        )
    ]
    result = compare(arts, hashing_embed)
    wire = outlet(result, "Coastal Wire")
    words = {w for t in wire["distinctive_terms"] for w in t["term"].split()}
    assert not words & {"coastal", "wire", "support", "journalism", "patron", "donation", "monthly"}
    assert result["meta"]["boilerplate_sentences_dropped"] == 2
