"""Retention of uploaded files (issue 16): the raw file an upload stored is personal data (respondent ids, segments,
free text) and is kept only as long as it is useful.

- An upload whose import has ended (DONE, or FAILED: refused for bad rows, or failed) keeps its file for
  ``MOMENTUM_UPLOAD_RETENTION_DAYS`` days after it ended (``finished_at``; 0 = at once, done by ``pipeline`` when
  the job ends); then the beat task ``surveys.purge_expired_uploads`` (hourly) or ``manage.py purge_uploads``
  deletes the file. The row stays, with its counts, mapping and error report; its ``file_path`` becomes empty,
  which is how the pages and ``upload_table`` know the file is gone.
- A deleted upload loses its file at once, however it is deleted (the upload or its journey: cascades included):
  ``upload_file_on_delete`` is connected to ``post_delete`` of ``Upload`` in ``SurveysConfig.ready`` and unlinks
  after commit, so a rolled-back delete keeps the file. A deleted wave keeps its upload rows (``Upload.survey`` is
  SET_NULL) but the files of the ended ones go with it (``wave_files_on_delete``, ``pre_delete`` of ``Survey``).
- An upload still waiting for its mapping, queued or importing is never touched.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, ngettext

from audit.models import AuditAction
from audit.services import audit_record

from .models import Upload, UploadStatus

logger = logging.getLogger(__name__)

ENDED = (UploadStatus.DONE, UploadStatus.FAILED)
FILE_GONE_MESSAGE = gettext_noop(
    "The uploaded file was deleted after the retention period ({days}); its counts, mapping and error report are "
    "kept. Upload the file again to import it again."
)


def retention_text(days: int | None = None) -> str:
    """How long a file is kept, in words (the uploads page and the messages say it)."""
    days = settings.MOMENTUM_UPLOAD_RETENTION_DAYS if days is None else days
    if days == 0:
        return gettext("deleted as soon as the import ends")
    return ngettext(
        "kept for %(days)d day after the import ends", "kept for %(days)d days after the import ends", days
    ) % {"days": days}


def upload_file_gone_message() -> str:
    days = settings.MOMENTUM_UPLOAD_RETENTION_DAYS
    return gettext(FILE_GONE_MESSAGE).format(days=ngettext("%(days)d day", "%(days)d days", days) % {"days": days})


def uploads_expired(*, now: datetime | None = None, days: int | None = None) -> QuerySet[Upload]:
    """Ended uploads that still hold a file and ended more than the retention period ago."""
    days = settings.MOMENTUM_UPLOAD_RETENTION_DAYS if days is None else days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    return Upload.objects.filter(status__in=ENDED, finished_at__lte=cutoff).exclude(file_path="")


@dataclass(frozen=True)
class PurgedFiles:
    uploads: int
    bytes: int
    by_organisation: dict[int, int]


def _path(relative: str) -> Path:
    return Path(settings.UPLOAD_ROOT) / relative


def uploads_purge(*, uploads: QuerySet[Upload], reason: str = "retention") -> PurgedFiles:
    """Deletes the stored files of ``uploads`` that have ended (others are skipped): empties their ``file_path``
    and the first rows read from them (``layout``) in one UPDATE, unlinks the files after commit and records one
    audit entry per organisation (the count)."""
    with transaction.atomic():
        # Rows being confirmed again (a FAILED upload re-queued) at this moment are locked: skipped, not waited for.
        rows = list(
            uploads.filter(status__in=ENDED)
            .exclude(file_path="")
            .select_for_update(skip_locked=True)
            .values_list("pk", "organisation_id", "file_path", "size_bytes")
        )
        if not rows:
            return PurgedFiles(0, 0, {})
        # the first rows the worker read (``layout``) are a copy of the file's data: they go with it
        Upload.objects.filter(pk__in=[pk for pk, *_ in rows]).update(file_path="", layout={})
        paths = [_path(relative) for _, _, relative, _ in rows]
        transaction.on_commit(lambda: _unlink(paths))
        by_organisation: dict[int, int] = defaultdict(int)
        sizes: dict[int, int] = defaultdict(int)
        for _, organisation_id, _, size in rows:
            by_organisation[organisation_id] += 1
            sizes[organisation_id] += size
        for organisation_id, count in by_organisation.items():
            audit_record(
                action=AuditAction.UPLOAD_FILES_PURGE,
                organisation_id=organisation_id,
                details={"files": count, "bytes": sizes[organisation_id], "reason": reason},
            )
    return PurgedFiles(len(rows), sum(sizes.values()), dict(by_organisation))


def uploads_purge_expired(*, now: datetime | None = None) -> PurgedFiles:
    """The beat task's work: every expired file (``uploads_expired``) deleted."""
    purged = uploads_purge(uploads=uploads_expired(now=now))
    if purged.uploads:
        logger.info("retention: deleted %d uploaded files (%d bytes)", purged.uploads, purged.bytes)
    return purged


def upload_file_expire_if_due(*, upload_id: int) -> PurgedFiles:
    """Called when an import ends: with a retention of 0 days the file goes at once."""
    if settings.MOMENTUM_UPLOAD_RETENTION_DAYS > 0:
        return PurgedFiles(0, 0, {})
    return uploads_purge(uploads=Upload.objects.filter(pk=upload_id))


def _unlink(paths: list[Path]) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            logger.exception("retention: could not delete %s", path)


def wave_files_on_delete(sender, instance, **kwargs) -> None:
    """``pre_delete`` of ``Survey``: its uploads stay (``Upload.survey`` is SET_NULL: the upload row is the record
    of what was imported), but the files of those whose import ended go with the wave, after commit."""
    uploads_purge(uploads=Upload.objects.filter(survey=instance), reason="wave deleted")


def upload_file_on_delete(sender, instance: Upload, **kwargs) -> None:
    """``post_delete`` of ``Upload`` (the upload, its wave or its journey deleted): its file goes after commit."""
    paths = [_path(relative) for relative in (instance.file_path, instance.error_report_file) if relative]
    if paths:
        transaction.on_commit(lambda: _unlink(paths))
