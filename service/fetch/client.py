"""An HTTP client that cannot be turned against the network it runs in.

Every hop of a fetch (the first request and each redirect, followed here by hand) is checked
by :class:`~service.fetch.guard.AddressPolicy`, and the connection goes to the address that
was checked (the URL's host is sent in the ``Host`` header and as the TLS server name, so
certificates are still verified against it); the connected peer is checked once more. Bodies
are streamed and cut at a size cap, within connect, read and total time limits.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from importlib import metadata
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from service.fetch.guard import AddressPolicy, FetchRefused, Target

REDIRECTS = {301, 302, 303, 307, 308}


class FetchError(Exception):
    """A fetch failed (timeout, connection, too large, too many redirects, wrong type)."""


def user_agent(contact_url: str) -> str:
    """``newsprism/<version> (+<contact URL>)``: names the crawler and where to reach its operator."""
    try:
        version = metadata.version("newsprism")
    except metadata.PackageNotFoundError:
        version = "0"
    return f"newsprism/{version} (+{contact_url})" if contact_url else f"newsprism/{version}"


@dataclass
class FetchResult:
    """A response: its final URL, status, headers and (capped) body."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes = b""
    truncated: bool = False
    redirects: int = 0

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()


@dataclass
class FetchLimits:
    """Timeouts (seconds), the body cap (bytes) and the redirect limit."""

    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    total_timeout: float = 60.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5


@dataclass
class Fetcher:
    """Fetches URLs under an :class:`AddressPolicy` and :class:`FetchLimits`."""

    policy: AddressPolicy
    limits: FetchLimits = field(default_factory=FetchLimits)
    agent: str = "newsprism"

    def __post_init__(self) -> None:
        timeout = httpx.Timeout(self.limits.read_timeout, connect=self.limits.connect_timeout)
        # no proxies from the environment, no automatic redirects: each hop is checked here;
        # no kept-alive connections: they are pooled by address, and a TLS connection verified
        # for one host name must not carry a request for another served from the same address
        self._client = httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False,
                                    headers={"User-Agent": self.agent},
                                    limits=httpx.Limits(max_keepalive_connections=0))

    def close(self) -> None:
        self._client.close()

    def get(self, url: str, headers: dict[str, str] | None = None, accept: tuple[str, ...] = (),
            max_bytes: int | None = None) -> FetchResult:
        """GET ``url``, following at most ``max_redirects`` checked redirects.

        A 2xx body must have one of the ``accept`` content types (prefix match; empty: any).
        The body is cut at ``max_bytes`` (``truncated`` says so). Non-2xx answers are returned
        with their status (the body is not read).

        Raises:
            FetchRefused: a hop's scheme, port or address is not allowed.
            FetchError: timeout, connection failure, too many redirects, wrong content type.
        """
        cap = max_bytes or self.limits.max_bytes
        deadline = time.monotonic() + self.limits.total_timeout
        current = url
        for hop in range(self.limits.max_redirects + 1):
            target = self.policy.check(current)
            result = self._once(target, headers or {}, accept, cap, deadline)
            result.redirects = hop
            if result.status in REDIRECTS and result.headers.get("location"):
                current = urljoin(current, result.headers["location"])
                continue
            return result
        raise FetchError(f"more than {self.limits.max_redirects} redirects")

    def _once(self, target: Target, headers: dict[str, str], accept: tuple[str, ...], cap: int,
              deadline: float) -> FetchResult:
        parts = urlsplit(target.url)
        address = f"[{target.address}]" if ":" in target.address else target.address
        default_port = 443 if target.scheme == "https" else 80
        netloc = address if target.port == default_port else f"{address}:{target.port}"
        host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
        direct = urlunsplit((target.scheme, netloc, parts.path or "/", parts.query, ""))
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        try:
            request = self._client.build_request("GET", direct, headers={**headers, "Host": host_header},
                                                 extensions=extensions)
            response = self._client.send(request, stream=True)
        except httpx.TimeoutException as exc:
            raise FetchError(f"timed out ({type(exc).__name__}) fetching {target.url}") from None
        except httpx.HTTPError as exc:
            raise FetchError(f"could not fetch {target.url}: {type(exc).__name__}: {exc}") from None
        try:
            self._check_peer(response)
            result = FetchResult(url=target.url, status=response.status_code,
                                 headers={k.lower(): v for k, v in response.headers.items()})
            if not 200 <= response.status_code < 300:
                return result
            if accept and not result.content_type.startswith(accept):
                raise FetchError(f"unexpected content type {result.content_type or 'none'!r} from {target.url}")
            chunks: list[bytes] = []
            size = 0
            try:
                for chunk in response.iter_bytes(65536):
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > cap:
                        result.truncated = True
                        break
                    if time.monotonic() > deadline:
                        raise FetchError(f"took longer than {self.limits.total_timeout:g}s fetching {target.url}")
            except httpx.TimeoutException as exc:
                raise FetchError(f"timed out ({type(exc).__name__}) reading {target.url}") from None
            except httpx.HTTPError as exc:
                raise FetchError(f"could not read {target.url}: {type(exc).__name__}") from None
            result.body = b"".join(chunks)[:cap]
            return result
        finally:
            response.close()

    def _check_peer(self, response: httpx.Response) -> None:
        stream = response.extensions.get("network_stream")
        peer = stream.get_extra_info("server_addr") if stream is not None else None
        if peer:
            try:
                self.policy.check_address(str(peer[0]))
            except FetchRefused:
                response.close()
                raise
