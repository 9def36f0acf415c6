"""Thresholds, quadrant assignment and priority order (DESIGN section 2)."""

import numpy as np
import pytest

from moments.analysis.quadrants import (
    AMPLIFY,
    IMPROVE,
    INSUFFICIENT,
    QUADRANTS,
    RAISE,
    REDUCE,
    priority_rank,
    quadrant_codes,
    thresholds_compute,
)

SAT = np.array([50.0, 70.0, 90.0, 60.0])
IMP = np.array([10.0, 40.0, 20.0, 30.0])
ALL = np.ones(4, bool)


def test_mean_thresholds():
    ts, ti = thresholds_compute(SAT, IMP, ALL, "mean")
    assert (ts, ti) == pytest.approx((67.5, 25.0))  # (50+70+90+60)/4, (10+40+20+30)/4


def test_median_thresholds():
    ts, ti = thresholds_compute(SAT, IMP, ALL, "median")
    assert (ts, ti) == pytest.approx((65.0, 25.0))


def test_fixed_thresholds_and_missing_values():
    assert thresholds_compute(SAT, IMP, ALL, "fixed", 80, 5) == pytest.approx((80.0, 5.0))
    with pytest.raises(ValueError, match="fixed"):
        thresholds_compute(SAT, IMP, ALL, "fixed", 80, None)


def test_unplaced_moments_do_not_move_thresholds():
    sat = np.r_[SAT, 0.0]
    imp = np.r_[IMP, 99.0]
    placed = np.r_[ALL, False]
    assert thresholds_compute(sat, imp, placed, "mean") == pytest.approx((67.5, 25.0))


def test_quadrants_against_mean_thresholds():
    codes = quadrant_codes(SAT, IMP, 67.5, 25.0, ALL)
    # 50/10 low/low, 70/40 high/high, 90/20 high sat low impact, 60/30 low sat high impact
    assert [QUADRANTS[c] for c in codes] == ["improve", "amplify", "reduce", "raise"]


def test_value_on_the_threshold_counts_as_high():
    codes = quadrant_codes(np.array([60.0]), np.array([25.0]), 60.0, 25.0, np.ones(1, bool))
    assert codes[0] == AMPLIFY


def test_quadrants_per_resample_with_their_own_thresholds():
    sat = np.vstack([SAT, SAT + 100])
    codes = quadrant_codes(sat, np.vstack([IMP, IMP]), np.array([67.5, 167.5]), np.array([25.0, 25.0]), ALL)
    np.testing.assert_array_equal(codes[0], codes[1])


def test_not_placed_is_insufficient():
    codes = quadrant_codes(SAT, IMP, 67.5, 25.0, np.array([True, False, True, True]))
    assert codes[1] == INSUFFICIENT


def test_priority_order():
    # raise, amplify, improve, reduce, insufficient; within a quadrant impact desc, then satisfaction asc
    codes = np.array([REDUCE, RAISE, INSUFFICIENT, RAISE, AMPLIFY, IMPROVE, RAISE])
    impact = np.array([5.0, 30.0, np.nan, 40.0, 50.0, 1.0, 30.0])
    sat = np.array([90.0, 55.0, np.nan, 50.0, 80.0, 40.0, 45.0])
    rank = priority_rank(codes, impact, sat)
    # order: 3 (raise 40), 6 (raise 30, sat 45), 1 (raise 30, sat 55), 4 amplify, 5 improve, 0 reduce, 2
    assert list(np.argsort(rank)) == [3, 6, 1, 4, 5, 0, 2]
    assert sorted(rank) == list(range(1, 8))
