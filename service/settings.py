"""One typed settings object: ``config/default.toml`` (every default, in one place), then
the file ``NEWSPRISM_CONFIG`` names (if any), then ``NEWSPRISM_*`` environment variables, then
explicit overrides (tests). A bad value is an error naming its source.
"""
from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

ENV_PREFIX = "NEWSPRISM_"
#: variables read by config/gunicorn.conf.py, the tests or the CLI, not by Settings
NON_SETTINGS = {"config", "bind", "workers", "threads", "timeout", "access_log", "max_requests",
                "gunicorn_conf", "test_database_url", "test_redis_url", "key"}
ROOT = Path(__file__).resolve().parents[1]
DEFAULTS = ROOT / "config" / "default.toml"


class SettingsError(ValueError):
    """A configuration value could not be parsed; the message names the variable."""


class Settings(BaseModel):
    """Everything the service reads from configuration, typed and validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # the values are in config/default.toml (the one place for defaults), always read first
    database_url: str
    redis_url: str
    redis_prefix: str
    api_keys: list[str]
    api_keys_file: str
    model: str
    embed_backend: Literal["torch", "onnx-int8", "static"]
    embed_batch_size: int = Field(ge=1, le=4096)
    models_dir: str
    max_batch: int = Field(ge=1, le=100_000)
    max_body_bytes: int = Field(ge=1_000)
    max_text_chars: int = Field(ge=100)
    max_title_chars: int = Field(ge=10)
    cache_ttl_seconds: int = Field(ge=1)
    analysis_version: str
    cors_origins: list[str]
    rate_limit_read: str
    rate_limit_write: str
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"]
    preload_model: bool
    preload_model_in_workers: bool
    outlets_file: str
    boilerplate_file: str
    #: parameter tables (their defaults are the parameter classes': clustering.params,
    #: clustering.compare.params, service.params)
    clustering: dict[str, Any]
    compare: dict[str, Any]
    search: dict[str, Any]
    #: sources: polling feeds and fetching pages (docs/sources.md)
    sources_file: str
    sources_tick_seconds: int = Field(ge=1, le=3600)
    sources_default_interval_minutes: int = Field(ge=1, le=10_080)
    sources_max_items_per_poll: int = Field(ge=1, le=1000)
    sources_max_backoff_minutes: int = Field(ge=1, le=100_000)
    fetch_contact_url: str
    fetch_allow_loopback: bool
    fetch_allowed_ports: list[int]
    fetch_connect_timeout: float = Field(gt=0, le=120)
    fetch_read_timeout: float = Field(gt=0, le=600)
    fetch_total_timeout: float = Field(gt=0, le=3600)
    fetch_max_bytes: int = Field(ge=10_000)
    fetch_max_redirects: int = Field(ge=0, le=20)
    fetch_host_delay_seconds: float = Field(ge=0, le=600)
    fetch_max_crawl_delay_seconds: float = Field(ge=0, le=3600)
    #: the directory ``config/...`` paths resolve in: that of the config file
    config_dir: str
    #: set by tests
    testing: bool = False

    @field_validator("api_keys", "cors_origins", "fetch_allowed_ports", mode="before")
    @classmethod
    def _split_csv(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("database_url")
    @classmethod
    def _db_scheme(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must start with sqlite:// or postgresql:// (e.g. postgresql+psycopg://user@host/db)")
        return value

    def path(self, relative: str) -> Path:
        """Resolve a config-relative path (``config/x.toml``) against the repository root."""
        p = Path(relative)
        if p.is_absolute():
            return p
        if p.parts and p.parts[0] == "config":
            return Path(self.config_dir).joinpath(*p.parts[1:])
        return ROOT / p

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL with the psycopg 3 driver and SQLite paths made absolute."""
        url = self.database_url
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        if url.startswith("sqlite:///") and not url.startswith("sqlite:////") and url != "sqlite:///:memory:":
            rel = url[len("sqlite:///"):]
            url = "sqlite:///" + str((ROOT / rel).resolve())
        return url


def _coerce_env(name: str, raw: str, annotation: Any) -> Any:
    """Env values are strings; lists accept CSV or JSON, dicts JSON, the rest pydantic parses."""
    text = raw.strip()
    if text.startswith(("[", "{")):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise SettingsError(f"{name}: not valid JSON ({exc.msg})") from exc
    return raw


def _env_overrides(environ: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    fields = Settings.model_fields
    for key, raw in environ.items():
        if not key.startswith(ENV_PREFIX):
            continue
        name = key[len(ENV_PREFIX):].lower()
        if name in NON_SETTINGS:
            continue
        top, *path = name.split("__")
        if top not in fields:
            raise SettingsError(f"{key}: unknown setting (known: {', '.join(sorted(fields))})")
        if path:
            # a knob of a parameter table, e.g. NEWSPRISM_CLUSTERING__TOPICS__PCA_COMPONENTS
            table = out.setdefault(top, {})
            for part in path[:-1]:
                table = table.setdefault(part, {})
            table[path[-1]] = _parse_scalar(raw)
        else:
            out[top] = _coerce_env(key, raw, fields[top].annotation)
    return out


def _parse_scalar(raw: str) -> Any:
    """Nested values (clustering knobs) are parsed as TOML scalars: numbers, booleans, strings."""
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_toml(path: Path, name: str) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SettingsError(f"{name}: no such file {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: {exc}") from exc


def load_settings(overrides: dict[str, Any] | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Build the settings: ``config/default.toml``, then ``NEWSPRISM_CONFIG``'s file, then the
    environment, then ``overrides``.

    Raises:
        SettingsError: a value is malformed; the message names the variable or key.
    """
    environ = dict(os.environ if environ is None else environ)
    data = _read_toml(DEFAULTS, "config/default.toml")
    config_file = DEFAULTS
    if environ.get(ENV_PREFIX + "CONFIG"):
        config_file = Path(environ[ENV_PREFIX + "CONFIG"])
        data = _merge(data, _read_toml(config_file, "NEWSPRISM_CONFIG"))
    data.setdefault("config_dir", str(config_file.parent))
    data = _merge(data, _env_overrides(environ))
    data = _merge(data, overrides or {})
    try:
        settings = Settings(**data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"])
            env_name = ENV_PREFIX + field.upper().replace(".", "__")
            problems.append(f"{env_name} (setting '{field}'): {err['msg']}")
        raise SettingsError("invalid configuration: " + "; ".join(problems)) from None
    return settings
