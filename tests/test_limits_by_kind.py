"""Limits per kind of user (service/http/limits.py) and the trusted-proxy middleware
(service/http/proxies.py), through the Flask test client with small limits. The addresses
are set as a server would (REMOTE_ADDR); tests/test_proxy.py does the same behind a real proxy."""
from __future__ import annotations

import pytest

from service.http.proxies import TrustedProxies, gunicorn_allow_ips, wrap
from service.settings import SettingsError, load_settings
from tests.conftest import AUTH, make_app

MATCH = {"title": "Council closes the river bridge for repairs",
         "text": "The city council voted to close the river bridge for three months of repairs to its deck."}


def match(client, address: str, install_id: str | None = None, **headers: str):
    if install_id is not None:
        headers["X-Newsprism-Client"] = install_id
    return client.post("/api/v1/match", json=MATCH, headers=headers, environ_base={"REMOTE_ADDR": address})


@pytest.fixture
def limited(sqlite_url, redis_prefix, embedder):
    app = make_app(sqlite_url, redis_prefix, rate_limit_match_client="2/hour", rate_limit_match_address="5/hour",
                   rate_limit_read="100/hour", rate_limit_read_uncached="2/hour", rate_limit_write="100/hour")
    yield app
    app.extensions["newsprism"].close()


def test_match_is_limited_per_install_id_not_per_address(limited):
    c = limited.test_client()
    assert [match(c, "10.0.0.1", "install-a").status_code for _ in range(3)] == [200, 200, 429]
    refused = match(c, "10.0.0.1", "install-a")
    assert refused.mimetype == "application/problem+json" and refused.get_json()["status"] == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    # another install at the same address (a classmate behind the school's NAT) is not affected
    assert match(c, "10.0.0.1", "install-b").status_code == 200


def test_match_without_an_install_id_is_keyed_by_the_address(limited):
    c = limited.test_client()
    assert [match(c, "10.0.0.2").status_code for _ in range(3)] == [200, 200, 429]
    # an oversized id is no id
    assert match(c, "10.0.0.2", "x" * 500).status_code == 429
    assert match(c, "10.0.0.3").status_code == 200


def test_one_address_has_a_ceiling_whatever_the_install_ids(limited):
    c = limited.test_client()
    codes = [match(c, "10.0.0.4", f"rotating-{i}").status_code for i in range(7)]
    assert codes == [200] * 5 + [429, 429]
    assert match(c, "10.0.0.5", "rotating-0").status_code == 200


def test_match_with_an_api_key_counts_against_the_key(limited):
    c = limited.test_client()
    assert [match(c, "10.0.0.6", "install-k", **AUTH).status_code for _ in range(4)] == [200] * 4


def test_cached_answers_and_static_files_cost_little(limited):
    c = limited.test_client()
    article = {"id": "bridge-1", "outlet": "Capital Wire", "title": MATCH["title"], "text": MATCH["text"]}
    assert c.post("/api/v1/articles", json=article, headers=AUTH).status_code == 201
    env = {"REMOTE_ADDR": "10.0.1.1"}
    first = c.get("/api/v1/articles/bridge-1", environ_base=env)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    # answers the client already holds (304) are not counted as computed reads
    for _ in range(5):
        assert c.get("/api/v1/articles/bridge-1", headers={"If-None-Match": etag}, environ_base=env).status_code == 304
    # nor are static files, the plotly bundle or health
    for path in ("/static/site.css", "/vendor/plotly.min.js", "/api/v1/health"):
        assert all(c.get(path, environ_base=env).status_code == 200 for _ in range(3)), path
    assert c.get("/api/v1/outlets", environ_base=env).status_code == 200   # computed read 2 of 2
    refused = c.get("/api/v1/articles", environ_base=env)  # the third is refused
    assert refused.status_code == 429 and refused.get_json()["status"] == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    # and, that budget spent, this address's reads wait for the window (cached or not)
    assert c.get("/api/v1/articles/bridge-1", headers={"If-None-Match": etag}, environ_base=env).status_code == 429
    assert c.get("/api/v1/articles", environ_base={"REMOTE_ADDR": "10.0.1.2"}).status_code == 200


def test_reads_share_one_bucket_per_address(sqlite_url, redis_prefix, embedder):
    app = make_app(sqlite_url, redis_prefix, rate_limit_read="3/hour")
    c = app.test_client()
    env = {"REMOTE_ADDR": "10.0.2.1"}
    codes = [c.get(p, environ_base=env).status_code for p in ("/api/v1/articles", "/api/v1/outlets", "/", "/api/v1/stories")]
    assert codes == [200, 200, 200, 429]
    app.extensions["newsprism"].close()


# ---------------------------------------------------------------- the proxy middleware

def seen(app, remote: str, forwarded: str | None = None) -> tuple[str, str]:
    """(REMOTE_ADDR, wsgi.url_scheme) as the wrapped application sees them."""
    got = {}

    def inner(environ, start_response):
        got.update(addr=environ["REMOTE_ADDR"], scheme=environ["wsgi.url_scheme"])
        return []

    environ = {"REMOTE_ADDR": remote, "wsgi.url_scheme": "http"}
    if forwarded is not None:
        environ["HTTP_X_FORWARDED_FOR"] = forwarded
        environ["HTTP_X_FORWARDED_PROTO"] = "https"
    wrap(inner, app)(environ, lambda *a: None)
    return got["addr"], got["scheme"]


def test_an_address_list_trusts_only_its_peers_and_skips_inner_proxies():
    trusted = ["10.0.0.0/8", "2001:db8::1"]
    assert seen(trusted, "10.0.0.1", "203.0.113.7") == ("203.0.113.7", "https")
    # two of our proxies in a row: the first address that is not ours is the client
    assert seen(trusted, "10.0.0.1", "198.51.100.1, 203.0.113.7, 10.0.0.2")[0] == "203.0.113.7"
    assert seen(trusted, "2001:db8::1", "203.0.113.8")[0] == "203.0.113.8"
    # only proxies in the header: the leftmost stands for the client
    assert seen(trusted, "10.0.0.1", "10.0.0.3, 10.0.0.2")[0] == "10.0.0.3"
    # a peer that is not trusted: nothing changes
    assert seen(trusted, "192.0.2.1", "203.0.113.9") == ("192.0.2.1", "http")
    assert seen(trusted, "10.0.0.1") == ("10.0.0.1", "http")


def test_a_hop_count_reads_that_many_from_the_right_and_zero_reads_nothing():
    assert seen(1, "192.0.2.1", "198.51.100.1, 203.0.113.7")[0] == "203.0.113.7"
    assert seen(2, "192.0.2.1", "198.51.100.1, 203.0.113.7")[0] == "198.51.100.1"
    # fewer addresses than hops: the header is not believed
    assert seen(2, "192.0.2.1", "203.0.113.7")[0] == "192.0.2.1"
    assert seen(0, "192.0.2.1", "203.0.113.7") == ("192.0.2.1", "http")
    assert seen([], "192.0.2.1", "203.0.113.7") == ("192.0.2.1", "http")


def test_trusted_proxies_setting_and_gunicorn_allow_list():
    assert load_settings(environ={"NEWSPRISM_TRUSTED_PROXIES": "2"}).trusted_proxies == 2
    assert load_settings(environ={"NEWSPRISM_TRUSTED_PROXIES": ""}).trusted_proxies == 0
    listed = load_settings(environ={"NEWSPRISM_TRUSTED_PROXIES": "10.0.0.5, 172.16.0.0/12"}).trusted_proxies
    assert listed == ["10.0.0.5", "172.16.0.0/12"]
    assert load_settings().trusted_proxies == 0
    for bad in ("nginx", "10.0.0.300", "11"):
        with pytest.raises(SettingsError, match="NEWSPRISM_TRUSTED_PROXIES"):
            load_settings(environ={"NEWSPRISM_TRUSTED_PROXIES": bad})
    with pytest.raises(SettingsError, match="NEWSPRISM_RATE_LIMIT_MATCH_CLIENT"):
        load_settings(environ={"NEWSPRISM_RATE_LIMIT_MATCH_CLIENT": "plenty"})
    assert gunicorn_allow_ips(0) == "" and gunicorn_allow_ips(1) == "*"
    assert gunicorn_allow_ips(listed) == "10.0.0.5/32,172.16.0.0/12"
    assert TrustedProxies(None, listed).is_trusted("[::ffff:10.0.0.5]:443") is True
    assert TrustedProxies(None, listed).is_trusted("::ffff:10.0.0.5") is True


def test_adding_and_removing_sources_are_writes_limited_per_key(sqlite_url, redis_prefix, embedder):
    app = make_app(sqlite_url, redis_prefix, rate_limit_write="2/hour", rate_limit_read="100/hour")
    try:
        c = app.test_client()
        body = {"url": "https://example.org/feed.xml", "outlet": "NBC News"}
        codes = [c.post("/api/v1/sources", json=body, headers=AUTH).status_code for _ in range(2)]
        assert codes == [201, 200]
        refused = c.delete("/api/v1/sources/1", headers=AUTH)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
        # reading the list is a read, not a write: it is still served
        assert c.get("/api/v1/sources").status_code == 200
    finally:
        app.extensions["newsprism"].close()
