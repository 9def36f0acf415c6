"""One moment's detail statistics (``moment_detail_stats``) against numbers worked out by hand, without a database."""

import math

import numpy as np
import pandas as pd
import pytest

from moments.analysis.detail import moment_detail_stats, rating_levels, satisfaction_interval

T_975_3 = 3.182446305284263  # Student t, 97.5% quantile, 3 degrees of freedom
Z = 1.959963984540054

# Six respondents of wave 1 (scale 1-5: rating 0-100 = (level - 1) / 4 * 100); the last has no outcome and is left
# out of everything. Levels 5, 4, 3, 1 for the four who rated it; the fifth did not experience it.
OUTCOME = np.array([10, 9, 7, 3, 10, np.nan])
RATINGS = np.array([100.0, 75.0, 50.0, 0.0, np.nan, 100.0])
EXPERIENCED = np.array([True, True, True, True, False, True])
REGION = pd.DataFrame({"region": pd.array(["N", "N", "S", "S", "N", "S"], dtype="string")})


def _stats(**overrides):
    kwargs = {
        "outcome": OUTCOME,
        "ratings": RATINGS,
        "experienced": EXPERIENCED,
        "survey_id": np.array([1, 1, 1, 1, 1, 1]),
        "segments": REGION,
        "outcome_type": "nps",
        "scales": {1: (1.0, 5.0), 2: (1.0, 5.0)},
        "waves": [1, 2],
        "min_n": 1,
    }
    return moment_detail_stats(**(kwargs | overrides))


def test_summary_mean_and_student_t_interval_by_hand():
    # mean of 100, 75, 50, 0 = 56.25; squared deviations 1914.0625 + 351.5625 + 39.0625 + 3164.0625 = 5468.75;
    # sd = sqrt(5468.75 / 3) = 42.6956; half-width = t(3) * sd / sqrt(4) = 67.938
    half = T_975_3 * math.sqrt(5468.75 / 3) / 2
    summary = _stats().summary
    assert summary["respondents"] == 5 and summary["experienced"] == 4
    assert summary["reach"] == pytest.approx(0.8)
    assert summary["satisfaction"] == pytest.approx(56.25)
    assert summary["satisfaction_low"] == pytest.approx(56.25 - half)
    assert summary["satisfaction_high"] == pytest.approx(56.25 + half)
    assert half == pytest.approx(67.938, abs=1e-3)


def test_distribution_is_on_the_original_scale_with_every_level():
    detail = _stats()
    assert detail.scale == [1.0, 5.0]
    assert detail.distribution["level"].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert detail.distribution["count"].tolist() == [1, 0, 1, 1, 1]
    assert detail.distribution["share"].tolist() == pytest.approx([0.25, 0.0, 0.25, 0.25, 0.25])


def test_outcome_by_level_is_the_nps_of_who_gave_that_rating():
    by_level = _stats().outcome_by_level.set_index("level")
    assert by_level["n"].tolist() == [1, 0, 1, 1, 1]
    assert by_level.loc[5.0, "outcome"] == pytest.approx(100.0)  # one promoter
    assert by_level.loc[4.0, "outcome"] == pytest.approx(100.0)  # a 9 is a promoter
    assert by_level.loc[3.0, "outcome"] == pytest.approx(0.0)  # a 7 is a passive
    assert by_level.loc[1.0, "outcome"] == pytest.approx(-100.0)  # a 3 is a detractor
    assert by_level.loc[2.0, "outcome"] is None or np.isnan(by_level.loc[2.0, "outcome"])


def test_occurrence_effect_by_hand():
    # experienced 10, 9, 7, 3: P = 2/4, D = 1/4 -> NPS 25; not experienced: one 10 -> NPS 100; effect -75.
    # SE = 100 sqrt(V1 / 4 + V0 / 1), V1 = 0.75 - 0.25^2 = 0.6875, V0 = 1 - 1 = 0 -> 41.458
    occurrence = _stats().occurrence
    se = 100 * math.sqrt(0.6875 / 4)
    assert occurrence["experienced"]["n"] == 4 and occurrence["experienced"]["outcome"] == pytest.approx(25.0)
    assert occurrence["not_experienced"]["outcome"] == pytest.approx(100.0)
    assert occurrence["effect"] == pytest.approx(-75.0)
    assert occurrence["effect_low"] == pytest.approx(-75.0 - Z * se)
    assert occurrence["effect_high"] == pytest.approx(-75.0 + Z * se)
    assert occurrence["effect_high"] > 0 and "pain_point" not in occurrence  # the run marks pain points


def test_occurrence_needs_the_minimum_sample_in_both_groups():
    occurrence = _stats(min_n=2).occurrence  # one non-experiencer
    assert occurrence["effect"] is None and occurrence["effect_high"] is None


def test_segments_by_hand():
    segments = _stats().segments.set_index("value")
    # N: respondents 0, 1, 4; experienced 0, 1; satisfaction (100 + 75) / 2; their NPS: 10, 9 -> 100.
    assert segments.loc["N", ["respondents", "experienced"]].tolist() == [3, 2]
    assert segments.loc["N", "reach"] == pytest.approx(2 / 3)
    assert segments.loc["N", "satisfaction"] == pytest.approx(87.5)
    assert segments.loc["N", "outcome"] == pytest.approx(100.0)
    # S: respondents 2, 3 (the sixth has no outcome); satisfaction (50 + 0) / 2; NPS of 7, 3 -> -50.
    assert segments.loc["S", ["respondents", "experienced"]].tolist() == [2, 2]
    assert segments.loc["S", "satisfaction"] == pytest.approx(25.0)
    assert segments.loc["S", "outcome"] == pytest.approx(-50.0)


def test_the_trend_spans_every_wave_while_the_rest_is_of_the_chosen_waves():
    survey_id = np.array([1, 1, 2, 2, 2, 2])
    detail = _stats(survey_id=survey_id, chosen=[1], min_n=2)
    trend = detail.trend.set_index("survey_id")
    assert trend.loc[1, "n"] == 2 and trend.loc[1, "satisfaction"] == pytest.approx(87.5)
    assert trend.loc[2, "n"] == 2 and trend.loc[2, "satisfaction"] == pytest.approx(25.0)
    assert trend.loc[2, "reach"] == pytest.approx(2 / 3)  # respondents 2, 3, 4 of wave 2 with an outcome
    assert detail.summary["respondents"] == 2  # wave 1 only
    assert detail.distribution["count"].tolist() == [0, 0, 0, 1, 1]


def test_a_wave_below_the_minimum_sample_has_counts_but_no_satisfaction():
    trend = _stats(min_n=5).trend.set_index("survey_id")
    assert trend.loc[1, "n"] == 4
    assert trend.loc[1, "satisfaction"] is None or np.isnan(trend.loc[1, "satisfaction"])
    assert trend.loc[2, "n"] == 0 and (trend.loc[2, "reach"] is None or np.isnan(trend.loc[2, "reach"]))


def test_mixed_scales_are_binned_in_tens_on_0_100():
    ratings = np.array([100.0, 55.0, 9.0])
    rated = np.array([True, True, True])
    levels, shown, scale = rating_levels(ratings, rated, np.array([1, 2, 2]), {1: (1, 5), 2: (0, 10)}, (1, 5))
    assert scale == [0.0, 100.0]
    assert shown.tolist() == [0, 10, 20, 30, 40, 50, 60, 70, 80, 90]
    assert levels.tolist() == [90.0, 50.0, 0.0]  # 100 falls in the top bin


def test_satisfaction_interval_of_one_value_has_no_interval():
    assert satisfaction_interval(np.array([40.0, np.nan])) == (40.0, None, None)
    assert satisfaction_interval(np.array([np.nan])) == (None, None, None)
