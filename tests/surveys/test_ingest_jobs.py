"""The import as a background job: claimed once, one transaction, safe to run twice, survives a SIGKILL."""

import os
import signal
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from surveys import services
from surveys.models import Response, Upload, UploadStatus
from tests.factories import JourneyFactory
from tests.surveys.helpers import SYNTHETIC_MAPPING, synthetic_csv

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def survey(organisation):
    journey = JourneyFactory(organisation=organisation, name="Broadband", slug="broadband")
    return services.survey_get_or_create(journey=journey, name="W1")


def _upload(survey, path: Path, *, enqueue: bool = False, skip_invalid: bool = False) -> Upload:
    upload = services.upload_create(
        read_now=True, organisation=survey.journey.organisation, survey=survey, path=path, original_name=path.name
    )
    return services.upload_confirm(upload=upload, mapping=SYNTHETIC_MAPPING, skip_invalid=skip_invalid,
                                   enqueue=enqueue)  # fmt: skip


def _in_threads(*calls) -> list:
    """Runs the calls at the same moment, each in its own thread (and database connection)."""
    results: list = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def _wait_for(upload_id: int, predicate, timeout: float) -> Upload:
    deadline = time.monotonic() + timeout
    while True:
        upload = Upload.objects.get(pk=upload_id)
        if predicate(upload) or time.monotonic() > deadline:
            return upload
        time.sleep(0.05)


def test_two_concurrent_imports_of_the_same_file_leave_no_duplicates(survey, tmp_path):
    path = synthetic_csv(tmp_path / "wave.csv", 20_000)
    first, second = _upload(survey, path), _upload(survey, path)

    _in_threads(lambda: services.upload_ingest(upload_id=first.pk), lambda: services.upload_ingest(upload_id=second.pk))

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (UploadStatus.DONE, UploadStatus.DONE)
    assert Response.objects.count() == 20_000
    # the survey lock serialised them: one created every response, the other updated them all
    assert sorted([first.responses_created, second.responses_created]) == [0, 20_000]
    assert sorted([first.responses_updated, second.responses_updated]) == [0, 20_000]


def test_two_concurrent_imports_into_one_new_wave_make_one_wave(organisation, tmp_path):
    """The wave is created inside each load transaction: the second waits on its unique name, then on its row."""
    journey = JourneyFactory(organisation=organisation, name="Broadband", slug="broadband")
    good, bad = synthetic_csv(tmp_path / "good.csv", 5_000), synthetic_csv(tmp_path / "bad.csv", 5_000, bad_lines=(9,))
    uploads = []
    for path in (good, good, bad):
        upload = services.upload_create(
            read_now=True,
            organisation=organisation,
            journey=journey,
            survey_name="W9",
            path=path,
            original_name=path.name,
        )
        uploads.append(services.upload_confirm(upload=upload, mapping=SYNTHETIC_MAPPING, enqueue=False))
    assert not journey.surveys.exists()

    _in_threads(*[lambda pk=u.pk: services.upload_ingest(upload_id=pk) for u in uploads])

    for upload in uploads:
        upload.refresh_from_db()
    wave = journey.surveys.get()
    assert [u.status for u in uploads] == [UploadStatus.DONE, UploadStatus.DONE, UploadStatus.FAILED]
    assert [u.survey_id for u in uploads[:2]] == [wave.pk, wave.pk] and wave.data_version == 2
    assert Response.objects.filter(survey=wave).count() == 5_000
    assert sorted(u.responses_created for u in uploads[:2]) == [0, 5_000]


def test_a_double_delivery_of_the_same_upload_imports_once(survey, tmp_path):
    upload = _upload(survey, synthetic_csv(tmp_path / "wave.csv", 20_000))

    ingest = lambda: services.upload_ingest(upload_id=upload.pk)  # noqa: E731
    _in_threads(ingest, ingest)

    upload.refresh_from_db()
    assert (upload.status, upload.attempts, upload.responses_created) == (UploadStatus.DONE, 1, 20_000)
    assert Response.objects.count() == 20_000
    # and once it is done, running it again does nothing
    services.upload_ingest(upload_id=upload.pk)
    upload.refresh_from_db()
    assert (upload.attempts, upload.responses_updated) == (1, 0)


def test_a_running_upload_whose_runner_died_is_taken_over(survey, tmp_path):
    upload = _upload(survey, synthetic_csv(tmp_path / "wave.csv", 100))
    # what a SIGKILLed runner leaves: RUNNING, one attempt, its lease gone with its connection
    Upload.objects.filter(pk=upload.pk).update(status=UploadStatus.RUNNING, attempts=1, progress=0.4)

    services.upload_ingest(upload_id=upload.pk)

    upload.refresh_from_db()
    assert (upload.status, upload.attempts, upload.rows_imported) == (UploadStatus.DONE, 2, 100)


def test_an_upload_that_keeps_crashing_fails_after_three_attempts(survey, tmp_path):
    upload = _upload(survey, synthetic_csv(tmp_path / "wave.csv", 10))
    Upload.objects.filter(pk=upload.pk).update(status=UploadStatus.RUNNING, attempts=3)

    services.upload_ingest(upload_id=upload.pk)

    upload.refresh_from_db()
    assert upload.status == UploadStatus.FAILED
    assert "stopped 3 times" in upload.message
    assert Response.objects.count() == 0
    assert not survey.journey.moments.exists(), "the moments made for its mapping went with it"


def test_a_strict_failure_leaves_nothing_and_a_confirmation_with_skip_invalid_imports_the_rest(survey, tmp_path):
    upload = _upload(survey, synthetic_csv(tmp_path / "wave.csv", 1000, bad_lines=(3, 500, 1001)))
    services.upload_ingest(upload_id=upload.pk)
    upload.refresh_from_db()
    assert (upload.status, upload.rows_invalid, upload.error_count) == (UploadStatus.FAILED, 3, 3)
    assert upload.message.startswith("3 rows have errors; nothing was imported")
    assert Response.objects.count() == 0

    services.upload_confirm(upload=upload, mapping=upload.mapping, skip_invalid=True, enqueue=False)
    services.upload_ingest(upload_id=upload.pk)

    upload.refresh_from_db()
    assert (upload.status, upload.rows_imported, upload.rows_invalid) == (UploadStatus.DONE, 997, 3)
    assert Response.objects.count() == 997


@pytest.mark.worker
def test_the_sweeper_resends_an_upload_whose_queue_message_was_lost(survey, tmp_path, celery_worker):
    upload = _upload(survey, synthetic_csv(tmp_path / "wave.csv", 500), enqueue=False)  # no message sent
    old = timezone.now() - timedelta(seconds=settings.MOMENTUM_STALE_AFTER_SECONDS + 5)
    Upload.objects.filter(pk=upload.pk).update(heartbeat_at=old)

    assert services.jobs_sweep_stale() == [upload.pk]
    assert services.jobs_sweep_stale() == [], "a re-sent upload waits for the stale delay again"

    upload = _wait_for(upload.pk, lambda u: u.is_finished, 60)
    assert (upload.status, upload.rows_imported) == (UploadStatus.DONE, 500)


@pytest.mark.worker
@pytest.mark.fault
def test_a_sigkilled_ingest_is_redelivered_and_ends_done_with_every_response_once(survey, tmp_path, celery_worker):
    rows = 300_000
    upload = _upload(survey, synthetic_csv(tmp_path / "big.csv", rows), enqueue=True)

    # inside the load transaction: some chunks already stored, not committed
    running = _wait_for(upload.pk, lambda u: u.status == UploadStatus.RUNNING and u.progress > 0.1, 90)
    assert running.status == UploadStatus.RUNNING and not running.is_finished, running.message
    pids = celery_worker.pool_pids()
    assert pids
    for pid in pids:
        os.kill(pid, signal.SIGKILL)

    upload = _wait_for(upload.pk, lambda u: u.is_finished, 150)
    assert upload.status == UploadStatus.DONE, upload.message
    assert upload.attempts >= 2, "the killed attempt was redelivered and the upload taken over"
    assert (upload.rows_imported, upload.responses_created, upload.responses_updated) == (rows, rows, 0)
    assert Response.objects.filter(survey=survey).count() == rows
    assert celery_worker.is_running()
    (Path(settings.UPLOAD_ROOT) / upload.file_path).unlink(missing_ok=True)
