"""One protocol for the background jobs that have a row the UI polls (STYLE.md rules 10-14 and 26).

A job kind is a model with the eight fields of ``Job`` (``surveys.Upload``, ``moments.AnalysisRun``) plus a
``JobKind`` that names its Celery task and its messages. Its life:

1. the service writes the row QUEUED and calls ``job_enqueue_on_commit``: the task is sent after commit, and a
   broker that cannot be reached leaves the row QUEUED with a message instead of failing the request;
2. the task claims the row with ``job_claim`` (a conditional update, so a duplicate message is harmless; a claim
   counts an attempt, and a job claimed more than ``MAX_ATTEMPTS`` times fails instead of taking a worker down
   for ever);
3. while it works, ``JobProgress`` writes progress and the heartbeat at most every ``PROGRESS_EVERY_SECONDS``;
4. it ends DONE (the service's own write, with its results) or FAILED through ``job_fail``; a transient database
   error puts it back QUEUED (``job_requeue``) and is re-raised, and the task retries it (``JOB_TASK_OPTIONS``,
   the one retry policy);
5. ``jobs_sweep_stale`` (beat, every minute) sends again the jobs of a kind that are QUEUED or RUNNING with a
   heartbeat older than ``MOMENTUM_STALE_AFTER_SECONDS``: a lost message, a worker killed with its message.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connection, connections, models, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from kombu.exceptions import OperationalError as BrokerOperationalError

logger = logging.getLogger(__name__)

# Claims of one job, whichever way they come (first delivery, retry, redelivery after a SIGKILL, the sweeper).
MAX_ATTEMPTS = 3
# The database went away or dropped the connection: worth another try. Anything else is recorded on the row.
TRANSIENT_DB_ERRORS = (OperationalError, InterfaceError)
# What publishing a task raises when Redis is down (kombu wraps the redis-py errors; the socket ones may leak).
BROKER_ERRORS = (BrokerOperationalError, ConnectionError, OSError)
PROGRESS_EVERY_SECONDS = 0.5

# Celery options of every job task (``@shared_task(name=..., **JOB_TASK_OPTIONS)``). Retries after 3 and 6 s, then
# the claim that would be the fourth attempt fails the job. Fixed delays, never jittered: a restarting PostgreSQL
# (crash recovery) refuses connections for several seconds, and Celery's default full jitter once drew 0, 0 and
# 1 s, spending every retry before it was back (docs/RELIABILITY.md fault 4). A job whose retries are spent stays
# QUEUED, and the sweeper sends it again.
JOB_TASK_OPTIONS: dict[str, Any] = {
    "acks_late": True,  # a SIGKILLed worker's message is redelivered (STYLE.md rule 13) ...
    "reject_on_worker_lost": True,  # ... and every job task is safe to run twice (it claims its row)
    "ignore_result": True,
    "autoretry_for": TRANSIENT_DB_ERRORS,
    "retry_backoff": 3,
    "retry_backoff_max": 60,
    "retry_jitter": False,
    "max_retries": MAX_ATTEMPTS - 1,
}


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)


class Job(models.Model):
    """The row of a background job: what the UI polls, what the worker claims, what the sweeper watches."""

    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True)
    progress = models.FloatField(default=0.0, help_text="0-1")
    message = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0, help_text="Claims so far; a job that keeps stopping fails")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE


@dataclass(frozen=True)
class JobKind:
    """What the protocol needs to know about one kind of job."""

    model: type[Job]
    # The Celery task that takes the job's id, looked up when sending (tasks import services, not the reverse).
    task: Callable[[], Any]
    # Shown while the broker cannot be reached, and replaced by ``queued_message`` once the job is sent.
    queue_down_message: str
    queued_message: str
    # Why a job claimed more than MAX_ATTEMPTS times was abandoned.
    exhausted_message: str


def _stale_before() -> datetime:
    return timezone.now() - timedelta(seconds=settings.MOMENTUM_STALE_AFTER_SECONDS)


# ------------------------------------------------------------------------------------------------ send
def job_send(kind: JobKind, job_id: int) -> bool:
    """Sends the job to the worker; False when the broker is unreachable (logged, and written on the row)."""
    try:
        kind.task().delay(job_id)
    except BROKER_ERRORS:
        logger.exception(
            "%s %s: the queue is unreachable; it stays queued for the sweeper", kind.model.__name__, job_id
        )
        with contextlib.suppress(*TRANSIENT_DB_ERRORS):
            kind.model.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(message=kind.queue_down_message)
        return False
    return True


def job_enqueue_on_commit(kind: JobKind, job_id: int) -> None:
    """Sends the job once the surrounding transaction commits: the row is stored and QUEUED whatever happens then,
    so a broker outage never fails the request that made it (the sweeper sends it once the broker is back)."""
    transaction.on_commit(lambda: job_send(kind, job_id))


# ------------------------------------------------------------------------------------------------ claim, fail
def job_claim(
    kind: JobKind, queryset: QuerySet, job_id: int, *, runner_gone: bool = False, message: str = ""
) -> Job | None:
    """Takes the job for this process with a conditional update; the row (from ``queryset``) or None.

    Claimable: QUEUED; RUNNING when its runner is gone: its heartbeat is older than MOMENTUM_STALE_AFTER_SECONDS
    (or missing), or the caller knows it (``runner_gone``: the upload's advisory lock was free). A claim counts an
    attempt; a job claimed more than ``MAX_ATTEMPTS`` times is failed with ``kind.exhausted_message``.
    """
    claimable = Q(status=JobStatus.QUEUED) | Q(status=JobStatus.RUNNING, heartbeat_at__lt=_stale_before())
    claimable |= Q(status=JobStatus.RUNNING, heartbeat_at__isnull=True)
    if runner_gone:
        claimable |= Q(status=JobStatus.RUNNING)
    now = timezone.now()
    claimed = kind.model.objects.filter(claimable, pk=job_id).update(
        status=JobStatus.RUNNING, attempts=F("attempts") + 1, started_at=now, heartbeat_at=now, progress=0.0,
        message=message,
    )  # fmt: skip
    if not claimed:
        return None
    job = queryset.filter(pk=job_id).first()
    if job is not None and job.attempts > MAX_ATTEMPTS:
        job_fail(kind, job_id, kind.exhausted_message.format(tries=MAX_ATTEMPTS))
        return None
    return job


def job_fail(kind: JobKind, job_id: int, message: str, **fields) -> None:
    """FAILED with the reason the user reads (and any of the kind's own fields, e.g. an error report)."""
    now = timezone.now()
    kind.model.objects.filter(pk=job_id).update(
        status=JobStatus.FAILED, message=message[:2000], finished_at=now, heartbeat_at=now, **fields
    )


def job_requeue(kind: JobKind, job_id: int, message: str) -> None:
    """RUNNING -> QUEUED after a transient database error, for the retry to claim it (best effort: the database
    may still be away; then the sweeper finds it by its heartbeat)."""
    with contextlib.suppress(*TRANSIENT_DB_ERRORS):
        kind.model.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(status=JobStatus.QUEUED, message=message)


# ------------------------------------------------------------------------------------------------ progress
class JobProgress:
    """Writes progress (and optionally the message) with the heartbeat on a RUNNING job's row, at most every
    ``PROGRESS_EVERY_SECONDS`` unless forced; ``on_progress(fraction, message)`` hears every report.

    ``side_connection``: the job writes its results in one long transaction (an upload's load) and its progress
    must be visible meanwhile: on PostgreSQL it is written through a second, autocommit connection. SQLite allows
    one writer, so there such progress is written only outside a transaction. The side connection never touches
    the row before the main transaction's final update of it, so the two cannot wait on each other. Without
    ``side_connection`` (a job that writes its results at the end, an analysis run) the row is updated directly.
    """

    def __init__(
        self,
        model: type[Job],
        job_id: int,
        on_progress: Callable[[float, str], None] | None = None,
        *,
        side_connection: bool = False,
    ) -> None:
        self.model, self.job_id, self.on_progress = model, job_id, on_progress
        self.side_connection = side_connection
        use_side = side_connection and connection.vendor == "postgresql"
        self.side = connections.create_connection(DEFAULT_DB_ALIAS) if use_side else None
        self.last_write = 0.0

    def report(self, fraction: float, message: str | None = None, *, force: bool = False) -> None:
        fraction = min(max(float(fraction), 0.0), 1.0)
        if self.on_progress is not None:
            self.on_progress(fraction, message or "")
        now = time.monotonic()
        if not force and now - self.last_write < PROGRESS_EVERY_SECONDS:
            return
        self.last_write = now
        fields: dict[str, Any] = {"progress": fraction, "heartbeat_at": timezone.now()}
        if message is not None:
            fields["message"] = message[:1000]
        if self.side is not None:
            columns = ", ".join(f"{name} = %s" for name in fields)
            with self.side.cursor() as cursor:
                cursor.execute(
                    # The table and column names are the model's own; every value is a parameter.
                    f"UPDATE {self.model._meta.db_table} SET {columns} WHERE id = %s AND status = %s",  # noqa: S608  # nosec B608
                    [*fields.values(), self.job_id, JobStatus.RUNNING],
                )
        elif not (self.side_connection and connection.in_atomic_block):
            self.model.objects.filter(pk=self.job_id, status=JobStatus.RUNNING).update(**fields)

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


# ------------------------------------------------------------------------------------------------ sweep
def jobs_sweep_stale(kind: JobKind) -> list[int]:
    """Sends again the jobs of ``kind`` that are QUEUED or RUNNING with a heartbeat older than
    MOMENTUM_STALE_AFTER_SECONDS (none yet: created before that); returns their ids.

    One rule for every kind: such a job lost its message (QUEUED) or its worker died with the message (RUNNING,
    e.g. the whole worker SIGKILLed: Redis only hands the message back after its visibility timeout). Each is put
    back QUEUED with a fresh heartbeat first, conditionally (a job a worker just claimed or finished is left alone;
    two sweepers do not both send it), which also spaces the re-sends by the stale delay. Re-sending is safe: the
    task claims its row (``job_claim``).
    """
    now, stale = timezone.now(), _stale_before()
    stuck = Q(status__in=ACTIVE) & (Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True, created_at__lt=stale))
    sent = []
    for job_id in kind.model.objects.filter(stuck).values_list("pk", flat=True):
        if not kind.model.objects.filter(stuck, pk=job_id).update(status=JobStatus.QUEUED, heartbeat_at=now):
            continue
        logger.warning("re-sending stale %s %s", kind.model.__name__, job_id)
        if job_send(kind, job_id):
            kind.model.objects.filter(pk=job_id, status=JobStatus.QUEUED, message=kind.queue_down_message).update(
                message=kind.queued_message
            )
        sent.append(job_id)
    return sent
