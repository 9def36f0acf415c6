"""Fixtures of the API tests: an API client per persona and a small journey with planted quadrants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

MOMENTS = [
    # slug, stage, position, planted impact weight, mean rating (0-100), reach
    ("billing", "Use", 3, 1.6, 35.0, 0.9),  # low satisfaction, high impact -> raise
    ("installation", "Get connected", 2, 1.6, 80.0, 0.9),  # high, high -> amplify
    ("welcome-pack", "Buy", 1, 0.1, 35.0, 0.9),  # low, low -> improve
    ("app-login", "Use", 4, 0.1, 80.0, 0.9),  # high, low -> reduce
]


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


def journey_make(organisation, *, slug="onboarding", n=400, seed=1):
    """A journey with four moments in four planted quadrants and one wave of ``n`` NPS responses (segment region)."""
    from django.db import transaction

    from journeys.models import Journey, Moment
    from surveys.models import Survey
    from surveys.services import responses_store

    with transaction.atomic():  # responses_store stages through a temporary table dropped on commit
        return _journey_make(organisation, Journey, Moment, Survey, responses_store, slug=slug, n=n, seed=seed)


def _journey_make(organisation, Journey, Moment, Survey, responses_store, *, slug, n, seed):  # noqa: N803
    journey = Journey.objects.create(organisation=organisation, name=slug.title(), slug=slug)
    moments = [
        Moment.objects.create(journey=journey, name=s.replace("-", " ").title(), slug=s, stage=st, position=p)
        for s, st, p, *_ in MOMENTS
    ]
    Moment.objects.filter(pk=moments[1].pk).update(is_brand_moment=True)
    survey = Survey.objects.create(journey=journey, name="Wave 1", scale_min=1, scale_max=10, data_version=1)
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, len(MOMENTS)))
    weights = np.array([m[3] for m in MOMENTS])
    means = np.array([m[4] for m in MOMENTS])
    reach = np.array([m[5] for m in MOMENTS])
    ratings = np.clip(means + 15 * z, 0, 100)
    ratings[rng.random((n, len(MOMENTS))) > reach] = np.nan
    ltr = np.clip(np.round(7 + z @ weights + 0.8 * rng.standard_normal(n)), 0, 10)
    responses_store(
        survey=survey,
        moments=moments,
        respondent_id=np.array([f"r{i}" for i in range(n)], dtype=object),
        outcome=ltr,
        ratings=ratings,
        segments=pd.DataFrame({"region": np.where(np.arange(n) % 2 == 0, "North", "South")}),
    )
    return journey


@pytest.fixture
def journey(organisation):
    return journey_make(organisation)


@pytest.fixture
def foreign_journey(other_organisation):
    return journey_make(other_organisation, slug="foreign", n=60, seed=2)


def run_compute(journey, **filters):
    """The finished run for ``filters``, computed in this process (no worker)."""
    from moments import services

    run = services.analysis_request(journey=journey, enqueue=False, **filters)
    return services.analysis_run_compute(run_id=run.pk)
