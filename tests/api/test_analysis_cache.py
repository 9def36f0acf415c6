"""The results API serves a DONE run from the cache: edits of moments show at once, the scope check still runs."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from journeys.models import Moment
from tests.factories import run_compute

from .conftest import api_client

pytestmark = pytest.mark.django_db


def test_a_cached_answer_is_the_same_answer_with_fewer_queries(manager, journey, small_analysis):
    run_compute(journey)
    url = f"/api/journeys/{journey.pk}/analysis/"
    cold = api_client(manager).get(url)
    with CaptureQueriesContext(connection) as queries:
        warm = api_client(manager).get(url)
    assert cold.status_code == warm.status_code == 200
    assert warm.json() == cold.json()
    assert len(queries) <= 6, [q["sql"] for q in queries]


def test_a_moment_edit_shows_in_a_cached_answer(manager, journey, small_analysis):
    run_compute(journey)
    url = f"/api/journeys/{journey.pk}/analysis/"
    before = api_client(manager).get(url).json()
    moment = Moment.objects.get(pk=before["moments"][0]["moment"])
    moment.name = "Renamed"
    moment.is_brand_moment = True
    moment.save()

    after = api_client(manager).get(url).json()

    assert after["moments"][0]["name"] == "Renamed" and after["moments"][0]["is_brand_moment"] is True
    assert after["run"]["id"] == before["run"]["id"]


def test_a_cached_answer_is_not_served_to_another_organisation(manager, outsider, journey, small_analysis):
    run_compute(journey)
    url = f"/api/journeys/{journey.pk}/analysis/"
    assert api_client(manager).get(url).status_code == 200
    assert api_client(outsider).get(url).status_code == 404
    assert api_client(outsider).get(f"/api/analysis-runs/{journey.analysis_runs.get().pk}/").status_code == 404


def test_a_new_import_is_a_new_run_not_the_cached_one(manager, journey, small_analysis):
    run = run_compute(journey)
    url = f"/api/journeys/{journey.pk}/analysis/"
    assert api_client(manager).get(url).json()["run"]["id"] == run.pk
    survey = journey.surveys.get()
    survey.data_version += 1
    survey.save()

    response = api_client(manager).get(url)

    assert response.status_code == 202 and response.json()["run"]["id"] != run.pk
