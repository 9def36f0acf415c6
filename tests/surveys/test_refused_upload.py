"""Issue 17: "nothing was imported" is true. A refused import takes the moments made for it along, and leaves the
journey's existing moments and waves as they were."""

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from surveys import services
from surveys.models import Response, Survey, Upload, UploadStatus
from tests.factories import JourneyFactory, MomentFactory, wave_with_responses
from tests.surveys.helpers import SYNTHETIC_MAPPING, synthetic_csv

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


def _upload_through_the_pages(client, journey, tmp_path, *, bad_lines=(), skip_invalid=False) -> Upload:
    content = synthetic_csv(tmp_path / "wave.csv", 40, bad_lines=bad_lines).read_bytes()
    response = client.post(
        "/uploads/new/", {"journey": journey.pk, "survey": "W1", "file": SimpleUploadedFile("w1.csv", content)}
    )
    assert response.status_code == 302, response.content
    upload = Upload.objects.get(original_name="w1.csv")
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
    }


def test_a_refused_upload_removes_the_moments_made_for_it_and_leaves_the_rest(client, analyst, journey, tmp_path):
    client.force_login(analyst)
    before = _state(journey)

    upload = _upload_through_the_pages(client, journey, tmp_path, bad_lines=(5, 17))

    assert upload.status == UploadStatus.FAILED
    assert "2 rows have errors; nothing was imported" in upload.message
    assert _state(journey) == before, "the existing moment and wave are untouched, the new moments are gone"
    assert not Response.objects.filter(survey=upload.survey).exists()
    assert upload.survey.data_version == 0 and upload.survey.moment_ids == []
    page = client.get(f"/uploads/{upload.pk}/")
    assert page.status_code == 200 and b"nothing was imported" in page.content


def test_importing_again_after_a_refusal_makes_the_moments_again(client, analyst, journey, tmp_path):
    client.force_login(analyst)
    upload = _upload_through_the_pages(client, journey, tmp_path, bad_lines=(5,))
    assert upload.status == UploadStatus.FAILED

    services.upload_confirm(upload=upload, mapping=upload.mapping, skip_invalid=True, enqueue=False)
    services.upload_ingest(upload_id=upload.pk)

    upload.refresh_from_db()
    assert (upload.status, upload.rows_imported, upload.created_moments) == (UploadStatus.DONE, 39, [])
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
        upload = services.upload_create(organisation=journey.organisation, survey=wave, path=path,
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
    path = synthetic_csv(tmp_path / "wave.csv", 500, bad_lines=(10,))
    with path.open("rb") as fh:
        data = {"file": fh, "journey": "broadband", "survey": "W1", "mapping": json.dumps(SYNTHETIC_MAPPING)}
        response = client.post("/api/uploads/", data, format="multipart")
    assert response.status_code == 202, response.content
    url = response.json()["url"]
    deadline = time.monotonic() + 60
    while (data := client.get(url).json())["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.2)

    assert data["status"] == "failed" and "nothing was imported" in data["message"]
    assert _state(journey) == before  # "Installation" and "Billing" were made for it, and are gone
