"""The dashboard's cached results (rows + figure of a DONE run): edits show at once, the cache never skips the
permission check, and a warm page needs few queries."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from journeys.models import Moment
from tests.factories import broadband_journey

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_bootstrap(settings):
    settings.MOMENTUM_BOOTSTRAP = 40


@pytest.fixture
def journey(organisation):
    cache.clear()
    return broadband_journey(organisation, respondents_per_wave=300)


def _dashboard(journey):
    return reverse("moments:dashboard", args=[journey.pk])


def test_a_moment_edit_shows_on_a_cached_dashboard(client, manager, journey):
    client.force_login(manager)
    first = client.get(_dashboard(journey))
    assert first.status_code == 200
    moment = Moment.objects.get(journey=journey, pk=first.context["rows"][0]["moment_id"])
    moment.name = "Renamed moment"
    moment.is_brand_moment = not moment.is_brand_moment
    moment.save()

    second = client.get(_dashboard(journey))

    row = next(r for r in second.context["rows"] if r["moment_id"] == moment.pk)
    assert row["moment"] == "Renamed moment"
    assert ("brand_moment" in row["flags"]) is moment.is_brand_moment
    figure = second.context["figure"]
    plotted = [a.get("hovertext") for a in figure["layout"].get("annotations", [])]  # the names beside the bubbles
    plotted += [point[1] for t in figure["data"] for point in t.get("customdata") or [] if len(point) > 1]  # hovers
    assert "Renamed moment" in plotted or row["quadrant"] == "insufficient_data"
    assert "Renamed moment" in second.content.decode()


def test_a_warm_dashboard_is_the_same_page_with_fewer_queries(client, manager, journey):
    client.force_login(manager)
    cold = client.get(_dashboard(journey))
    with CaptureQueriesContext(connection) as queries:
        warm = client.get(_dashboard(journey))
    assert warm.context["rows"] == cold.context["rows"]
    assert warm.context["figure"] == cold.context["figure"]
    # session, user, journey, waves, moments, run, membership
    assert len(queries) <= 7, [q["sql"] for q in queries]


def test_a_cached_dashboard_is_not_served_to_another_organisation(client, manager, outsider, journey):
    client.force_login(manager)
    assert client.get(_dashboard(journey)).status_code == 200
    client.force_login(outsider)
    assert client.get(_dashboard(journey)).status_code == 404


def test_the_page_works_without_a_cache(client, manager, journey, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    client.force_login(manager)
    response = client.get(_dashboard(journey))
    assert response.status_code == 200
    assert len(response.context["rows"]) == journey.moments.count()
