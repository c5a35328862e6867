"""Behind a real reverse proxy on loopback: gunicorn (the real entrypoint) with a small
stdlib proxy in front that appends the client's address to X-Forwarded-For, as nginx does.
Clients connect from distinct loopback addresses (127.0.0.2, 127.0.0.3, ...), so each has a
real address of its own; the proxy reaches gunicorn from 127.0.0.1."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

import httpx
import pytest

from service.devtools.proxy import ReverseProxy
from tests.conftest import API_KEY, REDIS_URL
from tests.servers import gunicorn

LIMIT = 3
QUICK = dict(NEWSPRISM_PRELOAD_MODEL="false", NEWSPRISM_PRELOAD_MODEL_IN_WORKERS="false",
             NEWSPRISM_RATE_LIMIT_READ=f"{LIMIT}/hour")  # an hour: no window ends mid-test


def client_from(address: str, base: str) -> httpx.Client:
    """An HTTP client whose connections leave from ``address`` (any of 127.0.0.0/8)."""
    return httpx.Client(base_url=base, timeout=30, transport=httpx.HTTPTransport(local_address=address))


def reads(client: httpx.Client, n: int, **headers: str) -> list[int]:
    return [client.get("/api/v1/articles", headers=headers).status_code for _ in range(n)]


@contextlib.contextmanager
def served(tmp_path, redis_prefix, trusted: str) -> Iterator[tuple[str, str]]:
    """(gunicorn's URL, the proxy's URL) for the trusted-proxies setting ``trusted``."""
    with gunicorn(f"sqlite:///{tmp_path}/proxy.db", REDIS_URL, redis_prefix, API_KEY, workers=2,
                  NEWSPRISM_TRUSTED_PROXIES=trusted, **QUICK) as base:
        with ReverseProxy(base) as proxy:
            yield base, proxy.url


@pytest.mark.parametrize("trusted", ["127.0.0.1", "1"], ids=["address-list", "hop-count"])
def test_clients_behind_a_trusted_proxy_have_limits_of_their_own(tmp_path, redis_prefix, trusted):
    with served(tmp_path, redis_prefix, trusted) as (_, proxy):
        with client_from("127.0.0.2", proxy) as a, client_from("127.0.0.3", proxy) as b:
            assert reads(a, LIMIT + 2) == [200] * LIMIT + [429, 429]
            limited = a.get("/api/v1/articles")
            # B, another address behind the same proxy, is not affected by A
            assert reads(b, LIMIT) == [200] * LIMIT
            assert b.get("/api/v1/articles").status_code == 429
    assert limited.headers["Content-Type"].startswith("application/problem+json")
    assert limited.json()["status"] == 429
    assert 0 < int(limited.headers["Retry-After"]) <= 3600


def test_a_forged_forwarded_for_is_limited_by_the_real_address(tmp_path, redis_prefix):
    with served(tmp_path, redis_prefix, "127.0.0.1") as (base, proxy):
        # straight to gunicorn from an address that is not a trusted proxy: a new forged
        # address each time changes nothing
        with client_from("127.0.0.4", base) as direct:
            codes = [direct.get("/api/v1/articles", headers={"X-Forwarded-For": f"10.1.2.{i}"}).status_code
                     for i in range(LIMIT + 2)]
            assert codes == [200] * LIMIT + [429, 429]
        # through the proxy, a forged value stands left of the address the proxy appends
        with client_from("127.0.0.5", proxy) as via:
            codes = [via.get("/api/v1/articles", headers={"X-Forwarded-For": f"10.3.4.{i}"}).status_code
                     for i in range(LIMIT + 2)]
            assert codes == [200] * LIMIT + [429, 429]
        # and neither used up another client's budget
        with client_from("127.0.0.6", proxy) as other:
            assert reads(other, 1) == [200]


def test_without_a_trusted_proxy_the_header_is_ignored(tmp_path, redis_prefix):
    with served(tmp_path, redis_prefix, "") as (base, proxy):
        # everyone behind the proxy is the proxy (127.0.0.1): one bucket for all of them
        with client_from("127.0.0.2", proxy) as a, client_from("127.0.0.3", proxy) as b:
            assert reads(a, LIMIT) == [200] * LIMIT
            assert b.get("/api/v1/articles").status_code == 429
        # a direct client's own header is ignored too
        with client_from("127.0.0.7", base) as direct:
            codes = [direct.get("/api/v1/articles", headers={"X-Forwarded-For": f"10.5.6.{i}"}).status_code
                     for i in range(LIMIT + 1)]
            assert codes == [200] * LIMIT + [429]
