"""Bad values are row errors and sizes are bounded (issue 16): a respondent id too long for the database names its
line; a mapping without moments, one naming too many moments or one too large is refused up front; the error
report keeps its first errors as a file and the totals on the row; the status poll never loads it."""

from __future__ import annotations

import pandas as pd
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from surveys import services
from surveys.ingest import IngestError
from surveys.models import Response, Survey
from tests.factories import JourneyFactory
from tests.surveys.helpers import SYNTHETIC_MAPPING, report_text, synthetic_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def journey(organisation):
    return JourneyFactory(organisation=organisation, name="Broadband", slug="broadband")


def _upload(journey, path):
    return services.upload_create(
        read_now=True, organisation=journey.organisation, journey=journey, survey_name="W1", path=path,
        original_name=path.name,
    )  # fmt: skip


def _import(upload, mapping=SYNTHETIC_MAPPING, **options):
    services.upload_confirm(upload=upload, mapping=mapping, enqueue=False, **options)
    services.upload_ingest(upload_id=upload.pk)
    upload.refresh_from_db()
    return upload


def test_a_respondent_id_of_250_characters_is_a_row_error_naming_its_line(journey, tmp_path):
    path = synthetic_csv(tmp_path / "w.csv", 30)
    frame = pd.read_csv(path, dtype=str)
    frame.loc[6, "rid"] = "x" * 250  # line 8 of the file
    frame.to_csv(path, index=False)

    upload = _import(_upload(journey, path))

    assert upload.status == "failed"
    assert upload.message.startswith("1 row has errors; nothing was imported")
    assert "unexpectedly" not in upload.message
    errors = services.upload_errors(upload=upload).to_dict(orient="records")
    assert [(e["line"], e["column"], e["reason"]) for e in errors] == [
        (8, "rid", "respondent id longer than 200 characters")
    ]
    assert errors[0]["value"].startswith("x" * 100)  # the value, cut for the report
    assert not Survey.objects.filter(name="W1").exists()

    upload = _import(upload, skip_invalid=True)  # the other rows import; the long id is skipped
    assert upload.status == "done" and upload.rows_imported == 29
    assert Response.objects.count() == 29


def test_a_mapping_without_moments_is_refused_up_front_and_leaves_no_wave(journey, tmp_path):
    upload = _upload(journey, synthetic_csv(tmp_path / "w.csv", 30))

    with pytest.raises(IngestError, match="No column is mapped to a moment"):
        services.upload_confirm(upload=upload, mapping={"respondent_id": "rid", "outcome": "ltr"}, enqueue=False)

    upload.refresh_from_db()
    assert upload.status == "mapping" and upload.rows_total == 0
    assert not Survey.objects.exists() and not Response.objects.exists()


def test_a_mapping_naming_too_many_moments_or_too_large_is_refused(journey, tmp_path, settings):
    upload = _upload(journey, synthetic_csv(tmp_path / "w.csv", 30))
    settings.MOMENTUM_MAX_MOMENTS_PER_JOURNEY = 2
    with pytest.raises(IngestError, match="would give the journey 3 moments; the limit is 2"):
        services.upload_confirm(upload=upload, mapping=SYNTHETIC_MAPPING, enqueue=False)
    assert not journey.moments.exists()

    settings.MOMENTUM_MAX_MOMENTS_PER_JOURNEY = 300
    settings.MOMENTUM_MAX_MAPPING_BYTES = 200
    with pytest.raises(IngestError, match="The mapping is .* bytes; the limit is 200"):
        services.upload_confirm(upload=upload, mapping=SYNTHETIC_MAPPING, enqueue=False)
    assert not journey.moments.exists()


def test_the_error_report_is_a_file_with_the_first_errors_and_the_totals_stay_on_the_row(
    client, analyst, journey, tmp_path, settings
):
    settings.MOMENTUM_ERROR_REPORT_MAX_ROWS = 5
    bad = tuple(range(2, 42))  # 40 bad rows
    upload = _import(_upload(journey, synthetic_csv(tmp_path / "w.csv", 100, bad_lines=bad)), skip_invalid=True)

    assert (upload.status, upload.rows_invalid, upload.error_count) == ("done", 40, 40)
    assert upload.error_report == "" and upload.error_report_file.endswith(".csv")
    assert report_text(upload).splitlines()[1:] == [f"{line},m2,9,out of scale 1-5" for line in range(2, 7)]

    client.force_login(analyst)
    with CaptureQueriesContext(connection) as queries:
        status = client.get(f"/uploads/{upload.pk}/status.json").json()
    assert status["error_count"] == 40 and status["read"] is True
    upload_query = next(q["sql"] for q in queries.captured_queries if 'FROM "surveys_upload"' in q["sql"])
    for column in ("error_report", "layout", "mapping", "proposal"):
        assert f'"surveys_upload"."{column}"' not in upload_query  # the poll never loads them

    listed = client.get("/api/uploads/")
    assert listed.status_code == 403 or "mapping" not in listed.json()["results"][0]
    report = client.get(f"/uploads/{upload.pk}/errors.csv")
    assert report.streaming and len(b"".join(report.streaming_content).decode().splitlines()) == 6
