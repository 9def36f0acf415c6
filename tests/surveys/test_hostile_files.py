"""Hostile and broken files through the real upload path (the API, then the real worker), issue 16.

Each file ends its upload failed with a clear message (or, for formulas, imported with their cached values, never
evaluated), the worker is alive and imports the next upload, and nothing of the hostile one was imported: no wave,
no response, no moment made for it. The files are built here, in tmp_path, small and fast.
"""

from __future__ import annotations

import io
import json
import struct
import time
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pyreadstat
import pytest
from rest_framework.test import APIClient

from journeys.models import Moment
from surveys.models import Response, Survey, Upload, UploadStatus
from tests.factories import JourneyFactory
from tests.privacy.test_xlsx_bomb import _bomb
from tests.surveys.helpers import SYNTHETIC_MAPPING, synthetic_csv

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

MAPPING = {"respondent_id": "rid", "outcome": "ltr", "moments": {"Ordering": "m1"}, "scale": [1, 5]}


@pytest.fixture
def journey(organisation):
    return JourneyFactory(organisation=organisation, name="Broadband", slug="broadband")


@pytest.fixture
def api(analyst) -> APIClient:
    client = APIClient()
    client.force_authenticate(analyst)
    return client


def _post(api: APIClient, content: bytes | Path, name: str, *, wave: str = "Hostile", mapping: dict | None = None):
    data = content.read_bytes() if isinstance(content, Path) else content
    body = {"file": _named(data, name), "journey": "broadband", "survey": wave}
    if mapping is not None:
        body["mapping"] = json.dumps(mapping)
    response = api.post("/api/uploads/", body, format="multipart")
    assert response.status_code == 202, response.content  # stored and queued: the request never reads the file
    return response.json()["id"]


def _named(data: bytes, name: str) -> io.BytesIO:
    fh = io.BytesIO(data)
    fh.name = name
    return fh


def _settled(upload_id: int, timeout: float = 60) -> Upload:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        upload = Upload.objects.get(pk=upload_id)
        if upload.status not in (UploadStatus.QUEUED, UploadStatus.RUNNING):
            return upload
        time.sleep(0.1)
    raise AssertionError(f"upload {upload_id} still {upload.status}: {upload.message}")


def _ends_failed(api, content, name: str, *, mapping: dict | None = MAPPING, match: str) -> Upload:
    """Uploads ``content``; asserts it ends failed saying ``match``, nothing of it was kept in the database, and
    the worker lives on and imports the next upload."""
    moments_before = set(Moment.objects.values_list("pk", flat=True))
    started = time.monotonic()
    upload = _settled(_post(api, content, name, mapping=mapping))
    took = time.monotonic() - started
    assert upload.status == UploadStatus.FAILED, (upload.status, upload.message)
    assert match.lower() in upload.message.lower(), upload.message
    assert "unexpectedly" not in upload.message
    assert not Survey.objects.filter(name="Hostile").exists()  # no wave left behind
    assert not Response.objects.exclude(survey__name__startswith="Next").exists()
    assert set(Moment.objects.values_list("pk", flat=True)) == moments_before
    _next_upload_imports(api)
    upload.took = took
    return upload


def _next_upload_imports(api) -> None:
    upload = _settled(_post(api, synthetic_csv(_tmp() / "next.csv", 50), "next.csv", wave=f"Next {time.monotonic_ns()}",
                            mapping=SYNTHETIC_MAPPING))  # fmt: skip
    assert upload.status == UploadStatus.DONE, upload.message
    assert upload.rows_imported == 50


def _tmp() -> Path:
    import tempfile

    return Path(tempfile.mkdtemp(prefix="hostile-"))


# --------------------------------------------------------------------------------------------- XLSX
def _xlsx_bytes(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_with_sheet(sheet_xml: bytes, extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal workbook around a hand-written first sheet (and any extra parts)."""
    base = _xlsx_bytes([["x"]])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = sheet_xml if info.filename == "xl/worksheets/sheet1.xml" else src.read(info.filename)
            dst.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            dst.writestr(name, data)
    return out.getvalue()


SHEET_HEAD = b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
SHEET_TAIL = b"</sheetData></worksheet>"


def test_a_zip_bomb_xlsx_fails_in_the_worker_and_the_worker_lives(api, journey, tmp_path, celery_worker):
    bomb = _bomb(tmp_path / "bomb.xlsx", expanded_mb=2000)  # ~2 GB of sheet in a file of a few MB
    assert bomb.stat().st_size < 4 << 20

    upload = _ends_failed(api, bomb, "bomb.xlsx", match="looks like a zip bomb")

    assert upload.took < 10
    assert celery_worker.is_running()


def test_an_xlsx_of_a_million_rows_of_one_column_is_refused_up_front(api, journey, celery_worker):
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (i, i, i) for i in range(2, 1_000_002))
    sheet = SHEET_HEAD + b'<row r="1"><c r="A1" t="inlineStr"><is><t>score</t></is></c></row>' + rows + SHEET_TAIL
    content = _xlsx_with_sheet(sheet)

    # one column: it can be the outcome, never a moment, so the mapping is refused before any row is read
    upload = _ends_failed(
        api, content, "million.xlsx", mapping={"outcome": "score"}, match="No column is mapped to a moment"
    )

    assert upload.took < 15
    assert upload.rows_total == 0  # refused before the import read a row
    assert upload.layout["columns"] == ["score"]


def test_a_truncated_xlsx_fails_with_a_clear_message(api, journey, client, analyst, celery_worker):
    content = _xlsx_bytes([["rid", "ltr", "m1"], *[[f"R{i}", i % 11, 1 + i % 5] for i in range(200)]])

    upload = _ends_failed(api, content[: len(content) // 2], "cut.xlsx", match="could not be opened")

    client.force_login(analyst)
    page = client.get(upload.get_absolute_url()).content.decode()
    assert "could not be opened" in page
    assert "Change the mapping and import again" not in page  # there is no mapping to change: upload it again


def test_a_corrupt_xlsx_fails_with_a_clear_message(api, journey, celery_worker):
    content = bytearray(_xlsx_bytes([["rid", "ltr", "m1"], *[[f"R{i}", i % 11, 1 + i % 5] for i in range(200)]]))
    start = content.index(b"xl/worksheets/sheet1.xml") + 40  # inside the sheet's compressed data
    content[start : start + 200] = b"\xff" * 200

    _ends_failed(api, bytes(content), "corrupt.xlsx", match="Excel file could not be")


def test_formulas_are_read_as_their_cached_values_never_evaluated_and_external_links_ignored(
    api, journey, celery_worker
):
    cells = [b'<row r="1"><c r="A1" t="inlineStr"><is><t>rid</t></is></c><c r="B1" t="inlineStr"><is><t>ltr</t></is>'
             b'</c><c r="C1" t="inlineStr"><is><t>m1</t></is></c></row>']  # fmt: skip
    for i in range(2, 42):
        # ltr: a formula that would give 2 if evaluated, cached as 9; m1: a formula naming an external workbook
        cells.append(
            b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>R%d</t></is></c><c r="B%d"><f>1+1</f><v>9</v></c>'
            b'<c r="C%d"><f>[1]Sheet1!A1</f><v>4</v></c></row>' % (i, i, i, i, i)
        )
    link = (b'<?xml version="1.0" encoding="UTF-8"?><externalLink xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main"><externalBook r:id="rId1" xmlns:r="http://schemas.openxmlformats.org/'
            b'officeDocument/2006/relationships"/></externalLink>')  # fmt: skip
    rels = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            b'relationships/externalLinkPath" Target="https://evil.example/book.xlsx" TargetMode="External"/>'
            b"</Relationships>")  # fmt: skip
    content = _xlsx_with_sheet(
        SHEET_HEAD + b"".join(cells) + SHEET_TAIL,
        {"xl/externalLinks/externalLink1.xml": link, "xl/externalLinks/_rels/externalLink1.xml.rels": rels},
    )

    upload = _settled(_post(api, content, "formulas.xlsx", mapping=MAPPING))

    assert upload.status == UploadStatus.DONE, upload.message
    assert upload.rows_imported == 40
    outcomes = {tuple(values) for values in Response.objects.values_list("outcomes", flat=True)}
    assert outcomes == {(9.0,)}  # the cached value; 1+1 was never computed
    assert {tuple(r) for r in Response.objects.values_list("ratings", flat=True)} == {(75.0,)}  # 4 on 1-5: cached
    assert celery_worker.is_running()


# --------------------------------------------------------------------------------------------- SPSS
def _sav(tmp_path: Path) -> bytes:
    frame = pd.DataFrame({"rid": [f"R{i}" for i in range(40)], "ltr": [i % 11 for i in range(40)],
                          "m1": [1 + i % 5 for i in range(40)]})  # fmt: skip
    path = tmp_path / "ok.sav"
    pyreadstat.write_sav(frame, str(path))
    return path.read_bytes()


def test_a_truncated_sav_fails_with_a_clear_message(api, journey, tmp_path, celery_worker):
    content = _sav(tmp_path)

    _ends_failed(api, content[:300], "cut.sav", match="cut short")


def test_a_malformed_sav_fails_with_a_clear_message(api, journey, tmp_path, celery_worker):
    content = bytearray(_sav(tmp_path))
    content[176:400] = b"\xa5" * 224  # the variable records, overwritten

    _ends_failed(api, bytes(content), "garbled.sav", match="SPSS file")


def test_a_sav_with_absurd_header_counts_is_refused_before_it_is_read(api, journey, tmp_path, celery_worker):
    content = bytearray(_sav(tmp_path))
    content[80:84] = struct.pack("<i", 0x7FFFFFF0)  # two billion cases in a file of 1.5 KB

    upload = _ends_failed(api, bytes(content), "absurd.sav", match="declares 2,147,483,632 cases")

    assert upload.took < 30
    assert celery_worker.is_running()


def test_a_sav_with_two_extra_variable_records_fails_and_the_worker_lives(api, journey, tmp_path, celery_worker):
    content = bytearray(_sav(tmp_path))
    first_variable = content[176 : 176 + 32]  # a variable record without label: type 2, 28 bytes of fields
    content[176:176] = first_variable * 2

    _ends_failed(api, bytes(content), "extra.sav", match="SPSS file could not be read")
    assert celery_worker.is_running()


# --------------------------------------------------------------------------------------------- file names
@pytest.mark.parametrize(
    "name",
    [
        "../../static/evil.csv",
        "..\\..\\windows\\evil.csv",
        '<img src=x onerror="alert(1)">.csv',
        "x" * 900 + ".csv",
    ],
    ids=["slashes", "backslashes", "html", "900-characters"],
)
def test_hostile_file_names_are_kept_as_text_and_never_used_on_disk(api, journey, client, analyst, name, celery_worker):
    upload = _settled(_post(api, synthetic_csv(_tmp() / "w.csv", 30), name, wave="Named", mapping=SYNTHETIC_MAPPING))

    assert upload.status == UploadStatus.DONE, upload.message
    assert "/" not in upload.original_name and "\\" not in upload.original_name
    assert len(upload.original_name) <= 255 and upload.original_name.endswith(".csv")
    assert Path(upload.file_path).name != upload.original_name and ".." not in upload.file_path
    client.force_login(analyst)
    for url in (f"/uploads/{upload.pk}/", "/uploads/"):
        page = client.get(url).content.decode()
        assert "<img src=x" not in page
    if "<img" in name:
        assert (
            "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;.csv"
            in client.get(f"/uploads/{upload.pk}/").content.decode()
        )


def test_a_file_name_of_2000_characters_is_refused_clearly_and_nothing_is_kept(api, journey, celery_worker):
    data = synthetic_csv(_tmp() / "w.csv", 30).read_bytes()
    body = {"file": _named(data, "x" * 2000 + ".csv"), "journey": "broadband", "survey": "Hostile"}

    response = api.post("/api/uploads/", body, format="multipart")

    # Django's multipart parser refuses a part header over 1,024 bytes before anything is stored
    assert response.status_code == 400
    assert "header size" in response.json()["detail"]
    assert not Upload.objects.exists()
    _next_upload_imports(api)


# --------------------------------------------------------------------------------------------- the ceilings
def _one_huge_string_xlsx(megabytes: int) -> bytes:
    """A workbook whose single shared string is ``megabytes`` MB (mostly runs of one letter: ~50x compression,
    under the zip check's ratio, so it is opened, and reading it needs that much memory at once)."""
    import numpy as np

    text = np.full(megabytes << 20, ord("a"), dtype=np.uint8)
    text[::200] = np.random.default_rng(0).integers(ord("b"), ord("z"), len(text[::200]), dtype=np.uint8)
    sst = (b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
           b'2006/main" count="1" uniqueCount="1"><si><t>' + text.tobytes() + b"</t></si></sst>")  # fmt: skip
    sheet = SHEET_HEAD + b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>' + SHEET_TAIL
    rels = (b'<Relationship Id="rIdSST" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            b'sharedStrings" Target="sharedStrings.xml"/></Relationships>')  # fmt: skip
    types = (b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
             b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')  # fmt: skip
    base = _xlsx_with_sheet(sheet)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            data = src.read(name)
            data = data.replace(b"</Relationships>", rels) if name == "xl/_rels/workbook.xml.rels" else data
            data = data.replace(b"</Types>", types) if name == "[Content_Types].xml" else data
            dst.writestr(name, data)
        dst.writestr("xl/sharedStrings.xml", sst)
    return out.getvalue()


def test_a_file_over_the_memory_ceiling_ends_its_child_not_the_worker(api, journey, celery_worker, tmp_path):
    """A worker with a 200 MB reading ceiling: a workbook that needs more ends failed with the memory message,
    the same worker (same process) then imports the next upload."""
    from tests.conftest import Worker

    content = _one_huge_string_xlsx(300)
    assert len(content) < 16 << 20
    celery_worker.stop()
    bounded = Worker({**celery_worker.env, "MOMENTUM_PARSE_MEMORY_MB": "200"}, tmp_path / "bounded-worker.log")
    try:
        bounded.start()
        pid = bounded.process.pid
        upload = _ends_failed(api, content, "huge-string.xlsx", match="needs more than 200 MB of memory, the limit")
        assert bounded.is_running() and bounded.process.pid == pid
        assert upload.took < 30
    finally:
        bounded.stop()
        celery_worker.start()
