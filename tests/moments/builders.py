"""Small builders for journeys, waves and stored responses (through the real bulk store)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from django.db import transaction

from journeys.models import Journey, Moment
from surveys.models import Survey
from surveys.services import responses_store


def journey_with_moments(organisation, slugs: Sequence[str], *, slug: str = "broadband") -> Journey:
    journey = Journey.objects.create(organisation=organisation, name=slug.title(), slug=slug)
    for position, moment_slug in enumerate(slugs, start=1):
        Moment.objects.create(
            journey=journey, name=moment_slug.replace("-", " ").title(), slug=moment_slug, position=position
        )
    return journey


def wave_store(
    journey: Journey,
    name: str,
    moment_slugs: Sequence[str],
    ratings: np.ndarray,
    outcome: np.ndarray,
    *,
    segments: pd.DataFrame | None = None,
    experienced: np.ndarray | None = None,
    prefix: str | None = None,
    outcome_type: str = "nps",
) -> Survey:
    """Stores one wave whose rating columns follow ``moment_slugs`` (0-100, NaN = not experienced)."""
    survey, _ = Survey.objects.get_or_create(
        journey=journey, name=name, defaults={"scale_min": 1, "scale_max": 10, "outcome_type": outcome_type}
    )
    moments = [journey.moments.get(slug=s) for s in moment_slugs]
    n = len(outcome)
    with transaction.atomic():  # responses_store runs inside its caller's transaction (one per upload)
        responses_store(
            survey=survey,
            moments=moments,
            respondent_id=np.array([f"{prefix or name}-{i:05d}" for i in range(n)], dtype=object),
            outcome=np.asarray(outcome, dtype=float),
            ratings=np.asarray(ratings, dtype=float),
            experienced=experienced,
            segments=segments,
        )
    Survey.objects.filter(pk=survey.pk).update(data_version=survey.data_version + 1)
    survey.refresh_from_db()
    return survey


def random_wave_data(rng: np.random.Generator, n: int, k: int, reach: float = 0.7):
    """Ratings on the 1-10 grid rescaled to 0-100 (NaN where not experienced) and a related LTR 0-10."""
    raw = rng.integers(1, 11, size=(n, k)).astype(float)
    ratings = (raw - 1) / 9 * 100
    ratings[rng.random((n, k)) > reach] = np.nan
    drive = np.nan_to_num(ratings, nan=50.0).mean(axis=1) / 10
    ltr = np.clip(np.rint(drive + rng.normal(0, 1.5, n)), 0, 10)
    return ratings, ltr
