"""Reading an uploaded file: the first step of the upload job, run by the worker (issue 16).

The upload request only stores the file and queues it (``upload_create``). The job (``surveys.ingest_upload``, the
one task of an upload; ``upload_ingest`` dispatches here while the upload is not read) claims the upload like any
job (``cxapp.jobs``: attempts counted, at most ``MAX_ATTEMPTS``), then detects the format, keeps the layout and
first rows on the row, and proposes a mapping, all in a child process with the ceilings of
``MOMENTUM_PARSE_MEMORY_MB`` and ``MOMENTUM_PARSE_SECONDS`` (``surveys.ingest.sandbox``). A file that exhausts the
memory, crashes a reader or takes too long ends that child and fails the upload with a message; the worker goes on.

Then the upload waits for its mapping (the mapping page), or, made with ``import_when_read`` (the API), is
confirmed with the mapping it came with, or the proposal when it is confident, and queued for its import.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cxapp.jobs import JobProgress, job_fail

from ..ingest import IngestError
from ..ingest.sandbox import ChildStats, Limits, in_child_once
from ..ingest.untrusted import file_detect
from ..models import Upload, UploadStatus
from .files import upload_path
from .uploads import READING_MESSAGE, UPLOAD_JOB, proposal_inputs, upload_confirm

logger = logging.getLogger(__name__)

NOT_CONFIDENT_MESSAGE = (
    "The file is read. The automatic mapping is not confident: finish the mapping on the upload's page, or upload "
    "again with a mapping."
)
WAITING_MESSAGE = "Waiting for the column mapping."


def parse_limits() -> Limits:
    return Limits(memory_mb=settings.MOMENTUM_PARSE_MEMORY_MB, seconds=settings.MOMENTUM_PARSE_SECONDS)


def upload_read_run(upload: Upload, progress: JobProgress) -> ChildStats:
    """The claimed (RUNNING) upload's file read in a child process; its layout, mapping and proposal stored; then
    waiting for the mapping, or confirmed and queued for import (``import_when_read``). Raises IngestError for a
    file that cannot be read (the caller fails the upload)."""
    progress.report(0.05, READING_MESSAGE, force=True)
    candidates, moments = proposal_inputs(journey=upload.journey, survey=upload.survey)
    stats = ChildStats()
    try:
        found = in_child_once(
            file_detect,
            upload_path(upload),
            upload.original_name,
            settings.UPLOAD_MAX_COLUMNS,
            settings.UPLOAD_MAX_CELL_BYTES,
            candidates,
            moments,
            limits=parse_limits(),
            stats=stats,
        )
    finally:
        logger.info(
            "upload %s read: %s in %.2f s, child peak RSS %.0f MB",
            upload.pk, stats.ended, stats.seconds, stats.peak_rss_mb,
        )  # fmt: skip
    requested = upload.mapping if upload.import_when_read and upload.mapping else None
    with transaction.atomic():  # an upload confirmed when read is never seen waiting for its mapping
        Upload.objects.filter(pk=upload.pk, status=UploadStatus.RUNNING).update(
            layout=found["snapshot"],
            detected_format=found["snapshot"]["format"],
            mapping=requested or found["mapping"],
            proposal=found["proposal"],
            status=UploadStatus.PENDING_MAPPING,
            progress=0.0,
            message=WAITING_MESSAGE,
            heartbeat_at=timezone.now(),
        )
        upload.refresh_from_db()
        if upload.import_when_read and upload.status == UploadStatus.PENDING_MAPPING:
            _confirm_when_read(upload, requested=requested is not None)
    return stats


def _confirm_when_read(upload: Upload, *, requested: bool) -> None:
    """The API's upload: confirmed with the mapping it came with, or the confident proposal, and queued."""
    if not requested and not upload.proposal.get("confident"):
        Upload.objects.filter(pk=upload.pk, status=UploadStatus.PENDING_MAPPING).update(message=NOT_CONFIDENT_MESSAGE)
        return
    try:
        upload_confirm(upload=upload, mapping=upload.mapping, skip_invalid=upload.skip_invalid)
    except IngestError as exc:
        job_fail(UPLOAD_JOB, upload.pk, str(exc))


def upload_read_now(*, upload_id: int) -> Upload:
    """Reads a queued upload here and now (the CLI and the tests without a worker); raises IngestError, and leaves
    no upload or file behind, when it cannot be read."""
    from .ingest_job import upload_ingest
    from .uploads import upload_discard

    upload = upload_ingest(upload_id=upload_id)
    if upload is not None and upload.status == UploadStatus.FAILED and not upload.is_read:
        upload_discard(upload=upload)
        raise IngestError(upload.message)
    return upload


def upload_read_queue(*, upload: Upload) -> None:
    """Sends an upload waiting for its mapping but never read (stored before reading moved to the worker) to be
    read."""
    from cxapp.jobs import job_enqueue_on_commit

    if Upload.objects.filter(pk=upload.pk, status=UploadStatus.PENDING_MAPPING, detected_format="").update(
        status=UploadStatus.QUEUED, message=READING_MESSAGE, attempts=0, heartbeat_at=timezone.now()
    ):
        job_enqueue_on_commit(UPLOAD_JOB, upload.pk)
