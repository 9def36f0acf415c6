"""Test settings: the real PostgreSQL and Redis that `make test` starts (DATABASE_URL, REDIS_URL).

Celery is NOT eager here (STYLE.md rule 16): integration tests talk to a real worker.
"""

from pathlib import Path

from .base import *  # noqa: F403
from .base import BASE_DIR, STATIC_ROOT, env

SECRET_KEY = env("SECRET_KEY", default="test-key-not-secret")  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["*"]
CELERY_TASK_ALWAYS_EAGER = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
UPLOAD_ROOT = Path(env("UPLOAD_ROOT", default=str(BASE_DIR / "var" / "test-uploads")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing root
