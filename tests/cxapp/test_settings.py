"""Run modes: the embedded default needs no environment; production refuses to start without its essentials."""

import os
import subprocess
import sys

from tests.conftest import REPO_ROOT


def _settings_probe(module: str, env: dict[str, str], code: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE"}
    }
    clean.update(env, DJANGO_SETTINGS_MODULE=module)
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=REPO_ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_with_no_environment_the_app_runs_on_sqlite_with_a_filesystem_broker_for_a_real_worker(tmp_path):
    probe = _settings_probe(
        "cxapp.settings.local",
        {"CELERY_BROKER_DIR": str(tmp_path / "celery")},
        "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, "
        "s.CELERY_BROKER_URL, s.CELERY_BROKER_TRANSPORT_OPTIONS['data_folder_in'], "
        "s.DATABASES['default']['OPTIONS']['transaction_mode'], s.CACHES['default']['BACKEND'])",
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.split() == [
        "django.db.backends.sqlite3",
        "False",
        "filesystem://",
        str(tmp_path / "celery" / "queue"),
        "IMMEDIATE",  # the worker and runserver write the same SQLite file
        "django.core.cache.backends.filebased.FileBasedCache",  # shared by both processes (worker heartbeat)
    ]
    assert (tmp_path / "celery" / "queue").is_dir()


def test_database_url_and_redis_url_switch_to_postgresql_and_a_real_broker():
    probe = _settings_probe(
        "cxapp.settings.local",
        {"DATABASE_URL": "postgres://u@127.0.0.1:5999/x", "REDIS_URL": "redis://127.0.0.1:6999/0"},
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL)",
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.split() == ["django.db.backends.postgresql", "False", "redis://127.0.0.1:6999/0"]


def test_production_settings_fail_loudly_without_secret_key():
    probe = _settings_probe("cxapp.settings.production", {"ALLOWED_HOSTS": "example.com"}, "")
    assert probe.returncode != 0
    assert "SECRET_KEY" in probe.stderr


def test_production_settings_fail_loudly_without_allowed_hosts():
    probe = _settings_probe("cxapp.settings.production", {"SECRET_KEY": "x" * 60}, "")
    assert probe.returncode != 0
    assert "ALLOWED_HOSTS" in probe.stderr


def test_celery_is_configured_for_at_least_once_delivery():
    from django.conf import settings

    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert settings.CELERY_TASK_SERIALIZER == "json"
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > settings.CELERY_TASK_TIME_LIMIT
