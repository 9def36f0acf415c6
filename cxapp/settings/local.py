"""Embedded default: runs with no environment at all (SQLite file, eager Celery, debug on)."""

from .base import *  # noqa: F403
from .base import STATIC_ROOT, env

DEBUG = env.bool("DEBUG", default=True)
# A development-only key; production.py refuses to start without a real one.
SECRET_KEY = env("SECRET_KEY", default="local-development-key-not-for-production")  # noqa: S105
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing root
