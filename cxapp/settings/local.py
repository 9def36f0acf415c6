"""Embedded default: runs with no environment at all (SQLite file, debug on, a real Celery worker without Redis).

Without ``REDIS_URL`` the queue is Celery's filesystem transport: each message is a file under ``var/celery/``
(``CELERY_BROKER_DIR``), so ``make demo`` needs nothing running, yet uploads and analyses run in a separate
``celery worker`` process (started by ``bin/demo`` beside runserver) and the pages show their progress instead of
holding the request. The cache is a file cache under the same root, so the web process sees the worker's heartbeat.
``CELERY_TASK_ALWAYS_EAGER=true`` brings back the old in-process mode (no worker needed, requests block).
"""

from pathlib import Path

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES, REDIS_URL, STATIC_ROOT, env

DEBUG = env.bool("DEBUG", default=True)
# A development-only key; production.py refuses to start without a real one.
SECRET_KEY = env("SECRET_KEY", default="local-development-key-not-for-production")  # noqa: S105
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing root

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The worker writes progress while runserver reads: WAL lets readers and one writer work at once, IMMEDIATE
    # takes the write lock at BEGIN (no "database is locked" on a read-to-write upgrade), and a writer waits for
    # the other one instead of failing at once.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }

if not REDIS_URL:
    CELERY_BROKER_DIR = Path(env("CELERY_BROKER_DIR", default=str(BASE_DIR / "var" / "celery")))
    _queue, _processed, _control = (CELERY_BROKER_DIR / d for d in ("queue", "processed", "control"))
    for _folder in (_queue, _processed, _control):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue),
        "data_folder_out": str(_queue),
        "processed_folder": str(_processed),
        "store_processed": False,
        "control_folder": str(_control),
        "polling_interval": 0.25,  # seconds between looks at the queue folder (default 1)
    }
    CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
    CELERY_BEAT_SCHEDULE_FILENAME = str(CELERY_BROKER_DIR / "beat-schedule")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(CELERY_BROKER_DIR.parent / "cache"),
        }
    }
