"""Budgets of new analysis runs (issue 16, "one organisation cannot degrade the service for the others"): identical
requests share one run; a viewer, and an organisation, can have only so many new runs waiting or running; a request
beyond that is refused with 429 and a message, and creates nothing; other organisations are not affected."""

from __future__ import annotations

import pytest

from moments.models import AnalysisRun
from tests.api.conftest import api_client
from tests.factories import persona_make

pytestmark = pytest.mark.django_db


def _ask(client, journey, impact: float):
    return client.get(
        f"/api/journeys/{journey.pk}/analysis/",
        {"threshold": "fixed", "fixed_satisfaction": 60, "fixed_impact": impact},
    )


@pytest.fixture
def budgets(settings):
    settings.MOMENTUM_VIEWER_ACTIVE_RUNS_MAX = 2
    settings.MOMENTUM_ORG_ACTIVE_RUNS_MAX = 3


def test_a_viewer_gets_a_small_budget_of_new_runs_and_identical_requests_share_one(budgets, journey, manager):
    viewer = api_client(manager)
    first = _ask(viewer, journey, 1)
    assert first.status_code == 202
    for _ in range(5):  # the same request again: the same run, it never counts twice
        again = _ask(viewer, journey, 1)
        assert again.status_code == 202 and again.json()["run"]["id"] == first.json()["run"]["id"]
    assert _ask(viewer, journey, 2).status_code == 202
    runs = AnalysisRun.objects.count()

    refused = _ask(viewer, journey, 3)
    assert refused.status_code == 429
    assert "2 new analyses waiting or running" in refused.json()["detail"]
    assert int(refused["Retry-After"]) > 0
    assert AnalysisRun.objects.count() == runs  # nothing queued
    assert _ask(viewer, journey, 1).status_code == 202  # what is already asked for is still answered


def test_the_organisation_budget_holds_for_analysts_too_and_not_for_other_organisations(
    budgets, journey, foreign_journey, manager, analyst, other_organisation
):
    assert _ask(api_client(manager), journey, 1).status_code == 202
    analyst_client = api_client(analyst)
    assert _ask(analyst_client, journey, 2).status_code == 202
    assert _ask(analyst_client, journey, 3).status_code == 202  # an analyst is past the viewer's budget
    refused = _ask(analyst_client, journey, 4)
    assert refused.status_code == 429
    assert "Your organisation already has 3 analyses waiting or running" in refused.json()["detail"]

    outsider = persona_make("dave", organisation=other_organisation, role="viewer")
    assert _ask(api_client(outsider), foreign_journey, 4).status_code == 202


def test_the_budget_frees_up_as_runs_finish(budgets, journey, manager):
    viewer = api_client(manager)
    assert _ask(viewer, journey, 1).status_code == 202
    assert _ask(viewer, journey, 2).status_code == 202
    assert _ask(viewer, journey, 3).status_code == 429
    AnalysisRun.objects.filter(status="queued").update(status="failed")  # done with (failed counts as ended)
    assert _ask(viewer, journey, 3).status_code == 202


def test_the_dashboard_says_so_in_words(budgets, client, journey, manager):
    client.force_login(manager)
    for impact in (1, 2):
        client.get(f"/journeys/{journey.pk}/", {"threshold": "fixed", "fixed_satisfaction": 60, "fixed_impact": impact})
    page = client.get(f"/journeys/{journey.pk}/", {"threshold": "fixed", "fixed_satisfaction": 60, "fixed_impact": 3})
    assert page.status_code == 200
    assert "2 new analyses waiting or running, the most a viewer can ask for" in page.content.decode()
