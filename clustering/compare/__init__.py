"""Framing comparison: how each outlet covered one story.

Entry point: :func:`compare_story`. Build its inputs with :class:`CompareArticle`,
:meth:`CompareParams.from_dict` and :meth:`Lexicons.from_dict` (the TOML tables named in
:data:`LEXICON_FILES`), or both at once with :func:`load_config`. Nothing here imports Flask, Redis, SQLAlchemy or ``service``, reads
files or loads an embedding model: the caller passes the embedder.
"""
from .articles import CompareArticle
from .config import load_config
from .engine import ENGINE_VERSION, compare_story, warm_up
from .evidence import check_offsets
from .lexicons import LEXICON_FILES, Lexicons
from .params import CompareParams

__all__ = [
    "CompareArticle",
    "CompareParams",
    "ENGINE_VERSION",
    "LEXICON_FILES",
    "Lexicons",
    "check_offsets",
    "compare_story",
    "load_config",
    "warm_up",
]
