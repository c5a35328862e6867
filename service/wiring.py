"""Build every collaborator from the settings, once: the app and the CLI share this."""
from __future__ import annotations

import logging
import time
import tomllib
from pathlib import Path
from dataclasses import dataclass, field
from functools import cached_property

from clustering.assign import AssignParams
from clustering.cleaning import CleaningRules
from clustering.embed import Embedder
from service.auth import KeyRing
from service.cache import Cache
from service.metrics import Metrics
from service.outlets import OutletRegistry
from service.pipeline.assigning import StoryAssignment
from service.pipeline.compare import Comparisons
from service.pipeline.embeddings import CachedEmbedder
from service.pipeline.ingest import Ingestor
from service.pipeline.stories import Reader
from service.settings import ROOT, Settings
from service.store import Database

log = logging.getLogger(__name__)


def read_toml(settings: Settings, relative: str) -> dict:
    path = settings.path(relative)
    with open(path, "rb") as fh:
        return tomllib.load(fh)


@dataclass
class Services:
    """The service's collaborators. Nothing connects until first used."""

    settings: Settings
    db: Database
    cache: Cache
    embedder: Embedder
    registry: OutletRegistry
    rules: CleaningRules
    assign_params: AssignParams
    started_at: float = field(default_factory=time.time)
    metrics: Metrics = field(default_factory=Metrics)

    @cached_property
    def cached_embedder(self) -> CachedEmbedder:
        # vectors of different backends must never share cache entries
        name = getattr(self.embedder, "cache_name", self.settings.model)
        return CachedEmbedder(self.embedder, name, self.cache, self.db)

    @cached_property
    def assignment(self) -> StoryAssignment:
        return StoryAssignment(self.assign_params)

    @cached_property
    def ingestor(self) -> Ingestor:
        return Ingestor(self.db, self.cached_embedder, self.registry, self.rules, self.assignment,
                        self.settings.max_text_chars, self.settings.max_title_chars)

    @cached_property
    def reader(self) -> Reader:
        return Reader(self.db)

    @cached_property
    def comparisons(self) -> Comparisons:
        params, lexicons = compare_config(self.settings)
        return Comparisons(self.db, self.cache, self.cached_embedder.encode, params, lexicons)

    @cached_property
    def search(self):  # noqa: ANN201 - service.pipeline.search.SearchService (imported lazily)
        from service.pipeline.search import build_search

        return build_search(self)

    @cached_property
    def keys(self) -> KeyRing:
        return KeyRing(self.settings.api_keys, self.settings.api_keys_file or None, self.db)

    def warm(self, comparisons: bool = True) -> None:
        """Load the models a first request would otherwise wait for (once per process); with
        ``comparisons=False`` the comparison engine (spaCy) is left to its first use."""
        self.embedder.load()
        if not comparisons:
            return
        from clustering.compare import warm_up

        params, lexicons = compare_config(self.settings)
        warm_up(params, lexicons)

    def warm_indexes(self) -> None:
        """Build the per-process indexes (search, assignment candidates) from the store now,
        not on the first request that needs them. A store that does not answer is logged and
        left for that request to retry."""
        try:
            self.search.index.ensure_fresh()
            with self.db.session() as s:
                self.assignment.warm(s)
        except Exception:  # noqa: BLE001 - warming is an optimisation
            log.exception("could not warm the indexes; the first request will build them")

    def close(self) -> None:
        self.db.dispose()


#: one loaded model per (name, batch size) per process: tests and CLI commands that build
#: several apps reuse it instead of loading it again
_EMBEDDERS: dict[tuple[str, int, str, str], Embedder] = {}


def shared_embedder(name: str, batch_size: int, backend: str = "torch", models_dir: str = "var/models") -> Embedder:
    """The process's embedder for (model, batch size, backend): loaded at most once."""
    key = (name, batch_size, backend, models_dir)
    if key not in _EMBEDDERS:
        if backend == "torch":
            _EMBEDDERS[key] = Embedder(name, batch_size=batch_size)
        else:
            from clustering.embed_backends import make_embedder

            path = Path(models_dir)
            path = path if path.is_absolute() else ROOT / path
            _EMBEDDERS[key] = make_embedder(backend, name, batch_size, path)
    return _EMBEDDERS[key]


def build_services(settings: Settings) -> Services:
    """Read the config files named by the settings and build the collaborators."""
    redis_url = settings.redis_url or None
    return Services(
        settings=settings,
        db=Database(settings.sqlalchemy_url),
        cache=Cache(redis_url, settings.redis_prefix, settings.analysis_version, settings.cache_ttl_seconds),
        embedder=shared_embedder(settings.model, settings.embed_batch_size, settings.embed_backend,
                                 settings.models_dir),
        registry=OutletRegistry.from_dict(read_toml(settings, settings.outlets_file)),
        rules=CleaningRules.from_dict(read_toml(settings, settings.boilerplate_file)),
        assign_params=AssignParams.from_dict(settings.clustering),
    )


def compare_config(settings: Settings):  # noqa: ANN201
    """The comparison engine's params and lexicons, from config/ (None: the engine's defaults)."""
    try:
        from clustering.compare import load_config
    except ImportError:
        return None, None
    return load_config(lambda rel: read_toml(settings, rel), settings.compare or None)
