"""Throttling of the login form and the API through the Redis cache: the limit holds across processes.

Each cross-process test spends part of the budget from a separate Python process (its own Django, its own test
client, the same Redis) and the rest from this one; the request that crosses the limit is refused here. With a
process-local cache (LocMem) the two budgets would be separate and these tests would fail.
"""

import subprocess
import sys

import pytest
from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from tests.conftest import PASSWORD, REPO_ROOT

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_throttles")]

LOGIN_SCRIPT = """
import django, sys
django.setup()
from django.test import Client
client = Client()
for _ in range(int(sys.argv[1])):
    response = client.post("/login/", {"username": sys.argv[2], "password": "wrong"})
    print(response.status_code)
"""

API_SCRIPT = """
import django, sys
django.setup()
from django.test import Client
client = Client()
for _ in range(int(sys.argv[1])):
    print(client.get(sys.argv[2]).status_code)
"""


def _other_process(worker_env: dict[str, str], script: str, *args: str, **env: str) -> list[int]:
    result = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=REPO_ROOT,
        env={**worker_env, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return [int(line) for line in result.stdout.split()]


def _login(client, username: str, password: str):
    return client.post("/login/", {"username": username, "password": password})


def test_the_login_is_refused_after_ten_failures_even_with_the_right_password(client, analyst):
    limit = settings.LOGIN_THROTTLE_FAILURES
    assert limit == 10
    for _ in range(limit):
        response = _login(client, "alice", "wrong")
        assert response.status_code == 200  # the form again, with its error

    response = _login(client, "alice", PASSWORD)

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 14 * 60
    assert "Too many attempts, try again in 15 minutes." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lockout_is_per_account_and_client(client, analyst, manager):
    for _ in range(settings.LOGIN_THROTTLE_FAILURES):
        _login(client, "alice", "wrong")
    assert _login(client, "alice", PASSWORD).status_code == 429
    # Another account from the same client, and the same account from another client, still log in.
    assert _login(client, "bob", PASSWORD).status_code == 302
    client.logout()
    response = client.post("/login/", {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="10.9.8.7")
    assert response.status_code == 302


def test_a_successful_login_clears_the_account_counter(client, analyst):
    for _ in range(settings.LOGIN_THROTTLE_FAILURES - 1):
        _login(client, "alice", "wrong")
    assert _login(client, "alice", PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.LOGIN_THROTTLE_FAILURES - 1):
        _login(client, "alice", "wrong")
    assert _login(client, "alice", PASSWORD).status_code == 302


def test_one_address_spraying_many_usernames_is_stopped(client, analyst, settings):
    settings.LOGIN_THROTTLE_FAILURES_PER_IP = 5
    for i in range(5):
        _login(client, f"guess{i}", "wrong")
    assert _login(client, "alice", PASSWORD).status_code == 429


def test_the_login_limit_holds_across_processes(client, analyst, worker_env):
    """6 failures from another process + 4 from this one = 10: the next attempt here is refused."""
    statuses = _other_process(worker_env, LOGIN_SCRIPT, "6", "alice")
    assert statuses == [200] * 6
    for _ in range(4):
        assert _login(client, "alice", "wrong").status_code == 200

    assert _login(client, "alice", PASSWORD).status_code == 429


def test_the_api_limit_holds_across_processes(client, worker_env, monkeypatch):
    """The DRF throttles keep their counters in the default cache (Redis): 3 + 2 anonymous requests use up a
    budget of 5 per minute shared by both processes."""
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "anon", "5/min")
    statuses = _other_process(worker_env, API_SCRIPT, "3", "/api/schema/", API_THROTTLE_ANON="5/min")
    assert statuses == [200] * 3
    assert [client.get("/api/schema/").status_code for _ in range(2)] == [200, 200]

    response = client.get("/api/schema/")

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_authenticated_api_clients_are_throttled_per_user(client, analyst, monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "user", "3/min")
    client.force_login(analyst)
    statuses = [client.get("/api/schema/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_the_token_endpoint_shares_the_login_lockout(client, analyst):
    """Failures on the login page and on the token endpoint add up; the lock-out holds on both."""
    for _ in range(settings.LOGIN_THROTTLE_FAILURES // 2):
        assert _login(client, "alice", "wrong").status_code == 200
    for _ in range(settings.LOGIN_THROTTLE_FAILURES - settings.LOGIN_THROTTLE_FAILURES // 2):
        assert client.post("/api/auth/token/", {"username": "alice", "password": "wrong"}).status_code == 401

    response = client.post("/api/auth/token/", {"username": "alice", "password": PASSWORD})

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "try again in 15 minutes" in response.json()["detail"]
    assert _login(client, "alice", PASSWORD).status_code == 429
