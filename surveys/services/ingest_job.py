"""The import job of an upload: claim it, validate every row, store the good ones in ONE transaction, report.

Run by ``pipeline`` in the ``surveys.ingest_upload`` task (or in-process by the CLI). The job protocol (claim,
progress, fail, retry, sweep) is ``cxapp.jobs``; what is particular to uploads is here: a PostgreSQL advisory lock
held while a process works on an upload (it tells a dead runner from a live one), the survey row lock that
serialises imports into one wave, and the row-error report.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from cxapp.jobs import TRANSIENT_DB_ERRORS, JobProgress, job_claim, job_fail, job_requeue
from journeys.models import Moment
from journeys.services import moments_ensure

from ..ingest import IngestError, Mapping, RawTable, ValidatedChunk
from ..ingest.sandbox import in_child
from ..ingest.untrusted import file_validated_chunks
from ..models import Response, Survey, Upload, UploadStatus
from .files import file_blocks, upload_path
from .reading import parse_limits, upload_read_run
from .reports import ReportWriter
from .responses import responses_store
from .uploads import UPLOAD_JOB, upload_leftovers_remove, upload_table
from .waves import mapping_outcomes, survey_data_changed, survey_get_or_create, survey_outcomes_ensure

logger = logging.getLogger(__name__)

INGEST_CHUNK_ROWS = 100_000
LEASE_WAIT_SECONDS = 30
_LEASE_NAMESPACE = 0x4D4F4D  # first key of the two-key advisory lock: "MOM"


class _Refused(Exception):
    """Strict policy: the file has bad rows, so the load transaction is rolled back."""


@dataclass
class _Tally:
    rows_total: int = 0
    rows_imported: int = 0
    rows_invalid: int = 0
    error_count: int = 0
    created: int = 0
    updated: int = 0
    estimate: int | None = None  # data rows of the file, when they can be counted cheaply
    report: ReportWriter | None = None  # the first bad cells, written to the report file as they come

    def errors_add(self, errors: pd.DataFrame) -> None:
        if errors.empty:
            return
        self.error_count += len(errors)
        if self.report is not None and self.report.kept < self.report.limit:
            part = errors.head(self.report.limit - self.report.kept)
            self.report.add(part.assign(value=part["value"].map(_csv_safe)))

    def fields(self) -> dict:
        """The upload's count and report fields (the report is a file: ``surveys.services.reports``)."""
        return {
            "rows_total": self.rows_total,
            "rows_imported": self.rows_imported,
            "rows_invalid": self.rows_invalid,
            "responses_created": self.created,
            "responses_updated": self.updated,
            "error_count": self.error_count,
            "error_report": "",
            "error_report_file": self.report.close() if self.report is not None else "",
        }


def _csv_safe(value: object) -> str:
    """Keeps spreadsheet programs from running a cell of the report as a formula (CSV injection), and NUL bytes
    out of the report."""
    # PostgreSQL text cannot hold NUL: the report shows it as the four characters \x00
    text = "" if value is None else str(value).replace("\x00", "\\x00")
    if text[:1] in ("=", "+", "@", "\t", "\r") or (text[:1] == "-" and not _is_number(text)):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _lease_supported() -> bool:
    return connection.vendor == "postgresql"


def _lease_try(upload_id: int) -> bool:
    """A session-level advisory lock held for as long as this process works on the upload.

    PostgreSQL releases it when the holder's connection ends, also when the process was SIGKILLed, so a
    redelivered task can tell a dead runner (lock free: take the upload over) from a live one (lock held).
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_LEASE_NAMESPACE, upload_id % 2**31])
        return bool(cursor.fetchone()[0])


def _lease_release(upload_id: int) -> None:
    if connection.connection is None:
        return  # the connection is gone, and the lock with it
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_LEASE_NAMESPACE, upload_id % 2**31])


def _upload_claim(upload_id: int) -> Upload | None:
    """``cxapp.jobs.job_claim`` with the upload's lease; None when there is nothing to do for us.

    On PostgreSQL a RUNNING upload is taken over as soon as its lease is free (its runner's connection ended);
    when the lease is held, waits up to LEASE_WAIT_SECONDS for it, as a SIGKILLed runner's connection can take a
    moment to end. Elsewhere the heartbeat decides (older than MOMENTUM_STALE_AFTER_SECONDS).
    """
    runner_gone = False
    if _lease_supported():
        deadline = time.monotonic() + LEASE_WAIT_SECONDS
        active = [UploadStatus.QUEUED, UploadStatus.RUNNING]
        while not _lease_try(upload_id):
            if time.monotonic() > deadline or not Upload.objects.filter(pk=upload_id, status__in=active).exists():
                return None
            time.sleep(0.5)
        runner_gone = True
    upload = job_claim(
        UPLOAD_JOB,
        Upload.objects.select_related("journey", "survey"),
        upload_id,
        runner_gone=runner_gone,
        message="Reading the file.",
    )
    if upload is None and _lease_supported():
        _lease_release(upload_id)
    return upload


def _rows_estimate(table: RawTable, path: Path) -> int | None:
    """Data rows of a CSV by counting line ends (a cheap upper bound: quoted cells may span lines)."""
    if table.format in ("excel", "spss"):
        return None
    newline = b"\n\x00" if (table.encoding or "").lower().startswith("utf-16") else b"\n"
    lines = sum(block.count(newline) for block in file_blocks(path))
    return max(lines - table.header_rows, 1)


def upload_ingest(*, upload_id: int, on_progress: Callable[[float, str], None] | None = None) -> Upload | None:
    """Imports a confirmed upload: validate every row, then store the good ones in ONE transaction.

    Steps: claim the upload (``_upload_claim``; None when it is not ours to run); lock the survey row so two
    imports into it serialise; validate the file chunk by chunk (vectorised, see surveys.ingest) and upsert each
    chunk's good rows (``responses_store``) while reporting progress on the row; strict policy: any bad row rolls
    the transaction back, the upload fails with the error report, nothing is stored; ``skip_invalid``: the good
    rows are stored and the rest reported. The upload is marked DONE inside the same transaction, so a crash
    leaves either nothing or everything, and a redelivered task finds it DONE. Transient database errors are
    re-raised for the task to retry (the upload is queued again); file problems fail the upload. An upload that
    ends FAILED takes the moments made for it along (``upload_leftovers_remove``), and a wave new to it is created
    inside the load transaction, so it goes with the rollback: "nothing was imported" is true.
    """
    upload = _upload_claim(upload_id)
    if upload is None:
        upload_leftovers_remove(upload_id=upload_id)  # a no-op unless the claim abandoned it (MAX_ATTEMPTS)
        return Upload.objects.filter(pk=upload_id).first()
    progress = JobProgress(Upload, upload_id, on_progress, side_connection=True)
    try:
        if not upload.is_read:
            upload_read_run(upload, progress)  # the job's first step: read the file, propose a mapping
        else:
            _upload_run(upload, progress)
    except IngestError as exc:
        job_fail(UPLOAD_JOB, upload_id, str(exc))
    except TRANSIENT_DB_ERRORS:
        job_requeue(UPLOAD_JOB, upload_id, "Interrupted by a database error; retrying.")
        raise
    except Exception as exc:
        logger.exception("upload %s failed", upload_id)
        job_fail(UPLOAD_JOB, upload_id, f"The import failed unexpectedly ({type(exc).__name__}); nothing was imported.")
        raise
    finally:
        progress.close()
        if _lease_supported():
            with contextlib.suppress(*TRANSIENT_DB_ERRORS):
                _lease_release(upload_id)
        with contextlib.suppress(*TRANSIENT_DB_ERRORS):
            upload_leftovers_remove(upload_id=upload_id)
    return Upload.objects.filter(pk=upload_id).first()


def _upload_run(upload: Upload, progress: JobProgress) -> None:
    """The load transaction: every chunk stored, then DONE; or rolled back and FAILED with the report so far.

    The file is read and validated in a child process with the parse ceilings (``surveys.ingest.sandbox``); this
    process only stores the validated chunks it sends."""
    path = upload_path(upload)
    table = upload_table(upload=upload)  # the layout the worker read (the file is not opened here)
    mapping = Mapping.from_json(upload.mapping)
    tally = _Tally(estimate=_rows_estimate(table, path), report=ReportWriter(upload.organisation_id))
    chunks = in_child(
        file_validated_chunks,
        path,
        upload.original_name,
        settings.UPLOAD_MAX_COLUMNS,
        settings.UPLOAD_MAX_CELL_BYTES,
        upload.mapping,
        INGEST_CHUNK_ROWS,
        limits=parse_limits(),
    )
    try:
        with transaction.atomic(), contextlib.closing(chunks):
            survey = _survey_lock(upload)
            moments = moments_ensure(journey=survey.journey, names=list(mapping.moments))
            # the wave's outcomes first: a name the journey uses for another type refuses the import here
            survey_outcomes_ensure(survey=survey, outcomes=mapping_outcomes(mapping))
            scale = _chunks_store(upload, survey, moments, chunks, mapping, tally, progress)
            if not upload.skip_invalid and tally.rows_invalid:
                raise _Refused
            if tally.rows_imported == 0:
                raise IngestError(
                    "No valid rows to import: " + ("the file has no data rows." if not tally.rows_total else
                                                   f"all {tally.rows_total:,} rows have errors.")
                )  # fmt: skip
            _upload_done(upload, survey, mapping, scale, tally, progress)
    except _Refused:
        job_fail(
            UPLOAD_JOB,
            upload.pk,
            f"{tally.rows_invalid:,} {'row has' if tally.rows_invalid == 1 else 'rows have'} errors; "
            "nothing was imported. Fix them, or import again with "
            "“skip invalid rows” to store the other rows.",
            **tally.fields(),
        )
    except IngestError as exc:
        # a file-level problem met while reading (e.g. an unconfigured binary outcome): keep the report so far
        job_fail(UPLOAD_JOB, upload.pk, str(exc), **tally.fields())


def _survey_lock(upload: Upload) -> Survey:
    """Inside the load transaction: the upload's wave, row-locked; a wave new to the upload (or removed since) is
    created here by its name, so a refused import rolls it back with the responses. Two imports into one new wave
    serialise on its unique name, then on the row lock."""
    locked = Survey.objects.select_for_update(no_key=True, of=("self",)).select_related("journey")
    survey = locked.filter(pk=upload.survey_id).first() if upload.survey_id else None
    if survey is None:
        survey = locked.get(pk=survey_get_or_create(journey=upload.journey, name=upload.survey_name).pk)
    return survey


def _chunks_store(
    upload: Upload,
    survey: Survey,
    moments: list[Moment],
    chunks: Iterator[ValidatedChunk],
    mapping: Mapping,
    tally: _Tally,
    progress: JobProgress,
) -> tuple[float, float] | None:
    """Validates the file chunk by chunk and stores each chunk's good rows (none once a strict upload has a bad
    row); returns the rating scale the validation settled on."""
    strict = not upload.skip_invalid
    # Under the survey lock no other upload of this survey is storing rows, and validation has made the file's
    # ids unique: on a survey's first upload every row is new, so it COPYs straight into the table.
    first_upload = not Response.objects.filter(survey_id=survey.pk).exists()
    scale = None
    for chunk in chunks:
        tally.rows_total += len(chunk.lines) + len(chunk.bad_lines)
        tally.rows_invalid += len(chunk.bad_lines)
        tally.errors_add(chunk.errors)
        scale = chunk.scale
        if len(chunk.lines) and not (strict and tally.rows_invalid):
            counts = responses_store(
                survey=survey,
                moments=moments,
                respondent_id=chunk.respondent_id,
                outcomes=chunk.outcomes,
                ratings=chunk.ratings,
                submitted_at=chunk.submitted_at,
                experienced=chunk.experienced,
                segments=chunk.segments,
                weight=chunk.weight,
                new_rows=first_upload,
            )
            tally.rows_imported += counts.total
            tally.created += counts.created
            tally.updated += counts.updated
        done = tally.rows_total / tally.estimate if tally.estimate else 0.5
        progress.report(0.95 * min(done, 1.0), f"{tally.rows_total:,} rows read, {tally.rows_invalid:,} with errors.")
    return scale


def _upload_done(
    upload: Upload,
    survey: Survey,
    mapping: Mapping,
    scale: tuple[float, float] | None,
    tally: _Tally,
    progress: JobProgress,
) -> None:
    """Inside the load transaction: the wave's new data version, outcome and scale, and the upload DONE."""
    survey_data_changed(survey=survey)
    survey_fields = {"mapping": upload.mapping}
    if scale is not None:
        survey_fields.update(scale_min=scale[0], scale_max=scale[1])
    Survey.objects.filter(pk=survey.pk).update(**survey_fields)
    message = f"Imported {tally.rows_imported:,} rows ({tally.created:,} new, {tally.updated:,} updated)"
    if tally.rows_invalid:
        message += f"; {tally.rows_invalid:,} rows with errors were skipped"
    if not mapping.moments:
        # Allowed (outcome and segments still count for the KPI), but the analyst should know why the matrix
        # stays empty.
        message += "; no column was mapped to a moment, so these responses count for the outcome only"
    progress.report(1.0, message + ".", force=True)
    now = timezone.now()
    Upload.objects.filter(pk=upload.pk).update(
        status=UploadStatus.DONE,
        survey=survey,
        progress=1.0,
        message=message + ".",
        finished_at=now,
        heartbeat_at=now,
        created_moments=[],  # kept: they hold data now
        **tally.fields(),
    )
