"""Hostile or broken files through the real upload paths (page and API): caps, bad bytes, where files are kept."""

import json
import re
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import get_resolver
from rest_framework.test import APIClient

from surveys.models import Response, Survey, Upload
from tests.factories import JourneyFactory
from tests.surveys.helpers import SYNTHETIC_MAPPING, read_like_the_worker, synthetic_csv

HEADER = b"rid,date,ltr,m1,m2,m3,region\n"


@pytest.fixture
def journey(organisation):
    return JourneyFactory(organisation=organisation, name="Broadband", slug="broadband")


@pytest.fixture
def upload_root(settings, tmp_path) -> Path:
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    return settings.UPLOAD_ROOT


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _api_post(user, name: str, content: bytes, **extra):
    data = {"file": SimpleUploadedFile(name, content), "journey": "broadband", "survey": "W1", **extra}
    return _api(user).post("/api/uploads/", data, format="multipart")


def _page_post(client, user, journey, name: str, content: bytes):
    client.force_login(user)
    form = {"journey": journey.pk, "survey": "W1", "file": SimpleUploadedFile(name, content)}
    return client.post("/uploads/new/", form)


def _nothing_kept(upload_root: Path) -> None:
    assert not Upload.objects.exists()
    assert not any(p.is_file() for p in upload_root.rglob("*")) if upload_root.exists() else True


def _runaway_file() -> bytes:
    # a quote opened on line 3 and never closed: the rest of the file (9 MB here) would be one cell
    return HEADER + b'R1,2025-03-01,9,4,4,4,North\nR2,2025-03-01,9,4,4,"' + b"x" * (9 << 20)


def _wide_file(columns: int) -> bytes:
    return (",".join(f"c{i}" for i in range(columns)) + "\n" + ",".join("1" * columns) + "\n").encode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "setting", "message"),
    [
        (b"x" * 5000, {"UPLOAD_MAX_BYTES": 1000}, "The file is larger than the limit of 1000 bytes"),
        (b"", {}, "The submitted file is empty."),
    ],
    ids=["size", "empty"],
)
def test_the_api_and_the_page_refuse_it_clearly_and_keep_nothing(
    client, analyst, journey, upload_root, settings, content, setting, message
):
    for name, value in setting.items():
        setattr(settings, name, value)

    response = _api_post(analyst, "export.csv", content, mapping=json.dumps(SYNTHETIC_MAPPING))

    assert response.status_code == 400
    assert message in response.json()["detail"]
    _nothing_kept(upload_root)

    page = _page_post(client, analyst, journey, "export.csv", content)

    assert page.status_code == 200  # the form again, with the problem next to the file field
    assert message.replace('"', "&quot;") in page.content.decode()
    _nothing_kept(upload_root)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "setting", "message"),
    [
        (_wide_file(50), {"UPLOAD_MAX_COLUMNS": 20}, "The file has 50 columns; the limit is 20."),
        (_runaway_file(), {}, "The row starting on line 3 is larger than 8 MB, most likely because a quote"),
    ],
    ids=["columns", "runaway-quote"],
)
def test_a_file_the_worker_cannot_read_fails_with_its_message_on_the_api_and_the_page(
    client, analyst, journey, upload_root, settings, content, setting, message
):
    for name, value in setting.items():
        setattr(settings, name, value)

    response = _api_post(analyst, "export.csv", content, mapping=json.dumps(SYNTHETIC_MAPPING))

    assert response.status_code == 202  # stored and queued: the request does not read the file
    started = time.monotonic()
    upload = read_like_the_worker(response.json()["id"])
    assert time.monotonic() - started < 10
    assert upload.status == "failed" and message in upload.message
    assert not Survey.objects.exists() and not Response.objects.exists()

    page = _page_post(client, analyst, journey, "export.csv", content)
    assert page.status_code == 302
    upload = read_like_the_worker(Upload.objects.latest("pk").pk)
    mapping_page = client.get(page["Location"])
    assert mapping_page.status_code == 302 and mapping_page["Location"] == upload.get_absolute_url()
    assert message.replace('"', "&quot;") in client.get(mapping_page["Location"]).content.decode()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_nul_and_undecodable_bytes_are_row_errors_and_the_other_rows_import(analyst, journey, celery_worker):
    content = HEADER + "".join(f"R{i},2025-03-01,9,4,4,4,Zürich\n" for i in range(20)).encode()
    content += b"R20,2025-03-01,9,4,4,4,Nor\x00th\n"  # NUL byte: line 22
    content += b"R21,2025-03-01,9,4,4,4,Z\xfcrich\n"  # latin-1 byte in a UTF-8 file: line 23
    content += b"R22,2025-03-01,9,\xff,4,4,South\n"  # undecodable byte in a rating: line 24

    response = _api_post(analyst, "export.csv", content, mapping=json.dumps(SYNTHETIC_MAPPING), skip_invalid="true")

    assert response.status_code == 202, response.content
    deadline = time.monotonic() + 60
    while (upload := Upload.objects.get()).is_active and time.monotonic() < deadline:
        time.sleep(0.1)
    assert upload.status == "done", upload.message
    assert (upload.rows_total, upload.rows_imported, upload.rows_invalid) == (23, 20, 3)
    body = _api(analyst).get(f"/api/uploads/{upload.pk}/").json()
    assert [(e["line"], e["column"], e["value"], e["reason"]) for e in body["errors"]] == [
        (22, "region", "Nor\\x00th", "NUL byte in cell"),
        (23, "region", "Z\ufffdrich", "bytes that are not valid utf-8 text"),
        (24, "m1", "\ufffd", "bytes that are not valid utf-8 text"),
        (24, "m1", "\ufffd", "not a number"),
    ]
    assert set(Response.objects.values_list("segments__Region", flat=True)) == {"Zürich"}  # not mojibake


@pytest.mark.django_db
def test_the_stored_file_is_private_and_named_by_the_app(client, analyst, journey, upload_root, settings):
    content = synthetic_csv(upload_root.parent / "wave.csv", 30).read_bytes()
    _page_post(client, analyst, journey, "../../static/Confidential Q1 export.csv", content)

    upload = Upload.objects.get()
    stored = (upload_root / upload.file_path).resolve()
    assert stored.is_file() and stored.read_bytes() == content
    assert stored.is_relative_to(upload_root.resolve())
    assert re.fullmatch(rf"{journey.organisation_id}/[0-9a-f]{{32}}\.csv", upload.file_path)
    assert "Confidential" not in upload.file_path and upload.original_name == "Confidential Q1 export.csv"
    # nothing serves it: not static files, not media, not the app's own URLs
    assert not stored.is_relative_to(Path(settings.STATIC_ROOT).resolve())
    assert not getattr(settings, "MEDIA_ROOT", "")
    served = [settings.STATIC_URL, "/media/", "/uploads/", "/"]
    for prefix in served:
        url = "/" + "/".join(part for part in (prefix.strip("/"), upload.file_path) if part)
        assert client.get(url).status_code == 404, url
    views = {getattr(p.callback, "__module__", "") + "." + getattr(p.callback, "__name__", "") for p in _patterns()}
    assert not any(v.endswith("static.serve") for v in views)


def _patterns(resolver=None):
    for pattern in (resolver or get_resolver()).url_patterns:
        if hasattr(pattern, "url_patterns"):
            yield from _patterns(pattern)
        else:
            yield pattern
