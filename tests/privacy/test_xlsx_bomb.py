"""A zip-bomb XLSX (a small file whose sheet expands far beyond any export) is refused from its zip directory,
before anything is inflated (issue 16, ``surveys.ingest.zipcheck``)."""

from __future__ import annotations

import resource
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from rest_framework.test import APIClient

from journeys.models import Journey
from surveys.ingest import IngestError, read_table
from surveys.models import Survey
from tests.surveys.helpers import read_like_the_worker

SHEET = "xl/worksheets/sheet1.xml"


def _xlsx(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["rid", "ltr", "m1"])
    for i in range(20):
        sheet.append([f"R{i}", i % 11, 1 + i % 5])
    book.save(path)
    return path


def _bomb(path: Path, *, expanded_mb: int = 400) -> Path:
    """A real workbook whose first sheet is padded with ``expanded_mb`` MB of blank rows (compressing ~1000x)."""
    source = _xlsx(path.with_suffix(".src.xlsx"))
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename != SHEET:
                out.writestr(info, data)
                continue
            head, tail = data.split(b"</sheetData>")
            member = zipfile.ZipInfo(SHEET)
            member.compress_type = zipfile.ZIP_DEFLATED
            with out.open(member, "w", force_zip64=True) as part:
                part.write(head)
                block = b"<row/>" * ((1 << 20) // 6)  # ~1 MB
                for _ in range(expanded_mb):
                    part.write(block)
                part.write(b"</sheetData>" + tail)
    return path


def test_a_zip_bomb_is_refused_from_its_directory_without_inflating_it(tmp_path):
    path = _bomb(tmp_path / "bomb.xlsx")
    assert path.stat().st_size < 2 << 20
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    with pytest.raises(IngestError, match="looks like a zip bomb"):
        read_table(path, filename="bomb.xlsx")
    assert time.monotonic() - started < 1
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000  # KB: nothing was inflated


def test_an_ordinary_workbook_still_reads(tmp_path):
    table = read_table(_xlsx(tmp_path / "ok.xlsx"), filename="ok.xlsx")
    assert table.columns[:3] == ["rid", "ltr", "m1"]


@pytest.mark.django_db
def test_the_upload_api_only_stores_the_bomb_and_its_reading_fails_clearly(analyst, organisation, tmp_path, settings):
    """The request stores and queues; the job (here in this process, as the worker runs it; with the real worker:
    tests/surveys/test_hostile_files.py) refuses the file from its directory and imports nothing."""
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    Journey.objects.create(organisation=organisation, name="Broadband", slug="broadband")
    client = APIClient()
    client.force_authenticate(analyst)
    with _bomb(tmp_path / "bomb.xlsx").open("rb") as fh:
        response = client.post("/api/uploads/", {"file": fh, "journey": "broadband", "survey": "W1"},
                               format="multipart")  # fmt: skip
    assert response.status_code == 202, response.content

    upload = read_like_the_worker(response.json()["id"])

    assert upload.status == "failed"
    assert "zip bomb" in upload.message
    assert not Survey.objects.exists()
