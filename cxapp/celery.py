"""Celery application.

Reliability settings (STYLE.md rule 13): tasks are acknowledged after they finish and rejected when the worker
process dies, so a SIGKILLed ingest is redelivered; every task is idempotent (it claims its row with a conditional
update), so running twice is safe. Redis' visibility timeout must exceed the hard time limit, otherwise a long task
still running would be handed to a second worker (readthedocs issue 12317).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxapp.settings.local")

app = Celery("cxapp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
