"""closo.cache.RedisCache: Django's Redis backend with one client per pool, against the
machine's real Redis (skipped, saying so, where none listens on 127.0.0.1:6379)."""

import socket
import threading
import uuid

import pytest

from closo.cache import RedisCache


def _redis_listening() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _redis_listening(), reason="no Redis on 127.0.0.1:6379")


@pytest.fixture
def cache():
    backend = RedisCache("redis://127.0.0.1:6379/7", {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    yield backend
    backend.clear()


def test_every_call_shares_one_client_per_pool(cache):
    reader, writer = cache._cache.get_client(), cache._cache.get_client(write=True)
    assert cache._cache.get_client() is reader
    assert cache._cache.get_client(write=True) is writer


def test_it_is_still_a_cache(cache):
    assert cache.add("a", 1, timeout=30) is True
    assert cache.add("a", 2, timeout=30) is False
    cache.set("b", {"x": [1, 2]}, timeout=None)
    assert cache.get_many(["a", "b", "c"]) == {"a": 1, "b": {"x": [1, 2]}}
    cache.delete("a")
    assert cache.get("a") is None


def test_threads_share_the_client_safely(cache):
    errors = []

    def work(i):
        try:
            for n in range(50):
                cache.set(f"t{i}:{n}", n)
                assert cache.get(f"t{i}:{n}") == n
        except Exception as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
