"""Planted-truth surveys through the real engine: false pain points, power, quadrant recovery, noise impact marks.

The generator and the counting live in bench/pain_points.py (which runs the same measure with the full number of
surveys and writes the figures quoted in docs/METHOD.md); here fewer surveys keep the whole file well under a
minute on two shared cores. Every number is seeded, so the test is deterministic.

Targets (issue 13 "Done when"): at most 0.05 false pain points per survey at 400, 1,500, 20,000 and 100,000
respondents; the planted -50-point pain point found in every survey; the planted -15-point one (reach 35%, 1,500
respondents) in at least 90%; quadrant recovery of the planted moments unchanged (>= 99%); the impact interval of
a pure-noise moment excludes zero in at most 5% of surveys.
"""

import numpy as np
import pytest

from bench import pain_points as pp

ALARM_SIZES = [(400, 600), (1_500, 400), (20_000, 40), (100_000, 8)]


def at_most(rate, target, surveys):
    """The measured rate is consistent with a true rate <= target: within two Poisson SDs of the target count.

    With a few hundred surveys a true rate of exactly 0.05 lands anywhere in 0.03-0.07; bench/pain_points.py
    measures the figure itself on 2,000 surveys. The old rule (0.2 per survey) is far outside this band.
    """
    return rate * surveys <= target * surveys + 2 * np.sqrt(target * surveys)


def test_the_planted_truth_is_what_the_docstring_says():
    effects = pp.true_occurrence_effects(n=600_000, seed=3)
    assert effects["pain50"] == pytest.approx(-50, abs=1.0)
    assert effects["pain15"] == pytest.approx(-15, abs=1.0)
    for name in pp.null_moments("alarm"):
        if name != "pain15":
            # no occurrence effect of their own; the NPS nonlinearity leaves a point or so: real, too small to act on
            assert abs(effects[name]) < 2.0, (name, effects[name])
    assert abs(effects["noise"]) < 0.5
    assert {q: pp.true_quadrants()[q] for q in pp.PLANTED_QUADRANTS} == {q: q for q in pp.PLANTED_QUADRANTS}


@pytest.mark.parametrize(("n", "surveys"), ALARM_SIZES)
def test_false_pain_points_per_survey_and_the_large_pain_point_is_always_found(n, surveys):
    r = pp.pain_points_measure(n, surveys, seed=1, scenario="alarm")
    assert at_most(r["false_per_survey"], 0.05, surveys), r
    assert r["found"]["pain50"] == 1.0, r
    assert r["quadrant_recovery"] >= 0.99, r
    # the old rule ("95% interval below 0", one test per moment) is what issue 13 measured: it must fail here,
    # or this simulation is too easy to tell the rules apart
    assert r["old_rule_false_per_survey"] >= 0.15, r


def test_a_moderate_pain_point_is_found_in_nine_surveys_out_of_ten():
    r = pp.pain_points_measure(1_500, 300, seed=4, scenario="power")
    assert r["found"]["pain15"] >= 0.90, r
    assert r["found"]["pain50"] == 1.0
    assert at_most(r["false_per_survey"], 0.05, 300), r


def test_impact_interval_of_a_pure_noise_moment_excludes_zero_rarely():
    # 150 surveys x 100 resamples. The signed share's interval excluded zero in 6.5-6.75% (a relative weight is
    # positive by construction); judged against the random baseline it must stay within 5% (the Poisson band).
    r = pp.pain_points_measure(400, 150, seed=2, bootstrap=100)
    assert at_most(r["noise_impact_excludes_zero"], 0.05, 150), r
    assert r["noise_impact_marked"] <= r["noise_impact_excludes_zero"] + 1e-12  # BH is stricter than the interval


def test_real_drivers_still_beat_the_random_baseline():
    # the planted strong drivers (raise, amplify) are marked in every survey at 1,500 respondents
    from moments.analysis import AnalysisParams, analyse

    for s in range(10):
        ratings, ltr = pp.survey_simulate(1_500, 500 + s, "alarm")
        m = analyse(ratings, ltr, pp.NAMES, params=AnalysisParams(bootstrap=100, seed=s)).moments.set_index("moment")
        assert m.loc[["raise", "amplify", "middle"], "impact_significant"].all(), m[["impact", "impact_low"]]
        assert (m.loc[["raise", "amplify"], "impact_low"] > 0).all()


def test_scenarios_and_null_moments():
    assert "pain15" in pp.null_moments("alarm") and "pain15" not in pp.null_moments("power")
    assert "pain50" not in pp.null_moments("alarm")
    with pytest.raises(ValueError, match="scenario"):
        pp.scenario_shifts("other")
    ratings, ltr = pp.survey_simulate(500, 0)
    assert ratings.shape == (500, len(pp.MOMENTS)) and np.isin(ltr, np.arange(11)).all()
    assert np.nanmax(ratings) <= 100 and np.nanmin(ratings) >= 0
