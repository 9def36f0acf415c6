"""The import job: it takes an id, calls the pipeline service, and leaves the state on the upload row."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services


@shared_task(
    # The name predates this package and is kept: messages already queued under it still find the task.
    name="surveys.ingest_upload",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    # Only transient database trouble is retried; a bad file is recorded on the upload row by the service.
    autoretry_for=(OperationalError, InterfaceError),
    # 3, 6 and 12 s: a restarting PostgreSQL (crash recovery) can refuse connections for several seconds, and
    # Celery's default full jitter drew 0, 0 and 1 s in a test, spending every retry before it was back. After
    # the last retry the upload is still QUEUED/RUNNING, and the sweeper sends it again.
    retry_backoff=3,
    retry_backoff_max=60,
    retry_jitter=False,
    max_retries=3,
)
def ingest_upload(upload_id: int) -> None:
    """Imports a confirmed upload, then requests its analysis; safe to run twice (the upload is claimed)."""
    services.upload_ingest_and_analyse(upload_id=upload_id)
