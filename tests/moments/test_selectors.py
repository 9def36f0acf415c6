"""The ratings frame read back from PostgreSQL equals what was stored; filters and wave alignment work."""

import numpy as np
import pandas as pd
import pytest
from django.db import connection

from moments.exports import EXPORT_COLUMNS
from moments.selectors import journey_ratings_frame, moment_detail_data, priorities_frame, segment_values
from moments.services import analysis_request, analysis_run_compute
from tests.factories import journey_with_moments, random_wave_data, wave_with_responses

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_waves(organisation):
    """Wave 1 asks a, b, c; wave 2 asks c, a, d (other order, b missing, d new); journey order a, b, c, d."""
    rng = np.random.default_rng(3)
    journey = journey_with_moments(organisation, ["a", "b", "c", "d"])
    r1, y1 = random_wave_data(rng, 200, 3)
    seg1 = pd.DataFrame({"region": rng.choice(["North", "South"], 200), "plan": rng.choice(["Basic", "Fibre"], 200)})
    seg1.loc[5, "plan"] = None  # a respondent without a plan
    w1 = wave_with_responses(journey, "W1", ["a", "b", "c"], r1, y1, segments=seg1)
    r2, y2 = random_wave_data(rng, 150, 3)
    r2[:10, 2] = np.nan
    flags2 = ~np.isnan(r2)
    flags2[:10, 2] = True  # experienced d but gave no rating
    seg2 = pd.DataFrame({"region": rng.choice(["North", "East"], 150)})
    w2 = wave_with_responses(journey, "W2", ["c", "a", "d"], r2, y2, segments=seg2, experienced=flags2)
    return journey, (w1, r1, y1, seg1), (w2, r2, y2, seg2, flags2)


def test_the_frame_is_what_was_stored_with_waves_aligned_to_the_journey(two_waves):
    assert connection.vendor == "postgresql"
    journey, (w1, r1, y1, seg1), (w2, r2, y2, seg2, flags2) = two_waves
    frame = journey_ratings_frame(journey=journey, with_ids=True)
    assert [m.slug for m in frame.moments] == ["a", "b", "c", "d"]
    assert frame.n == 350 and frame.ratings.shape == (350, 4) and frame.ratings.dtype == np.float64
    order = np.argsort(frame.respondent_id.astype(str), kind="stable")  # W1-... sorts before W2-...
    ratings, experienced, outcome = frame.ratings[order], frame.experienced[order], frame.outcome[order]
    expected = np.full((350, 4), np.nan)
    expected[:200, :3] = r1
    expected[200:, [2, 0, 3]] = r2
    # Stored as PostgreSQL real (float32).
    np.testing.assert_array_equal(ratings, expected.astype(np.float32).astype(np.float64))
    np.testing.assert_array_equal(outcome, np.concatenate([y1, y2]))
    expected_flags = ~np.isnan(expected)
    expected_flags[200:, [2, 0, 3]] = flags2
    np.testing.assert_array_equal(experienced, expected_flags)
    assert experienced[200:210, 3].all() and np.isnan(ratings[200:210, 3]).all()
    assert set(frame.survey_id[order][:200]) == {w1.pk} and set(frame.survey_id[order][200:]) == {w2.pk}
    segments = frame.segments.iloc[order].reset_index(drop=True)
    assert list(segments.columns) == ["plan", "region"]
    assert segments["region"].tolist() == seg1["region"].tolist() + seg2["region"].tolist()
    assert pd.isna(segments.loc[5, "plan"]) and segments["plan"].iloc[200:].isna().all()
    assert frame.outcome_type == "nps" and frame.scale == (1.0, 10.0)


def test_one_wave_and_a_segment_filter_run_in_sql(two_waves):
    journey, (w1, r1, y1, seg1), (w2, *_rest) = two_waves
    only_w1 = journey_ratings_frame(journey=journey, survey_ids=[w1.pk], with_ids=True)
    assert only_w1.n == 200 and np.isnan(only_w1.ratings[:, 3]).all()
    north = journey_ratings_frame(journey=journey, segment_filter={"region": ["North"]}, with_ids=True)
    assert north.n == (seg1["region"] == "North").sum() + (two_waves[2][3]["region"] == "North").sum()
    assert set(north.segments["region"]) == {"North"}
    both = journey_ratings_frame(
        journey=journey, segment_filter={"region": ["North", "East"], "plan": "Fibre"}, with_ids=True
    )
    assert (
        set(both.segments["plan"]) == {"Fibre"}
        and both.n == ((seg1["region"] == "North") & (seg1["plan"] == "Fibre")).sum()
    )
    nobody = journey_ratings_frame(journey=journey, segment_filter={"region": ["Atlantis"]}, with_ids=True)
    assert nobody.n == 0 and nobody.ratings.shape == (0, 4)


def test_segment_values_lists_distinct_values_per_key(two_waves):
    journey = two_waves[0]
    assert segment_values(journey=journey) == {"plan": ["Basic", "Fibre"], "region": ["East", "North", "South"]}


def test_priorities_frame_and_moment_detail(two_waves, settings):
    settings.MOMENTUM_BOOTSTRAP = 20
    journey = two_waves[0]
    run = analysis_run_compute(run_id=analysis_request(journey=journey, enqueue=False).pk)
    assert run.status == "done", run.message
    frame = priorities_frame(run=run)
    assert tuple(frame.columns) == EXPORT_COLUMNS
    assert frame["rank"].tolist() == list(range(1, 5))
    detail = moment_detail_data(journey=journey, moment=journey.moments.get(slug="a"))
    assert detail["summary"]["experienced"] == int(detail["distribution"]["count"].sum())
    assert detail["distribution"]["level"].tolist() == list(map(float, range(1, 11)))
    assert detail["trend"]["survey"].tolist() == ["W1", "W2"]
    occurrence = detail["occurrence"]
    assert occurrence["experienced"]["n"] + occurrence["not_experienced"]["n"] == 350
    assert set(detail["segments"]["segment"]) == {"plan", "region"}


def test_a_wave_that_grew_a_moment_reads_older_shorter_arrays_as_not_experienced(organisation):
    rng = np.random.default_rng(8)
    journey = journey_with_moments(organisation, ["a", "b", "c"])
    r1, y1 = random_wave_data(rng, 40, 2)
    wave_with_responses(journey, "W1", ["b", "a"], r1, y1, prefix="early")
    r2, y2 = random_wave_data(rng, 30, 3)
    survey = wave_with_responses(journey, "W1", ["c", "a", "b"], r2, y2, prefix="late")  # appends c to moment_ids
    assert len(survey.moment_ids) == 3
    frame = journey_ratings_frame(journey=journey, with_ids=True)
    assert frame.n == 70
    early = np.char.startswith(frame.respondent_id.astype(str), "early")
    np.testing.assert_array_equal(frame.ratings[early][:, [1, 0]], r1.astype(np.float32))
    assert np.isnan(frame.ratings[early][:, 2]).all() and not frame.experienced[early][:, 2].any()
    np.testing.assert_array_equal(frame.ratings[~early][:, [2, 0, 1]], r2.astype(np.float32))


@pytest.mark.parametrize("one_wave", [False, True])
def test_the_analysis_load_leaves_out_ids_and_segments_with_the_same_numbers(two_waves, one_wave):
    journey, (w1, *_), _ = two_waves
    survey_ids = [w1.pk] if one_wave else None
    full = journey_ratings_frame(journey=journey, survey_ids=survey_ids, with_ids=True)
    numbers = journey_ratings_frame(journey=journey, survey_ids=survey_ids)

    assert numbers.respondent_id is None and list(numbers.segments.columns) == [] and numbers.n == full.n > 0
    np.testing.assert_array_equal(numbers.ratings, full.ratings)
    np.testing.assert_array_equal(numbers.experienced, full.experienced)
    np.testing.assert_array_equal(numbers.outcome, full.outcome)
    np.testing.assert_array_equal(numbers.survey_id, full.survey_id)


def test_one_wave_asking_exactly_the_journeys_moments_loads_as_stored(organisation):
    rng = np.random.default_rng(5)
    journey = journey_with_moments(organisation, ["a", "b", "c"])
    ratings, outcome = random_wave_data(rng, 120, 3)
    wave_with_responses(journey, "W1", ["a", "b", "c"], ratings, outcome)

    frame = journey_ratings_frame(journey=journey)

    np.testing.assert_allclose(frame.ratings, ratings, rtol=1e-6)  # stored as real
    np.testing.assert_array_equal(frame.experienced, ~np.isnan(ratings))
    np.testing.assert_allclose(frame.outcome, outcome)


def test_the_moment_page_bins_a_moment_on_its_own_scale(organisation):
    """A 1-5 item in a 1-10 file (the mapping's "scales") is drawn on 1-5, not converted back to 1-10."""
    journey = journey_with_moments(organisation, ["checkout", "delivery"])
    ratings = np.array([[0.0, 0.0], [25.0, 50.0], [50.0, 100.0], [75.0, 100.0], [100.0, 50.0]])
    survey = wave_with_responses(journey, "W1", ["checkout", "delivery"], ratings, np.array([9.0, 7, 3, 10, 8]))
    survey.mapping = {"scales": {"Checkout": [1, 5]}}
    survey.save(update_fields=["mapping"])

    checkout = moment_detail_data(journey=journey, moment=journey.moments.get(slug="checkout"))
    delivery = moment_detail_data(journey=journey, moment=journey.moments.get(slug="delivery"))

    assert checkout["scale"] == [1.0, 5.0]
    assert checkout["distribution"]["level"].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert checkout["distribution"]["count"].tolist() == [1, 1, 1, 1, 1]
    assert delivery["scale"] == [1.0, 10.0]
