"""Selectable embedding backends behind :class:`clustering.embed.Embedder`'s interface.

``make_embedder(backend, model_name, batch_size, model_dir)`` returns an object with
``load()``, ``encode(list[str]) -> float32 (n, dim) L2-normalised``, ``dim``, ``is_loaded``
and (after loading) ``load_seconds_`` and ``model_path_``:

* ``"torch"``: :class:`clustering.embed.Embedder` (sentence-transformers on torch), unchanged.
* ``"onnx-int8"``: :class:`OnnxEmbedder`, the same transformer exported to ONNX with int8
  weights (``<model_dir>/onnx-int8/model.onnx``) run by onnxruntime, with the model's own
  WordPiece tokenizer, mean pooling over the attention mask and the same 256-token limit.
  Its vectors are in the torch model's space (cosine about 0.98-0.99 to torch's).
* ``"static"``: :class:`StaticEmbedder`, a model2vec static model distilled from the packaged
  model (``<model_dir>/static``): a weighted mean of per-token vectors, no transformer at run
  time. Its vectors live in their own (256-dimensional) space.

The non-torch models are built offline by ``newsprism model build --backend X``
(:mod:`clustering.model_build`); a missing one raises :class:`ModelNotBuiltError` saying so.

Each backend embeds into a different space, so anything that stores or caches vectors must key
them by :func:`cache_model_name` (``model#backend``), not by the model name alone.
"""
from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from clustering.embed import DEFAULT_MODEL, Embedder, l2_normalize, resolve_model_path

BACKENDS: tuple[str, ...] = ("torch", "onnx-int8", "static")
#: Sub-directory of the models directory each built backend lives in.
BACKEND_DIRS: dict[str, str] = {"onnx-int8": "onnx-int8", "static": "static"}


@runtime_checkable
class EmbedderLike(Protocol):
    """What the pipeline needs from an embedder (all backends satisfy it)."""

    batch_size: int

    @property
    def is_loaded(self) -> bool: ...

    @property
    def dim(self) -> int: ...

    def load(self) -> Any: ...

    def encode(self, texts: list[str]) -> np.ndarray: ...


class ModelNotBuiltError(FileNotFoundError):
    """The selected backend's model has not been built (run ``newsprism model build``)."""

    def __init__(self, backend: str, path: Path) -> None:
        self.backend = backend
        self.path = path
        super().__init__(
            f"embedding backend {backend!r} has no built model at {path}: run "
            f"`newsprism model build --backend {backend}` first (it builds offline from the "
            f"packaged model), or set embed_backend = \"torch\""
        )


def cache_model_name(backend: str, model_name: str) -> str:
    """The name to key cached/stored embeddings by: vectors of different backends differ.

    Args:
        backend: One of :data:`BACKENDS`.
        model_name: The configured model name.

    Returns:
        ``model_name`` for torch (so existing caches stay valid), ``model_name#backend`` else.
    """
    return model_name if backend == "torch" else f"{model_name}#{backend}"


def backend_path(backend: str, model_dir: str | Path) -> Path:
    """Directory of a built backend under the models directory (``var/models/<backend>``)."""
    if backend not in BACKEND_DIRS:
        raise ValueError(f"backend {backend!r} has no built model (choose from {list(BACKEND_DIRS)})")
    return Path(model_dir).expanduser() / BACKEND_DIRS[backend]


def _read_build_info(path: Path) -> dict[str, Any]:
    info = path / "build.json"
    if info.exists():
        try:
            return json.loads(info.read_text())
        except (OSError, ValueError):
            return {}
    return {}


class OnnxEmbedder:
    """Int8 ONNX export of a BERT sentence-transformers model, run with onnxruntime.

    Args:
        model_dir: The built directory (``var/models/onnx-int8``) holding ``model.onnx`` and,
            normally, a copy of the tokenizer files.
        tokenizer_dir: Where ``tokenizer.json`` is if not in ``model_dir`` (the packaged
            model directory).
        batch_size: Texts per session run (texts are sorted by length first, as
            sentence-transformers does, so batches pad little).
        max_seq_length: Token limit per text (256, as the torch model).
        intra_op_num_threads: onnxruntime threads per run; 0 lets onnxruntime choose (one per
            physical core).
        allow_spinning: Let idle onnxruntime threads busy-wait for work. Off by default: on
            this 2-core machine with other processes running it cost about a fifth of the
            throughput (spinning threads steal the cores the working ones need).
        model_name: The configured model name (for :attr:`cache_name`).

    Attributes:
        model_path_: Path of the ``.onnx`` file (after ``load``).
        load_seconds_: Wall time of the load (after ``load``).
        build_info_: The ``build.json`` written by the build, or {}.
    """

    backend = "onnx-int8"

    def __init__(
        self,
        model_dir: str | Path,
        tokenizer_dir: str | Path | None = None,
        batch_size: int = 32,
        max_seq_length: int | None = 256,
        intra_op_num_threads: int = 0,
        model_name: str = DEFAULT_MODEL,
        allow_spinning: bool = False,
    ) -> None:
        self.allow_spinning = allow_spinning
        self.model_dir = Path(model_dir).expanduser()
        self.tokenizer_dir = Path(tokenizer_dir).expanduser() if tokenizer_dir else None
        self.batch_size = batch_size
        self.max_seq_length = max_seq_length
        self.intra_op_num_threads = intra_op_num_threads
        self.model_name = model_name
        self.cache_name = cache_model_name(self.backend, model_name)
        self._session: Any = None
        self._tokenizer: Any = None
        self._dim: int | None = None
        self._lock = threading.Lock()

    @property
    def onnx_path(self) -> Path:
        """The ``model.onnx`` file this embedder runs."""
        return self.model_dir / "model.onnx"

    @property
    def is_loaded(self) -> bool:
        """Whether the session is created."""
        return self._session is not None

    def _tokenizer_file(self) -> Path:
        for d in (self.model_dir, self.tokenizer_dir):
            if d is not None and (d / "tokenizer.json").exists():
                return d / "tokenizer.json"
        packaged = resolve_model_path(self.model_name)
        if (Path(packaged) / "tokenizer.json").exists():
            return Path(packaged) / "tokenizer.json"
        raise ModelNotBuiltError(self.backend, self.model_dir / "tokenizer.json")

    def load(self) -> "OnnxEmbedder":
        """Create the onnxruntime session and the tokenizer (idempotent).

        Raises:
            ModelNotBuiltError: ``model.onnx`` is missing.
        """
        if self._session is not None:
            return self
        with self._lock:
            if self._session is not None:
                return self
            if not self.onnx_path.exists():
                raise ModelNotBuiltError(self.backend, self.onnx_path)
            start = time.perf_counter()
            import onnxruntime as ort
            from tokenizers import Tokenizer

            tok = Tokenizer.from_file(str(self._tokenizer_file()))
            if self.max_seq_length:
                tok.enable_truncation(max_length=int(self.max_seq_length))
            else:
                tok.no_truncation()
            pad_id = tok.token_to_id("[PAD]")
            tok.enable_padding(pad_id=0 if pad_id is None else pad_id, pad_token="[PAD]")
            opts = ort.SessionOptions()
            opts.intra_op_num_threads = int(self.intra_op_num_threads)
            opts.inter_op_num_threads = 1
            opts.add_session_config_entry("session.intra_op.allow_spinning",
                                          "1" if self.allow_spinning else "0")
            opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            session = ort.InferenceSession(str(self.onnx_path), sess_options=opts,
                                           providers=["CPUExecutionProvider"])
            self._inputs = {i.name for i in session.get_inputs()}
            self.build_info_ = _read_build_info(self.model_dir)
            dim = self.build_info_.get("details", {}).get("dim")
            self._tokenizer = tok
            self._session = session
            self._dim = int(dim) if dim else None
            self.model_path_ = str(self.onnx_path)
            self.load_seconds_ = time.perf_counter() - start
        return self

    @property
    def dim(self) -> int:
        """Embedding dimension (loads the model)."""
        self.load()
        if self._dim is None:
            self._dim = int(self._run(["dimension probe"]).shape[1])
        return self._dim

    def _run(self, texts: list[str]) -> np.ndarray:
        encs = self._tokenizer.encode_batch(texts)
        ids = np.asarray([e.ids for e in encs], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in encs], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.asarray([e.type_ids for e in encs], dtype=np.int64)
        hidden = self._session.run(None, feeds)[0]
        m = mask[:, :, None].astype(np.float32)
        summed = (hidden * m).sum(axis=1)
        return summed / np.clip(m.sum(axis=1), 1e-9, None)

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed texts (same contract as :meth:`clustering.embed.Embedder.encode`).

        Returns:
            ``(len(texts), dim)`` float32, rows L2-normalised.
        """
        self.load()
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        # as sentence-transformers: strip, and batch texts of similar length together
        clean = [str(t).strip() for t in texts]
        order = np.argsort([-len(t) for t in clean], kind="stable")
        out: np.ndarray | None = None
        for s in range(0, len(clean), self.batch_size):
            idx = order[s:s + self.batch_size]
            vecs = self._run([clean[i] for i in idx])
            if out is None:
                out = np.empty((len(clean), vecs.shape[1]), dtype=np.float32)
            out[idx] = vecs
        assert out is not None
        return l2_normalize(out)


class StaticEmbedder:
    """model2vec static embeddings (mean of distilled token vectors).

    Args:
        model_dir: The built directory (``var/models/static``).
        batch_size: Texts per model2vec batch.
        max_length: Token limit per text (model2vec's default 512; None for no limit).
        model_name: The configured model name (for :attr:`cache_name`).

    Attributes:
        model_path_: The directory loaded (after ``load``).
        load_seconds_: Wall time of the load (after ``load``).
        build_info_: The ``build.json`` written by the build, or {}.
    """

    backend = "static"

    def __init__(
        self,
        model_dir: str | Path,
        batch_size: int = 32,
        max_length: int | None = 512,
        model_name: str = DEFAULT_MODEL,
    ) -> None:
        self.model_dir = Path(model_dir).expanduser()
        self.batch_size = batch_size
        self.max_length = max_length
        self.model_name = model_name
        self.cache_name = cache_model_name(self.backend, model_name)
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def is_loaded(self) -> bool:
        """Whether the vectors are in memory."""
        return self._model is not None

    def load(self) -> "StaticEmbedder":
        """Load the static model (idempotent).

        Raises:
            ModelNotBuiltError: The directory or its files are missing.
        """
        if self._model is not None:
            return self
        with self._lock:
            if self._model is not None:
                return self
            needed = ("config.json", "model.safetensors", "tokenizer.json")
            if not all((self.model_dir / f).exists() for f in needed):
                raise ModelNotBuiltError(self.backend, self.model_dir)
            start = time.perf_counter()
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            from model2vec import StaticModel

            model = StaticModel.from_pretrained(
                str(self.model_dir), normalize=True, max_length=self.max_length,
                force_download=False,
            )
            self.build_info_ = _read_build_info(self.model_dir)
            self._model = model
            self.model_path_ = str(self.model_dir)
            self.load_seconds_ = time.perf_counter() - start
        return self

    @property
    def dim(self) -> int:
        """Embedding dimension (loads the model)."""
        self.load()
        return int(self._model.dim)

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed texts (same contract as :meth:`clustering.embed.Embedder.encode`).

        Returns:
            ``(len(texts), dim)`` float32, rows L2-normalised (a text with no known token is a
            zero row).
        """
        self.load()
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:  # model2vec resets its tokenizer's truncation on every call
            vecs = self._model.encode(
                [str(t) for t in texts], batch_size=self.batch_size, use_multiprocessing=False,
                show_progress_bar=False,
            )
        return l2_normalize(np.asarray(vecs, dtype=np.float32).reshape(len(texts), -1))


def make_embedder(
    backend: str,
    model_name: str = DEFAULT_MODEL,
    batch_size: int = 32,
    model_dir: str | Path = "var/models",
    *,
    device: str = "cpu",
    max_seq_length: int | None = None,
    intra_op_num_threads: int = 0,
    check: bool = True,
) -> Embedder | OnnxEmbedder | StaticEmbedder:
    """An embedder for a backend, not yet loaded.

    Args:
        backend: ``"torch"``, ``"onnx-int8"`` or ``"static"``.
        model_name: The configured model (hub id, short name or local dir). torch loads it;
            the ONNX backend falls back to its tokenizer if the built dir has none.
        batch_size: Texts per forward pass.
        model_dir: The models directory (``settings.models_dir``, ``var/models``); backend X
            lives in ``<model_dir>/X``.
        device: Torch device (torch backend only).
        max_seq_length: Token limit; None keeps the model's own (256 for MiniLM; the ONNX
            backend uses the limit recorded at build time, else 256).
        intra_op_num_threads: onnxruntime threads (ONNX backend; 0 = onnxruntime's default).
        check: Raise now, not at first load, if the backend's model is not built.

    Returns:
        An object with ``load()``, ``encode()``, ``dim``, ``is_loaded``, ``load_seconds_``,
        ``batch_size``, ``backend`` and ``cache_name``.

    Raises:
        ValueError: Unknown backend.
        ModelNotBuiltError: ``check`` and the model is missing.
    """
    if backend == "torch":
        emb = Embedder(model_name, batch_size=batch_size, device=device,
                       max_seq_length=max_seq_length)
        emb.backend = "torch"  # type: ignore[attr-defined]
        emb.cache_name = cache_model_name("torch", model_name)  # type: ignore[attr-defined]
        return emb
    if backend == "onnx-int8":
        path = backend_path(backend, model_dir)
        if check and not (path / "model.onnx").exists():
            raise ModelNotBuiltError(backend, path / "model.onnx")
        if max_seq_length is None:
            max_seq_length = int(_read_build_info(path).get("details", {}).get("max_seq_length", 256))
        return OnnxEmbedder(path, batch_size=batch_size, max_seq_length=max_seq_length,
                            intra_op_num_threads=intra_op_num_threads, model_name=model_name)
    if backend == "static":
        path = backend_path(backend, model_dir)
        if check and not (path / "model.safetensors").exists():
            raise ModelNotBuiltError(backend, path)
        return StaticEmbedder(path, batch_size=batch_size, model_name=model_name)
    raise ValueError(f"unknown embedding backend {backend!r}; choose from {list(BACKENDS)}")
