"""Shared fixtures: personas, the real Celery worker, and Debian's Chromium through Playwright.

`make test` starts a throwaway PostgreSQL and Redis and exports DATABASE_URL and REDIS_URL; the worker fixture
starts a real `celery worker` process against the test database, so tests that use it must be transactional
(`transactional_db` / `live_server`): the worker cannot see rows inside a test's open transaction.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
CHROMIUM = "/usr/bin/chromium"

# Playwright's sync API runs an event loop in this thread; Django's ORM would otherwise refuse to run beside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct horse battery staple"


def pytest_configure(config):
    """The suite runs on PostgreSQL or not at all: the COPY paths must never go untested behind a SQLite fallback.

    Subprocess tests of the embedded default (SQLite) set their own DATABASE_URL; the test process itself never does.
    """
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        raise pytest.UsageError(
            f"the tests need PostgreSQL (DATABASE_URL={os.environ.get('DATABASE_URL', 'unset')!r}, engine {engine}): "
            "run them with `make test`, or inside `bash .ci/with-services.sh ...`"
        )


@pytest.fixture
def organisation(db):
    from tests.factories import OrganisationFactory

    return OrganisationFactory(name="Acme Broadband", slug="acme")


@pytest.fixture
def other_organisation(db):
    from tests.factories import OrganisationFactory

    return OrganisationFactory(name="Globex Telecom", slug="globex")


def _member(username: str, organisation, role: str):
    from tests.factories import persona_make

    return persona_make(username, organisation=organisation, role=role)


@pytest.fixture
def analyst(organisation):
    return _member("alice", organisation, "analyst")


@pytest.fixture
def manager(organisation):
    """A CX manager: reads dashboards and exports, uploads nothing."""
    return _member("bob", organisation, "viewer")


@pytest.fixture
def org_admin(organisation):
    return _member("carol", organisation, "admin")


@pytest.fixture
def outsider(other_organisation):
    """An analyst of another organisation: must never see or change the first one's data."""
    return _member("mallory", other_organisation, "analyst")


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"the shared survey data is expected at {SHARED_DATA}")
    return SHARED_DATA


# ---------------------------------------------------------------------------------------------------- worker
def _database_url(settings_dict: dict) -> str:
    user = settings_dict.get("USER") or ""
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    return f"postgres://{auth}{settings_dict['HOST']}:{settings_dict['PORT']}/{settings_dict['NAME']}"


def _worker_wait_idle(timeout: float = 60) -> None:
    """Until the worker has no task running, reserved or waiting for its retry (or is gone)."""
    from cxapp.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        inspect = app.control.inspect(timeout=1)
        answers = [inspect.active(), inspect.reserved(), inspect.scheduled()]
        if any(a is None for a in answers) or not any(tasks for a in answers for tasks in a.values()):
            return
        time.sleep(0.2)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A test that used the worker ends when the worker does: a retry still running (the fault tests' 3 s / 6 s
    backoff) would otherwise hold its locks while the next test's flush TRUNCATEs the tables, a deadlock."""
    if "celery_worker" in getattr(item, "fixturenames", ()):
        _worker_wait_idle()
    yield


class Worker:
    """A real `celery worker` process (prefork, one child) against the test database and Redis."""

    def __init__(self, env: dict[str, str], log_path: Path):
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> None:
        from cxapp.celery import app

        self.log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "cxapp",
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"test-{os.getpid()}@%h",
            ],
            cwd=REPO_ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"celery worker exited: see {self.log_path}")
            if app.control.inspect(timeout=1).ping():
                return
        raise RuntimeError(f"celery worker did not answer within {timeout} s: see {self.log_path}")

    def pool_pids(self) -> list[int]:
        """Pids of the prefork pool's child processes (the ones that run tasks)."""
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.process.pid)], capture_output=True, text=True)
        return [int(pid) for pid in out.stdout.split()]

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        if getattr(self, "log", None):
            self.log.close()

    def is_running(self) -> bool:
        return bool(self.process) and self.process.poll() is None


@pytest.fixture(scope="session")
def worker_env(django_db_setup, tmp_path_factory) -> dict[str, str]:
    from django.db import connection

    if not settings.REDIS_URL:
        pytest.fail("REDIS_URL is not set: run the tests with `make test`, which starts Redis and PostgreSQL")
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="cxapp.settings.test",
        DATABASE_URL=_database_url(connection.settings_dict),
        UPLOAD_ROOT=str(settings.UPLOAD_ROOT),
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture(scope="session")
def celery_worker(worker_env, tmp_path_factory) -> Iterator[Worker]:
    """The session's real worker; tests that need it must be transactional."""
    from cxapp.celery import app

    app.control.purge()
    worker = Worker(worker_env, tmp_path_factory.mktemp("worker") / "worker.log")
    worker.start()
    yield worker
    worker.stop()


# ---------------------------------------------------------------------------------------------------- browser
@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1366, "height": 900}, accept_downloads=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def browser_login(page, username: str, password: str = PASSWORD) -> None:
    """Logs in through the real login form."""
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login/" not in url)
