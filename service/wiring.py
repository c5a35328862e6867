"""The composition root: build every collaborator from the settings, once. The app factory,
the CLI commands, the RQ jobs and the development tools all use :func:`build_services`, so
there is one code path. Nothing connects until first used.
"""
from __future__ import annotations

import logging
import time
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from clustering.cleaning import CleaningRules
from clustering.compare import load_config, warm_up
from clustering.embed import Embedder
from clustering.embed_backends import make_embedder
from clustering.params import AssignParams, TopicParams
from service.auth import KeyRing
from service.cache import Cache
from service.fetch.client import Fetcher, FetchLimits, user_agent
from service.fetch.coordination import Coordination
from service.fetch.guard import AddressPolicy
from service.fetch.robots import RobotsCache
from service.index.rows import StoryRows
from service.index.stories import StoryIndex
from service.jobs.queue import ComparisonOffload
from service.metrics import Metrics
from service.outlets import OutletRegistry
from service.params import IndexParams, MatchParams, SearchParams, search_tables
from service.settings import ROOT, Settings
from service.store import Database
from service.usecases.assignment import Assignment
from service.usecases.compare import Comparisons
from service.usecases.embeddings import CachedEmbedder
from service.usecases.ingest import Ingestor
from service.usecases.match import Matcher
from service.usecases.polling import Poller, PollParams
from service.usecases.read import Reader
from service.usecases.search import Search
from service.usecases.sources import SourceBook
from service.usecases.summaries import Summaries

log = logging.getLogger(__name__)


def read_toml(settings: Settings, relative: str) -> dict:
    """A TOML file named relative to the config directory (``config/x.toml``)."""
    with open(settings.path(relative), "rb") as fh:
        return tomllib.load(fh)


@dataclass
class Params:
    """Every parameter table of the settings, parsed (unknown keys fail at start)."""

    assign: AssignParams
    topics: TopicParams
    search: SearchParams
    index: IndexParams
    match: MatchParams

    @classmethod
    def from_settings(cls, settings: Settings) -> Params:
        """The tables of ``settings`` (``[clustering]`` with its ``topics``, ``[search]`` with
        its ``index`` and ``match``)."""
        clustering = dict(settings.clustering)
        topics = clustering.pop("topics", None) or {}
        search, index, match = search_tables(settings.search)
        return cls(AssignParams.from_dict(clustering), TopicParams.from_dict(topics), search, index, match)


@dataclass
class Services:
    """The service's collaborators, each built on first use."""

    settings: Settings
    db: Database
    cache: Cache
    embedder: Embedder
    registry: OutletRegistry
    rules: CleaningRules
    params: Params
    started_at: float = field(default_factory=time.time)
    metrics: Metrics = field(default_factory=Metrics)

    @property
    def assign_params(self) -> AssignParams:
        """The ``[clustering]`` parameters."""
        return self.params.assign

    @cached_property
    def cached_embedder(self) -> CachedEmbedder:
        """Embeddings through Redis, then the store, then the model (ingest writes new ones)."""
        return CachedEmbedder(self.embedder, self._embedding_cache_name, self.cache, self.db)

    @cached_property
    def query_embedder(self) -> CachedEmbedder:
        """As :attr:`cached_embedder`, but never writing to the store: search and match are
        anonymous reads and must not take the write lock (Redis still caches them)."""
        return CachedEmbedder(self.embedder, self._embedding_cache_name, self.cache, self.db, use_store=False)

    @property
    def _embedding_cache_name(self) -> str:
        # vectors of different backends must never share cache entries
        return getattr(self.embedder, "cache_name", self.settings.model)

    @cached_property
    def story_rows(self) -> StoryRows:
        """The process's story rows, shared by assignment, search and match."""
        return StoryRows(self.params.index.slack_seconds)

    @cached_property
    def story_index(self) -> StoryIndex:
        """The search index over :attr:`story_rows` (search and match)."""
        return StoryIndex(self.db, self.params.index, self.story_rows)

    @cached_property
    def assignment(self) -> Assignment:
        """Online assignment over :attr:`story_rows`."""
        return Assignment(self.params.assign, self.story_rows)

    @cached_property
    def ingestor(self) -> Ingestor:
        """The ingest use case."""
        return Ingestor(self.db, self.cached_embedder, self.registry, self.rules, self.assignment,
                        self.settings.max_text_chars, self.settings.max_title_chars)

    @cached_property
    def reader(self) -> Reader:
        """The read use cases."""
        return Reader(self.db)

    @cached_property
    def comparisons(self) -> Comparisons:
        """Framing comparisons, cached per story version."""
        params, lexicons = compare_config(self.settings)
        return Comparisons(self.db, self.cache, self.cached_embedder.encode, params, lexicons)

    @cached_property
    def search(self) -> Search:
        """Story search over :attr:`story_index`."""
        return build_search(self, self.story_index)

    @cached_property
    def matcher(self) -> Matcher:
        """Match, with its summaries (cold comparisons offloaded to a job worker)."""
        summaries = Summaries(self.cache, lambda: self.comparisons, self.params.match.summaries,
                              ComparisonOffload(self.settings))
        return Matcher(db=self.db, cache=self.cache, embedder=self.query_embedder, index=self.story_index,
                       assignment=self.assignment, registry=self.registry, rules=self.rules,
                       ingestor=lambda: self.ingestor, summaries=summaries, params=self.params.match,
                       metrics=self.metrics)

    @cached_property
    def sources(self) -> SourceBook:
        """The sources followed (feeds and sitemaps)."""
        return SourceBook(self.db, self.registry, self.settings.sources_default_interval_minutes)

    @cached_property
    def fetcher(self) -> Fetcher:
        """The HTTP client of the sources: public addresses only, capped, timed out."""
        return build_fetcher(self.settings)

    @cached_property
    def poller(self) -> Poller:
        """Polls sources into the ingest path."""
        st = self.settings
        agent = user_agent(st.fetch_contact_url)
        params = PollParams(max_items=st.sources_max_items_per_poll, max_backoff_minutes=st.sources_max_backoff_minutes,
                            host_delay_seconds=st.fetch_host_delay_seconds,
                            max_crawl_delay_seconds=st.fetch_max_crawl_delay_seconds,
                            # long enough for a poll that waits the longest crawl delay before each page
                            lock_seconds=int(min(6 * 3600, 300 + (st.sources_max_items_per_poll + 2) * (
                                max(st.fetch_host_delay_seconds, st.fetch_max_crawl_delay_seconds)
                                + st.fetch_total_timeout))))
        coordination = Coordination(st.redis_url or None, st.redis_prefix)
        robots = RobotsCache(self.fetcher, agent,
                             pace=lambda host: coordination.wait_turn(host, st.fetch_host_delay_seconds))
        return Poller(self.db, self.ingestor, self.fetcher, robots, coordination, params, self.metrics)

    @cached_property
    def keys(self) -> KeyRing:
        """The API keys."""
        return KeyRing(self.settings.api_keys, self.settings.api_keys_file or None, self.db)

    def warm(self, comparisons: bool = True) -> None:
        """Load the models a first request would otherwise wait for (once per process); with
        ``comparisons=False`` the comparison engine (spaCy) is left to its first use."""
        self.embedder.load()
        if comparisons:
            warm_up(*compare_config(self.settings))

    def warm_indexes(self) -> None:
        """Build the story index (its rows serve assignment too) from the store now, not on
        the first request that needs it. A store that does not answer is logged and left for
        that request to retry."""
        try:
            self.story_index.ensure_fresh()
        except Exception:  # warming is an optimisation: the first request builds it
            log.exception("could not warm the story index; the first request will build it")

    def close(self) -> None:
        """Close the database's connections (and the fetcher's, if one was opened)."""
        if "fetcher" in self.__dict__:
            self.fetcher.close()
        self.db.dispose()


def build_search(services: Services, index: StoryIndex | None = None) -> Search:
    """A search over ``index`` (None: an index of its own, following the store on its own:
    a second worker's copy, as tests and benchmarks want it)."""
    if index is None:
        index = StoryIndex(services.db, services.params.index)
    return Search(db=services.db, cache=services.cache, embedder=services.query_embedder, index=index,
                  params=services.params.search, metrics=services.metrics)


#: one loaded model per (name, batch size, backend, models dir) per process: tests and CLI
#: commands that build several apps reuse it instead of loading it again
_EMBEDDERS: dict[tuple[str, int, str, str], Embedder] = {}


def shared_embedder(name: str, batch_size: int, backend: str = "torch", models_dir: str = "var/models") -> Embedder:
    """The process's embedder for (model, batch size, backend): loaded at most once."""
    key = (name, batch_size, backend, models_dir)
    if key not in _EMBEDDERS:
        if backend == "torch":
            _EMBEDDERS[key] = Embedder(name, batch_size=batch_size)
        else:
            path = Path(models_dir)
            path = path if path.is_absolute() else ROOT / path
            _EMBEDDERS[key] = make_embedder(backend, name, batch_size, path)
    return _EMBEDDERS[key]


def build_fetcher(settings: Settings) -> Fetcher:
    """A :class:`Fetcher` with the settings' address policy, limits and User-Agent."""
    policy = AddressPolicy(allow_loopback=settings.fetch_allow_loopback,
                           allowed_ports=tuple(settings.fetch_allowed_ports))
    limits = FetchLimits(connect_timeout=settings.fetch_connect_timeout, read_timeout=settings.fetch_read_timeout,
                         total_timeout=settings.fetch_total_timeout, max_bytes=settings.fetch_max_bytes,
                         max_redirects=settings.fetch_max_redirects)
    return Fetcher(policy, limits, user_agent(settings.fetch_contact_url))


def build_services(settings: Settings) -> Services:
    """Read the config files named by the settings and build the collaborators."""
    db = Database(settings.sqlalchemy_url)
    return Services(
        settings=settings,
        db=db,
        cache=Cache(settings.redis_url or None, settings.redis_prefix, settings.analysis_version,
                    settings.cache_ttl_seconds, store=lambda: db.store_id),
        embedder=shared_embedder(settings.model, settings.embed_batch_size, settings.embed_backend,
                                 settings.models_dir),
        registry=OutletRegistry.from_dict(read_toml(settings, settings.outlets_file)),
        rules=CleaningRules.from_dict(read_toml(settings, settings.boilerplate_file)),
        params=Params.from_settings(settings),
    )


def compare_config(settings: Settings) -> tuple[Any, Any]:
    """The comparison engine's params and lexicons from config/ (``CompareParams``, ``Lexicons``)."""
    return load_config(lambda rel: read_toml(settings, rel), settings.compare or None)
