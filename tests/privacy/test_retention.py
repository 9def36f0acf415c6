"""Retention of uploaded files (issue 16): the raw file goes after the retention period once the import ended, and
at once with its upload, wave or journey; the upload row keeps its counts, mapping and error report."""

from __future__ import annotations

import io
import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditAction, AuditEvent
from journeys.models import Journey
from surveys import services
from surveys.models import Survey, Upload, UploadStatus
from surveys.retention import uploads_purge_expired
from surveys.tasks import purge_expired_uploads
from tests.privacy.helpers import import_wave, wave_csv
from tests.surveys.helpers import SYNTHETIC_MAPPING, synthetic_csv


def _stored(upload: Upload) -> Path:
    return Path(settings.UPLOAD_ROOT) / upload.file_path


def _purge(*args) -> str:
    out = io.StringIO()
    call_command("purge_uploads", *args, stdout=out)
    return out.getvalue()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_uploaded_file_is_gone_past_a_retention_of_0_and_the_report_stays(
    analyst, organisation, tmp_path, celery_worker, settings
):
    """Through the real API and worker: upload, import (with two bad rows), then the purge with retention 0."""
    Journey.objects.create(organisation=organisation, name="Broadband", slug="broadband")
    client = APIClient()
    client.force_authenticate(analyst)
    path = synthetic_csv(tmp_path / "wave.csv", 500, bad_lines=(10, 11))
    with path.open("rb") as fh:
        response = client.post(
            "/api/uploads/",
            {"file": fh, "journey": "broadband", "survey": "W1", "mapping": json.dumps(SYNTHETIC_MAPPING),
             "skip_invalid": "true"},
            format="multipart",
        )  # fmt: skip
    assert response.status_code == 202, response.content
    url = response.json()["url"]
    deadline = time.monotonic() + 60
    while (data := client.get(url).json())["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert data["status"] == "done", data["message"]
    upload = Upload.objects.get()
    stored = _stored(upload)
    assert stored.is_file()

    settings.MOMENTUM_UPLOAD_RETENTION_DAYS = 0
    report = _purge("--dry-run")
    assert "1 file(s) would be deleted" in report and "acme: 1 file(s)" in report
    assert stored.is_file(), "a dry run deletes nothing"
    assert "1 file(s) deleted" in _purge()

    assert not stored.exists()
    after = client.get(url).json()
    assert (after["rows_total"], after["rows_imported"], after["rows_invalid"]) == (500, 498, 2)
    assert after["errors"] == data["errors"] and len(after["errors"]) == 2
    assert b"".join(client.get(data["error_report_url"]).streaming_content).decode().splitlines()[1:] == [
        "10,m2,9,out of scale 1-5",
        "11,m2,9,out of scale 1-5",
    ]
    upload.refresh_from_db()
    assert upload.mapping["respondent_id"] == "rid" and upload.file_path == ""
    purge = AuditEvent.objects.get(action=AuditAction.UPLOAD_FILES_PURGE)
    assert (purge.organisation_id, purge.details["files"]) == (organisation.pk, 1)
    assert "0 file(s) would be deleted" in _purge("--dry-run")


@pytest.fixture
def ended_upload(organisation, analyst, tmp_path, settings):
    """An upload imported by the CLI (in this process), DONE, with its file stored."""
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    import_wave(tmp_path, organisation, journey="broadband", wave="W1", path=wave_csv(tmp_path / "w1.csv", 50))
    upload = Upload.objects.get()
    assert upload.status == UploadStatus.DONE and _stored(upload).is_file()
    return upload


def _ended_days_ago(upload: Upload, days: float) -> None:
    Upload.objects.filter(pk=upload.pk).update(finished_at=timezone.now() - timedelta(days=days))


@pytest.mark.django_db
def test_the_beat_task_keeps_a_file_inside_the_retention_and_deletes_it_after(
    ended_upload, settings, django_capture_on_commit_callbacks
):
    settings.MOMENTUM_UPLOAD_RETENTION_DAYS = 30
    stored = _stored(ended_upload)
    _ended_days_ago(ended_upload, 29)
    with django_capture_on_commit_callbacks(execute=True):
        assert purge_expired_uploads() == 0
    assert stored.is_file()
    _ended_days_ago(ended_upload, 31)
    with django_capture_on_commit_callbacks(execute=True):
        assert purge_expired_uploads() == 1
    assert not stored.exists()
    ended_upload.refresh_from_db()
    assert ended_upload.rows_imported == 50 and ended_upload.status == UploadStatus.DONE
    assert settings.CELERY_BEAT_SCHEDULE["surveys.purge_expired_uploads"]["task"] == "surveys.purge_expired_uploads"


@pytest.mark.django_db
def test_uploads_still_waiting_or_importing_keep_their_file(organisation, analyst, tmp_path, settings):
    settings.UPLOAD_ROOT = tmp_path
    settings.MOMENTUM_UPLOAD_RETENTION_DAYS = 0
    journey = Journey.objects.create(organisation=organisation, name="Broadband", slug="broadband")
    survey = Survey.objects.create(journey=journey, name="W1")
    path = synthetic_csv(tmp_path / "w.csv", 20)
    uploads = [
        services.upload_create(
            read_now=True, organisation=organisation, survey=survey, original_name="w.csv", path=path
        )
        for _ in range(3)
    ]
    Upload.objects.filter(pk=uploads[1].pk).update(status=UploadStatus.QUEUED, finished_at=timezone.now())
    Upload.objects.filter(pk=uploads[2].pk).update(status=UploadStatus.RUNNING)
    assert uploads_purge_expired().uploads == 0
    assert all(_stored(u).is_file() for u in uploads)


@pytest.mark.django_db
def test_with_a_retention_of_0_the_file_goes_as_soon_as_the_import_ends(
    organisation, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    settings.MOMENTUM_UPLOAD_RETENTION_DAYS = 0
    with django_capture_on_commit_callbacks(execute=True):
        import_wave(tmp_path, organisation, journey="broadband", wave="W1", path=wave_csv(tmp_path / "w1.csv", 30))
    upload = Upload.objects.get()
    assert upload.status == UploadStatus.DONE and upload.rows_imported == 30
    assert upload.file_path == ""
    assert not any((tmp_path / "uploads").rglob("*.csv"))


@pytest.mark.django_db
def test_a_failed_upload_whose_file_is_gone_says_so_when_imported_again(ended_upload, settings):
    Upload.objects.filter(pk=ended_upload.pk).update(status=UploadStatus.FAILED)
    settings.MOMENTUM_UPLOAD_RETENTION_DAYS = 0
    _purge()
    ended_upload.refresh_from_db()
    with pytest.raises(services.IngestError, match="deleted after the retention period"):
        services.upload_confirm(upload=ended_upload, mapping=SYNTHETIC_MAPPING, enqueue=False)


@pytest.mark.django_db(transaction=True)
def test_deleting_the_journey_through_its_page_deletes_the_files_of_its_uploads(ended_upload, analyst, organisation):
    stored = _stored(ended_upload)
    other = Path(settings.UPLOAD_ROOT) / "unrelated.csv"
    other.write_text("x")
    client = Client()
    client.force_login(analyst)
    journey = ended_upload.survey.journey
    response = client.post(f"/journeys/{journey.pk}/delete/")
    assert response.status_code == 302, response.content
    assert not Upload.objects.exists()
    assert not stored.exists()
    assert other.is_file()
    deleted = AuditEvent.objects.get(action=AuditAction.JOURNEY_DELETE)
    assert (deleted.actor_name, deleted.target_repr) == ("alice", str(journey))


@pytest.mark.django_db(transaction=True)
def test_deleting_a_wave_or_an_upload_deletes_its_file(ended_upload, organisation, tmp_path):
    stored = _stored(ended_upload)
    ended_upload.delete()
    assert not stored.exists()
    import_wave(tmp_path, organisation, journey="broadband", wave="W2", path=wave_csv(tmp_path / "w2.csv", 20))
    second = Upload.objects.get()
    assert _stored(second).is_file()
    second.survey.delete()
    assert not _stored(second).exists()


@pytest.mark.django_db(transaction=True)
def test_a_delete_that_rolls_back_keeps_the_file(ended_upload):
    from django.db import transaction

    stored = _stored(ended_upload)

    def delete_then_fail():
        with transaction.atomic():
            ended_upload.survey.journey.delete()
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        delete_then_fail()
    assert stored.is_file() and Upload.objects.filter(pk=ended_upload.pk).exists()


@pytest.mark.django_db
def test_the_uploads_page_says_how_long_a_file_is_kept(analyst, organisation, settings):
    settings.MOMENTUM_UPLOAD_RETENTION_DAYS = 14
    client = Client()
    client.force_login(analyst)
    body = client.get("/uploads/").content.decode()
    assert "Uploaded files are kept for 14 days after the import ends" in body


@pytest.mark.django_db
def test_a_refused_cli_import_with_a_retention_of_0_leaves_no_file_and_no_error(
    organisation, tmp_path, settings, django_capture_on_commit_callbacks
):
    from django.core.management import CommandError

    from tests.surveys.helpers import mapping_file

    settings.UPLOAD_ROOT = tmp_path / "uploads"
    settings.MOMENTUM_UPLOAD_RETENTION_DAYS = 0
    path = synthetic_csv(tmp_path / "bad.csv", 30, bad_lines=(5,))
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(CommandError):
        call_command("import_responses", str(path), "--journey", "broadband", "--survey", "W1",
                     "--organisation", organisation.slug, "--mapping", str(mapping_file(tmp_path, SYNTHETIC_MAPPING)),
                     stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip
    assert not Upload.objects.exists()
    assert not any(p.is_file() for p in (tmp_path / "uploads").rglob("*"))
