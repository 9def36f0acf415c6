"""``?outcome=NAME`` on the analysis, priorities and what-moved endpoints (issue 11), documented in the schema."""

import csv
import io

import numpy as np
import pytest
import yaml
from rest_framework.test import APIClient

from moments.models import AnalysisRun, RunStatus
from tests.factories import run_compute
from tests.moments.outcomes_data import QUADRANTS, SLUGS, two_outcome_data, two_outcome_journey

from .conftest import api_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def journey(organisation, small_analysis):
    return two_outcome_journey(organisation)


def test_each_outcome_answers_with_its_own_quadrants(manager, journey):
    client = api_client(manager)
    # Not computed yet: 202 with a run of that outcome to poll.
    pending = client.get(f"/api/journeys/{journey.pk}/analysis/?outcome=Retention&method=correlation")
    assert pending.status_code == 202
    assert AnalysisRun.objects.get(pk=pending.json()["run"]["id"]).outcome == "Retention"
    run_compute(journey, method="correlation")
    run_compute(journey, method="correlation", outcome="Retention")
    ratings, ltr, retained = two_outcome_data()
    for query, name, y in (("", "NPS", ltr), ("&outcome=retention", "Retention", retained)):
        response = client.get(f"/api/journeys/{journey.pk}/analysis/?method=correlation{query}")
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["summary"]["outcome_name"] == name and body["params"]["outcome"] == name
        by_slug = {m["slug"]: m for m in body["moments"]}
        assert {slug: by_slug[slug]["quadrant"] for slug in SLUGS} == QUADRANTS[name]
        for j, slug in enumerate(SLUGS):
            assert by_slug[slug]["impact"] == pytest.approx(np.corrcoef(ratings[:, j], y)[0, 1], abs=1e-9)
    retention = client.get(f"/api/journeys/{journey.pk}/analysis/?method=correlation&outcome=Retention").json()
    assert retention["summary"]["outcome_type"] == "binary" and retention["summary"]["nps"] is None
    assert retention["summary"]["outcome"] == pytest.approx(100 * retained.mean())


def test_an_unknown_outcome_is_a_400_naming_the_journeys_outcomes(manager, journey):
    response = api_client(manager).get(f"/api/journeys/{journey.pk}/analysis/?outcome=Churn")
    assert response.status_code == 400
    assert response.json() == {"outcome": ["Unknown outcome 'Churn': this journey's outcomes are NPS, Retention."]}
    priorities = api_client(manager).get(f"/api/journeys/{journey.pk}/priorities/?format=csv&outcome=Churn")
    assert priorities.status_code == 400 and "outcome" in priorities.json()
    assert not AnalysisRun.objects.exists()


def test_priorities_of_an_outcome_keep_the_columns_and_name_the_file(manager, journey):
    run_compute(journey, outcome="Retention")
    response = api_client(manager).get(f"/api/journeys/{journey.pk}/priorities/?format=csv&outcome=Retention")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="two-outcomes-priorities-w1-retention.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {r["moment"]: r["quadrant"] for r in rows}["Contract renewal"] == "raise"
    assert AnalysisRun.objects.filter(status=RunStatus.DONE).count() == 1


def test_the_schema_documents_the_outcome_parameter():
    schema = yaml.safe_load(APIClient().get("/api/schema/").content)
    for path in ("/api/journeys/{journey_id}/analysis/", "/api/journeys/{journey_id}/priorities/"):
        parameters = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
        assert "outcome" in parameters and "primary outcome" in parameters["outcome"]["description"]
    moved = {p["name"] for p in schema["paths"]["/api/journeys/{journey_id}/moved/"]["get"]["parameters"]}
    assert "outcome" in moved
