"""Background jobs of the surveys app: they take ids, call one service, and leave the state on the row."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services


@shared_task(
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
    """Imports a confirmed upload; safe to run twice (the service claims the upload with a conditional update)."""
    services.upload_ingest(upload_id=upload_id)


@shared_task(name="surveys.sweep_stale_jobs", ignore_result=True)
def sweep_stale_jobs() -> None:
    """Re-sends uploads stuck queued or running without a heartbeat (beat runs it every minute)."""
    services.jobs_sweep_stale()
