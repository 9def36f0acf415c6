"""Analysis results, the run poll endpoint and the priorities export (the worker-free part; see test_worker_flow)."""

import csv
import io
import json

import openpyxl
import pytest

from moments.exports import EXPORT_COLUMNS
from moments.models import AnalysisRun, RunStatus
from tests.factories import run_compute

from .conftest import api_client

pytestmark = pytest.mark.django_db

QUADRANT_ORDER = ["raise", "amplify", "improve", "reduce", "insufficient_data"]


def assert_priority_order(moments):
    assert [m["rank"] for m in moments] == list(range(1, len(moments) + 1))
    quadrants = [QUADRANT_ORDER.index(m["quadrant"]) for m in moments]
    assert quadrants == sorted(quadrants)


def test_done_run_answers_200_with_summary_and_moments_in_priority_order(manager, journey, small_analysis):
    run = run_compute(journey)
    response = api_client(manager).get(f"/api/journeys/{journey.pk}/analysis/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["run"]["id"] == run.pk and body["run"]["status"] == "done"
    assert body["run"]["url"].endswith(f"/api/analysis-runs/{run.pk}/")
    summary = body["summary"]
    assert summary["n"] == 400 and summary["outcome_type"] == "nps"
    assert summary["nps_low"] < summary["nps"] < summary["nps_high"]
    assert summary["promoters"] + summary["passives"] + summary["detractors"] == pytest.approx(1)
    assert summary["method"] == "relative_weights" and summary["threshold_mode"] == "mean"
    assert summary["threshold_satisfaction"] is not None and summary["threshold_impact"] is not None
    assert body["params"]["method"] == "relative_weights" and body["params"]["surveys"] == [journey.surveys.get().pk]
    moments = body["moments"]
    assert_priority_order(moments)
    assert [m["quadrant"] for m in moments] == ["raise", "amplify", "improve", "reduce"]
    assert [m["slug"] for m in moments] == ["billing", "installation", "welcome-pack", "app-login"]
    installation = moments[1]
    for key in ("satisfaction_low", "satisfaction_high", "impact_low", "impact_high", "stability", "reach", "n",
                "occurrence_effect", "what_if", "top_box", "correlation"):  # fmt: skip
        assert key in installation
    assert installation["action"].startswith("Moment of truth that delights")
    assert "brand_moment" in installation["flags"] and installation["is_brand_moment"] is True


def test_no_finished_run_queues_one_and_answers_202_with_the_run_to_poll(analyst, journey, small_analysis):
    client = api_client(analyst)
    response = client.get(f"/api/journeys/{journey.pk}/analysis/?method=correlation&threshold=median")
    assert response.status_code == 202
    run = AnalysisRun.objects.get()
    assert run.method == "correlation" and run.threshold_mode == "median" and run.created_by == analyst
    assert response.json() == {
        "run": {
            "id": run.pk,
            "status": "queued",
            "progress": 0.0,
            "message": "",
            "url": f"http://testserver/api/analysis-runs/{run.pk}/",
        }
    }
    assert response["Location"] == f"http://testserver/api/analysis-runs/{run.pk}/"
    # Asking again reuses the queued run instead of queuing another.
    assert client.get(f"/api/journeys/{journey.pk}/analysis/?threshold=median&method=correlation").status_code == 202
    assert AnalysisRun.objects.count() == 1
    poll = client.get(f"/api/analysis-runs/{run.pk}/").json()
    assert poll["status"] == "queued" and poll["summary"] is None and poll["moments"] == []


def test_segment_and_wave_filters_select_their_own_run(manager, journey, small_analysis):
    wave = journey.surveys.get()
    run = run_compute(journey, survey_ids=[wave.pk], segment_filter={"region": ["North"]})
    client = api_client(manager)
    response = client.get(f"/api/journeys/{journey.pk}/analysis/?survey={wave.pk}&segment.region=North")
    assert response.status_code == 200
    assert response.json()["run"]["id"] == run.pk
    assert response.json()["summary"]["n"] == 200
    assert response.json()["params"]["segment_filter"] == {"region": ["North"]}
    # Another segment value is another analysis.
    assert client.get(f"/api/journeys/{journey.pk}/analysis/?segment.region=South").status_code == 202


def test_fixed_thresholds(manager, journey, small_analysis):
    run_compute(journey, threshold_mode="fixed", fixed_satisfaction=50, fixed_impact=10)
    url = f"/api/journeys/{journey.pk}/analysis/?threshold=fixed&fixed_satisfaction=50&fixed_impact=10"
    body = api_client(manager).get(url).json()
    assert body["summary"]["threshold_satisfaction"] == 50 and body["summary"]["threshold_impact"] == 10


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("method=magic", "method"),
        ("threshold=max", "threshold"),
        ("threshold=fixed&fixed_satisfaction=50", "fixed_impact"),
        ("fixed_satisfaction=150", "fixed_satisfaction"),
        ("survey=abc", "survey"),
        ("survey=999999", "survey"),
        ("segment.=North", "segment"),
    ],
)
def test_invalid_filters_are_400(manager, journey, query, field):
    response = api_client(manager).get(f"/api/journeys/{journey.pk}/analysis/?{query}")
    assert response.status_code == 400
    assert field in response.json()
    assert not AnalysisRun.objects.exists()


def test_a_failed_run_is_409_and_its_poll_says_why(manager, journey, small_analysis, monkeypatch):
    run = run_compute(journey, segment_filter={"region": ["Atlantis"]})
    assert run.status == RunStatus.FAILED
    poll = api_client(manager).get(f"/api/analysis-runs/{run.pk}/")
    assert poll.status_code == 200
    assert poll.json()["status"] == "failed" and "No responses" in poll.json()["message"]
    # In the embedded demo (eager Celery) the run is computed while the request runs, so the request itself
    # can meet the failure; the worker-backed service returns it as it would then.
    monkeypatch.setattr("moments.services.analysis_request", lambda **_: run)
    response = api_client(manager).get(f"/api/journeys/{journey.pk}/analysis/?segment.region=Atlantis")
    assert response.status_code == 409
    assert "No responses" in response.json()["detail"]
    assert response.json()["run"]["status"] == "failed"


def test_poll_a_done_run(manager, journey, small_analysis):
    run = run_compute(journey)
    body = api_client(manager).get(f"/api/analysis-runs/{run.pk}/").json()
    assert body["status"] == "done" and body["progress"] == 1.0 and body["journey"] == journey.pk
    assert body["summary"]["n"] == 400
    assert_priority_order(body["moments"])
    assert body["finished_at"] is not None


def test_segments_lists_names_and_values(manager, journey):
    body = api_client(manager).get(f"/api/journeys/{journey.pk}/segments/").json()
    assert body == {"region": ["North", "South"]}


# ---------------------------------------------------------------------------------------------------- export
@pytest.fixture
def done(journey, small_analysis):
    return run_compute(journey)


def _csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.mark.parametrize("query", ["export=csv", "format=csv"])
def test_priorities_csv(manager, journey, done, query):
    response = api_client(manager).get(f"/api/journeys/{journey.pk}/priorities/?{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="onboarding-priorities-wave-1-nps.csv"'
    rows = _csv_rows(response.content)
    assert rows[0] == list(EXPORT_COLUMNS)
    assert [r[1] for r in rows[1:]] == ["Billing", "Installation", "Welcome Pack", "App Login"]
    assert [r[3] for r in rows[1:]] == ["raise", "amplify", "improve", "reduce"]


def test_priorities_csv_through_the_accept_header(manager, journey, done):
    response = api_client(manager).get(f"/api/journeys/{journey.pk}/priorities/", HTTP_ACCEPT="text/csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")


@pytest.mark.parametrize("query", ["export=xlsx", "format=xlsx"])
def test_priorities_xlsx(manager, journey, done, query):
    response = api_client(manager).get(f"/api/journeys/{journey.pk}/priorities/?{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(EXPORT_COLUMNS)
    assert [r[3] for r in rows[1:5]] == ["raise", "amplify", "improve", "reduce"]
    assert len(book.worksheets) >= 2  # the sheet with method, thresholds, filters, n and date


@pytest.mark.parametrize("query", ["export=json", "format=json", ""])
def test_priorities_json(manager, journey, done, query):
    response = api_client(manager).get(f"/api/journeys/{journey.pk}/priorities/?{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert body["columns"] == list(EXPORT_COLUMNS)
    assert [list(m) for m in body["moments"]] == [list(EXPORT_COLUMNS)] * 4
    assert [m["rank"] for m in body["moments"]] == [1, 2, 3, 4]
    assert body["meta"]["n"] == 400


def test_priorities_export_param_wins_over_accept(manager, journey, done):
    response = api_client(manager).get(
        f"/api/journeys/{journey.pk}/priorities/?export=csv", HTTP_ACCEPT="application/json"
    )
    assert response["Content-Type"].startswith("text/csv")


def test_priorities_unknown_format_is_400(manager, journey, done):
    for query in ["export=pdf", "format=pdf"]:
        response = api_client(manager).get(f"/api/journeys/{journey.pk}/priorities/?{query}")
        assert response.status_code == 400, query
        assert response["Content-Type"] == "application/json"


def test_priorities_while_computing_is_202_json_even_for_csv(manager, journey, small_analysis):
    response = api_client(manager).get(f"/api/journeys/{journey.pk}/priorities/?format=csv")
    assert response.status_code == 202
    assert response["Content-Type"] == "application/json"
    assert response.json()["run"]["status"] == "queued"
    assert response["Location"] == response.json()["run"]["url"]
