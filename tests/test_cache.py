"""The cache against a real Redis, and its in-process fallback when Redis is unreachable."""
import pytest

from service.cache import Cache
from service.devtools.served import free_port
from tests.conftest import REDIS_URL, make_app, seed_articles


def test_versioned_keys_and_roundtrip_through_redis(redis_prefix):
    cache = Cache(REDIS_URL, redis_prefix, "7", ttl=60)
    key = cache.key("story", 3, 2, "comparison")
    assert key == f"{redis_prefix}:7:story:3:2:comparison"
    cache.set_json(key, {"a": [1, 2]})
    assert cache.backend == "redis"
    cache.local.clear()
    assert cache.get_json(key) == {"a": [1, 2]}
    assert cache.client.ttl(key) > 0


def test_store_keys_carry_the_store_identity(redis_prefix):
    """Answers computed from a store's contents are keyed by the store; plain keys (the
    content-addressed embeddings) are not, so every store shares them."""
    ours = Cache(REDIS_URL, redis_prefix, "7", ttl=60, store=lambda: "aa11")
    theirs = Cache(REDIS_URL, redis_prefix, "7", ttl=60, store=lambda: "bb22")
    assert ours.store_key("search", 5, "q") == f"{redis_prefix}:7:aa11:search:5:q"
    assert ours.store_key("search", 5, "q") != theirs.store_key("search", 5, "q")
    assert ours.key("emb", "k") == theirs.key("emb", "k")
    ours.set_json(ours.store_key("match", "u", 3), {"story": 1})
    assert theirs.get_json(theirs.store_key("match", "u", 3)) is None
    assert ours.get_json(ours.store_key("match", "u", 3)) == {"story": 1}
    with pytest.raises(RuntimeError):  # a cache without a store identity makes no store keys
        Cache(REDIS_URL, redis_prefix, "7", ttl=60).store_key("search")


def test_unreachable_redis_degrades_to_memory_without_failing():
    cache = Cache(f"redis://127.0.0.1:{free_port()}/0", "np", "1", ttl=60)
    cache.set_json("k", {"x": 1})
    assert cache.get_json("k") == {"x": 1}
    assert cache.backend == "memory"
    assert cache.ping()[0] is False


def test_health_reports_the_live_backends(client):
    body = client.get("/api/v1/health").get_json()
    assert body["status"] == "ok"
    assert body["cache"]["backend"] == "redis"
    assert body["database"]["ok"] and body["database"]["backend"] == "sqlite"
    assert body["model"]["name"].endswith("all-MiniLM-L6-v2")


def test_service_works_and_says_so_when_redis_is_down(sqlite_url, embedder):
    app = make_app(sqlite_url, "np-down", redis_url=f"redis://127.0.0.1:{free_port()}/0")
    c = app.test_client()
    from tests.conftest import AUTH

    r = c.post("/api/v1/articles", json={"articles": seed_articles()[:3]}, headers=AUTH)
    assert r.status_code == 201
    body = c.get("/api/v1/health").get_json()
    assert body["status"] == "degraded" and body["cache"]["backend"] == "memory"
    assert body["jobs"]["backend"] == "inline"
    assert c.get("/api/v1/articles").get_json()["total"] == 3


def test_the_in_process_fallback_is_bounded_by_bytes_as_well_as_entries():
    from service.cache import LocalCache

    local = LocalCache(max_items=100, max_bytes=3_000_000)
    for i in range(5):
        local.set(f"k{i}", bytes(1_000_000), ttl=60)
    assert [local.get(f"k{i}") is not None for i in range(5)] == [False, False, True, True, True]
    assert local.bytes == 3_000_000
    local.set("k4", b"small", ttl=60)  # replacing a value gives its bytes back
    assert local.bytes == 2_000_005
    local.set("huge", bytes(4_000_000), ttl=60)  # larger than the budget: not kept, nothing evicted
    assert local.get("huge") is None and local.get("k2") is not None
    local.clear()
    assert local.bytes == 0 and local.get("k3") is None
