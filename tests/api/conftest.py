"""Fixtures of the API tests: an API client per persona and a small journey with planted quadrants (tests.factories)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.factories import journey_with_planted_quadrants


@pytest.fixture(autouse=True)
def _fresh_throttles():
    # DRF throttles count in the shared Redis cache: one test's anonymous requests must not throttle the next.
    cache.clear()


def api_client(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def small_analysis(settings):
    """Few resamples: the API's behaviour is under test here, not the bootstrap (the worker reads the run row)."""
    settings.MOMENTUM_BOOTSTRAP = 20
    settings.MOMENTUM_MIN_SAMPLE = 30


@pytest.fixture
def journey(organisation):
    return journey_with_planted_quadrants(organisation)


@pytest.fixture
def foreign_journey(other_organisation):
    return journey_with_planted_quadrants(other_organisation, slug="foreign", n=60, seed=2)
