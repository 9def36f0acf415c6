"""Writes of surveys and responses.

Responses are stored in bulk only: on PostgreSQL by COPY into a temporary staging table and one
``INSERT ... ON CONFLICT (survey_id, respondent_id) DO UPDATE`` (DESIGN section 4), so a re-uploaded file or a file
that repeats respondents updates them and never duplicates. SQLite (the embedded demo mode) takes a simpler
``bulk_create(update_conflicts=True)`` path.

Uploads: ``upload_create`` (store the file, propose a mapping) -> ``upload_confirm`` (save the mapping, queue) ->
``upload_ingest`` (run by ``pipeline`` in the ``surveys.ingest_upload`` task, or by the CLI in-process) -> DONE or
FAILED with a row-error report. ``jobs_sweep_stale`` re-sends uploads whose worker vanished.
"""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import (
    DEFAULT_DB_ALIAS,
    IntegrityError,
    InterfaceError,
    OperationalError,
    connection,
    connections,
    transaction,
)
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string
from kombu.exceptions import OperationalError as BrokerOperationalError

from cxapp.models import Organisation
from journeys.models import Journey, Moment
from journeys.services import moments_ensure

from .ingest import ERROR_COLUMNS, IngestError, Mapping, RawTable, propose_mapping, read_table, validate_chunks
from .models import Response, Survey, Upload, UploadStatus
from .pgcopy import responses_payload

logger = logging.getLogger(__name__)

STAGING_TABLE = "momentum_response_staging"
# What publishing a task raises when Redis is down (kombu wraps the redis-py errors; the socket ones may leak).
BROKER_ERRORS = (BrokerOperationalError, ConnectionError, OSError)


@dataclass(frozen=True)
class StoreCounts:
    created: int
    updated: int

    @property
    def total(self) -> int:
        return self.created + self.updated


@transaction.atomic
def survey_moments_align(*, survey: Survey, moments: Sequence[Moment]) -> list[int]:
    """Extends ``survey.moment_ids`` with any of ``moments`` not yet in it; returns each moment's array index."""
    # NO KEY UPDATE: new uploads of the survey (a foreign key to it) are not blocked during a load.
    survey = Survey.objects.select_for_update(no_key=True).get(pk=survey.pk)
    ids = list(survey.moment_ids)
    for moment in moments:
        if moment.pk not in ids:
            ids.append(moment.pk)
    if ids != survey.moment_ids:
        Survey.objects.filter(pk=survey.pk).update(moment_ids=ids)
    return [ids.index(m.pk) for m in moments]


def _aligned(matrix: np.ndarray, columns: Sequence[int], width: int, fill: float) -> np.ndarray:
    """Places the columns of ``matrix`` at array positions ``columns`` of a ``width``-wide matrix."""
    out = np.full((matrix.shape[0], width), fill, dtype=matrix.dtype)
    out[:, list(columns)] = matrix
    return out


@transaction.atomic
def responses_store(
    *,
    survey: Survey,
    moments: Sequence[Moment],
    respondent_id: np.ndarray,
    outcome: np.ndarray,
    ratings: np.ndarray,
    submitted_at: np.ndarray | None = None,
    experienced: np.ndarray | None = None,
    segments: pd.DataFrame | None = None,
    new_rows: bool = False,
) -> StoreCounts:
    """Upserts one batch of responses of ``survey`` in bulk and returns how many were created and updated.

    ``ratings`` is n x len(moments), satisfaction on 0-100, NaN = not experienced; columns follow ``moments``,
    which are aligned to the survey's ordered ``moment_ids`` first.

    Atomic on its own (the staging table lives until commit, so it needs a transaction around it); inside the
    caller's transaction (an upload's one) it is a savepoint, and a failed upload still leaves nothing behind.

    ``new_rows``: the caller knows none of these respondents is stored yet (PostgreSQL then COPYs straight into
    the table; the unique key still refuses a duplicate, and the batch then falls back to the upsert).
    """
    n = len(respondent_id)
    if n == 0:
        return StoreCounts(0, 0)
    positions = survey_moments_align(survey=survey, moments=moments)
    survey.refresh_from_db(fields=["moment_ids"])
    width = len(survey.moment_ids)
    full_ratings = _aligned(np.asarray(ratings, dtype=np.float32), positions, width, np.nan)
    full_experienced = None
    if experienced is not None:
        # Unmapped moments: experienced means "has a rating".
        full_experienced = _aligned(np.asarray(experienced, dtype=bool), positions, width, False)
        full_experienced |= ~np.isnan(full_ratings) & ~_aligned(
            np.ones_like(experienced, dtype=bool), positions, width, False
        )
    frame = pd.DataFrame({"respondent_id": pd.Series(respondent_id, dtype="string").to_numpy()})
    frame["submitted_at"] = pd.to_datetime(pd.Series(submitted_at), utc=True) if submitted_at is not None else pd.NaT
    frame["outcome"] = np.asarray(outcome, dtype=np.float64)
    if segments is None:
        segments = pd.DataFrame(index=range(n))
    segments = segments.reset_index(drop=True).astype("string")
    if connection.vendor == "postgresql":
        return _store_postgresql(survey, frame, segments, full_ratings, full_experienced, new_rows)
    return _store_generic(survey, frame, segments, full_ratings, full_experienced)


def _store_postgresql(
    survey: Survey,
    frame: pd.DataFrame,
    segments: pd.DataFrame,
    ratings: np.ndarray,
    experienced: np.ndarray | None,
    new_rows: bool,
) -> StoreCounts:
    """Binary COPY of rows already in the response table's shape (arrays and JSON built with numpy/pyarrow).

    ``new_rows`` (the caller knows none of these respondents is stored yet: first upload of a survey, ids unique in
    the file): COPY straight into the table, as the floor does. The unique key still guards it: should a row exist
    after all, the COPY fails inside a savepoint and the batch takes the upsert path. Otherwise COPY into a staging
    table of the same shape and one ``INSERT ... ON CONFLICT (survey_id, respondent_id) DO UPDATE``; updated rows
    are counted by one indexed join before it (no ``RETURNING`` of every row).
    """
    payload = responses_payload(survey.pk, frame, segments, ratings, experienced)
    table = Response._meta.db_table
    columns = "survey_id, respondent_id, submitted_at, outcome, segments, ratings, experienced"
    n = len(frame)
    if new_rows:
        import psycopg2  # only on PostgreSQL; copy_expert's errors are not wrapped by Django

        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT binary)", io.BytesIO(payload))
            return StoreCounts(created=n, updated=0)
        except (IntegrityError, psycopg2.IntegrityError):
            logger.warning("survey %s: respondents already stored; storing this batch by upsert", survey.pk)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGING_TABLE}")
        # Same column types as the table (identifiers are constants, never user input).
        cursor.execute(
            f"CREATE TEMP TABLE {STAGING_TABLE} ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA"  # noqa: S608  # nosec B608 - identifiers are constants
        )
        cursor.copy_expert(f"COPY {STAGING_TABLE} FROM STDIN WITH (FORMAT binary)", io.BytesIO(payload))
        cursor.execute(
            f"SELECT count(*) FROM {STAGING_TABLE} s JOIN {table} r "  # noqa: S608  # nosec B608 - identifiers are constants
            "ON r.survey_id = %s AND r.respondent_id = s.respondent_id",
            [survey.pk],
        )
        updated = int(cursor.fetchone()[0])
        # Identifiers are constants; the statement has no parameters.
        upsert = (
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {STAGING_TABLE} "  # noqa: S608  # nosec B608
            "ON CONFLICT (survey_id, respondent_id) DO UPDATE SET submitted_at = EXCLUDED.submitted_at, "
            "outcome = EXCLUDED.outcome, segments = EXCLUDED.segments, ratings = EXCLUDED.ratings, "
            "experienced = EXCLUDED.experienced"
        )
        cursor.execute(upsert)
        stored = cursor.rowcount
        cursor.execute(f"DROP TABLE {STAGING_TABLE}")
    return StoreCounts(created=stored - updated, updated=updated)


def _store_generic(
    survey: Survey,
    frame: pd.DataFrame,
    segments: pd.DataFrame,
    ratings: np.ndarray,
    experienced: np.ndarray | None,
) -> StoreCounts:
    existing = set(
        Response.objects.filter(survey=survey, respondent_id__in=frame["respondent_id"].tolist()).values_list(
            "respondent_id", flat=True
        )
    )
    submitted = frame["submitted_at"].astype(object).where(frame["submitted_at"].notna(), None)
    rows = [
        Response(
            survey=survey,
            respondent_id=rid,
            submitted_at=None if ts is None else ts.to_pydatetime(),
            outcome=None if np.isnan(out) else float(out),
            segments={k: v for k, v in seg.items() if v is not None},
            ratings=[None if np.isnan(v) else float(v) for v in r],
            experienced=None if experienced is None else [bool(v) for v in experienced[i]],
        )
        for i, (rid, ts, out, seg, r) in enumerate(
            zip(
                frame["respondent_id"],
                submitted,
                frame["outcome"],
                segments.astype(object).where(segments.notna(), None).to_dict(orient="records"),
                ratings,
                strict=True,
            )
        )
    ]
    Response.objects.bulk_create(
        rows,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["survey", "respondent_id"],
        update_fields=["submitted_at", "outcome", "segments", "ratings", "experienced"],
    )
    return StoreCounts(created=len(rows) - len(existing), updated=len(existing))


@transaction.atomic
def survey_data_changed(*, survey: Survey) -> None:
    """Bumps the survey's data version so cached analysis runs of it are no longer reused."""
    Survey.objects.filter(pk=survey.pk).update(data_version=F("data_version") + 1)


# ------------------------------------------------------------------------------------------------ journeys, surveys
@transaction.atomic
def survey_get_or_create(
    *, journey: Journey, name: str, period_start: date | None = None, period_end: date | None = None
) -> Survey:
    """The wave ``name`` of ``journey``, created when new."""
    name = " ".join(name.split())[:200]
    if not name:
        raise IngestError("The survey (wave) needs a name.")
    survey, _ = Survey.objects.get_or_create(
        journey=journey, name=name, defaults={"period_start": period_start, "period_end": period_end}
    )
    return survey


# ------------------------------------------------------------------------------------------------ uploads
UPLOAD_EXTENSIONS = {".csv", ".txt", ".tsv", ".tab", ".xlsx", ".xlsm", ".sav", ".zsav"}
INGEST_CHUNK_ROWS = 100_000
MAX_ATTEMPTS = 3
LEASE_WAIT_SECONDS = 30
_LEASE_NAMESPACE = 0x4D4F4D  # first key of the two-key advisory lock: "MOM"


def _upload_path(upload: Upload) -> Path:
    return Path(settings.UPLOAD_ROOT) / upload.file_path


def _size_text(size: int) -> str:
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= factor:
            return f"{size / factor:.3g} {unit}"
    return f"{size} bytes"


def _file_store(*, organisation: Organisation, source: Iterable[bytes], original_name: str) -> tuple[str, int]:
    """Streams ``source`` to ``UPLOAD_ROOT/<org>/<uuid>.<ext>`` (never the user's name); returns (relative path,
    size). Stops at ``UPLOAD_MAX_BYTES`` and leaves no partial file behind."""
    suffix = Path(original_name).suffix.lower()
    if suffix not in UPLOAD_EXTENSIONS:
        suffix = ".csv" if not suffix else ".dat"
    relative = f"{organisation.pk}/{uuid.uuid4().hex}{suffix}"
    target = Path(settings.UPLOAD_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    limit = settings.UPLOAD_MAX_BYTES
    size = 0
    try:
        with target.open("xb") as out:
            for block in source:
                size += len(block)
                if size > limit:
                    raise IngestError(
                        f"The file is larger than the limit of {_size_text(limit)}: split it, or remove "
                        "columns that are not needed, and upload again."
                    )
                out.write(block)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    if size == 0:
        target.unlink(missing_ok=True)
        raise IngestError("The file is empty.")
    return relative, size


def _table_read(path: Path, *, filename: str) -> RawTable:
    """read_table with the deployment's caps on columns and cell size (settings UPLOAD_MAX_*)."""
    return read_table(
        path,
        filename=filename,
        max_columns=settings.UPLOAD_MAX_COLUMNS,
        max_field_bytes=settings.UPLOAD_MAX_CELL_BYTES,
    )


def _file_blocks(path: Path, size: int = 1024 * 1024) -> Iterator[bytes]:
    with path.open("rb") as fh:
        while block := fh.read(size):
            yield block


def upload_create(
    *,
    organisation: Organisation,
    survey: Survey,
    original_name: str,
    uploaded_file: UploadedFile | None = None,
    path: str | Path | None = None,
    user: AbstractBaseUser | None = None,
) -> Upload:
    """Stores the file, detects its format and proposes a mapping; the upload then waits for ``upload_confirm``.

    The proposal is, in order: the mapping saved on the survey by its previous upload when it fits the file; else
    the automatic proposal, matching the journey's moments (names and aliases) when it has some. Raises IngestError
    for a file that is too large or cannot be read at all.
    """
    if survey.journey.organisation_id != organisation.pk:
        raise IngestError("The survey belongs to another organisation.")
    if (uploaded_file is None) == (path is None):
        raise ValueError("Pass exactly one of uploaded_file and path.")
    source = uploaded_file.chunks() if uploaded_file is not None else _file_blocks(Path(path))
    original_name = Path(original_name).name[:255] or "upload.csv"
    relative, size = _file_store(organisation=organisation, source=source, original_name=original_name)
    stored = Path(settings.UPLOAD_ROOT) / relative
    try:
        table = _table_read(stored, filename=original_name)
        mapping, proposal = _mapping_propose(survey=survey, table=table)
    except BaseException:
        stored.unlink(missing_ok=True)
        raise
    return Upload.objects.create(
        organisation=organisation,
        survey=survey,
        file_path=relative,
        original_name=original_name,
        size_bytes=size,
        detected_format=table.format,
        mapping=mapping,
        proposal=proposal,
        status=UploadStatus.PENDING_MAPPING,
        message="Waiting for the column mapping.",
        created_by=user if user is not None and user.is_authenticated else None,
    )


def _mapping_propose(*, survey: Survey, table: RawTable) -> tuple[dict, dict]:
    # The wave's own saved mapping first, then the journey's other waves, newest first: the next wave's file
    # usually has the same columns as the last one.
    others = Survey.objects.filter(journey_id=survey.journey_id).exclude(pk=survey.pk).exclude(mapping={})
    candidates = [(survey.mapping, "this survey's last upload")]
    candidates += [(s.mapping, f"the wave “{s.name}”") for s in others.order_by("-created_at")[:10]]
    for saved_json, source in candidates:
        if not saved_json:
            continue
        try:
            saved = Mapping.from_json(saved_json)
        except IngestError:
            continue
        if not saved.check_columns(table):
            return saved.to_json(), {"confident": True, "reasons": [f"the mapping saved by {source}"]}
    moments = {m.name: list(m.aliases or []) for m in Moment.objects.filter(journey=survey.journey)}
    proposal = propose_mapping(table, moments=moments)
    return proposal.mapping.to_json(), {"confident": proposal.confident, "reasons": proposal.reasons}


def upload_table(*, upload: Upload) -> RawTable:
    """The stored file of ``upload``, opened for reading (raises IngestError when it is gone or unreadable)."""
    return _table_read(_upload_path(upload), filename=upload.original_name)


def upload_confirm(*, upload: Upload, mapping: dict, skip_invalid: bool = False, enqueue: bool = True) -> Upload:
    """Checks ``mapping`` against the file, saves it on the survey for the next wave, creates the moments it names
    and queues the import (after commit). A failed upload may be confirmed again, e.g. with ``skip_invalid``.

    ``enqueue=False`` leaves the queued upload for a synchronous ``upload_ingest`` (the CLI).
    """
    if upload.status not in (UploadStatus.PENDING_MAPPING, UploadStatus.FAILED):
        raise IngestError(f"This upload is {upload.get_status_display().lower()}; it cannot be confirmed again.")
    parsed = Mapping.from_json(mapping)
    problems = parsed.check_columns(upload_table(upload=upload))
    if problems:
        raise IngestError("The mapping does not fit the file: " + "; ".join(problems) + ".")
    other_outcomes = set(
        Survey.objects.filter(journey_id=upload.survey.journey_id, data_version__gt=0)
        .exclude(pk=upload.survey_id)
        .values_list("outcome_type", flat=True)
    )
    if other_outcomes and other_outcomes != {parsed.outcome_type}:
        # Waves of one journey are pooled and compared: their outcomes must be the same kind of number.
        raise IngestError(
            f"The other waves of this journey have a {', '.join(sorted(other_outcomes))} outcome, this mapping a "
            f"{parsed.outcome_type} one. Map the same kind of outcome, or import into a separate journey."
        )
    with transaction.atomic():
        Survey.objects.filter(pk=upload.survey_id).update(mapping=parsed.to_json())
        moments_ensure(journey=upload.survey.journey, names=list(parsed.moments))
        updated = Upload.objects.filter(
            pk=upload.pk, status__in=[UploadStatus.PENDING_MAPPING, UploadStatus.FAILED]
        ).update(
            mapping=parsed.to_json(),
            skip_invalid=skip_invalid,
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
            attempts=0,
            finished_at=None,
            # the sweeper measures a queued upload's wait from here
            heartbeat_at=timezone.now(),
        )
        if not updated:
            raise IngestError("This upload was confirmed by someone else in the meantime.")
        if enqueue:
            upload_id = upload.pk
            transaction.on_commit(lambda: _ingest_enqueue(upload_id))
    upload.refresh_from_db()
    return upload


QUEUE_DOWN_MESSAGE = (
    "Queued. The job queue cannot be reached right now: the import starts by itself once it is back "
    "(nothing to do, the file is stored)."
)


def _ingest_enqueue(upload_id: int) -> bool:
    """Sends the upload to the worker; False when the broker is unreachable.

    Runs after commit, so the upload is stored and QUEUED whatever happens here: a broker error is logged and
    written on the row (the page says so) instead of failing the request, and ``jobs_sweep_stale`` sends the
    upload again once its heartbeat is stale. The publish retry policy (settings) bounds the wait.
    """
    # The task is wired by the composition root (settings): it lives above this app, in ``pipeline``.
    ingest_upload = import_string(settings.MOMENTUM_INGEST_TASK)
    try:
        ingest_upload.delay(upload_id)
    except BROKER_ERRORS:
        logger.exception("upload %s: the queue is unreachable; it stays queued for the sweeper", upload_id)
        with contextlib.suppress(OperationalError, InterfaceError):
            Upload.objects.filter(pk=upload_id, status=UploadStatus.QUEUED).update(message=QUEUE_DOWN_MESSAGE)
        return False
    return True


# ------------------------------------------------------------------------------------------------ ingest
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
    report: io.StringIO = field(default_factory=io.StringIO)

    def __post_init__(self) -> None:
        csv.writer(self.report).writerow(ERROR_COLUMNS)

    def errors_add(self, errors: pd.DataFrame) -> None:
        if errors.empty:
            return
        self.error_count += len(errors)
        safe = errors.assign(value=errors["value"].map(_csv_safe))
        safe[ERROR_COLUMNS].to_csv(self.report, header=False, index=False, lineterminator="\n")


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


class _Progress:
    """Writes progress and the heartbeat on the upload row where the UI can see it while the load transaction
    is still open: on PostgreSQL through a second, autocommit connection. SQLite allows one writer, so there
    progress is written only outside the load transaction. Never touches the row the load transaction updates
    at its end before that, so the two connections cannot wait on each other.
    """

    def __init__(self, upload_id: int, on_progress: Callable[[float, str], None] | None) -> None:
        self.upload_id = upload_id
        self.on_progress = on_progress
        self.side = connections.create_connection(DEFAULT_DB_ALIAS) if connection.vendor == "postgresql" else None
        self.last_write = 0.0

    def report(self, fraction: float, message: str, *, force: bool = False) -> None:
        if self.on_progress is not None:
            self.on_progress(fraction, message)
        now = time.monotonic()
        if not force and now - self.last_write < 0.5:
            return
        self.last_write = now
        fields = {"progress": min(max(fraction, 0.0), 1.0), "message": message[:1000], "heartbeat_at": timezone.now()}
        if self.side is not None:
            with self.side.cursor() as cursor:
                cursor.execute(
                    # The table name is the model's own; every value is a parameter.
                    f"UPDATE {Upload._meta.db_table} SET progress = %s, message = %s, heartbeat_at = %s "  # noqa: S608  # nosec B608
                    "WHERE id = %s AND status = %s",
                    [fields["progress"], fields["message"], fields["heartbeat_at"], self.upload_id,
                     UploadStatus.RUNNING],
                )  # fmt: skip
        elif not connection.in_atomic_block:
            Upload.objects.filter(pk=self.upload_id, status=UploadStatus.RUNNING).update(**fields)

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


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
    """Takes the upload for this process with a conditional update; None when there is nothing to do for us.

    Claimable: a QUEUED upload; a RUNNING one whose runner died (PostgreSQL: its lease is free; elsewhere: its
    heartbeat is older than MOMENTUM_STALE_AFTER_SECONDS). When the lease is held, waits up to LEASE_WAIT_SECONDS
    for it, as a SIGKILLed runner's connection can take a moment to end.
    """
    active = [UploadStatus.QUEUED, UploadStatus.RUNNING]
    if _lease_supported():
        deadline = time.monotonic() + LEASE_WAIT_SECONDS
        while not _lease_try(upload_id):
            if time.monotonic() > deadline or not Upload.objects.filter(pk=upload_id, status__in=active).exists():
                return None
            time.sleep(0.5)
        claimable = Q(status__in=active)
    else:
        stale_before = timezone.now() - timedelta(seconds=settings.MOMENTUM_STALE_AFTER_SECONDS)
        claimable = Q(status=UploadStatus.QUEUED) | Q(status=UploadStatus.RUNNING, heartbeat_at__lt=stale_before)
    now = timezone.now()
    claimed = Upload.objects.filter(claimable, pk=upload_id).update(
        status=UploadStatus.RUNNING,
        attempts=F("attempts") + 1,
        heartbeat_at=now,
        started_at=now,
        progress=0.0,
        message="Reading the file.",
    )
    upload = Upload.objects.select_related("survey__journey").filter(pk=upload_id).first() if claimed else None
    if upload is not None and upload.attempts > MAX_ATTEMPTS:
        _upload_fail(upload_id, f"The import stopped {MAX_ATTEMPTS} times without finishing; nothing was imported.")
        upload = None
    if upload is None and _lease_supported():
        _lease_release(upload_id)
    return upload


def _upload_fail(upload_id: int, message: str, **fields) -> None:
    Upload.objects.filter(pk=upload_id).update(
        status=UploadStatus.FAILED, message=message, finished_at=timezone.now(), heartbeat_at=timezone.now(), **fields
    )


def _rows_estimate(table: RawTable, path: Path) -> int | None:
    """Data rows of a CSV by counting line ends (a cheap upper bound: quoted cells may span lines)."""
    if table.format in ("excel", "spss"):
        return None
    newline = b"\n\x00" if (table.encoding or "").lower().startswith("utf-16") else b"\n"
    lines = sum(block.count(newline) for block in _file_blocks(path))
    return max(lines - table.header_rows, 1)


def upload_ingest(*, upload_id: int, on_progress: Callable[[float, str], None] | None = None) -> Upload | None:
    """Imports a confirmed upload: validate every row, then store the good ones in ONE transaction.

    Steps: claim the upload (``_upload_claim``; None when it is not ours to run); lock the survey row so two
    imports into it serialise; validate the file chunk by chunk (vectorised, see surveys.ingest) and upsert each
    chunk's good rows (``responses_store``) while reporting progress on the row; strict policy: any bad row rolls
    the transaction back, the upload fails with the error report, nothing is stored; ``skip_invalid``: the good
    rows are stored and the rest reported. The upload is marked DONE inside the same transaction, so a crash
    leaves either nothing or everything, and a redelivered task finds it DONE. Transient database errors are
    re-raised for the task to retry (the upload is queued again); file problems fail the upload.
    """
    upload = _upload_claim(upload_id)
    if upload is None:
        return Upload.objects.filter(pk=upload_id).first()
    progress = _Progress(upload_id, on_progress)
    try:
        _upload_run(upload, progress)
    except IngestError as exc:
        _upload_fail(upload_id, str(exc))
    except (OperationalError, InterfaceError):
        with contextlib.suppress(OperationalError, InterfaceError):
            Upload.objects.filter(pk=upload_id, status=UploadStatus.RUNNING).update(
                status=UploadStatus.QUEUED, message="Interrupted by a database error; retrying."
            )
        raise
    except Exception as exc:
        logger.exception("upload %s failed", upload_id)
        _upload_fail(upload_id, f"The import failed unexpectedly ({type(exc).__name__}); nothing was imported.")
        raise
    finally:
        progress.close()
        if _lease_supported():
            with contextlib.suppress(OperationalError, InterfaceError):
                _lease_release(upload_id)
    return Upload.objects.filter(pk=upload_id).first()


def _upload_run(upload: Upload, progress: _Progress) -> None:
    path = _upload_path(upload)
    table = _table_read(path, filename=upload.original_name)
    mapping = Mapping.from_json(upload.mapping)
    estimate = _rows_estimate(table, path)
    tally = _Tally()
    strict = not upload.skip_invalid
    try:
        with transaction.atomic():
            survey = (
                Survey.objects.select_for_update(no_key=True, of=("self",))
                .select_related("journey")
                .get(pk=upload.survey_id)
            )
            moments = moments_ensure(journey=survey.journey, names=list(mapping.moments))
            # Under the survey lock no other upload of this survey is storing rows, and validation has made the
            # file's ids unique: on a survey's first upload every row is new, so it COPYs straight into the table.
            first_upload = not Response.objects.filter(survey_id=survey.pk).exists()
            scale = None
            for chunk in validate_chunks(table, mapping, chunksize=INGEST_CHUNK_ROWS):
                tally.rows_total += len(chunk.lines) + len(chunk.bad_lines)
                tally.rows_invalid += len(chunk.bad_lines)
                tally.errors_add(chunk.errors)
                scale = chunk.scale
                if len(chunk.lines) and not (strict and tally.rows_invalid):
                    counts = responses_store(
                        survey=survey,
                        moments=moments,
                        respondent_id=chunk.respondent_id,
                        outcome=chunk.outcome,
                        ratings=chunk.ratings,
                        submitted_at=chunk.submitted_at,
                        experienced=chunk.experienced,
                        segments=chunk.segments,
                        new_rows=first_upload,
                    )
                    tally.rows_imported += counts.total
                    tally.created += counts.created
                    tally.updated += counts.updated
                done = tally.rows_total / estimate if estimate else 0.5
                progress.report(
                    0.95 * min(done, 1.0), f"{tally.rows_total:,} rows read, {tally.rows_invalid:,} with errors."
                )
            if strict and tally.rows_invalid:
                raise _Refused
            if tally.rows_imported == 0:
                raise IngestError(
                    "No valid rows to import: " + ("the file has no data rows." if not tally.rows_total else
                                                   f"all {tally.rows_total:,} rows have errors.")
                )  # fmt: skip
            survey_data_changed(survey=survey)
            survey_fields = {"outcome_type": mapping.outcome_type}
            if scale is not None:
                survey_fields.update(scale_min=scale[0], scale_max=scale[1])
            Survey.objects.filter(pk=survey.pk).update(**survey_fields)
            message = f"Imported {tally.rows_imported:,} rows"
            message += f" ({tally.created:,} new, {tally.updated:,} updated)"
            if tally.rows_invalid:
                message += f"; {tally.rows_invalid:,} rows with errors were skipped"
            if not mapping.moments:
                # Allowed (outcome and segments still count for the KPI), but the analyst should know why the
                # matrix stays empty.
                message += "; no column was mapped to a moment, so these responses count for the outcome only"
            progress.report(1.0, message + ".", force=True)
            Upload.objects.filter(pk=upload.pk).update(
                status=UploadStatus.DONE,
                progress=1.0,
                message=message + ".",
                finished_at=timezone.now(),
                heartbeat_at=timezone.now(),
                **_tally_fields(tally),
            )
    except _Refused:
        _upload_fail(
            upload.pk,
            f"{tally.rows_invalid:,} {'row has' if tally.rows_invalid == 1 else 'rows have'} errors; "
            "nothing was imported. Fix them, or import again with "
            "“skip invalid rows” to store the other rows.",
            **_tally_fields(tally),
        )
    except IngestError as exc:
        # a file-level problem met while reading (e.g. an unconfigured binary outcome): keep the report so far
        _upload_fail(upload.pk, str(exc), **_tally_fields(tally))


def _tally_fields(tally: _Tally) -> dict:
    return {
        "rows_total": tally.rows_total,
        "rows_imported": tally.rows_imported,
        "rows_invalid": tally.rows_invalid,
        "responses_created": tally.created,
        "responses_updated": tally.updated,
        "error_count": tally.error_count,
        "error_report": tally.report.getvalue() if tally.error_count else "",
    }


def upload_errors(*, upload: Upload, limit: int | None = None) -> pd.DataFrame:
    """The upload's row errors (line, column, value, reason), the first ``limit`` of them."""
    if not upload.error_report:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in ERROR_COLUMNS})
    return pd.read_csv(io.StringIO(upload.error_report), dtype=str, keep_default_na=False, nrows=limit).astype(
        {"line": "int64"}
    )


def jobs_sweep_stale() -> list[int]:
    """Queues again the uploads stuck QUEUED or RUNNING whose heartbeat is older than MOMENTUM_STALE_AFTER_SECONDS
    (a lost queue message, a worker that died without the message coming back); returns their ids.

    Re-sending is safe: the task claims its upload with a conditional update and a lease (``_upload_claim``).
    """
    now = timezone.now()
    stale_before = now - timedelta(seconds=settings.MOMENTUM_STALE_AFTER_SECONDS)
    stuck = Q(heartbeat_at__lt=stale_before) | Q(heartbeat_at__isnull=True)
    ids = list(
        Upload.objects.filter(stuck, status__in=[UploadStatus.QUEUED, UploadStatus.RUNNING]).values_list(
            "pk", flat=True
        )
    )
    for upload_id in ids:
        # Touching the heartbeat spaces the re-sends by the stale delay.
        Upload.objects.filter(pk=upload_id).update(heartbeat_at=now)
        if _ingest_enqueue(upload_id):
            Upload.objects.filter(pk=upload_id, status=UploadStatus.QUEUED, message=QUEUE_DOWN_MESSAGE).update(
                message="Queued for import."
            )
    return ids
