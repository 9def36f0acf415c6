"""NPS, its adjusted-Wald interval and the occurrence effect against numbers worked out by hand."""

import math

import numpy as np
import pytest
from scipy import stats

from moments.analysis import nps_summary
from moments.analysis.nps import Z95, occurrence_effect, outcome_summary

# 10 answers: promoters 10,10,9,9,9 (5); passives 8,7 (2); detractors 6,3,0 (3). NaN is ignored.
LTR = np.array([10, 10, 9, 9, 9, 8, 7, 6, 3, 0, np.nan])


def test_nps_point_estimate_and_shares():
    s = nps_summary(LTR)
    assert s["n"] == 10
    assert s["nps"] == pytest.approx(20.0)  # 100 * (5 - 3) / 10
    assert (s["promoters"], s["passives"], s["detractors"]) == pytest.approx((0.5, 0.2, 0.3))


def test_nps_adjusted_wald_interval_by_hand():
    # n' = 13, p = 5.75/13, d = 3.75/13, NPS' = 100 * 2/13 = 15.3846...
    # Var = p + d - (p - d)^2 = 9.5/13 - (2/13)^2 = 119.5/169; SE = 100 sqrt(119.5 / 169 / 13) = 23.32217
    nps_adj = 100 * 2 / 13
    se = 100 * math.sqrt(119.5 / 169 / 13)
    assert se == pytest.approx(23.322168, abs=1e-6)
    s = nps_summary(LTR)
    assert s["nps_low"] == pytest.approx(nps_adj - 1.959964 * se, abs=1e-4)
    assert s["nps_high"] == pytest.approx(nps_adj + 1.959964 * se, abs=1e-4)
    assert s["nps_low"] == pytest.approx(-30.32599, abs=1e-4)
    assert s["nps_high"] == pytest.approx(61.09523, abs=1e-4)


def test_nps_interval_stays_within_scale():
    s = nps_summary(np.full(5, 10.0))
    assert s["nps"] == 100.0
    assert -100 <= s["nps_low"] <= s["nps_high"] <= 100


def test_nps_summary_empty():
    s = nps_summary(np.array([np.nan]))
    assert s["n"] == 0
    assert s["nps"] is None


def test_outcome_summary_binary_and_numeric():
    b = outcome_summary(np.array([1.0, 0, 0, 1]), "binary")
    assert b["outcome"] == pytest.approx(50.0)
    assert b["outcome_low"] < 50 < b["outcome_high"]
    assert b["promoters"] is None
    m = outcome_summary(np.array([4.0, 6, 8]), "numeric")
    # mean 6, sd 2, t(0.975, 2) * 2 / sqrt(3)
    half = stats.t.ppf(0.975, 2) * 2 / math.sqrt(3)
    assert (m["outcome"], m["outcome_low"], m["outcome_high"]) == pytest.approx((6, 6 - half, 6 + half))


# experiencers (first 4): 10, 9, 8, 3 -> P=2, D=1, NPS 25; non-experiencers: 10, 6, 5, 0, 7 -> P=1, D=3, NPS -40
OCC_Y = np.array([10, 9, 8, 3, 10, 6, 5, 0, 7], dtype=float)
OCC_E = np.array([[True]] * 4 + [[False]] * 5)


def test_occurrence_effect_nps_by_hand():
    effect, low, high = occurrence_effect(OCC_Y, OCC_E, "nps", min_n=2)
    # V1 = .5 + .25 - .25^2 = .6875; V0 = .2 + .6 - .4^2 = .64; SE = 100 sqrt(.6875/4 + .64/5) = 54.76084
    se = 100 * math.sqrt(0.6875 / 4 + 0.64 / 5)
    assert se == pytest.approx(54.760844, abs=1e-5)
    assert effect[0] == pytest.approx(65.0)
    assert low[0] == pytest.approx(65 - Z95 * se)
    assert high[0] == pytest.approx(65 + Z95 * se)


def test_occurrence_effect_binary_by_hand():
    y = np.array([1, 1, 0, 1, 0, 0, 1, 0, 0], dtype=float)  # 3/4 vs 1/5
    effect, low, high = occurrence_effect(y, OCC_E, "binary", min_n=2)
    assert effect[0] == pytest.approx(55.0)  # percentage points
    # Agresti-Caffo: 4/6 - 2/7 = 38.0952 pp, SE = 100 sqrt((4/6)(2/6)/6 + (2/7)(5/7)/7) = 25.72772
    assert (low[0] + high[0]) / 2 == pytest.approx(100 * (4 / 6 - 2 / 7))
    assert (high[0] - low[0]) / 2 == pytest.approx(Z95 * 25.727720, abs=1e-4)


def test_occurrence_effect_numeric_welch_by_hand():
    y = np.array([4, 6, 8, 1, 3], dtype=float)
    e = np.array([[True]] * 3 + [[False]] * 2)
    effect, low, high = occurrence_effect(y, e, "numeric", min_n=2)
    # means 6 and 2; variances 4 and 2; SE^2 = 4/3 + 2/2; Welch df = (7/3)^2 / ((4/3)^2/2 + 1^2/1)
    se = math.sqrt(7 / 3)
    df = (7 / 3) ** 2 / ((4 / 3) ** 2 / 2 + 1)
    half = stats.t.ppf(0.975, df) * se
    assert (effect[0], low[0], high[0]) == pytest.approx((4.0, 4 - half, 4 + half))


def test_occurrence_effect_needs_min_n_in_both_groups():
    # one non-experiencer among many: no number at all, never a +43 from one person
    y = np.r_[np.full(99, 9.0), 0.0]
    e = np.r_[np.ones(99, bool), False][:, None]
    effect, low, high = occurrence_effect(y, e, "nps", min_n=30)
    assert np.isnan(effect[0]) and np.isnan(low[0]) and np.isnan(high[0])
