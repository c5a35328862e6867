"""The outlet registry (``config/outlets.toml``): resolve an outlet from a URL or a name."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlsplit


def slugify(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "outlet"


@dataclass(frozen=True)
class OutletInfo:
    name: str
    slug: str
    domains: tuple[str, ...] = ()
    country: str | None = None
    type: str | None = None
    #: a wire service (news agency): other outlets run its text as their own
    wire: bool = False


@dataclass
class OutletRegistry:
    """Outlets by domain and by name; subdomains match their parent domain."""

    outlets: list[OutletInfo] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_domain = {d.lower(): o for o in self.outlets for d in o.domains}
        self._by_name = {}
        for o in self.outlets:
            self._by_name[o.name.casefold()] = o
            self._by_name[o.slug] = o

    @classmethod
    def from_dict(cls, data: dict) -> "OutletRegistry":
        items = []
        for i, row in enumerate(data.get("outlet", [])):
            try:
                items.append(OutletInfo(name=row["name"], slug=row.get("slug") or slugify(row["name"]),
                                        domains=tuple(d.lower() for d in row.get("domains", [])),
                                        country=row.get("country"), type=row.get("type"),
                                        wire=bool(row.get("wire", False))))
            except KeyError as exc:
                raise ValueError(f"outlets.toml: outlet #{i + 1} lacks {exc}") from exc
        return cls(items)

    def by_url(self, url: str | None) -> OutletInfo | None:
        if not url:
            return None
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
        parts = host.split(".")
        for i in range(len(parts) - 1):
            hit = self._by_domain.get(".".join(parts[i:]))
            if hit:
                return hit
        return None

    def wire_services(self) -> set[str]:
        """Names of the outlets marked ``wire = true``."""
        return {o.name for o in self.outlets if o.wire}

    def by_name(self, name: str | None) -> OutletInfo | None:
        if not name:
            return None
        return self._by_name.get(name.strip().casefold()) or self._by_name.get(slugify(name))

    def resolve(self, name: str | None, url: str | None) -> str | None:
        """The outlet an article names, or else the one its URL's domain belongs to: the
        registry's spelling when it knows the outlet, else the given name (None when
        neither gives one)."""
        if name:
            known = self.by_name(name)
            return known.name if known else name
        info = self.by_url(url)
        return info.name if info else None
