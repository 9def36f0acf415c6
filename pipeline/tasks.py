"""The import job: it takes an id, calls the pipeline service, and leaves the state on the upload row."""

from celery import shared_task

from cxapp.jobs import JOB_TASK_OPTIONS

from . import services


# The name predates this package and is kept: messages already queued under it still find the task. The options
# are those of every job (acks late, transient database errors retried on a fixed schedule): ``cxapp.jobs``.
@shared_task(name="surveys.ingest_upload", **JOB_TASK_OPTIONS)
def ingest_upload(upload_id: int) -> None:
    """Imports a confirmed upload, then requests its analysis; safe to run twice (the upload is claimed)."""
    services.upload_ingest_and_analyse(upload_id=upload_id)
