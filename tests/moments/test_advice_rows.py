"""The pages show the one advice with its cautions, and the occurrence effect in words with its false-discovery mark."""

import numpy as np
import pytest

from moments import services
from moments.views._common import results_rows
from tests.factories import journey_with_moments, random_wave_data, wave_with_responses

SLUGS = ["order", "install", "bill", "support"]


@pytest.mark.django_db
def test_rows_carry_the_advice_its_cautions_and_the_occurrence_sentence(organisation, settings, client, manager):
    settings.MOMENTUM_BOOTSTRAP = 20
    settings.MOMENTUM_MIN_SAMPLE = 30
    rng = np.random.default_rng(5)
    n = 1500
    ratings = rng.uniform(20, 95, size=(n, 4))
    ratings[rng.random((n, 4)) > 0.6] = np.nan
    support = ~np.isnan(ratings[:, 3])
    # Support calls cost 30 points of likelihood to recommend merely by happening: a pain point, clearly.
    ltr = np.clip(np.rint(3 + np.nan_to_num(ratings[:, :3], nan=60).mean(axis=1) / 16 - 3.0 * support), 0, 10)
    wave_with_responses(journey := journey_with_moments(organisation, SLUGS), "W1", SLUGS, ratings, ltr)
    run = services.analysis_run_compute(run_id=services.analysis_request(journey=journey, enqueue=False).pk)

    rows = {row["moment"]: row for row in results_rows(run, journey, "")}

    support_row = rows["Support"]
    assert "pain_point" in support_row["flags"]
    assert support_row["action"].startswith("Pain point")
    assert "beyond chance across the 4 moments tested" in support_row["occurrence_sentence"]
    assert all(isinstance(row["cautions"], list) for row in rows.values())
    client.force_login(manager)
    page = client.get(f"/journeys/{journey.pk}/moments/{support_row['moment_id']}/").content.decode()
    assert "beyond chance across the 4 moments tested" in page
    assert page.count(support_row["action"]) == 1  # said once, in the verdict, not again under the effect


@pytest.mark.django_db
def test_a_rate_is_shown_as_a_rate_not_with_the_sign_of_an_nps(organisation, settings, client, manager):
    settings.MOMENTUM_BOOTSTRAP = 20
    settings.MOMENTUM_MIN_SAMPLE = 30
    rng = np.random.default_rng(6)
    ratings = rng.uniform(20, 95, size=(400, 4))
    stays = (rng.random(400) < 0.439).astype(float)  # a binary outcome: about 44% will stay
    journey = journey_with_moments(organisation, SLUGS)
    wave_with_responses(journey, "W1", SLUGS, ratings, stays, outcome_type="binary")
    services.analysis_run_compute(run_id=services.analysis_request(journey=journey, enqueue=False).pk)
    client.force_login(manager)

    html = client.get(f"/journeys/{journey.pk}/").content.decode()

    rate = 100 * stays.mean()
    assert f'<p class="kpi-value">{rate:.1f}%</p>' in html
    assert f'<p class="kpi-value">+{rate:.0f}' not in html


@pytest.mark.django_db
def test_an_r_is_shown_to_two_decimals(organisation, settings, client, manager):
    settings.MOMENTUM_BOOTSTRAP = 20
    settings.MOMENTUM_MIN_SAMPLE = 30
    ratings, ltr = random_wave_data(np.random.default_rng(7), 400, 4, reach=0.9)
    journey = journey_with_moments(organisation, SLUGS)
    wave_with_responses(journey, "W1", SLUGS, ratings, ltr)
    run = services.analysis_request(journey=journey, method="correlation", enqueue=False)
    run = services.analysis_run_compute(run_id=run.pk)
    client.force_login(manager)

    html = client.get(f"/journeys/{journey.pk}/?method=correlation").content.decode()

    first = run.results.order_by("rank").first()
    assert '<p class="kpi-sub">Thresholds' in html
    assert f">{first.impact:.2f} <" in html  # the table cell, e.g. 0.48, not 0.5
    assert f"impact {run.summary['threshold_impact']:.2f}" in html
