"""What moved through the real parts: the API (numbers, CSV, errors, isolation), the dashboard section, and the
worker path for a comparison too large for a request."""

import csv
import io
import json
import time

import pytest
from django.core.cache import cache
from django.urls import reverse
from openpyxl import load_workbook

from moments import services, services_moved
from moments.charts_moved import moved_waterfall_figure

from .moved_data import moved_journey

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def journey(organisation, settings):
    settings.MOMENTUM_BOOTSTRAP = 100
    return moved_journey(organisation)


def waves(journey):
    return list(journey.surveys.order_by("name").values_list("pk", flat=True))


def api(client, journey, **params):
    return client.get(reverse("api-journey-moved", args=[journey.pk]), params)


def test_the_api_answers_the_decomposition(client, analyst, journey):
    client.force_login(analyst)
    q1, q2 = waves(journey)
    response = api(client, journey, **{"from": q1, "to": q2})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["before"]["label"] == "2026 Q1" and body["after"]["label"] == "2026 Q2"
    by_name = {m["moment"]: m for m in body["moments"]}
    assert by_name["Installation"]["significant"] is True
    assert by_name["Installation"]["contribution_high"] < 0
    parts = sum(m["contribution"] for m in body["moments"] if m["contribution"] is not None)
    assert parts + body["remainder"]["contribution"] == pytest.approx(body["change"]["contribution"], abs=1e-9)
    assert body["summary"]["sentence"].startswith("NPS fell")
    # the same numbers as the CLI's JSON, and a date range of the same respondents gives them too
    by_date = api(client, journey, from_period="2026-Q1", to_period="2026-04..2026-06").json()
    assert by_date["summary"]["change"] == pytest.approx(body["summary"]["change"])
    assert by_date["after"]["to"] == "2026-06-30"


def test_the_api_writes_csv_and_filters_segments(client, analyst, journey):
    client.force_login(analyst)
    q1, q2 = waves(journey)
    response = api(client, journey, **{"from": q1, "to": q2, "file": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[-1]["moment"] == "change" and rows[-2]["moment"] == "remainder"
    workbook = api(client, journey, **{"from": q1, "to": q2, "file": "xlsx"})
    assert workbook["Content-Disposition"].endswith('-moved.xlsx"')
    sheets = load_workbook(io.BytesIO(workbook.content))
    table = list(sheets["What moved"].values)
    assert table[0][0] == "moment" and [r[0] for r in table[-2:]] == ["remainder", "change"]
    assert len(table) == len(rows) + 1
    assert sheets["About"]["B7"].value.startswith("NPS fell")
    north = api(client, journey, **{"from": q1, "to": q2, "segment.region": "North"}).json()
    everyone = api(client, journey, **{"from": q1, "to": q2}).json()
    assert 200 < north["summary"]["n_before"] < everyone["summary"]["n_before"]


def test_the_api_names_bad_parameters_and_keeps_organisations_apart(client, analyst, outsider, journey):
    client.force_login(analyst)
    q1, q2 = waves(journey)
    assert "from" in api(client, journey, to=q2).json()
    assert "to_period" in api(client, journey, **{"from": q1, "to_period": "June"}).json()
    assert "from" in api(client, journey, **{"from": 999999, "to": q2}).json()
    empty = api(client, journey, **{"from_period": "2024-01", "to": q2})
    assert empty.status_code == 409 and "0 responses" in empty.json()["detail"]
    client.force_login(outsider)
    assert api(client, journey, **{"from": q1, "to": q2}).status_code == 404
    client.logout()
    assert api(client, journey, **{"from": q1, "to": q2}).status_code in (401, 403)


def test_the_api_is_in_the_openapi_schema(client, analyst):
    client.force_login(analyst)
    schema = client.get("/api/schema/", {"format": "json"})
    assert "/api/journeys/{journey_id}/moved/" in json.loads(schema.content)["paths"]


def _compute_runs(journey):
    for pk in waves(journey):
        run = services.analysis_request(journey=journey, survey_ids=[pk], enqueue=False)
        services.analysis_run_compute(run_id=run.pk)


def test_the_dashboard_shows_the_waterfall_and_the_sentence_with_a_comparison(client, analyst, journey):
    _compute_runs(journey)
    client.force_login(analyst)
    q1, q2 = waves(journey)
    url = reverse("moments:dashboard", args=[journey.pk])
    page = client.get(url, {"wave": q2, "compare": q1})
    assert page.status_code == 200
    html = page.content.decode()
    assert "What moved NPS" in html
    assert 'id="moved-figure"' in html
    sentence = page.context["moved"]["sentence"]
    assert sentence.startswith("NPS fell") and "Installation explains" in sentence
    assert sentence in html
    figure = page.context["moved"]["figure"]
    bars = figure["data"][0]
    assert bars["x"][0] == "2026 Q1" and bars["x"][-1] == "2026 Q2" and bars["x"][-2] == "Remainder"
    assert bars["x"][1] == "Installation"  # the largest contribution comes first
    assert bars["customdata"][1][0].startswith(reverse("moments:moment_detail", args=[journey.pk, 0])[:-2])
    # without a comparison: no waterfall, only the choice of two periods of submission dates
    idle = client.get(url, {"wave": q2})
    assert idle.context["moved"]["status"] == "idle"
    assert 'id="moved-figure"' not in idle.content.decode()
    assert idle.context["moved"]["options"] == ["2026-Q1", "2026-Q2", *[f"2026-0{m}" for m in range(1, 7)]]


def test_the_dashboard_compares_two_quarters_of_submission_dates(client, analyst, journey):
    _compute_runs(journey)
    client.force_login(analyst)
    q1, q2 = waves(journey)
    url = reverse("moments:dashboard", args=[journey.pk])
    by_wave = client.get(url, {"wave": q2, "compare": q1}).context["moved"]
    by_date = client.get(url, {"wave": q2, "moved_from": "2026-Q1", "moved_to": "2026-Q2"}).context["moved"]
    assert by_date["status"] == "done"
    assert (by_date["before_label"], by_date["after_label"]) == ("2026-Q1", "2026-Q2")
    assert by_date["result"]["summary"]["change"] == pytest.approx(by_wave["result"]["summary"]["change"])
    assert "from_period=2026-Q1" in by_date["api_url"]
    bad = client.get(url, {"wave": q2, "moved_from": "spring", "moved_to": "2026-Q2"})
    assert bad.context["moved"]["status"] == "failed" and "not a date" in bad.context["moved"]["message"]


def test_the_waterfall_adds_up_and_mutes_moments_indistinguishable_from_zero(journey):
    from moments.selectors.moved import period_parse

    result = services_moved.moved_compute(
        journey=journey, before=period_parse("2026-Q1"), after=period_parse("2026-Q2")
    )
    figure = moved_waterfall_figure(result, moment_url=lambda pk: f"/m/{pk}/")
    bar = figure.data[0]
    summary = result["summary"]
    # each floating bar starts where the previous one ended; the last level bar is the second period's outcome
    ends = [b + y for b, y in zip(bar.base[:-1], bar.y[:-1], strict=True)]
    assert list(bar.base[1:-1]) == pytest.approx(ends[:-1])
    assert ends[-1] == pytest.approx(summary["after"])
    muted = figure.layout.meta["muted"]
    assert "Installation" not in muted and len(muted) >= 3
    assert "contribution" in bar.hovertext[1] and "satisfaction" in bar.hovertext[1]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_large_comparison_is_computed_by_the_worker(celery_worker, client, analyst, organisation, monkeypatch):
    journey = moved_journey(organisation, n=400)
    monkeypatch.setattr(services_moved, "INLINE_MAX_COST", 0)  # as if it were too large for a request
    client.force_login(analyst)
    q1, q2 = waves(journey)
    first = api(client, journey, **{"from": q1, "to": q2})
    assert first.status_code == 202 and first["Retry-After"]
    deadline = time.monotonic() + 90
    response = first
    while response.status_code == 202 and time.monotonic() < deadline:
        time.sleep(0.3)
        response = api(client, journey, **{"from": q1, "to": q2})
    assert response.status_code == 200, f"{response.status_code} (worker log {celery_worker.log_path})"
    assert response.json()["summary"]["n_before"] == 400
