"""A small journey whose wave carries two outcomes with different drivers (issue 11), for the analysis, API, CLI
and page tests: NPS is driven by billing and installation, Retention (yes/no) by renewal and the app.

Satisfaction means are planted far apart (billing 30, installation 80, renewal 35, app 75 on 0-100), so the
satisfaction threshold (the mean over the four placed moments) splits them into low (billing, renewal) and high
(installation, app) for both outcomes; each outcome's two drivers have the large correlations, so with the
``correlation`` method and mean thresholds the quadrants are:

    NPS:       billing raise, installation amplify, renewal improve, app reduce
    Retention: renewal raise, app amplify, billing improve, installation reduce
"""

from __future__ import annotations

from datetime import date

import numpy as np

from tests.factories import JourneyFactory, MomentFactory, SurveyFactory

SLUGS = ["billing", "installation", "renewal", "app"]
NAMES = {"billing": "Billing", "installation": "Installation", "renewal": "Contract renewal", "app": "App"}
MEANS = np.array([30.0, 80.0, 35.0, 75.0])
N = 240
QUADRANTS = {
    "NPS": {"billing": "raise", "installation": "amplify", "renewal": "improve", "app": "reduce"},
    "Retention": {"renewal": "raise", "app": "amplify", "billing": "improve", "installation": "reduce"},
}


def two_outcome_data(seed: int = 11) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ratings n x 4 on 0-100, LTR 0-10, retained 0/1), everyone experiencing every moment."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((N, 4))
    ratings = np.clip(np.round(MEANS + 12.0 * z), 0, 100)
    ltr = np.clip(np.round(7.0 + 1.4 * z[:, 0] + 1.4 * z[:, 1] + 0.8 * rng.standard_normal(N)), 0, 10)
    retained = (0.9 + 1.3 * z[:, 2] + 1.3 * z[:, 3] + 0.6 * rng.standard_normal(N) > 0).astype(float)
    return ratings, ltr, retained


def two_outcome_journey(organisation, *, slug: str = "two-outcomes", seed: int = 11, waves: int = 1):
    """The journey with wave "W1" holding both outcomes (stored through ``responses_store(outcomes=...)``); with
    ``waves=2`` also "W2" (the next seed's data, a later period)."""
    from django.db import transaction

    from surveys.outcomes import Outcome
    from surveys.services import responses_store
    from surveys.services.waves import survey_data_changed, survey_outcomes_ensure

    journey = JourneyFactory(organisation=organisation, name="Two outcomes", slug=slug)
    moments = [MomentFactory(journey=journey, name=NAMES[s], slug=s, position=i) for i, s in enumerate(SLUGS, start=1)]
    for index in range(waves):
        ratings, ltr, retained = two_outcome_data(seed + index)
        survey = SurveyFactory(
            journey=journey,
            name=f"W{index + 1}",
            scale_min=0,
            scale_max=100,
            period_start=date(2026, 1 + 3 * index, 1),
        )
        with transaction.atomic():
            survey_outcomes_ensure(
                survey=survey,
                outcomes=[Outcome("NPS", "nps", "", ()), Outcome("Retention", "binary", "", ("yes",))],
            )
            responses_store(
                survey=survey,
                moments=moments,
                respondent_id=np.array([f"R{index}-{i:04d}" for i in range(N)], dtype=object),
                ratings=ratings,
                outcomes={"NPS": ltr, "Retention": retained},
            )
        survey_data_changed(survey=survey)
    return journey
