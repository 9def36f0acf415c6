"""Upload pages: who may upload, the mapping step, status.json and the error report."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from journeys.models import Moment
from surveys import services
from surveys.models import Survey, Upload, UploadStatus
from tests.factories import JourneyFactory
from tests.surveys.helpers import read_like_the_worker, synthetic_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def journey(organisation):
    return JourneyFactory(organisation=organisation, name="Broadband", slug="broadband")


@pytest.fixture
def upload(journey, tmp_path):
    survey = services.survey_get_or_create(journey=journey, name="W1")
    path = synthetic_csv(tmp_path / "wave.csv", 30, bad_lines=(5,))
    return services.upload_create(
        read_now=True, organisation=journey.organisation, survey=survey, path=path, original_name="w.csv"
    )


def test_an_analyst_uploads_a_file_into_a_new_wave_and_lands_on_the_mapping_step(client, analyst, journey, tmp_path):
    client.force_login(analyst)
    content = synthetic_csv(tmp_path / "wave.csv", 30).read_bytes()

    response = client.post(
        "/uploads/new/",
        {"journey": journey.pk, "survey": "2025 Q1", "file": SimpleUploadedFile("My export.csv", content)},
    )

    upload = Upload.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/uploads/{upload.pk}/mapping/"
    assert (upload.status, upload.message, upload.layout) == ("queued", "Reading your file...", {})  # not read here
    reading = client.get(response["Location"])
    assert b"Reading your file..." in reading.content and b'id="upload-reading"' in reading.content
    assert b"First rows of the file" not in reading.content
    upload = read_like_the_worker(upload.pk)
    assert (upload.survey_name, upload.original_name, upload.status) == ("2025 Q1", "My export.csv", "mapping")
    assert upload.journey == journey and upload.survey is None, "the wave is created by the import that commits"
    assert upload.file_path.startswith(f"{journey.organisation_id}/") and "My export" not in upload.file_path
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"First rows of the file" in page.content
    assert page.content.count(b"<tr>") >= 10


def test_a_file_over_the_size_limit_is_refused_and_not_kept(client, analyst, journey, settings, tmp_path):
    settings.UPLOAD_MAX_BYTES = 1000
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    client.force_login(analyst)
    content = synthetic_csv(tmp_path / "wave.csv", 100).read_bytes()

    response = client.post(
        "/uploads/new/", {"journey": journey.pk, "survey": "W1", "file": SimpleUploadedFile("w.csv", content)}
    )

    assert response.status_code == 200
    assert b"larger than the limit" in response.content
    assert Upload.objects.count() == 0
    assert not any(p.is_file() for p in (tmp_path / "uploads").rglob("*"))


def test_viewers_get_403_and_other_organisations_404(client, manager, outsider, upload):
    client.force_login(manager)
    assert client.get("/uploads/new/").status_code == 403
    assert client.get(f"/uploads/{upload.pk}/mapping/").status_code == 403
    assert client.get(f"/uploads/{upload.pk}/").status_code == 200
    client.force_login(outsider)
    for url in ("/", "/mapping/", "/status.json", "/errors.csv"):
        assert client.get(f"/uploads/{upload.pk}{url}").status_code == 404


def test_the_mapping_form_saves_the_mapping_creates_moments_and_queues_the_import(client, analyst, upload):
    client.force_login(analyst)
    columns = ["rid", "date", "ltr", "m1", "m2", "m3", "region"]
    form = {"respondent_id": "0", "submitted_at": "1", "outcome": "2", "outcome_type": "nps",
            "scale_min": "1", "scale_max": "5", "not_applicable": "", "skip_invalid": "on",
            "role-3": "moment", "name-3": "Ordering", "role-4": "moment", "name-4": "Installation",
            "role-5": "ignore", "role-6": "segment", "name-6": "Region"}  # fmt: skip
    assert columns  # the indexes above

    response = client.post(f"/uploads/{upload.pk}/mapping/", form)

    assert response.status_code == 302
    upload.refresh_from_db()
    assert upload.status == UploadStatus.QUEUED and upload.skip_invalid
    expected = {"Ordering": "m1", "Installation": "m2"}
    assert upload.mapping["moments"] == expected
    assert upload.mapping["segments"] == {"Region": "region"}
    assert upload.mapping["scale"] == [1.0, 5.0]
    assert Survey.objects.get().mapping == upload.mapping
    assert set(Moment.objects.values_list("name", flat=True)) == {"Ordering", "Installation"}


def test_a_mapping_without_outcome_is_shown_again_with_the_problem(client, analyst, upload):
    client.force_login(analyst)

    response = client.post(f"/uploads/{upload.pk}/mapping/", {"respondent_id": "0", "outcome": ""})

    assert response.status_code == 200
    assert b"&#x27;outcome&#x27; is required" in response.content
    upload.refresh_from_db()
    assert upload.status == UploadStatus.PENDING_MAPPING


def test_a_wave_whose_outcome_differs_from_the_journeys_other_waves_is_refused(analyst, journey, upload, tmp_path):
    other = services.survey_get_or_create(journey=journey, name="W0")
    Survey.objects.filter(pk=other.pk).update(outcomes=[{"name": "NPS", "type": "binary"}], data_version=1)
    mapping = {"respondent_id": "rid", "outcome": "ltr", "outcome_type": "nps", "moments": {"Ordering": "m1"}}

    with pytest.raises(services.IngestError, match="“NPS” is nps in this file but binary in the journey's other"):
        services.upload_confirm(upload=upload, mapping=mapping, enqueue=False)
    upload.refresh_from_db()
    assert upload.status == UploadStatus.PENDING_MAPPING


def test_status_json_and_the_error_report_of_a_failed_upload(client, manager, upload):
    mapping = {"respondent_id": "rid", "outcome": "ltr", "moments": {"Ordering": "m1", "Installation": "m2"},
               "scale": [1, 5]}  # fmt: skip
    services.upload_confirm(upload=upload, mapping=mapping, enqueue=False)
    services.upload_ingest(upload_id=upload.pk)
    client.force_login(manager)

    status = client.get(f"/uploads/{upload.pk}/status.json").json()
    assert (status["status"], status["finished"], status["rows_invalid"], status["error_count"]) == (
        "failed",
        True,
        1,
        1,
    )
    report = client.get(f"/uploads/{upload.pk}/errors.csv")
    assert report["Content-Type"].startswith("text/csv")
    assert b"".join(report.streaming_content).decode().splitlines() == [
        "line,column,value,reason",
        "5,m2,9,out of scale 1-5",
    ]
    page = client.get(f"/uploads/{upload.pk}/").content.decode()
    assert "1 row has errors; nothing was imported" in page
    assert "Download error report (CSV)" in page


def test_the_upload_list_paginates(client, analyst, upload):
    Upload.objects.bulk_create(
        [
            Upload(
                organisation=upload.organisation, journey=upload.journey, survey_name="W1", original_name=f"f{i}.csv"
            )
            for i in range(30)
        ]
    )
    client.force_login(analyst)

    first = client.get("/uploads/").content.decode()
    second = client.get("/uploads/?page=2").content.decode()

    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    assert first.count('class="badge upload-badge') == 25
