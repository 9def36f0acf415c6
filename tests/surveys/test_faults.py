"""Faults during an import, with the real worker, Redis and PostgreSQL (issue 6, faults 2-4; 1 and 5 are in
test_ingest_jobs.py). Each test restores what it broke in ``finally``, so the tests after it find the session's
worker, Redis and PostgreSQL as before.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from rest_framework.test import APIClient

from surveys import services
from surveys.models import Response, Upload, UploadStatus
from tests.factories import JourneyFactory
from tests.faults import poll, postgres_ensure_running, postgres_restart, redis_start, redis_stop
from tests.surveys.helpers import SYNTHETIC_MAPPING, synthetic_csv

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker, pytest.mark.fault]
logger = logging.getLogger(__name__)

ROWS = 300_000  # ~10 s of ingest on the 2-core machine: time to hit it mid-way


@pytest.fixture
def survey(organisation):
    journey = JourneyFactory(organisation=organisation, name="Broadband", slug="broadband")
    return services.survey_get_or_create(journey=journey, name="W1")


def _queued(survey, path: Path) -> Upload:
    upload = services.upload_create(
        read_now=True, organisation=survey.journey.organisation, survey=survey, path=path, original_name=path.name
    )
    return services.upload_confirm(upload=upload, mapping=SYNTHETIC_MAPPING)


def _upload(upload_id: int) -> Upload:
    return Upload.objects.get(pk=upload_id)


def _mid_ingest(upload_id: int) -> Upload:
    """Waits until the upload's load transaction has stored some chunks (not committed)."""
    return poll(
        lambda: (u := _upload(upload_id)).status == UploadStatus.RUNNING and 0.1 < u.progress < 0.8 and u,
        90,
        "the upload did not get going",
        interval=0.05,
    )


def _sweep_until_finished(upload_ids: list[int], timeout: float, settings) -> None:
    """Runs the sweeper (what beat does every minute) until every upload is finished."""
    settings.MOMENTUM_STALE_AFTER_SECONDS = 1

    def finished() -> bool:
        if all(_upload(pk).is_finished for pk in upload_ids):
            return True
        services.jobs_sweep_stale()
        return False

    poll(finished, timeout, "the uploads did not finish", interval=0.5)


def test_a_whole_worker_killed_mid_ingest_is_recovered_by_the_sweeper(survey, tmp_path, celery_worker, settings):
    """Fault 2: SIGKILL of the worker's main process and its pool. The unacknowledged message only comes back
    after Redis' visibility timeout (over an hour), so recovery rests on the sweeper: the upload's heartbeat goes
    stale, the sweeper sends it again, a new worker takes it over (its lease died with the old connection)."""
    upload = _queued(survey, synthetic_csv(tmp_path / "big.csv", ROWS))
    _mid_ingest(upload.pk)
    try:
        pids = [*celery_worker.pool_pids(), celery_worker.process.pid]
        assert len(pids) >= 2
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        killed_at = time.monotonic()
        celery_worker.stop()
        assert _upload(upload.pk).status == UploadStatus.RUNNING  # what the dead worker left
    finally:
        celery_worker.start()

    _sweep_until_finished([upload.pk], 90, settings)
    recovery = time.monotonic() - killed_at

    upload.refresh_from_db()
    logger.warning("fault 2: whole worker SIGKILLed, upload done %.1f s later", recovery)
    assert upload.status == UploadStatus.DONE, upload.message
    assert upload.attempts == 2
    assert (upload.rows_imported, upload.responses_created, upload.responses_updated) == (ROWS, ROWS, 0)
    assert Response.objects.filter(survey=survey).count() == ROWS
    assert recovery < 60
    (Path(settings.UPLOAD_ROOT) / upload.file_path).unlink(missing_ok=True)


def test_with_redis_down_uploads_are_stored_and_queued_and_run_once_it_is_back(
    client, analyst, survey, tmp_path, celery_worker, settings
):
    """Fault 3: Redis stops while an analyst uploads through the page and the API. Both answer quickly without a
    500, the uploads are stored and stay queued (the page says so), and they are imported once Redis is back."""
    content = synthetic_csv(tmp_path / "wave.csv", 1000).read_bytes()
    client.force_login(analyst)
    api = APIClient()
    api.force_authenticate(analyst)
    redis_stop()
    try:
        # the page: the file is stored and queued to be read; the reading page says the queue is down
        form = {"journey": survey.journey_id, "survey": "W1", "file": SimpleUploadedFile("w.csv", content)}
        started = time.monotonic()
        response = client.post("/uploads/new/", form)
        page_seconds = time.monotonic() - started
        assert response.status_code == 302, response.content
        page_upload = Upload.objects.get()
        reading = client.get(response["Location"])
        assert reading.status_code == 200
        assert b"Reading your file..." in reading.content
        assert b"The job queue cannot be reached right now" in reading.content

        # the API
        started = time.monotonic()
        response = api.post(
            "/api/uploads/",
            {"file": SimpleUploadedFile("w2.csv", content), "journey": "broadband", "survey": "W2",
             "mapping": json.dumps(SYNTHETIC_MAPPING)},
            format="multipart",
        )  # fmt: skip
        api_seconds = time.monotonic() - started
        assert response.status_code == 202, response.content
        assert response.json()["status"] == "queued"
        api_upload = Upload.objects.get(pk=response.json()["id"])

        logger.warning("fault 3: Redis down, mapping page %.2f s, API upload %.2f s", page_seconds, api_seconds)
        assert page_seconds < 5 and api_seconds < 5
        for upload in (page_upload, api_upload):
            upload.refresh_from_db()
            assert upload.status == UploadStatus.QUEUED
            assert (Path(settings.UPLOAD_ROOT) / upload.file_path).is_file()
    finally:
        redis_start()

    back = time.monotonic()
    settings.MOMENTUM_STALE_AFTER_SECONDS = 1

    def settled() -> bool:  # the page's upload read (waiting for its mapping), the API's imported
        if _upload(page_upload.pk).status == UploadStatus.PENDING_MAPPING and _upload(api_upload.pk).is_finished:
            return True
        services.jobs_sweep_stale()
        return False

    poll(settled, 60, "the uploads were not read and imported")
    form = {"respondent_id": "0", "submitted_at": "1", "outcome": "2", "outcome_type": "nps", "scale_min": "1",
            "scale_max": "5", "role-3": "moment", "name-3": "Ordering", "role-4": "moment",
            "name-4": "Installation", "role-5": "moment", "name-5": "Billing", "role-6": "segment",
            "name-6": "Region"}  # fmt: skip
    assert client.post(f"/uploads/{page_upload.pk}/mapping/", form).status_code == 302
    _sweep_until_finished([page_upload.pk, api_upload.pk], 60, settings)
    logger.warning("fault 3: both uploads done %.1f s after Redis came back", time.monotonic() - back)
    for upload in (page_upload, api_upload):
        upload.refresh_from_db()
        assert upload.status == UploadStatus.DONE, upload.message
        assert (upload.attempts, upload.rows_imported, upload.responses_created) == (1, 1000, 1000)
    assert Response.objects.filter(survey__journey=survey.journey).count() == 2000


def test_postgresql_restarted_mid_ingest_the_task_retries_and_imports_exactly_once(survey, tmp_path, celery_worker):
    """Fault 4: PostgreSQL restarts (immediate mode, like a crash) inside the load transaction. The open
    transaction is lost with nothing committed; the task retries on OperationalError and the upload ends done
    with every row once."""
    upload = _queued(survey, synthetic_csv(tmp_path / "big.csv", ROWS))
    _mid_ingest(upload.pk)
    try:
        restart_started = time.monotonic()
        postgres_restart()
        restart_seconds = time.monotonic() - restart_started
    finally:
        postgres_ensure_running()
        connection.close()
    started = time.monotonic()

    poll(lambda: _upload(upload.pk).is_finished, 90, "the upload did not finish after the restart")
    recovery = time.monotonic() - started

    upload.refresh_from_db()
    logger.warning("fault 4: restart %.1f s, upload done %.1f s after it", restart_seconds, recovery)
    assert upload.status == UploadStatus.DONE, upload.message
    assert upload.attempts == 2, "the interrupted attempt, then the retry"
    assert (upload.rows_imported, upload.responses_created, upload.responses_updated) == (ROWS, ROWS, 0)
    assert Response.objects.filter(survey=survey).count() == ROWS
    assert celery_worker.is_running()
    (Path(settings.UPLOAD_ROOT) / upload.file_path).unlink(missing_ok=True)
