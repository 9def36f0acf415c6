"""A journey with two stored waves where only installation's satisfaction drops, for the "what moved" tests.

Wave "2026 Q1" is submitted in January-March, "2026 Q2" in April-June (so waves and quarters give the same
periods), through the real bulk store (``surveys.services.responses_store``). The generator is bench/moved.py's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from django.db import transaction

from bench import moved as mv
from journeys.models import Journey, Moment
from surveys.models import Survey
from surveys.services import responses_store

SLUGS = ["ordering", "delivery", "installation", "billing", "support", "welcome-pack"]


def _submitted(rng: np.random.Generator, n: int, start: str, days: int) -> np.ndarray:
    base = pd.Timestamp(start, tz="UTC")
    return np.array(base + pd.to_timedelta(np.sort(rng.integers(0, days * 86400, size=n)), unit="s"))


def moved_journey(organisation, *, n: int = 600, seed: int = 12) -> Journey:
    journey = Journey.objects.create(organisation=organisation, name="Broadband", slug="broadband")
    moments = [
        Moment.objects.create(journey=journey, name=name.title(), slug=slug, position=i, stage="Stage")
        for i, (name, slug) in enumerate(zip(mv.NAMES, SLUGS, strict=True), start=1)
    ]
    rng = np.random.default_rng(seed)
    for name, shift, start in (("2026 Q1", None, "2026-01-01"), ("2026 Q2", mv.DROP * 1.6, "2026-04-01")):
        period = mv.period_simulate(n, rng, shift)
        survey = Survey.objects.create(journey=journey, name=name, scale_min=1, scale_max=5)
        segments = pd.DataFrame({"region": rng.choice(["North", "South"], n)})
        with transaction.atomic():
            responses_store(
                survey=survey,
                moments=moments,
                respondent_id=np.array([f"{name}-{i:05d}" for i in range(n)], dtype=object),
                outcome=period.outcome,
                ratings=period.ratings,
                submitted_at=_submitted(rng, n, start, 90),
                segments=segments,
            )
        Survey.objects.filter(pk=survey.pk).update(data_version=1)
    return journey
