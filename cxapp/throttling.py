"""Login throttling through the default cache (Redis whenever REDIS_URL is set), so the limit holds across every
web process and worker of a deployment, not per process.

Two counters, each a fixed window that starts at the first failure:
- per username + client IP (default 10 failures / 15 min): stops guessing one account's password;
- per client IP (default 100 failures / 15 min): stops spraying one password over many usernames.
A locked-out attempt is refused before the password is checked, so a correct guess inside the lock-out does not
get in either. A successful login clears the username + IP counter.

When the cache (Redis) is unreachable, every limit here fails open and logs an error: an outage of Redis, which
holds no data (DESIGN section 3), must not take logins, uploads and the API down with it. The passwords' hashing
still slows guessing meanwhile.

The client IP is DRF's ``get_ident`` (REMOTE_ADDR, or X-Forwarded-For when ``NUM_PROXIES`` is set), so the API
throttles and the login throttle identify a client the same way.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import ngettext
from rest_framework import throttling

try:
    from redis.exceptions import RedisError
except ImportError:  # the embedded default runs without the redis package's server; its cache is local memory
    RedisError = OSError

logger = logging.getLogger(__name__)

KEY_PREFIX = "momentum:login-throttle"
CACHE_ERRORS = (RedisError, OSError)


def _fail_open(default):
    """Runs the function; when the cache is unreachable, logs it and returns ``default`` instead of a 500."""

    def decorate(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            except CACHE_ERRORS:
                logger.error("throttle cache unreachable in %s: the limit is not applied", function.__name__,
                             exc_info=True)  # fmt: skip
                return default

        return wrapper

    return decorate


class AnonRateThrottle(throttling.AnonRateThrottle):
    """DRF's, failing open when the cache is unreachable."""

    allow_request = _fail_open(True)(throttling.AnonRateThrottle.allow_request)


class UserRateThrottle(throttling.UserRateThrottle):
    """DRF's, failing open when the cache is unreachable."""

    allow_request = _fail_open(True)(throttling.UserRateThrottle.allow_request)


@dataclass(frozen=True)
class Lockout:
    retry_after_seconds: int

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after_seconds / 60))

    @property
    def message(self) -> str:
        return ngettext(
            "Too many attempts, try again in %(n)d minute.",
            "Too many attempts, try again in %(n)d minutes.",
            self.minutes,
        ) % {"n": self.minutes}


def client_ip(request: HttpRequest) -> str:
    return throttling.BaseThrottle().get_ident(request) or "unknown"


def _keys(username: str, ip: str) -> list[tuple[str, int]]:
    # Hashed: usernames are user input, and cache keys must stay short and free of control characters.
    account = hashlib.sha256(f"{username.strip().lower()}\0{ip}".encode()).hexdigest()
    client = hashlib.sha256(ip.encode()).hexdigest()
    return [
        (f"{KEY_PREFIX}:account:{account}", settings.LOGIN_THROTTLE_FAILURES),
        (f"{KEY_PREFIX}:ip:{client}", settings.LOGIN_THROTTLE_FAILURES_PER_IP),
    ]


@_fail_open(None)
def login_lockout_get(*, username: str, ip: str) -> Lockout | None:
    """The lock-out in force for this username from this IP, or None when another attempt is allowed."""
    now = time.time()
    keys = _keys(username, ip)
    values = cache.get_many([k for k, _ in keys] + [f"{k}:reset" for k, _ in keys])
    for key, limit in keys:
        if int(values.get(key) or 0) >= limit:
            reset_at = float(values.get(f"{key}:reset") or now + settings.LOGIN_THROTTLE_WINDOW_SECONDS)
            return Lockout(retry_after_seconds=max(1, int(reset_at - now)))
    return None


@_fail_open(None)
def login_failure_record(*, username: str, ip: str) -> None:
    """Counts one failed login against both windows (atomic INCR in Redis)."""
    window = settings.LOGIN_THROTTLE_WINDOW_SECONDS
    for key, _ in _keys(username, ip):
        # add() only sets when absent: the first failure opens the window and fixes when it ends.
        cache.add(f"{key}:reset", time.time() + window, timeout=window)
        cache.add(key, 0, timeout=window)
        try:
            cache.incr(key)
        except ValueError:  # the window expired between add() and incr()
            cache.set(key, 1, timeout=window)


@_fail_open(None)
def login_success_record(*, username: str, ip: str) -> None:
    account_key, _ = _keys(username, ip)[0]
    cache.delete_many([account_key, f"{account_key}:reset"])
