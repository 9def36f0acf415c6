"""Issue 17: "nothing was imported" is true. A refused import takes the moments made for it along, creates no wave
(a new wave is created only by the import that commits), and leaves the journey's existing moments and waves as
they were; the upload row, its counts and its error report stay."""

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from surveys import services
from surveys.models import Response, Survey, Upload, UploadStatus
from tests.factories import JourneyFactory, MomentFactory, wave_with_responses
from tests.surveys.helpers import SYNTHETIC_MAPPING, read_like_the_worker, synthetic_csv

pytestmark = pytest.mark.django_db

# The mapping page's form for synthetic_csv's columns (rid, date, ltr, m1, m2, m3, region): m1 is mapped to the
# journey's existing moment "Ordering", m2 and m3 to moments the journey does not have yet.
MAPPING_FORM = {"respondent_id": "0", "submitted_at": "1", "outcome": "2", "outcome_type": "nps",
                "scale_min": "1", "scale_max": "5", "not_applicable": "",
                "role-3": "moment", "name-3": "Ordering", "role-4": "moment", "name-4": "Installation",
                "role-5": "moment", "name-5": "First bill", "role-6": "segment", "name-6": "Region"}  # fmt: skip


@pytest.fixture
def journey(organisation):
    """A journey with one moment and one wave that holds data."""
    journey = JourneyFactory(organisation=organisation, name="Broadband", slug="broadband")
    MomentFactory(journey=journey, name="Ordering", slug="ordering", position=1)
    ratings, outcome = np.array([[80.0], [20.0]]), np.array([9.0, 3.0])
    wave_with_responses(journey, "W0", ["ordering"], ratings, outcome, respondent_id=np.array(["a", "b"]))
    return journey


def _upload_through_the_pages(
    client, journey, tmp_path, *, bad_lines=(), skip_invalid=False, wave="W1", name="w1.csv"
) -> Upload:
    content = synthetic_csv(tmp_path / name, 40, bad_lines=bad_lines).read_bytes()
    response = client.post(
        "/uploads/new/", {"journey": journey.pk, "survey": wave, "file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 302, response.content
    upload = read_like_the_worker(Upload.objects.get(original_name=name).pk)
    form = MAPPING_FORM | ({"skip_invalid": "on"} if skip_invalid else {})
    assert client.post(f"/uploads/{upload.pk}/mapping/", form).status_code == 302
    upload.refresh_from_db()
    assert upload.status == UploadStatus.QUEUED
    # the moments the mapping names exist from here on (the mapping page shows them); the job runs next
    assert set(journey.moments.values_list("name", flat=True)) == {"Ordering", "Installation", "First bill"}
    services.upload_ingest(upload_id=upload.pk)
    upload.refresh_from_db()
    return upload


def _state(journey) -> dict:
    wave = Survey.objects.get(journey=journey, name="W0")
    return {
        "moments": sorted(journey.moments.values_list("pk", "name", "slug")),
        "w0": (wave.moment_ids, wave.data_version, Response.objects.filter(survey=wave).count()),
        "waves": sorted(Survey.objects.filter(journey=journey).values_list("pk", "name")),
    }


def test_a_refused_upload_removes_the_moments_made_for_it_and_leaves_the_rest(client, analyst, journey, tmp_path):
    client.force_login(analyst)
    before = _state(journey)

    upload = _upload_through_the_pages(client, journey, tmp_path, bad_lines=(5, 17))

    assert upload.status == UploadStatus.FAILED
    assert "2 rows have errors; nothing was imported" in upload.message
    assert _state(journey) == before, "the existing moment and wave are untouched, the new moments are gone"
    assert not Survey.objects.filter(name="W1").exists(), "the new wave W1 was never left behind"
    assert (upload.journey, upload.survey_name, upload.survey) == (journey, "W1", None)
    page = client.get(f"/uploads/{upload.pk}/")
    assert page.status_code == 200 and b"nothing was imported" in page.content
    assert "Broadband / W1" in page.content.decode()


def test_a_strict_upload_with_row_errors_leaves_the_waves_and_the_dashboard_as_they_were(
    client, analyst, journey, tmp_path
):
    client.force_login(analyst)
    w0 = Survey.objects.get(journey=journey, name="W0")
    waves_before = list(Survey.objects.filter(journey=journey).order_by("pk").values_list("pk", "name"))
    dashboard = reverse("moments:dashboard", args=[journey.pk])
    assert client.get(dashboard).context["state"].filter.survey_ids == (w0.pk,)

    upload = _upload_through_the_pages(client, journey, tmp_path, bad_lines=(3, 9, 30))

    assert upload.status == UploadStatus.FAILED and upload.rows_invalid == 3
    assert list(Survey.objects.filter(journey=journey).order_by("pk").values_list("pk", "name")) == waves_before
    # the upload row stays, with its counts and its report, on the list, its page and as CSV
    assert (upload.rows_total, upload.rows_imported, upload.error_count) == (40, 0, 3)
    listing = client.get("/uploads/").content.decode()
    assert "w1.csv" in listing and "Broadband / W1" in listing
    report = client.get(f"/uploads/{upload.pk}/errors.csv")
    assert report.status_code == 200 and report["Content-Type"].startswith("text/csv")
    lines = b"".join(report.streaming_content).decode().splitlines()
    assert lines[0] == "line,column,value,reason" and [line.split(",")[0] for line in lines[1:]] == ["3", "9", "30"]
    state = client.get(dashboard).context["state"]
    assert state.filter.survey_ids == (w0.pk,), "the dashboard still opens on the wave that has results"
    assert [s.pk for s in state.surveys] == [w0.pk], "no empty wave in the wave list"


def test_a_refused_upload_into_an_existing_wave_leaves_the_wave(client, analyst, journey, tmp_path):
    client.force_login(analyst)
    w0 = Survey.objects.get(journey=journey, name="W0")
    empty = services.survey_get_or_create(journey=journey, name="Planned")  # made by hand, nothing imported yet
    before = _state(journey)

    into_w0 = _upload_through_the_pages(client, journey, tmp_path, bad_lines=(4,), wave="W0", name="a.csv")
    into_empty = _upload_through_the_pages(client, journey, tmp_path, bad_lines=(4,), wave="Planned", name="b.csv")

    assert into_w0.status == into_empty.status == UploadStatus.FAILED
    assert _state(journey) == before, "both waves existed before their uploads: neither is removed"
    assert (into_w0.survey, into_empty.survey) == (w0, empty)
    assert Survey.objects.get(pk=empty.pk).data_version == 0


def test_a_new_upload_of_the_fixed_file_after_a_refusal_imports_and_makes_the_wave(client, analyst, journey, tmp_path):
    client.force_login(analyst)
    refused = _upload_through_the_pages(client, journey, tmp_path, bad_lines=(5,), name="broken.csv")
    assert refused.status == UploadStatus.FAILED and not Survey.objects.filter(name="W1").exists()

    fixed = _upload_through_the_pages(client, journey, tmp_path, name="fixed.csv")

    assert (fixed.status, fixed.rows_imported) == (UploadStatus.DONE, 40)
    wave = Survey.objects.get(journey=journey, name="W1")
    assert fixed.survey == wave and wave.data_version == 1 and Response.objects.filter(survey=wave).count() == 40
    assert wave.mapping == fixed.mapping, "the new wave keeps the mapping for the next upload"
    refused.refresh_from_db()
    assert (refused.status, refused.survey, refused.error_count) == (UploadStatus.FAILED, None, 1)
    page = client.get(f"/uploads/{fixed.pk}/").content.decode()
    assert "Open the journey" in page and journey.get_absolute_url() in page


def test_an_upload_outlives_its_wave(client, analyst, journey, tmp_path):
    client.force_login(analyst)
    upload = _upload_through_the_pages(client, journey, tmp_path)
    assert upload.status == UploadStatus.DONE
    upload.survey.delete()

    upload.refresh_from_db()
    assert (upload.survey, upload.survey_name, upload.rows_imported) == (None, "W1", 40)
    assert "Broadband / W1" in client.get(f"/uploads/{upload.pk}/").content.decode()
    api = client.get(f"/api/uploads/{upload.pk}/").json()
    assert (api["survey"], api["survey_name"], api["journey"]) == (None, "W1", journey.pk)


def test_importing_again_after_a_refusal_makes_the_moments_again(client, analyst, journey, tmp_path):
    client.force_login(analyst)
    upload = _upload_through_the_pages(client, journey, tmp_path, bad_lines=(5,))
    assert upload.status == UploadStatus.FAILED

    assert not Survey.objects.filter(name="W1").exists()

    services.upload_confirm(upload=upload, mapping=upload.mapping, skip_invalid=True, enqueue=False)
    services.upload_ingest(upload_id=upload.pk)

    upload.refresh_from_db()
    assert (upload.status, upload.rows_imported, upload.created_moments) == (UploadStatus.DONE, 39, [])
    assert upload.survey == Survey.objects.get(journey=journey, name="W1"), "the retry made the wave"
    assert set(journey.moments.values_list("name", flat=True)) == {"Ordering", "Installation", "First bill"}


def test_an_import_that_succeeds_keeps_its_moments(client, analyst, journey, tmp_path):
    client.force_login(analyst)
    upload = _upload_through_the_pages(client, journey, tmp_path)
    assert upload.status == UploadStatus.DONE
    assert journey.moments.count() == 3


def test_moments_another_wave_imported_meanwhile_or_the_analyst_made_are_kept(analyst, journey, tmp_path):
    # Two uploads name the new moment "Installation": the second imports, the first is refused afterwards.
    refused_file = synthetic_csv(tmp_path / "bad.csv", 30, bad_lines=(4,))
    good_file = synthetic_csv(tmp_path / "good.csv", 30)
    w1, w2 = (services.survey_get_or_create(journey=journey, name=n) for n in ("W1", "W2"))
    uploads = []
    for wave, path in ((w1, refused_file), (w2, good_file)):
        upload = services.upload_create(read_now=True, organisation=journey.organisation, survey=wave, path=path,
                                        original_name=path.name)  # fmt: skip
        uploads.append(services.upload_confirm(upload=upload, mapping=SYNTHETIC_MAPPING, enqueue=False))
    made_by_first = set(uploads[0].created_moments)
    assert made_by_first and not uploads[1].created_moments  # the first confirmation made them
    # ... and the analyst adds one by hand that the refused mapping does not name
    MomentFactory(journey=journey, name="Hand made", slug="hand-made", position=9)

    services.upload_ingest(upload_id=uploads[1].pk)
    services.upload_ingest(upload_id=uploads[0].pk)

    assert Upload.objects.get(pk=uploads[0].pk).status == UploadStatus.FAILED
    assert Upload.objects.get(pk=uploads[1].pk).status == UploadStatus.DONE
    kept = set(journey.moments.values_list("pk", flat=True))
    assert made_by_first <= kept, "W2 holds ratings for them"
    assert journey.moments.filter(name="Hand made").exists()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_through_the_api_and_the_worker_a_refused_upload_leaves_the_journey_as_it_was(
    analyst, journey, tmp_path, celery_worker
):
    import json
    import time

    from rest_framework.test import APIClient

    before = _state(journey)
    client = APIClient()
    client.force_authenticate(analyst)

    def upload(path) -> dict:
        with path.open("rb") as fh:
            data = {"file": fh, "journey": "broadband", "survey": "W1", "mapping": json.dumps(SYNTHETIC_MAPPING)}
            response = client.post("/api/uploads/", data, format="multipart")
        assert response.status_code == 202, response.content
        url = response.json()["url"]
        deadline = time.monotonic() + 60
        while (data := client.get(url).json())["status"] in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.2)
        return data

    data = upload(synthetic_csv(tmp_path / "wave.csv", 500, bad_lines=(10,)))

    assert data["status"] == "failed" and "nothing was imported" in data["message"]
    assert _state(journey) == before  # "Installation" and "Billing" were made for it, and are gone; no wave W1
    assert (data["survey"], data["survey_name"], data["journey"], data["rows_invalid"]) == (None, "W1", journey.pk, 1)
    report = client.get(data["error_report_url"])
    assert report.status_code == 200 and b"".join(report.streaming_content).decode().splitlines()[1].startswith("10,")
    waves = client.get("/api/surveys/", {"journey": "broadband"}).json()["results"]
    assert [w["name"] for w in waves] == ["W0"]

    data = upload(synthetic_csv(tmp_path / "fixed.csv", 500))

    assert (data["status"], data["rows_imported"]) == ("done", 500)
    wave = Survey.objects.get(journey=journey, name="W1")
    assert data["survey"] == wave.pk and Response.objects.filter(survey=wave).count() == 500
