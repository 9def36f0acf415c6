"""Background jobs of the surveys app. The import job itself is ``pipeline.tasks.ingest_upload`` (it also
requests the analysis, which this app does not know about); this app sends it by the name in settings."""

from celery import shared_task

from . import services
from .retention import uploads_purge_expired


@shared_task(name="surveys.sweep_stale_jobs", ignore_result=True)
def sweep_stale_jobs() -> None:
    """Re-sends uploads stuck queued or running without a heartbeat (``cxapp.jobs`` sweeper; beat, every minute)."""
    services.jobs_sweep_stale()


@shared_task(name="surveys.purge_expired_uploads", ignore_result=True)
def purge_expired_uploads() -> int:
    """Deletes the stored files of uploads whose import ended longer ago than the retention (beat, hourly)."""
    return uploads_purge_expired().uploads
