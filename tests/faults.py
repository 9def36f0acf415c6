"""Stopping and starting the throwaway PostgreSQL and Redis of `.ci/with-services.sh` from fault tests.

with-services.sh exports where they live (MOMENTUM_PG_BIN, MOMENTUM_PG_DATA, MOMENTUM_PG_PORT, MOMENTUM_REDIS_PORT,
MOMENTUM_SERVICES_DIR); these helpers restart them with the same options, so later tests find them as before.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable

import pytest
from django.db import InterfaceError, OperationalError, connection


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run the fault tests through `make test` (.ci/with-services.sh)")
    return value


def _as_postgres(command: list[str]) -> list[str]:
    # the cluster belongs to the postgres system user when the tests run as root (see with-services.sh)
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def redis_ping() -> bool:
    port = _env("MOMENTUM_REDIS_PORT")
    out = subprocess.run(["redis-cli", "-p", port, "ping"], capture_output=True, text=True, timeout=10)
    return out.stdout.strip() == "PONG"


def redis_stop() -> None:
    subprocess.run(["redis-cli", "-p", _env("MOMENTUM_REDIS_PORT"), "shutdown", "nosave"], capture_output=True,
                   timeout=30)  # fmt: skip
    poll(lambda: not redis_ping(), 15, "Redis did not stop")


def redis_start() -> None:
    if redis_ping():
        return
    directory = _env("MOMENTUM_SERVICES_DIR")
    subprocess.run(
        ["redis-server", "--port", _env("MOMENTUM_REDIS_PORT"), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", directory, "--logfile", f"{directory}/redis-restarted.log",
         "--daemonize", "yes"],
        check=True, timeout=30,
    )  # fmt: skip
    poll(redis_ping, 15, "Redis did not come back")


def postgres_restart() -> None:
    """An immediate-mode restart: like a crash, every connection is cut and open transactions are lost."""
    directory = _env("MOMENTUM_SERVICES_DIR")
    options = (
        f"-h 127.0.0.1 -p {_env('MOMENTUM_PG_PORT')} -k {directory} -c fsync=off -c synchronous_commit=off "
        "-c full_page_writes=off -c max_connections=200 -c shared_buffers=256MB -c max_wal_size=4GB"
    )
    pg_ctl = f"{_env('MOMENTUM_PG_BIN')}/pg_ctl"
    subprocess.run(
        _as_postgres([pg_ctl, "-D", _env("MOMENTUM_PG_DATA"), "-l", f"{directory}/pg.log", "-m", "immediate", "-w",
                      "-t", "60", "restart", "-o", options]),
        check=True, capture_output=True, timeout=90,
    )  # fmt: skip


def postgres_ensure_running() -> None:
    pg_ctl = f"{_env('MOMENTUM_PG_BIN')}/pg_ctl"
    status = subprocess.run(_as_postgres([pg_ctl, "-D", _env("MOMENTUM_PG_DATA"), "status"]), capture_output=True)
    if status.returncode != 0:
        postgres_restart()


def poll(predicate: Callable[[], object], timeout: float, message: str, interval: float = 0.1):
    """Calls ``predicate`` until it returns something true (returned) or ``timeout`` seconds pass (fails).

    Database errors count as "not yet" (PostgreSQL may be restarting): the broken connection is dropped so the
    next call reconnects.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = predicate()
        except (OperationalError, InterfaceError):
            connection.close()
            result = None
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"{message} within {timeout} s")
        time.sleep(interval)
