"""Fixtures of the security suite: throttle counters in the shared Redis cache are cleared around each test."""

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

THROTTLE_PATTERNS = ("*momentum:login-throttle*", "*throttle_*")


def throttle_keys_clear() -> None:
    """Deletes login and DRF throttle counters: the Redis cache is shared by every test of the session."""
    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        cache.clear()  # a process-local cache: nothing else shares it
        return
    client = cache._cache.get_client(write=True)
    for pattern in THROTTLE_PATTERNS:
        keys = list(client.scan_iter(match=pattern))
        if keys:
            client.delete(*keys)


@pytest.fixture
def clean_throttles():
    throttle_keys_clear()
    yield
    throttle_keys_clear()
