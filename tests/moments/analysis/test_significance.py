"""Benjamini-Hochberg, bootstrap p-values and the marks built on them, against hand-computed values."""

import numpy as np
import pandas as pd
import pytest

from moments.analysis import AnalysisParams, analyse, compare_waves
from moments.analysis.significance import bh_adjust, bootstrap_p, family_size, normal_p, significant


def test_bh_adjust_by_hand():
    # R: p.adjust(c(0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205), "BH")
    p = np.array([0.041, 0.001, 0.205, 0.008, 0.039, 0.042, 0.06, 0.074])  # shuffled: order must not matter
    expected = {0.001: 0.008, 0.008: 0.032, 0.039: 0.0672, 0.041: 0.0672, 0.042: 0.0672, 0.06: 0.08,
                0.074: 0.074 * 8 / 7, 0.205: 0.205}  # fmt: skip
    assert bh_adjust(p) == pytest.approx([expected[v] for v in p])
    assert list(bh_adjust([0.01, 0.02, 0.03, 0.04, 0.05])) == pytest.approx([0.05] * 5)


def test_bh_adjust_leaves_untested_moments_out_of_the_family():
    q = bh_adjust([0.01, np.nan, 0.04])
    assert np.isnan(q[1])
    assert q[[0, 2]] == pytest.approx([0.02, 0.04])  # m = 2, not 3
    assert family_size([0.01, np.nan, 0.04]) == 2
    assert np.isnan(bh_adjust([np.nan, np.nan])).all()
    assert list(significant([0.049, 0.051, np.nan])) == [True, False, False]


def test_bh_controls_false_discoveries_on_null_p_values():
    rng = np.random.default_rng(3)
    p = rng.random((4000, 20))  # 4,000 families of 20 true nulls
    any_naive = (p <= 0.05).any(axis=1).mean()
    any_bh = (np.apply_along_axis(bh_adjust, 1, p) <= 0.05).any(axis=1).mean()
    assert any_naive > 0.6  # one 5% test per moment: most families have a false mark
    assert 0.035 <= any_bh <= 0.065  # all-null: BH is a 5% family-wise test


def test_normal_and_bootstrap_p_values():
    assert normal_p(1.959964) == pytest.approx(0.05, abs=1e-6)
    assert normal_p(-1.959964) == pytest.approx(0.05, abs=1e-6)
    draws = np.column_stack([np.linspace(1, 10, 99), np.r_[-np.ones(9), np.ones(90)], np.full(99, np.nan)])
    p = bootstrap_p(draws)
    assert p[0] == pytest.approx(2 * 1 / 100)  # no draw <= 0: (0 + 1) / (99 + 1), doubled
    assert p[1] == pytest.approx(2 * 10 / 100)
    assert np.isnan(p[2])


def test_wave_changes_are_marked_after_bh_over_the_moments():
    def frame(sat):
        half = np.full(len(sat), 1.959964)  # SE 1 in every wave
        return pd.DataFrame(
            {
                "moment": [f"m{j}" for j in range(len(sat))],
                "satisfaction": sat,
                "satisfaction_low": sat - half,
                "satisfaction_high": sat + half,
                "impact": 1.0,
                "quadrant": "raise",
            }
        )

    before = frame(np.full(20, 60.0))
    after = frame(np.r_[60 + 2.2 * np.sqrt(2), np.full(19, 60.0)])  # z = 2.2 on one moment: p = 0.028
    cmp = compare_waves(before, after)
    assert cmp["p_value"].iloc[0] == pytest.approx(0.0278, abs=1e-3)
    assert cmp["q_value"].iloc[0] == pytest.approx(min(1.0, 0.0278 * 20), abs=0.02)
    assert not cmp["significant"].any()  # one 5% test would have marked it; 20 moments were compared
    alone = compare_waves(before.iloc[:1], after.iloc[:1])
    assert bool(alone["significant"].iloc[0])  # the same change on its own is a real one


def test_pain_point_needs_bh_and_the_minimum_effect_and_a_large_enough_group():
    rng = np.random.default_rng(5)
    n = 20_000
    s = rng.integers(5, 11, size=(n, 3)) * 10.0
    had = rng.random((n, 3)) < np.array([0.5, 0.5, 0.97])
    s[~had] = np.nan
    # 0: -3 NPS points (real at n = 20,000, too small to act on); 1: about -30; 2: -25 but only 3% without it
    promoter_shift = np.where(had[:, 0], -0.015, 0.0) + np.where(had[:, 1], -0.15, 0.0) + np.where(had[:, 2], 0, 0.25)
    u = rng.random(n)
    ltr = np.where(u < 0.45 + promoter_shift, 10.0, np.where(u < 0.75, 8.0, 3.0))
    m = analyse(s, ltr, ["small", "large", "rare"], params=AnalysisParams(bootstrap=0)).moments
    assert m["occurrence_effect"].iloc[0] == pytest.approx(-3, abs=2.5)
    assert m["occurrence_q"].iloc[0] < 0.05 and not m["occurrence_meaningful"].iloc[0]
    assert list(m["pain_point"]) == [False, True, False]
    assert bool(m["occurrence_small_group"].iloc[2]) and m["occurrence_effect"].iloc[2] < -5
    assert (m["moments_tested"] == 3).all()
    strict = analyse(s, ltr, ["small", "large", "rare"], params=AnalysisParams(bootstrap=0, pain_min_nps=2.0))
    assert bool(strict.moments["pain_point"].iloc[0])  # the minimum is a parameter
    loose = analyse(s, ltr, ["small", "large", "rare"], params=AnalysisParams(bootstrap=0, small_group_share=0.01))
    assert bool(loose.moments["pain_point"].iloc[2])


def test_a_one_moment_journey_gets_no_quadrant():
    rng = np.random.default_rng(2)
    s = rng.integers(0, 11, size=(200, 1)) * 10.0
    ltr = np.clip(10 - s[:, 0] / 10 + rng.normal(0, 1, 200), 0, 10).round()
    res = analyse(s, ltr, ["only"], params=AnalysisParams(bootstrap=20))
    row = res.moments.iloc[0]
    assert row["quadrant"] == "insufficient_data" and row["not_placed_reason"] == "few_moments"
    assert np.isnan(row["stability"]) and not row["uncertain"]
    assert "Too few moments to place" in res.summary["placement_note"]
    assert res.summary["k_placed"] == 0
    three = analyse(np.column_stack([s, s, s]), ltr, list("abc"), params=AnalysisParams(bootstrap=0))
    assert three.summary["placement_note"] == "" and three.summary["k_placed"] == 3


def test_interval_marks_for_segment_breakdowns():
    from moments.analysis.significance import interval_marks

    half = 1.959964  # SE 1
    est = np.array([62.5, 60.0, 57.0, np.nan])
    marks = interval_marks(est, est - half, est + half, reference=60.0)
    assert marks["p"][0] == pytest.approx(0.0124, abs=2e-4)  # z = 2.5
    assert marks["p"][2] == pytest.approx(0.0027, abs=2e-4)  # z = -3
    assert np.isnan(marks["p"][3])
    assert marks["q"][0] == pytest.approx(0.0124 * 3 / 2, abs=3e-4)  # rank 2 of the 3 tested
    assert list(marks["significant"]) == [True, False, True, False]
    # z = 2.2 (p = 0.028): twenty such segments are all marked (they agree); one among 19 unchanged is not
    many = interval_marks(np.full(20, 62.2), np.full(20, 62.2 - half), np.full(20, 62.2 + half), reference=60.0)
    assert many["significant"].all()
    one = interval_marks(np.r_[62.2, np.full(19, 60.0)], np.r_[62.2, np.full(19, 60.0)] - half,
                         np.r_[62.2, np.full(19, 60.0)] + half, reference=60.0)  # fmt: skip
    assert not one["significant"].any()


def test_beyond_baseline_counts_a_moment_only_where_it_beats_the_random_variable():
    from moments.analysis.bootstrap import beyond_baseline

    impact = np.array([[30.0, -2.0, 1.0], [25.0, 3.0, np.nan], [-0.5, -4.0, 0.2]])
    base = np.array([1.0, 2.5, 0.4])
    out = beyond_baseline(impact, base)
    np.testing.assert_allclose(out[:, 0], [29.0, 22.5, -0.1])
    np.testing.assert_allclose(out[:, 1], [-1.0, 0.5, -3.6])
    assert out[0, 2] == 0.0 and np.isnan(out[1, 2]) and out[2, 2] == 0.0
