"""/api/uploads/ and /api/surveys/: multipart POST answers 202, GET shows status, progress, counts and errors."""

import time

import pytest
from rest_framework.test import APIClient

from surveys import services
from surveys.models import Response, Upload, UploadStatus
from tests.factories import JourneyFactory
from tests.surveys.helpers import SYNTHETIC_MAPPING, synthetic_csv


@pytest.fixture
def journey(organisation):
    return JourneyFactory(organisation=organisation, name="Broadband", slug="broadband")


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _post(client, path, **extra):
    with open(path, "rb") as fh:
        data = {"file": fh, "journey": "broadband", "survey": "W1", **extra}
        return client.post("/api/uploads/", data, format="multipart")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_multipart_post_answers_202_and_the_upload_is_polled_to_done(analyst, journey, tmp_path, celery_worker):
    import json

    client = client_for(analyst)
    path = synthetic_csv(tmp_path / "wave.csv", 2000, bad_lines=(10, 11))

    response = _post(client, path, mapping=json.dumps(SYNTHETIC_MAPPING), skip_invalid="true")

    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "queued"
    assert response["Location"] == body["url"]
    assert body["url"].endswith(f"/api/uploads/{body['id']}/")
    deadline = time.monotonic() + 60
    while (data := client.get(body["url"]).json())["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert data["status"] == "done", data["message"]
    assert (data["rows_total"], data["rows_imported"], data["rows_invalid"], data["progress"]) == (2000, 1998, 2, 1.0)
    assert data["errors"] == [
        {"line": 10, "column": "m2", "value": "9", "reason": "out of scale 1-5"},
        {"line": 11, "column": "m2", "value": "9", "reason": "out of scale 1-5"},
    ]
    report = client.get(data["error_report_url"])
    assert report.status_code == 200
    assert report["Content-Type"].startswith("text/csv")
    assert b"".join(report.streaming_content).decode().splitlines()[1:] == [
        "10,m2,9,out of scale 1-5",
        "11,m2,9,out of scale 1-5",
    ]
    assert Response.objects.count() == 1998


def _settled(client, url: str, timeout: float = 60) -> dict:
    """The upload once the worker has read it (and imported it, when it was confirmed)."""
    deadline = time.monotonic() + timeout
    while (data := client.get(url).json())["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.2)
    return data


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_without_a_mapping_an_unconfident_proposal_waits_for_its_mapping_with_the_proposal(
    analyst, journey, tmp_path, celery_worker
):
    path = synthetic_csv(tmp_path / "wave.csv", 20)
    path.write_text(path.read_text().replace("ltr", "score"))  # no recommend / NPS / LTR column: no outcome
    client = client_for(analyst)

    response = _post(client, path)

    assert response.status_code == 202, response.content
    body = _settled(client, response.json()["url"])
    assert body["status"] == UploadStatus.PENDING_MAPPING
    assert "not confident" in body["message"]
    assert body["mapping"]["submitted_at"] == "date"
    assert body["proposal"]["confident"] is False
    assert body["detail_page"].endswith(f"/uploads/{body['id']}/")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_bad_mapping_ends_the_upload_failed_with_the_problem(analyst, journey, tmp_path, celery_worker):
    path = synthetic_csv(tmp_path / "wave.csv", 20)
    client = client_for(analyst)

    response = _post(client, path, mapping='{"outcome": "nope", "moments": {"A": "m1"}}')

    assert response.status_code == 202
    body = _settled(client, response.json()["url"])
    assert body["status"] == UploadStatus.FAILED
    assert "column 'nope' is not in the file" in body["message"]


@pytest.mark.django_db
def test_viewers_may_not_upload_and_other_organisations_do_not_exist(manager, outsider, journey, tmp_path):
    path = synthetic_csv(tmp_path / "wave.csv", 20)
    mapping = '{"outcome": "ltr", "moments": {"A": "m1"}}'

    assert _post(client_for(manager), path, mapping=mapping).status_code == 403
    assert _post(client_for(outsider), path, mapping=mapping).status_code == 404
    assert _post(APIClient(), path, mapping=mapping).status_code in (401, 403)
    assert Upload.objects.count() == 0


@pytest.mark.django_db
def test_uploads_and_surveys_are_listed_within_the_users_organisations(analyst, manager, outsider, journey, tmp_path):
    survey = services.survey_get_or_create(journey=journey, name="W1")
    upload = services.upload_create(
        read_now=True,
        organisation=journey.organisation,
        survey=survey,
        path=synthetic_csv(tmp_path / "w.csv", 5),
        original_name="w.csv",
    )

    listed = client_for(manager).get("/api/uploads/").json()
    assert [u["id"] for u in listed["results"]] == [upload.pk]
    assert client_for(manager).get(f"/api/uploads/{upload.pk}/").json()["status"] == "mapping"
    assert client_for(outsider).get("/api/uploads/").json()["results"] == []
    assert client_for(outsider).get(f"/api/uploads/{upload.pk}/").status_code == 404

    surveys = client_for(analyst).get("/api/surveys/", {"journey": journey.pk}).json()["results"]
    assert [(s["name"], s["journey_slug"], s["response_count"]) for s in surveys] == [("W1", "broadband", 0)]
    assert client_for(analyst).get("/api/surveys/", {"journey": "broadband"}).json()["count"] == 1
    assert client_for(analyst).get(f"/api/surveys/{survey.pk}/").json()["id"] == survey.pk
    assert client_for(outsider).get(f"/api/surveys/{survey.pk}/").status_code == 404
    assert APIClient().get("/api/uploads/").status_code in (401, 403)


@pytest.mark.django_db
def test_the_schema_documents_the_upload_and_survey_endpoints(analyst):
    schema = client_for(analyst).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for path in ("/api/uploads/", "/api/uploads/{upload_id}/", "/api/surveys/", "/api/surveys/{survey_id}/"):
        assert path in schema["paths"]
    assert "multipart/form-data" in schema["paths"]["/api/uploads/"]["post"]["requestBody"]["content"]
    assert "202" in schema["paths"]["/api/uploads/"]["post"]["responses"]
