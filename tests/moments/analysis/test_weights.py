"""Survey weights in the pure engine: duplicated rows, equal weights, hand-computed values, Kish's effective n."""

import numpy as np
import pandas as pd
import pytest

from moments.analysis import AnalysisParams, analyse
from moments.analysis.drivers import pairwise_correlation, pairwise_stats
from moments.analysis.nps import kish_n, occurrence_test, outcome_summary
from moments.analysis.satisfaction import satisfaction_describe

POINT_COLUMNS = ["satisfaction", "top_box", "impact", "correlation", "reach", "occurrence_effect", "what_if"]


def survey(n=500, k=4, seed=1):
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n, 1))
    s = np.clip(np.round((60 + 15 * (0.6 * latent + 0.8 * rng.normal(size=(n, k)))) / 10) * 10, 0, 100)
    ltr = np.clip(np.round(7 + ((s - 60) / 15) @ np.linspace(0.2, 1.0, k) / k * 3 + rng.normal(size=n)), 0, 10)
    s[rng.random((n, k)) < 0.3] = np.nan
    return s, ltr


@pytest.mark.parametrize("outcome_type", ["nps", "binary", "numeric"])
@pytest.mark.parametrize("method", ["relative_weights", "shapley", "correlation"])
def test_integer_weights_give_the_point_estimates_of_duplicated_rows(outcome_type, method):
    s, ltr = survey()
    y = {"nps": ltr, "binary": (ltr >= 8).astype(float), "numeric": ltr * 1.5}[outcome_type]
    w = np.random.default_rng(7).integers(1, 4, size=len(y)).astype(float)
    params = AnalysisParams(bootstrap=0, method=method)
    weighted = analyse(s, y, list("abcd"), outcome_type=outcome_type, weights=w, params=params)
    rows = np.repeat(np.arange(len(y)), w.astype(int))
    duplicated = analyse(s[rows], y[rows], list("abcd"), outcome_type=outcome_type, params=params)
    pd.testing.assert_frame_equal(weighted.moments[POINT_COLUMNS], duplicated.moments[POINT_COLUMNS], rtol=1e-9)
    assert list(weighted.moments["quadrant"]) == list(duplicated.moments["quadrant"])
    assert weighted.summary["outcome"] == pytest.approx(duplicated.summary["outcome"])
    assert weighted.summary["weighted"] and not duplicated.summary["weighted"]
    # the intervals are not those of the duplicated rows: they use the effective n of the real respondents
    assert weighted.summary["n_effective"] == pytest.approx(w.sum() ** 2 / (w**2).sum())
    assert weighted.summary["n_effective"] < len(rows)


def test_equal_weights_give_the_unweighted_numbers_intervals_and_bootstrap_included():
    s, ltr = survey(n=400)
    params = AnalysisParams(bootstrap=30, seed=3)
    plain = analyse(s, ltr, list("abcd"), params=params)
    equal = analyse(s, ltr, list("abcd"), weights=np.full(len(ltr), 2.5), params=params)
    pd.testing.assert_frame_equal(plain.moments, equal.moments, rtol=1e-9)
    for key in ("outcome", "outcome_low", "outcome_high", "promoters", "detractors", "r2", "threshold_impact"):
        assert equal.summary[key] == pytest.approx(plain.summary[key], rel=1e-9), key
    assert equal.summary["n_effective"] == pytest.approx(400)


def test_weighted_nps_by_hand():
    ltr = np.array([10.0, 9, 7, 3])
    w = np.array([1.0, 2, 3, 4])
    out = outcome_summary(ltr, "nps", w)
    # promoters carry weight 3 of 10, detractors 4 of 10: NPS = 100 (0.3 - 0.4) = -10
    assert out["outcome"] == pytest.approx(-10.0)
    assert (out["promoters"], out["passives"], out["detractors"]) == pytest.approx((0.3, 0.3, 0.4))
    assert kish_n(w) == pytest.approx(100 / 30)
    # the interval is the adjusted-Wald one on n_eff = 10^2 / 30 respondents with those shares
    n = 100 / 30
    p, d = (0.3 * n + 0.75) / (n + 3), (0.4 * n + 0.75) / (n + 3)
    half = 1.959964 * 100 * np.sqrt((p + d - (p - d) ** 2) / (n + 3))
    assert out["outcome_low"] == pytest.approx(max(100 * (p - d) - half, -100), rel=1e-5)


def test_weighted_correlation_by_hand():
    x, y, w = np.array([1.0, 2, 3, 4]), np.array([2.0, 1, 4, 3]), np.array([1.0, 1, 2, 2])
    # weighted means 17/6 each; sum w dx dy = 23/6, sum w dx^2 = sum w dy^2 = 41/6, so r = 23/41
    values = np.column_stack([x - x.mean(), y - y.mean()])
    r = pairwise_correlation(pairwise_stats(values, np.ones_like(values, dtype=bool), w))
    assert r[0, 1] == pytest.approx(23 / 41)
    m = analyse(
        (x[:, None] - 1) * 100 / 3,
        y,
        ["x"],
        outcome_type="numeric",
        weights=w,
        params=AnalysisParams(bootstrap=0, method="correlation", min_n=2),
    ).moments
    assert m["correlation"].iloc[0] == pytest.approx(23 / 41)
    assert m["satisfaction"].iloc[0] == pytest.approx((17 / 6 - 1) * 100 / 3)  # weighted mean
    assert m["reach"].iloc[0] == 1.0


def test_weighted_reach_satisfaction_and_minimum_sample_on_effective_n():
    s = np.array([[50.0], [100.0], [np.nan], [np.nan]])
    w = np.array([3.0, 1.0, 2.0, 2.0])
    desc = satisfaction_describe(s, np.isfinite(s), min_n=1, weights=w)
    assert desc["satisfaction"][0] == pytest.approx((3 * 50 + 100) / 4)
    assert desc["n_effective"][0] == pytest.approx(16 / 10)
    assert desc["n"][0] == 2
    assert np.isnan(satisfaction_describe(s, np.isfinite(s), min_n=2, weights=w)["satisfaction"][0])  # 1.6 < 2
    # 40 raters, but one carries nearly all the weight: effective n ~1, below the minimum sample of 30
    s = np.full((40, 1), 70.0)
    w = np.r_[1000.0, np.ones(39)]
    assert satisfaction_describe(s, np.isfinite(s), min_n=30, weights=w)["n_effective"][0] < 2
    res = analyse(np.column_stack([s[:, 0], s[:, 0] - 10, s[:, 0] - 20]), np.arange(40) % 11, list("abc"), weights=w)
    assert res.moments["insufficient_data"].all()


def test_weighted_occurrence_effect_by_hand():
    # experiencers: LTR 10 (w 1), 3 (w 1) -> NPS 0; non-experiencers: 10 (w 3), 8 (w 1) -> NPS 75
    y = np.array([10.0, 3, 10, 8])
    had = np.array([[True], [True], [False], [False]])
    w = np.array([1.0, 1, 3, 1])
    test = occurrence_test(y, had, "nps", min_n=1, weights=w)
    assert test["effect"][0] == pytest.approx(-75.0)
    assert test["n1"][0] == pytest.approx(2.0) and test["n0"][0] == pytest.approx(16 / 10)
    assert test["smaller_share"][0] == pytest.approx(2 / 6)


def test_bad_weights_fail_loudly():
    s, ltr = survey(n=50)
    for bad, message in ((np.ones(49), "weights has 49"), (-np.ones(50), ">= 0"), (np.zeros(50), "all be 0")):
        with pytest.raises(ValueError, match=message):
            analyse(s, ltr, list("abcd"), weights=bad)
