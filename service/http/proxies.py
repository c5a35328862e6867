"""Trusted reverse proxies: the client's address from ``X-Forwarded-For``, only when the peer
that sent the request is a proxy of ours (setting ``trusted_proxies``, docs/deploy.md).

- a hop count ``n`` (>= 1): Werkzeug's ``ProxyFix`` with ``x_for=n``: every peer is a proxy
  (the app must be reachable only through them), the client is the n-th address from the right;
- a list of addresses and CIDR networks: :class:`TrustedProxies` applies ``ProxyFix`` only when
  the socket's peer is in the list, and then walks ``X-Forwarded-For`` from the right past the
  addresses that are themselves trusted proxies: the first one that is not is the client;
- ``0`` or an empty list: the header is ignored, the client is the socket's peer.

A client that sends ``X-Forwarded-For`` itself, without a trusted proxy in between, changes
nothing: its address is the socket's. A proxy appends the address it saw, so a forged value
that went through the proxy stands to the left of the real one and is not read.
``config/gunicorn.conf.py`` gives gunicorn's ``forwarded_allow_ips`` (which governs
``X-Forwarded-Proto``) the same trust, from :func:`gunicorn_allow_ips`.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from werkzeug.middleware.proxy_fix import ProxyFix

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def networks(addresses: Iterable[str]) -> list[Network]:
    """The list as networks (a plain address is a /32 or /128)."""
    return [ipaddress.ip_network(a, strict=False) for a in addresses]


def _address(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not text:
        return None
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[::1]:8000"
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # "10.0.0.1:5000"
        text = text.split(":", 1)[0]
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(addr, "ipv4_mapped", None)
    return mapped or addr


class TrustedProxies:
    """WSGI middleware: ``ProxyFix`` semantics for requests whose peer is in ``trusted``."""

    def __init__(self, app: Any, trusted: Iterable[str]) -> None:
        self.app = app
        self.trusted = networks(trusted)
        # one ProxyFix per depth (x_for = how many forwarded addresses to step back over)
        self._fixes: dict[int, ProxyFix] = {}

    def is_trusted(self, text: str | None) -> bool:
        addr = _address(text)
        return addr is not None and any(addr in net for net in self.trusted)

    def depth(self, forwarded_for: str) -> int:
        """How far from the right the client stands in ``X-Forwarded-For``: 1 + the trusted
        proxies appended after it (never beyond the header's length)."""
        hops = [h.strip() for h in forwarded_for.split(",")]
        n = 1
        while n < len(hops) and self.is_trusted(hops[-n]):
            n += 1
        return n

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        forwarded = environ.get("HTTP_X_FORWARDED_FOR")
        if not forwarded or not self.is_trusted(environ.get("REMOTE_ADDR")):
            return self.app(environ, start_response)
        n = self.depth(forwarded)
        fix = self._fixes.get(n)
        if fix is None:
            fix = self._fixes[n] = ProxyFix(self.app, x_for=n, x_proto=1)
        return fix(environ, start_response)


def wrap(app: Any, trusted: int | list[str]) -> Any:
    """``app`` behind the configured trust (unchanged when there is none)."""
    if isinstance(trusted, int):
        return ProxyFix(app, x_for=trusted, x_proto=1) if trusted > 0 else app
    return TrustedProxies(app, trusted) if trusted else app


def gunicorn_allow_ips(trusted: int | list[str]) -> str:
    """gunicorn's ``forwarded_allow_ips`` for the same trust: ``*`` for a hop count (every
    peer is a proxy), the list itself, or nobody."""
    if isinstance(trusted, int):
        return "*" if trusted > 0 else ""
    return ",".join(str(n) for n in networks(trusted))
