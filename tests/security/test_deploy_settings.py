"""Deploy settings: `manage.py check --deploy --fail-level WARNING` passes with the production module, and every
response carries the browser protections (CSP, X-Frame-Options, nosniff, referrer policy)."""

import os
import secrets
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT


def _check_deploy(**env: str) -> subprocess.CompletedProcess:
    # The test session's own variables (tests/conftest.py sets DJANGO_ALLOW_ASYNC_UNSAFE) are no deployment's.
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "SESSION_", "CSRF_", "DJANGO_"))}
    clean.update(
        DJANGO_SETTINGS_MODULE="cxapp.settings.production",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="momentum.example.com",
        # Nothing is contacted: the checks read settings only.
        DATABASE_URL="postgres://momentum@127.0.0.1:1/momentum",
        REDIS_URL="redis://127.0.0.1:1/0",
    )
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO_ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check():
    result = _check_deploy()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_behind_a_tls_proxy_the_deploy_check_still_passes():
    result = _check_deploy(SECURE_PROXY_SSL_HEADER_ENABLED="true")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("env", "check_id"),
    [
        ({"SECURE_HSTS_SECONDS": "0"}, "security.W004"),
        ({"SECURE_SSL_REDIRECT": "false"}, "security.W008"),
    ],
)
def test_the_deploy_check_fails_when_a_protection_is_switched_off(env, check_id):
    """The assertion above has teeth: weakening a protection makes the command exit non-zero."""
    result = _check_deploy(**env)
    assert result.returncode != 0
    assert check_id in result.stderr + result.stdout


def test_production_cookies_are_secure_and_http_only():
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_SECURE, s.X_FRAME_OPTIONS, "
            "s.SECURE_HSTS_SECONDS >= 31536000, s.SECURE_SSL_REDIRECT, s.CACHES['default']['BACKEND'])",
        ],
        cwd=REPO_ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cxapp.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(60),
            "ALLOWED_HOSTS": "x",
            "DATABASE_URL": "postgres://u@127.0.0.1:1/x",
            "REDIS_URL": "redis://127.0.0.1:1/0",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.split() == [
        "True",
        "True",
        "True",
        "DENY",
        "True",
        "True",
        "django.core.cache.backends.redis.RedisCache",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/login/", "/healthz", "/api/schema/", "/does-not-exist/"])
def test_every_response_carries_the_browser_protections(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp and "'unsafe-eval'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_pages_of_a_logged_in_user_carry_them_too(client, analyst):
    client.force_login(analyst)
    response = client.get("/")
    assert response.status_code == 200
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
