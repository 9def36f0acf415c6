"""Import an upload, then ask for the analysis its journey's users open first."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction

from audit.models import AuditAction
from audit.services import audit_record
from moments.filters import default_filter
from moments.services import analysis_request
from surveys.models import Upload, UploadStatus
from surveys.retention import upload_file_expire_if_due
from surveys.services import upload_ingest

logger = logging.getLogger(__name__)


def upload_ingest_and_analyse(
    *, upload_id: int, on_progress: Callable[[float, str], None] | None = None
) -> Upload | None:
    """Runs ``surveys.services.upload_ingest``; when the upload ends DONE, requests the journey's default analysis
    (computed by the worker, or at once in eager mode). ``None`` when another worker holds the upload."""
    upload = upload_ingest(upload_id=upload_id, on_progress=on_progress)
    if upload is not None and upload.status in (UploadStatus.DONE, UploadStatus.FAILED):
        _import_ended(upload)
    if upload is not None and upload.status == UploadStatus.DONE:
        journey, user = upload.journey, upload.created_by
        transaction.on_commit(lambda: _analysis_request_default(journey=journey, user=user))
    return upload


def _import_ended(upload: Upload) -> None:
    """The import's end in the audit log; with a retention of 0 days its file is deleted now (surveys.retention)."""
    done = upload.status == UploadStatus.DONE
    audit_record(
        action=AuditAction.IMPORT_DONE if done else AuditAction.IMPORT_FAILED,
        organisation_id=upload.organisation_id,
        target=upload,
        actor=upload.created_by,
        details={
            "rows_total": upload.rows_total,
            "rows_imported": upload.rows_imported,
            "rows_invalid": upload.rows_invalid,
            "wave": upload.survey_name,
        },
    )
    upload_file_expire_if_due(upload_id=upload.pk)
    upload.refresh_from_db(fields=["file_path"])


def _analysis_request_default(*, journey, user) -> None:
    try:
        analysis_request(journey=journey, user=user, **default_filter(journey).params())
    except Exception:
        # The import is committed; a failed analysis request must not turn it into a failure.
        logger.exception("analysis request after the import into journey %s failed", journey.pk)
