"""Import an upload, then ask for the analysis its journey's users open first."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction

from moments.filters import default_filter
from moments.services import analysis_request
from surveys.models import Upload, UploadStatus
from surveys.services import upload_ingest

logger = logging.getLogger(__name__)


def upload_ingest_and_analyse(
    *, upload_id: int, on_progress: Callable[[float, str], None] | None = None
) -> Upload | None:
    """Runs ``surveys.services.upload_ingest``; when the upload ends DONE, requests the journey's default analysis
    (computed by the worker, or at once in eager mode). ``None`` when another worker holds the upload."""
    upload = upload_ingest(upload_id=upload_id, on_progress=on_progress)
    if upload is not None and upload.status == UploadStatus.DONE:
        journey, user = upload.journey, upload.created_by
        transaction.on_commit(lambda: _analysis_request_default(journey=journey, user=user))
    return upload


def _analysis_request_default(*, journey, user) -> None:
    try:
        analysis_request(journey=journey, user=user, **default_filter(journey).params())
    except Exception:
        # The import is committed; a failed analysis request must not turn it into a failure.
        logger.exception("analysis request after the import into journey %s failed", journey.pk)
