"""Uploads: ``upload_create`` (store the file, queue it to be read) -> the worker reads it and proposes a mapping
(``surveys.services.reading``) -> ``upload_confirm`` (save the mapping, queue the
import job after commit) -> the job (``surveys.services.ingest_job``) -> DONE, or FAILED with a row-error report.

An upload names its journey and wave (``survey_name``); a new wave is created by the import, in the transaction
that stores its responses, so a refused or failed import leaves no wave behind (issue 17).

An upload is a job of the one protocol (``cxapp.jobs``); ``UPLOAD_JOB`` is its kind.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import OperationalError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from audit.models import AuditAction
from audit.services import audit_record
from cxapp.jobs import JobKind, job_enqueue_on_commit
from cxapp.jobs import jobs_sweep_stale as jobs_sweep_stale_of
from cxapp.models import Organisation
from journeys.models import Journey, Moment
from journeys.services import moments_ensure

from ..ingest import IngestError, Mapping, RawTable
from ..ingest.snapshot import table_from_snapshot
from ..models import Survey, Upload, UploadStatus
from ..retention import upload_file_gone_message
from .files import file_blocks, file_store, upload_path
from .reports import report_delete_on_commit, report_read
from .waves import mapping_outcomes, outcomes_check, survey_name_clean

QUEUE_DOWN_MESSAGE = (
    "Queued. The job queue cannot be reached right now: the import starts by itself once it is back "
    "(nothing to do, the file is stored)."
)
UPLOAD_JOB = JobKind(
    model=Upload,
    # The task is wired by the composition root (settings): it lives above this app, in ``pipeline``.
    task=lambda: import_string(settings.MOMENTUM_INGEST_TASK),
    queue_down_message=QUEUE_DOWN_MESSAGE,
    queued_message="Queued for import.",
    exhausted_message="The import stopped {tries} times without finishing; nothing was imported.",
)


READING_MESSAGE = "Reading your file..."


def upload_create(
    *,
    organisation: Organisation,
    journey: Journey | None = None,
    survey_name: str | None = None,
    survey: Survey | None = None,
    original_name: str,
    uploaded_file: UploadedFile | None = None,
    path: str | Path | None = None,
    user: AbstractBaseUser | None = None,
    mapping: dict | None = None,
    skip_invalid: bool = False,
    import_when_read: bool = False,
    read_now: bool = False,
) -> Upload:
    """Stores the file and queues it to be read; the request that uploads never opens it (issue 16).

    The worker reads it in a child process with a memory and a time ceiling (``surveys.services.reading``): it
    detects the format, stores the layout and first rows, and proposes a mapping; the upload then waits for
    ``upload_confirm`` (the mapping page), or with ``import_when_read`` (the API) is confirmed at once with
    ``mapping`` (or a confident proposal) and imported. ``read_now`` reads it here and now (still in a child
    process): the CLI, which owns the upload's whole life; a file that cannot be read then raises IngestError
    and leaves no upload behind.

    Where it goes: ``journey`` and ``survey_name`` (the wave, existing or new: a new one is created only by the
    import that commits), or ``survey``, an existing wave. Raises IngestError for a file that is too large.
    """
    if survey is not None:
        journey, survey_name = survey.journey, survey.name
    if journey is None or survey_name is None:
        raise ValueError("Pass journey and survey_name, or survey.")
    if journey.organisation_id != organisation.pk:
        raise IngestError("The journey belongs to another organisation.")
    if (uploaded_file is None) == (path is None):
        raise ValueError("Pass exactly one of uploaded_file and path.")
    survey_name = survey_name_clean(survey_name)
    survey = Survey.objects.filter(journey=journey, name=survey_name).first()
    source = uploaded_file.chunks() if uploaded_file is not None else file_blocks(Path(path))
    original_name = upload_name_clean(original_name)
    relative, size = file_store(organisation=organisation, source=source, original_name=original_name)
    try:
        with transaction.atomic():
            upload = Upload.objects.create(
                organisation=organisation,
                journey=journey,
                survey_name=survey_name,
                survey=survey,
                file_path=relative,
                original_name=original_name,
                size_bytes=size,
                detected_format="",
                mapping=mapping or {},
                skip_invalid=skip_invalid,
                import_when_read=import_when_read,
                status=UploadStatus.QUEUED,
                message=READING_MESSAGE,
                heartbeat_at=timezone.now(),  # the sweeper measures a queued upload's wait from here
                created_by=user if user is not None and user.is_authenticated else None,
            )
            audit_record(
                action=AuditAction.UPLOAD,
                organisation_id=organisation.pk,
                target=upload,
                actor=user,
                details={"file": upload.original_name, "bytes": size, "wave": survey_name},
            )
            if not read_now:
                job_enqueue_on_commit(UPLOAD_JOB, upload.pk)
    except BaseException:
        (Path(settings.UPLOAD_ROOT) / relative).unlink(missing_ok=True)
        raise
    if read_now:
        from .reading import upload_read_now

        upload = upload_read_now(upload_id=upload.pk)
    return upload


def upload_name_clean(name: str) -> str:
    """The user's file name as it is kept and shown (never used on disk): its last path part (either separator),
    without control characters, at most 255 characters with its extension kept."""
    name = "".join(ch for ch in str(name) if ch.isprintable()).replace("\\", "/").rsplit("/", 1)[-1].strip()
    if len(name) > 255:
        stem, dot, suffix = name.rpartition(".")
        name = f"{stem[: 254 - len(suffix)]}.{suffix}" if dot and len(suffix) <= 10 else name[:255]
    return name or "upload.csv"


def proposal_inputs(*, journey: Journey, survey: Survey | None) -> tuple[list[tuple[dict, str]], dict]:
    """What the proposal needs from the database: the saved mappings to try, in order (the wave's own, then the
    journey's other waves, newest first: the next wave's file usually has the same columns as the last one), and
    the journey's moments with their aliases. The file side is ``surveys.ingest.untrusted.file_detect``."""
    others = Survey.objects.filter(journey_id=journey.pk).exclude(mapping={})
    candidates = []
    if survey is not None:
        others = others.exclude(pk=survey.pk)
        candidates.append((survey.mapping, "this survey's last upload"))
    candidates += [(s.mapping, f"the wave “{s.name}”") for s in others.order_by("-created_at")[:10]]
    moments = {m.name: list(m.aliases or []) for m in Moment.objects.filter(journey=journey)}
    return candidates, moments


def upload_table(*, upload: Upload) -> RawTable:
    """What the worker read of ``upload``'s file (its layout and first rows), without opening the file: safe in
    the web process. Raises IngestError when the file is gone or was not read."""
    if not upload.file_path:  # deleted after the retention period (surveys/retention.py)
        raise IngestError(upload_file_gone_message())
    if not upload.layout:
        raise IngestError("This file has not been read (it could not be, or it was stored before); upload it again.")
    return table_from_snapshot(upload_path(upload), upload.layout, max_field_bytes=settings.UPLOAD_MAX_CELL_BYTES)


NO_MOMENTS_MESSAGE = (
    "No column is mapped to a moment, so this file would import its rows without a single rating. Mark the rating "
    "columns as “Moment (rating)”, or tick “import without moments” if only the outcome and segments are wanted."
)


def mapping_size_check(mapping: Mapping, *, journey: Journey) -> None:
    """Caps on a mapping (MOMENTUM_MAX_MAPPING_BYTES of JSON) and on the moments of a journey it would make
    (MOMENTUM_MAX_MOMENTS_PER_JOURNEY): one organisation's file must not fill the database or the analysis queue."""
    size = len(json.dumps(mapping.to_json(), ensure_ascii=False).encode())
    if size > settings.MOMENTUM_MAX_MAPPING_BYTES:
        raise IngestError(
            f"The mapping is {size:,} bytes; the limit is {settings.MOMENTUM_MAX_MAPPING_BYTES:,}. Map fewer columns "
            "(shorter names, fewer segments) and import again."
        )

    def key(name: str) -> str:  # the way moments_ensure matches names: case and runs of whitespace ignored
        return " ".join(str(name).casefold().split())

    existing = {key(n) for n in Moment.objects.filter(journey=journey).values_list("name", flat=True)}
    total = len(existing | {key(n) for n in mapping.moments})
    if total > settings.MOMENTUM_MAX_MOMENTS_PER_JOURNEY:
        raise IngestError(
            f"This mapping would give the journey {total:,} moments; the limit is "
            f"{settings.MOMENTUM_MAX_MOMENTS_PER_JOURNEY:,}. Map fewer columns as moments."
        )


def upload_confirm(
    *,
    upload: Upload,
    mapping: dict,
    skip_invalid: bool = False,
    enqueue: bool = True,
    without_moments: bool = False,
) -> Upload:
    """Checks ``mapping`` against the file, saves it on the wave (when it exists already; a new wave gets it when
    its import commits) for the next wave, creates the moments it names and queues the import (after commit).
    A failed upload may be confirmed again, e.g. with ``skip_invalid``.

    ``enqueue=False`` leaves the queued upload for a synchronous ``upload_ingest`` (the CLI). A mapping with no
    moment is refused unless ``without_moments`` (the page's "import without moments"): its rows would carry no
    rating at all.
    """
    if upload.status not in (UploadStatus.PENDING_MAPPING, UploadStatus.FAILED):
        raise IngestError(f"This upload is {upload.get_status_display().lower()}; it cannot be confirmed again.")
    parsed = Mapping.from_json(mapping)
    if not parsed.moments and not without_moments:
        raise IngestError(NO_MOMENTS_MESSAGE)
    mapping_size_check(parsed, journey=upload.journey)
    problems = parsed.check_columns(upload_table(upload=upload))
    if problems:
        raise IngestError("The mapping does not fit the file: " + "; ".join(problems) + ".")
    # Waves of one journey are pooled and compared by outcome name: a name must keep its type.
    outcomes_check(journey_id=upload.journey_id, survey_name=upload.survey_name, outcomes=mapping_outcomes(parsed))
    with transaction.atomic():
        _wave_mapping_save(upload, parsed)
        journey = upload.journey
        existing = set(Moment.objects.filter(journey=journey).values_list("pk", flat=True))
        made = [m.pk for m in moments_ensure(journey=journey, names=list(parsed.moments)) if m.pk not in existing]
        updated = Upload.objects.filter(
            pk=upload.pk, status__in=[UploadStatus.PENDING_MAPPING, UploadStatus.FAILED]
        ).update(
            mapping=parsed.to_json(),
            skip_invalid=skip_invalid,
            # a failed earlier confirmation removed its own; what is left of them still counts as made for it
            created_moments=sorted({*upload.created_moments, *made}),
            status=UploadStatus.QUEUED,
            progress=0.0,
            message="Queued for import.",
            rows_total=0,
            rows_imported=0,
            rows_invalid=0,
            responses_created=0,
            responses_updated=0,
            error_count=0,
            error_report="",
            error_report_file="",
            attempts=0,
            finished_at=None,
            # the sweeper measures a queued upload's wait from here
            heartbeat_at=timezone.now(),
        )
        if not updated:
            raise IngestError("This upload was confirmed by someone else in the meantime.")
        report_delete_on_commit(upload.error_report_file)  # the last import's report
        audit_record(
            action=AuditAction.MAPPING,
            organisation_id=upload.organisation_id,
            target=upload,
            details={"moments": len(parsed.moments), "skip_invalid": skip_invalid, "moments_created": len(made)},
        )
        if enqueue:
            upload_id = upload.pk
            job_enqueue_on_commit(UPLOAD_JOB, upload_id)
    upload.refresh_from_db()
    return upload


def _wave_mapping_save(upload: Upload, mapping: Mapping) -> None:
    """Saves the mapping on the upload's wave for the next wave's proposal, without waiting: a wave whose row an
    import holds (its load transaction) is skipped, as that import saves its own mapping when it commits and this
    upload's import saves this one (issue 16: confirmations waited 36-38 s for an import's lock)."""
    try:
        with transaction.atomic():
            waves = Survey.objects.select_for_update(nowait=True).filter(
                journey_id=upload.journey_id, name=upload.survey_name
            )
            ids = list(waves.values_list("pk", flat=True))
            Survey.objects.filter(pk__in=ids).update(mapping=mapping.to_json())
    except OperationalError:  # could not obtain the lock: the wave is importing
        pass


@transaction.atomic
def upload_leftovers_remove(*, upload_id: int) -> list[int]:
    """After a FAILED import: deletes the moments made for this upload's mapping (``upload_confirm`` records them)
    that hold nothing: no wave asks them (``moment_ids``: a moment some import stored ratings for). Moments that
    existed before, or that the analyst created on the journey's page, are never touched. Returns the deleted ids.
    (An analysis computed meanwhile loses its insufficient-data row for such a moment; its key names the journey's
    moments, so the next request makes a new run.)

    A wave made for the upload never existed outside the import's transaction (``upload_ingest`` creates it
    there), so nothing is left of it; the upload row stays, the analyst's record of what was refused (the error
    report, "import again").
    """
    upload = Upload.objects.select_for_update().filter(pk=upload_id, status=UploadStatus.FAILED).first()
    if upload is None or not upload.created_moments:
        return []
    journey_id = upload.journey_id
    asked = {pk for ids in Survey.objects.filter(journey_id=journey_id).values_list("moment_ids", flat=True)
             for pk in ids}  # fmt: skip
    unused = Moment.objects.filter(journey_id=journey_id, pk__in=upload.created_moments).exclude(pk__in=asked)
    removed = sorted(unused.values_list("pk", flat=True))
    Moment.objects.filter(pk__in=removed).delete()
    Upload.objects.filter(pk=upload_id).update(created_moments=[])
    return removed


@transaction.atomic
def upload_discard(*, upload: Upload) -> None:
    """Removes a refused upload: its stored file and its row (the CLI, which owns the upload's whole life). A new
    wave was never created for it, the moments made for it went with the failed import
    (``upload_leftovers_remove``); a journey made for it is deleted by the caller through
    ``journeys.services.journey_delete``."""
    path = upload_path(upload)
    Upload.objects.filter(pk=upload.pk).delete()
    if upload.file_path:  # empty once retention deleted it (surveys/retention.py)
        transaction.on_commit(lambda: path.unlink(missing_ok=True))


def upload_errors(*, upload: Upload, limit: int | None = None) -> pd.DataFrame:
    """The upload's row errors (line, column, value, reason), the first ``limit`` of them (its report file)."""
    return report_read(upload=upload, limit=limit)


def jobs_sweep_stale() -> list[int]:
    """Sends again the uploads stuck QUEUED or RUNNING (a lost queue message, a worker that died with its message);
    returns their ids. The rule is the one of every job kind: ``cxapp.jobs.jobs_sweep_stale``."""
    return jobs_sweep_stale_of(UPLOAD_JOB)
