"""Erasure (issue 16, DESIGN section 5 ``erase_respondent``): one respondent, or a list, goes from every wave of an
organisation: responses, the row errors naming them, the stored files; the analyses that used them are
invalidated and computed again. Through the CLI, the admin page and the API; admins only; one organisation only."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from audit.models import AuditAction, AuditEvent
from journeys.models import Journey
from moments.filters import default_filter
from moments.models import AnalysisRun, RunStatus
from moments.services import analysis_request, analysis_run_compute
from surveys.models import Response, Survey, Upload
from tests.conftest import _member
from tests.privacy.helpers import import_wave, row, wave_csv
from tests.surveys.helpers import report_text


@pytest.fixture
def waves(organisation, other_organisation, tmp_path, settings):
    """acme: W1 (50 + cust-42) and W2 (40 + cust-42, and cust-7 twice: the second is a row error "duplicate
    respondent id" that names it); globex: its own wave that also holds a cust-42 (another company's customer)."""
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    import_wave(tmp_path, organisation, journey="broadband", wave="W1",
                path=wave_csv(tmp_path / "w1.csv", 50, extra=[row("cust-42", ltr="0")]))  # fmt: skip
    import_wave(tmp_path, organisation, journey="broadband", wave="W2",
                path=wave_csv(tmp_path / "w2.csv", 40, seed=1,
                              extra=[row("cust-42", ltr="0"), row("cust-7"), row("cust-7")]))  # fmt: skip
    import_wave(tmp_path, other_organisation, journey="telecom", wave="G1",
                path=wave_csv(tmp_path / "g1.csv", 30, seed=2, extra=[row("cust-42")]))  # fmt: skip
    return {s.name: s for s in Survey.objects.all()}


def _erase_cli(*args) -> str:
    out = io.StringIO()
    call_command("erase_respondent", *args, stdout=out)
    return out.getvalue()


def _ids(survey) -> set[str]:
    return set(Response.objects.filter(survey=survey).values_list("respondent_id", flat=True))


@pytest.mark.django_db
def test_the_command_erases_a_respondent_from_every_wave_and_reports_an_unknown_id(waves, organisation):
    before = {name: _ids(s) for name, s in waves.items()}
    versions = {name: s.data_version for name, s in waves.items()}

    out = _erase_cli("--organisation", "acme", "cust-42", "nobody-here")

    assert "Broadband / W1: 1 response(s) erased" in out
    assert "Broadband / W2: 1 response(s) erased" in out
    assert "not found: nobody-here" in out
    assert "Erased 2 responses of 1 respondent: 1 from Broadband / W1; 1 from Broadband / W2." in out
    assert _ids(waves["W1"]) == before["W1"] - {"cust-42"}
    assert _ids(waves["W2"]) == before["W2"] - {"cust-42"}
    assert _ids(waves["G1"]) == before["G1"], "another organisation's cust-42 is someone else"
    assert len(before["W1"]) == 51 and len(_ids(waves["W1"])) == 50
    for name in ("W1", "W2"):
        waves[name].refresh_from_db()
        assert waves[name].data_version == versions[name] + 1
    waves["G1"].refresh_from_db()
    assert waves["G1"].data_version == versions["G1"]
    event = AuditEvent.objects.get(action=AuditAction.ERASURE)
    assert event.organisation_id == organisation.pk
    assert event.details["responses"] == 2 and event.details["not_found"] == 1
    assert "cust-42" not in str(event.details) and "nobody-here" not in str(event.details)


@pytest.mark.django_db
def test_an_id_found_nowhere_is_reported_not_an_error(waves):
    out = _erase_cli("--organisation", "acme", "ghost")
    assert "not found: ghost" in out
    assert "nothing was erased" in out
    assert Response.objects.count() == 51 + 42 + 31


@pytest.mark.django_db
def test_the_row_errors_naming_the_respondent_and_the_stored_files_go_too(
    waves, tmp_path, django_capture_on_commit_callbacks
):
    upload = Upload.objects.get(survey=waves["W2"])
    assert report_text(upload).count("cust-7") == 1 and upload.file_path
    stored = tmp_path / "uploads" / upload.file_path
    assert stored.is_file() and "cust-7" in stored.read_text()
    ids_file = tmp_path / "ids.csv"
    ids_file.write_text("respondent_id\ncust-7\ncust-42\n")

    with django_capture_on_commit_callbacks(execute=True):  # the files go once the erasure has committed
        out = _erase_cli("--organisation", "acme", "--file", str(ids_file))

    upload.refresh_from_db()
    assert "cust-7" not in report_text(upload) and upload.error_count == 0
    assert (upload.rows_total, upload.rows_invalid) == (43, 1), "the counts stay"
    assert upload.file_path == "" and not stored.exists()
    assert "1 row error(s) removed" in out
    assert "Broadband / W2: 2 response(s) erased" in out
    assert not Response.objects.filter(respondent_id__in=["cust-7"], survey__journey__organisation__slug="acme")
    g1_upload = Upload.objects.get(survey=waves["G1"])
    assert g1_upload.file_path and (tmp_path / "uploads" / g1_upload.file_path).is_file()


@pytest.mark.django_db
def test_the_analyses_that_used_them_are_invalidated_and_computed_again(
    waves, organisation, org_admin, django_capture_on_commit_callbacks
):
    journey = Journey.objects.get(slug="broadband")
    old = analysis_request(journey=journey, enqueue=False, **default_filter(journey).params())
    old = analysis_run_compute(run_id=old.pk)
    assert old.status == RunStatus.DONE and old.summary["n"] == 42
    client = APIClient()
    client.force_authenticate(org_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/organisations/{organisation.pk}/erasure/", {"respondent_ids": ["cust-42"]}, format="json"
        )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["rows"], body["found"], body["not_found"], body["runs_invalidated"]) == (2, 1, [], 1)
    assert [(w["wave"], w["rows"]) for w in body["waves"]] == [("W1", 1), ("W2", 1)]
    assert not AnalysisRun.objects.filter(pk=old.pk).exists(), "no page can show numbers with the erased person"
    fresh = AnalysisRun.objects.get(journey=journey)
    assert fresh.status == RunStatus.QUEUED, "the default view is requested again"
    fresh = analysis_run_compute(run_id=fresh.pk)
    assert fresh.summary["n"] == 41
    page = Client()
    page.force_login(org_admin)
    dashboard = page.get(f"/journeys/{journey.pk}/")
    assert dashboard.status_code == 200
    assert AnalysisRun.objects.filter(journey=journey).count() == 1, "the dashboard reads the recomputed run"
    log = page.get(f"/organisations/{organisation.pk}/audit/?action=erasure").content.decode()
    assert "Respondents erased" in log and "responses: 2" in log and "cust-42" not in log


@pytest.mark.django_db
def test_the_admin_page_erases_ids_typed_and_from_a_file(waves, organisation, org_admin):
    client = Client()
    client.force_login(org_admin)
    url = f"/organisations/{organisation.pk}/erasure/"
    assert client.get(url).status_code == 200
    refused = client.post(url, {"respondent_ids": "cust-42"})
    assert refused.status_code == 200 and "cust-42" in _ids(waves["W1"]), "the confirmation is required"

    response = client.post(
        url,
        {"respondent_ids": "cust-42\nghost", "confirm": "on",
         "id_file": SimpleUploadedFile("ids.txt", b"R0000001\n")},
        follow=True,
    )  # fmt: skip

    text = response.content.decode()
    assert "Erased 4 responses of 2 respondents" in text
    assert "Not found in any wave: ghost" in text
    assert "cust-42" not in _ids(waves["W1"]) | _ids(waves["W2"])
    assert "R0000001" not in _ids(waves["W1"]) | _ids(waves["W2"])
    assert "R0000002" in _ids(waves["W1"])


@pytest.mark.django_db
def test_analysts_and_managers_are_refused_and_other_organisations_get_404(
    waves, organisation, other_organisation, analyst, manager, outsider
):
    count = Response.objects.count()
    page_url = f"/organisations/{organisation.pk}/erasure/"
    api_url = f"/api/organisations/{organisation.pk}/erasure/"
    for user, status in ((analyst, 403), (manager, 403), (outsider, 404)):
        client = Client()
        client.force_login(user)
        assert client.get(page_url).status_code == status
        assert client.post(page_url, {"respondent_ids": "cust-42", "confirm": "on"}).status_code == status
        api = APIClient()
        api.force_authenticate(user)
        assert api.post(api_url, {"respondent_ids": ["cust-42"]}, format="json").status_code == status
    # an admin of globex erases in globex only, whatever ids it names
    globex_admin = _member("gina", other_organisation, "admin")
    api = APIClient()
    api.force_authenticate(globex_admin)
    response = api.post(api_url, {"respondent_ids": ["cust-42"]}, format="json")
    assert response.status_code == 404
    own = api.post(f"/api/organisations/{other_organisation.pk}/erasure/", {"respondent_ids": ["cust-42"]},
                   format="json")  # fmt: skip
    assert own.status_code == 200 and own.json()["rows"] == 1
    assert Response.objects.count() == count - 1
    assert "cust-42" in _ids(waves["W1"]) and "cust-42" in _ids(waves["W2"])


@pytest.mark.django_db
def test_erasure_is_set_based_not_a_query_per_id(waves, organisation):
    from privacy.services import erase_respondent

    def queries(ids):
        with CaptureQueriesContext(connection) as ctx:
            erase_respondent(organisation=organisation, respondent_ids=ids, request_analysis=False)
        return len(ctx.captured_queries)

    few = queries(["R0000001", "ghost"])
    many = queries([f"R{i:07d}" for i in range(2, 40)] + [f"ghost-{i}" for i in range(3000)])
    assert many <= few + 2, (few, many)
    assert Response.objects.filter(survey__journey__organisation=organisation).count() == 51 + 42 - 2 - 2 * 38
