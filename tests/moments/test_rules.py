"""The significance rules come from the settings, and changing one never answers from a run made under the old one."""

import numpy as np
import pytest

from moments import services
from moments.models import RunStatus
from tests.factories import journey_with_moments, random_wave_data, wave_with_responses

SLUGS = ["order", "install", "bill", "support"]


@pytest.mark.django_db
def test_a_stricter_minimum_effect_makes_a_new_run_that_uses_it(organisation, settings):
    settings.MOMENTUM_BOOTSTRAP = 20
    settings.MOMENTUM_MIN_SAMPLE = 30
    journey = journey_with_moments(organisation, SLUGS)
    ratings, ltr = random_wave_data(np.random.default_rng(3), 300, len(SLUGS))
    wave_with_responses(journey, "W1", SLUGS, ratings, ltr)

    first = services.analysis_request(journey=journey, enqueue=False)
    again = services.analysis_request(journey=journey, enqueue=False)
    settings.MOMENTUM_PAIN_MIN_EFFECT = {**settings.MOMENTUM_PAIN_MIN_EFFECT, "nps": 40.0}
    stricter = services.analysis_request(journey=journey, enqueue=False)

    assert again.pk == first.pk
    assert stricter.pk != first.pk and stricter.params_key != first.params_key
    run = services.analysis_run_compute(run_id=stricter.pk)
    assert run.status == RunStatus.DONE
    assert run.summary["pain_min_effect"] == pytest.approx(40.0)
