"""Which URLs newsprism may fetch: ``http``/``https`` to public addresses on allowed ports.

The host is resolved here, every address it resolves to is checked, and the caller connects
to the checked address itself (:mod:`service.fetch.client`), so a name that resolves to a
public address at check time and to a private one at connect time (DNS rebinding) gains
nothing. Redirects are checked again, hop by hop, by the client.
"""
from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchRefused(Exception):
    """The URL may not be fetched (scheme, port or address); the message says why."""


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (``address``) and what to ask for."""

    url: str
    scheme: str
    host: str
    port: int
    address: str


def address_problem(addr: IPAddress, allow_loopback: bool = False) -> str | None:
    """Why ``addr`` must not be contacted, or None for a public address.

    ``allow_loopback`` (tests and local development) admits loopback addresses only: private,
    link-local (cloud metadata), multicast and reserved addresses stay refused."""
    if isinstance(addr, ipaddress.IPv6Address):
        mapped = addr.ipv4_mapped or addr.sixtofour
        if mapped is not None:
            return address_problem(mapped, allow_loopback)
        if addr.teredo is not None:
            return "a Teredo tunnel address"
    if addr.is_loopback:
        return None if allow_loopback else "a loopback address"
    if addr.is_unspecified:
        return "an unspecified address"
    if addr.is_link_local:
        return "a link-local address (cloud metadata lives there)"
    if addr.is_multicast:
        return "a multicast address"
    if addr.is_reserved:
        return "a reserved address"
    if addr.is_private:
        return "a private address"
    if not addr.is_global:
        return "not a public address"
    return None


@dataclass
class AddressPolicy:
    """The rules a fetch obeys."""

    allow_loopback: bool = False
    allowed_ports: tuple[int, ...] = (80, 443)
    #: host -> addresses; None: the system resolver (tests inject DNS answers here)
    resolve: Callable[[str], list[str]] | None = field(default=None, repr=False)

    def check_address(self, address: str) -> None:
        """Raise :class:`FetchRefused` unless ``address`` (an IP literal) may be contacted."""
        try:
            addr = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            raise FetchRefused(f"{address!r} is not an IP address") from None
        problem = address_problem(addr, self.allow_loopback)
        if problem:
            raise FetchRefused(f"refused: {addr} is {problem}")

    def check(self, url: str) -> Target:
        """Resolve and check ``url``; returns where to connect.

        Raises:
            FetchRefused: not http(s), credentials in the URL, a port that is not allowed,
                a host that does not resolve, or any of its addresses is not public.
        """
        parts = urlsplit(url)
        scheme = (parts.scheme or "").lower()
        if scheme not in ("http", "https"):
            raise FetchRefused(f"refused: only http and https URLs are fetched (got {scheme or 'none'!r})")
        if parts.username or parts.password:
            raise FetchRefused("refused: the URL carries credentials")
        host = (parts.hostname or "").rstrip(".").lower()
        if not host:
            raise FetchRefused("refused: the URL has no host")
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            raise FetchRefused("refused: the URL's port is not a number") from None
        addresses = self._resolve(host, port)
        if not addresses:
            raise FetchRefused(f"refused: {host} does not resolve")
        for address in addresses:
            self.check_address(address)
        loopback_only = all(ipaddress.ip_address(a.split("%", 1)[0]).is_loopback for a in addresses)
        if port not in self.allowed_ports and not (self.allow_loopback and loopback_only):
            raise FetchRefused(f"refused: port {port} is not allowed (allowed: {', '.join(map(str, self.allowed_ports))})")
        return Target(url=url, scheme=scheme, host=host, port=port, address=addresses[0])

    def _resolve(self, host: str, port: int) -> list[str]:
        if self.resolve is not None:
            return list(self.resolve(host))
        try:
            ipaddress.ip_address(host)
            return [host]
        except ValueError:
            pass
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise FetchRefused(f"refused: {host} does not resolve ({exc})") from None
        seen: list[str] = []
        for info in infos:
            address = str(info[4][0])
            if address not in seen:
                seen.append(address)
        return seen
