"""Request models (pydantic): validation at the boundary, messages that say how to fix it."""
from __future__ import annotations

import ipaddress
import re
from datetime import datetime, timedelta, timezone
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_LANG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
# far-future dates are typos or clock bugs; a day of slack covers time zones
MAX_FUTURE = timedelta(days=2)
MIN_DATE = datetime(1800, 1, 1, tzinfo=timezone.utc)


def _no_nul(value: str | None, field: str) -> str | None:
    if value is not None and "\x00" in value:
        raise ValueError(f"{field} contains a NUL character (\\u0000); remove it")
    return value


def check_public_url(url: str) -> str:
    """http(s) only, no credentials; returns the URL unchanged."""
    if len(url) > 2000:
        raise ValueError("url is longer than 2000 characters")
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        raise ValueError("url must start with http:// or https://")
    if not parts.hostname:
        raise ValueError("url has no host")
    if parts.username or parts.password:
        raise ValueError("url must not carry credentials (user:password@)")
    if any(c.isspace() for c in url):
        raise ValueError("url contains white space")
    return url


def is_private_host(host: str) -> bool:
    """True for loopback, private, link-local and reserved addresses and local names."""
    host = host.strip("[]").lower()
    if host in {"localhost", "localhost.localdomain"} or host.endswith((".local", ".internal", ".localhost")):
        return True
    try:
        addr = ipaddress.ip_address(host)
    except ValueError:
        return False
    return addr.is_private or addr.is_loopback or addr.is_link_local or addr.is_reserved or addr.is_multicast or addr.is_unspecified


def iso_datetime(value: Any) -> Any:
    """Dates are ISO 8601 strings only: a bare number is not silently read as a Unix time."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError("give an ISO 8601 date or date-time, e.g. 2025-01-29 or 2025-01-29T08:00:00Z")
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"[-+]?\d+(\.\d*)?([eE][-+]?\d+)?", text):
            raise ValueError("give an ISO 8601 date or date-time, e.g. 2025-01-29 or 2025-01-29T08:00:00Z")
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return text + "T00:00:00Z"
    return value


class ArticleIn(BaseModel):
    """One article to ingest. ``text`` or ``html`` is required; ``outlet`` may be omitted
    when the URL's domain is in the outlet registry."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={
        "anyOf": [{"required": ["title", "text"]}, {"required": ["html"]}]})

    id: str | None = Field(None, min_length=1, max_length=300, description="Client id, kept as external id")
    url: str | None = Field(None, description="Article URL (http or https)")
    outlet: str | None = Field(None, min_length=1, max_length=200)
    title: str | None = Field(None, min_length=1, description="Headline")
    text: str | None = Field(None, description="Article text (plain)")
    html: str | None = Field(None, description="Article HTML (the main text is extracted)")
    published_at: datetime | None = Field(None, description="ISO 8601 date or date-time")
    language: str | None = Field(None, description="BCP 47 language tag, e.g. en or en-GB")

    @field_validator("id", "outlet", "title", "text", "html", "url", "language")
    @classmethod
    def _strings(cls, value: str | None, info) -> str | None:
        return _no_nul(value, info.field_name)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else check_public_url(value)

    @field_validator("language")
    @classmethod
    def _lang(cls, value: str | None) -> str | None:
        if value is not None and not _LANG.match(value):
            raise ValueError("language must be a BCP 47 tag such as 'en' or 'en-GB'")
        return value

    @field_validator("published_at", mode="before")
    @classmethod
    def _date_string(cls, value: Any) -> Any:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raise ValueError("published_at must be an ISO 8601 string, e.g. 2025-01-29 or 2025-01-29T08:00:00Z")
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            return value.strip() + "T00:00:00Z"
        return value

    @field_validator("published_at")
    @classmethod
    def _date_range(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        value = value.astimezone(timezone.utc)
        if value > datetime.now(timezone.utc) + MAX_FUTURE:
            raise ValueError("published_at is in the future")
        if value < MIN_DATE:
            raise ValueError("published_at is before 1800")
        return value

    @model_validator(mode="after")
    def _body(self) -> "ArticleIn":
        if not self.text and not self.html:
            raise ValueError("give the article's 'text' or its 'html'")
        if not self.title and not self.html:
            raise ValueError("'title' is required (it may be omitted only with 'html' that has a <title>)")
        return self


class MatchIn(BaseModel):
    """The article a reader has open: its URL and/or its text or HTML."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: str | None = Field(None, description="The page's URL (http or https, public host). A stored URL is "
                                               "answered from the store; tracking parameters are ignored")
    title: str | None = Field(None, max_length=1000, description="Headline (taken from the HTML's <title> if absent)")
    text: str | None = Field(None, description="Article text (plain)")
    html: str | None = Field(None, description="Page HTML: the main text, title and date are extracted")
    ingest: bool = Field(False, description="Also store the article through the ingest pipeline (needs an API key)")
    outlet: str | None = Field(None, max_length=200, description="The reader's outlet (else from the URL's domain); "
                                                                 "left out of the other outlets")
    published_at: datetime | None = Field(None, description="ISO 8601 date or date-time; narrows candidates to "
                                                            "stories active around it")

    @field_validator("published_at", mode="before")
    @classmethod
    def _date_only(cls, value: Any) -> Any:
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            return value.strip() + "T00:00:00Z"
        return value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        check_public_url(value)
        if is_private_host(urlsplit(value).hostname or ""):
            raise ValueError("url points at a private, loopback or link-local address")
        return value

    @field_validator("title", "text", "html", "outlet")
    @classmethod
    def _strings(cls, value: str | None, info) -> str | None:
        return _no_nul(value, info.field_name)

    @model_validator(mode="after")
    def _something(self) -> "MatchIn":
        if not (self.url or self.text or self.html or self.title):
            raise ValueError("give at least one of 'url', 'text', 'html' or 'title'")
        return self


class StoryQuery(BaseModel):
    """Filters and pagination of the story list and search."""

    model_config = ConfigDict(extra="forbid")

    _dates = field_validator("since", "until", mode="before")(classmethod(lambda cls, v: iso_datetime(v)))

    q: str | None = Field(None, max_length=500, description="Search words: stories ranked by hybrid dense + keyword "
                                                            "relevance (recency breaks ties); without q, newest first")
    outlet: str | None = Field(None, max_length=200, description="Only stories this outlet covered (name or slug)")
    since: datetime | None = Field(None, description="Only stories active on or after this time")
    until: datetime | None = Field(None, description="Only stories that began on or before this time")
    min_outlets: int = Field(1, ge=1, le=1000, description="Only stories covered by at least this many outlets")
    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(20, ge=1, le=200)


class PageQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    page: int = Field(1, ge=1, le=1_000_000)
    per_page: int = Field(50, ge=1, le=500)
    outlet: str | None = Field(None, max_length=200)
    story_id: int | None = Field(None, ge=1, le=2**63 - 1)


class ExportQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    _dates = field_validator("since", "until", mode="before")(classmethod(lambda cls, v: iso_datetime(v)))

    format: Literal["jsonl", "csv"] = Field("jsonl", description="JSON Lines or CSV (with a header row)")
    since: datetime | None = Field(None, description="Articles published on or after (undated ones are left out)")
    until: datetime | None = Field(None, description="Articles published on or before (undated ones are left out)")
    outlet: str | None = Field(None, max_length=200, description="Only this outlet's articles (name or slug)")


class SourceIn(BaseModel):
    """A feed (RSS, Atom, JSON Feed) or news sitemap to follow, for an outlet of the registry."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: str = Field(..., min_length=1, max_length=2000, description="The feed's URL (http or https)")
    outlet: str = Field(..., min_length=1, max_length=200, description="An outlet of config/outlets.toml")
    interval_minutes: int | None = Field(None, ge=1, le=10_080, description="Minutes between polls")
