"""``analyse`` end to end on small synthetic and reference data (no database)."""

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from moments.analysis import AnalysisParams, AnalysisResult, analyse, compare_waves
from moments.analysis.engine import MOMENT_COLUMNS


def survey(n=600, k=4, seed=1, missing=0.3):
    """Ratings on 0-100 (steps of 10) driven by one latent factor; LTR 0-10 rising with the later moments."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n, 1))
    s = np.clip(np.round((60 + 15 * (0.6 * latent + 0.8 * rng.normal(size=(n, k)))) / 10) * 10, 0, 100)
    weight = np.linspace(0.2, 1.0, k)
    ltr = np.clip(np.round(7 + ((s - 60) / 15) @ weight / k * 3 + rng.normal(size=n)), 0, 10)
    s[rng.random((n, k)) < missing] = np.nan
    return s, ltr


def names(k):
    return [f"moment {j}" for j in range(k)]


def test_frame_shape_columns_and_json_summary():
    s, ltr = survey()
    res = analyse(s, ltr, names(4), params=AnalysisParams(bootstrap=20))
    assert isinstance(res, AnalysisResult)
    assert list(res.moments.columns) == list(MOMENT_COLUMNS)
    assert list(res.moments.index) == [0, 1, 2, 3]
    assert list(res.moments["moment"]) == names(4)
    json.dumps(res.summary, allow_nan=False)  # plain JSON, no NaN
    assert res.summary["n"] == 600
    assert res.summary["method"] == "relative_weights"
    assert res.moments["impact"].abs().sum() == pytest.approx(100.0)
    assert sorted(res.moments["rank"]) == [1, 2, 3, 4]
    assert res.moments["uncertain"].dtype == bool and res.moments["pain_point"].dtype == bool


def test_descriptives_by_hand():
    # moment 0 rated by 40 respondents (20 x 50, 20 x 100), moment 1 by everyone (all 80)
    n = 60
    s = np.full((n, 2), 80.0)
    s[:, 0] = np.nan
    s[:20, 0], s[20:40, 0] = 50.0, 100.0
    ltr = np.tile([10.0, 9, 7, 3], 15)
    res = analyse(s, ltr, ["a", "b"], params=AnalysisParams(bootstrap=0))
    row = res.moments.iloc[0]
    assert row["n"] == 40
    assert row["reach"] == pytest.approx(40 / 60)
    assert row["satisfaction"] == pytest.approx(75.0)
    assert row["top_box"] == pytest.approx(0.5)  # ratings >= 80
    assert res.moments.iloc[1]["top_box"] == pytest.approx(1.0)
    assert res.summary["outcome"] == pytest.approx(25.0)  # P 30, D 15 of 60


def test_small_moment_is_shown_but_not_placed():
    s, ltr = survey(n=600, k=4)
    s[:, 3] = np.nan
    s[:29, 3] = 0.0  # 29 ratings < min_n 30, all extremely low: must not move the thresholds
    res = analyse(s, ltr, names(4), params=AnalysisParams(bootstrap=10))
    small = res.moments.iloc[3]
    assert small["n"] == 29
    assert small["quadrant"] == "insufficient_data"
    assert bool(small["insufficient_data"])
    for col in ("satisfaction", "impact", "impact_low", "stability", "what_if", "correlation"):
        assert np.isnan(small[col]), col
    assert small["rank"] == 4
    placed = res.moments.iloc[:3]
    assert res.summary["threshold_satisfaction"] == pytest.approx(placed["satisfaction"].mean())
    assert res.summary["threshold_impact"] == pytest.approx(placed["impact"].mean())
    assert placed["impact"].abs().sum() == pytest.approx(100.0)  # the small moment is outside the model


def test_thresholds_median_and_fixed_reach_the_summary():
    s, ltr = survey()
    med = analyse(s, ltr, names(4), params=AnalysisParams(bootstrap=0, threshold="median"))
    assert med.summary["threshold_satisfaction"] == pytest.approx(med.moments["satisfaction"].median())
    fixed = AnalysisParams(bootstrap=0, threshold="fixed", fixed_satisfaction=100, fixed_impact=0)
    res = analyse(s, ltr, names(4), params=fixed)
    # everything below a 100 target; positive impacts are all high -> raise
    assert set(res.moments["quadrant"]) == {"raise"}
    with pytest.raises(ValueError, match="fixed"):
        AnalysisParams(threshold="fixed", fixed_satisfaction=70)


def test_bootstrap_is_deterministic_and_stability_is_a_share():
    s, ltr = survey()
    params = AnalysisParams(bootstrap=30, seed=7)
    a = analyse(s, ltr, names(4), params=params)
    b = analyse(s, ltr, names(4), params=params)
    pd.testing.assert_frame_equal(a.moments, b.moments)
    stab = a.moments["stability"]
    assert stab.between(0, 1).all()
    assert (a.moments["uncertain"] == (stab < 0.8)).all()
    c = analyse(s, ltr, names(4), params=AnalysisParams(bootstrap=30, seed=8))
    assert not np.allclose(a.moments["impact_low"], c.moments["impact_low"])
    m = a.moments
    assert (m["impact_low"] <= m["impact"]).all() and (m["impact"] <= m["impact_high"]).all()
    assert (m["satisfaction_low"] <= m["satisfaction"]).all()


def test_subsampled_bootstrap_keeps_full_sample_scale():
    # with max_n < n the m-out-of-n resamples are rescaled: intervals about as wide as the full bootstrap's
    s, ltr = survey(n=2000)
    full = analyse(s, ltr, names(4), params=AnalysisParams(bootstrap=100)).moments
    sub = analyse(s, ltr, names(4), params=AnalysisParams(bootstrap=100, bootstrap_max_n=500)).moments
    ratio = (sub["satisfaction_high"] - sub["satisfaction_low"]) / (
        full["satisfaction_high"] - full["satisfaction_low"]
    )
    assert ratio.between(0.7, 1.4).all()


def test_no_bootstrap_means_no_stability_or_impact_interval():
    s, ltr = survey()
    m = analyse(s, ltr, names(4), params=AnalysisParams(bootstrap=0)).moments
    assert m["stability"].isna().all() and m["impact_low"].isna().all() and m["what_if_low"].isna().all()
    assert not m["uncertain"].any()
    assert m["satisfaction_low"].notna().all()  # analytic t interval


def test_progress_reaches_one():
    s, ltr = survey()
    seen = []
    analyse(s, ltr, names(4), params=AnalysisParams(bootstrap=10), progress=seen.append)
    assert seen and seen[-1] == 1.0 and all(0 <= p <= 1 for p in seen)


def test_shapley_through_analyse_matches_published_lmg(mtcars):
    # rescaling a column linearly to 0-100 leaves correlations, hence LMG, unchanged
    x = mtcars[["am", "vs", "cyl"]].to_numpy(dtype=float)
    x = (x - x.min(axis=0)) / (x.max(axis=0) - x.min(axis=0)) * 100
    res = analyse(
        x,
        mtcars["mpg"].to_numpy(),
        ["am", "vs", "cyl"],
        outcome_type="numeric",
        params=AnalysisParams(method="shapley", bootstrap=0),
    )
    r2 = res.summary["r2"]
    assert r2 == pytest.approx(0.7619773, abs=1e-6)
    np.testing.assert_allclose(res.moments["impact"] / 100 * r2, [0.1774892, 0.2027032, -0.3817849], atol=1e-6)
    assert res.summary["method"] == "shapley" and res.summary["method_note"] == ""


def test_shapley_close_to_relative_weights_on_nearly_orthogonal_moments():
    rng = np.random.default_rng(2)
    n, k = 5000, 4
    s = rng.integers(0, 11, size=(n, k)) * 10.0  # independent moments
    ltr = np.clip(np.round(5 + (s - 50) / 25 @ np.array([1.0, 0.7, 0.4, 0.1]) + rng.normal(size=n)), 0, 10)
    rw = analyse(s, ltr, names(k), params=AnalysisParams(bootstrap=0)).moments["impact"]
    sh = analyse(s, ltr, names(k), params=AnalysisParams(bootstrap=0, method="shapley")).moments["impact"]
    np.testing.assert_allclose(rw, sh, atol=0.5)  # % points


def test_shapley_falls_back_above_15_moments():
    s, ltr = survey(n=400, k=16)
    res = analyse(s, ltr, names(16), params=AnalysisParams(method="shapley", bootstrap=0))
    assert res.summary["method"] == "relative_weights"
    assert "15" in res.summary["method_note"]
    assert res.moments["impact"].abs().sum() == pytest.approx(100.0)


def test_correlation_method_reports_r():
    s, ltr = survey()
    res = analyse(s, ltr, names(4), params=AnalysisParams(method="correlation", bootstrap=0))
    ok = ~np.isnan(s[:, 0])
    r = np.corrcoef(s[ok, 0], ltr[ok])[0, 1]
    assert res.moments["impact"].iloc[0] == pytest.approx(r)
    assert res.moments["correlation"].iloc[0] == pytest.approx(r)


def test_non_psd_input_is_repaired_and_flagged():
    rng = np.random.default_rng(5)
    blocks = []
    for pair, sign in (((0, 1), 1), ((1, 2), 1), ((0, 2), -1)):
        a = rng.normal(size=200)
        block = np.full((200, 3), np.nan)
        block[:, pair[0]] = np.clip(50 + 15 * a, 0, 100)
        block[:, pair[1]] = np.clip(50 + 15 * (sign * a + 0.2 * rng.normal(size=200)), 0, 100)
        blocks.append(block)
    s = np.vstack(blocks)
    ltr = np.clip(np.round(7 + rng.normal(size=600)), 0, 10)
    res = analyse(s, ltr, names(3), params=AnalysisParams(bootstrap=0))
    assert res.summary["psd_repaired"] is True
    assert 0 <= res.summary["r2"] <= 1


def test_outcome_rows_with_nan_are_dropped():
    s, ltr = survey()
    ltr2 = ltr.copy()
    ltr2[:50] = np.nan
    a = analyse(s, ltr2, names(4), params=AnalysisParams(bootstrap=0))
    b = analyse(s[50:], ltr[50:], names(4), params=AnalysisParams(bootstrap=0))
    pd.testing.assert_frame_equal(a.moments, b.moments)
    assert a.summary["n"] == 550


def test_explicit_experienced_flags_count_in_reach_not_in_n():
    s, ltr = survey(missing=0.0)
    exp = np.ones_like(s, dtype=bool)
    s[:100, 0] = np.nan  # experienced but gave no rating
    m = analyse(s, ltr, names(4), experienced=exp, params=AnalysisParams(bootstrap=0)).moments
    assert m["reach"].iloc[0] == 1.0
    assert m["n"].iloc[0] == 500
    assert np.isnan(m["occurrence_effect"].iloc[0])  # nobody without it


def test_pain_point_from_occurrence_effect():
    rng = np.random.default_rng(9)
    n = 800
    s = rng.integers(5, 11, size=(n, 2)) * 10.0
    had_visit = rng.random(n) < 0.4
    s[~had_visit, 1] = np.nan
    ltr = np.where(had_visit, rng.integers(0, 9, n), rng.integers(6, 11, n)).astype(float)
    m = analyse(s, ltr, ["service", "technician visit"], params=AnalysisParams(bootstrap=0)).moments
    assert m["occurrence_high"].iloc[1] < 0
    assert bool(m["pain_point"].iloc[1])
    assert not m["pain_point"].iloc[0]  # everyone had it: no comparison group, no flag


@pytest.mark.parametrize("outcome_type", ["binary", "numeric"])
def test_other_outcomes(outcome_type):
    s, ltr = survey()
    y = (ltr >= 9).astype(float) if outcome_type == "binary" else ltr * 3.5
    res = analyse(s, y, names(4), outcome_type=outcome_type, params=AnalysisParams(bootstrap=10))
    expected = 100 * y.mean() if outcome_type == "binary" else y.mean()
    assert res.summary["outcome"] == pytest.approx(expected)
    assert res.summary["promoters"] is None
    assert res.moments["impact"].abs().sum() == pytest.approx(100.0)
    assert res.moments["what_if"].notna().all()


def test_what_if_by_hand_single_moment_numeric():
    # one moment, outcome = 2 * satisfaction exactly: slope 2; raise everyone below the mean to the mean
    s = np.array([[20.0], [40.0], [60.0], [80.0], [np.nan]] * 8)
    y = np.where(np.isnan(s[:, 0]), 0.0, 2 * np.nan_to_num(s[:, 0]))
    m = analyse(s, y, ["a"], outcome_type="numeric", params=AnalysisParams(bootstrap=0)).moments
    # threshold 50; gaps 30 and 10 for 2 of 5 respondents -> mean gap (30 + 10) / 5 = 8 -> 2 * 8 = 16
    assert m["what_if"].iloc[0] == pytest.approx(16.0)


def test_what_if_nps_is_in_points_and_positive_for_a_real_driver():
    s, ltr = survey(n=3000)
    m = analyse(s, ltr, names(4), params=AnalysisParams(bootstrap=20)).moments
    assert (m["what_if"] > 0).all()
    assert (m["what_if"] < 20).all()
    assert m["what_if"].iloc[3] > m["what_if"].iloc[0]  # the strongest driver gains most
    assert (m["what_if_low"] <= m["what_if_high"]).all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"outcome_type": "stars"}, "outcome_type"),
        ({"moments": ["a", "a", "b", "c"]}, "unique"),
    ],
)
def test_bad_inputs_fail_loudly(kwargs, message):
    s, ltr = survey()
    args = {"moments": names(4)} | kwargs
    moments = args.pop("moments")
    with pytest.raises(ValueError, match=message):
        analyse(s, ltr, moments, **args)


def test_scale_and_outcome_ranges_are_checked():
    s, ltr = survey()
    analyse(s / 10 * 7, ltr, names(4), params=AnalysisParams(bootstrap=0))  # within 0-100: fine
    with pytest.raises(ValueError, match="0-100"):
        analyse(s * 2, ltr, names(4))
    with pytest.raises(ValueError, match="0-10"):
        analyse(s, ltr * 2, names(4))


def test_compare_waves():
    s, ltr = survey(n=3000, seed=1)
    before = analyse(s, ltr, names(4), params=AnalysisParams(bootstrap=0)).moments
    s2 = s.copy()
    s2[:, 0] = np.clip(s2[:, 0] + 20, 0, 100)
    after = analyse(s2, ltr, names(4), params=AnalysisParams(bootstrap=0)).moments
    cmp = compare_waves(before, after)
    assert list(cmp.columns) == [
        "moment",
        "satisfaction_change",
        "impact_change",
        "quadrant_before",
        "quadrant_after",
        "moved",
        "significant",
        "p_value",
        "q_value",
    ]
    assert cmp["satisfaction_change"].iloc[0] > 10
    assert list(cmp["significant"]) == [True, False, False, False]
    assert cmp["satisfaction_change"].iloc[1:].abs().max() == 0
    assert (cmp["moved"] == (cmp["quadrant_before"] != cmp["quadrant_after"])).all()


def test_compare_waves_significance_by_hand():
    def frame(sat, half):
        return pd.DataFrame(
            {
                "moment": ["a"],
                "satisfaction": [sat],
                "satisfaction_low": [sat - half],
                "satisfaction_high": [sat + half],
                "impact": [10.0],
                "quadrant": ["raise"],
            }
        )

    # SEs 1 and 1 (half-width 1.96): the change must exceed 1.96 * sqrt(2) = 2.77 points
    assert not compare_waves(frame(60, 1.959964), frame(62.7, 1.959964))["significant"].iloc[0]
    assert compare_waves(frame(60, 1.959964), frame(62.9, 1.959964))["significant"].iloc[0]


def test_no_django_import():
    # a fresh interpreter: importing the engine must not pull Django in
    code = "import sys, moments.analysis; sys.exit('django' in sys.modules)"
    root = Path(__file__).resolve().parents[3]
    assert subprocess.run([sys.executable, "-c", code], cwd=root, check=False).returncode == 0
    source = "\n".join(p.read_text() for p in (root / "moments" / "analysis").glob("*.py"))
    assert not re.search(r"^\s*(import|from)\s+django", source, flags=re.MULTILINE)


@pytest.mark.filterwarnings("error")
def test_degenerate_inputs_give_nan_not_warnings():
    rng = np.random.default_rng(0)
    s = rng.integers(0, 11, (100, 3)) * 10.0
    s[:, 1] = 70.0  # everyone gives the same rating: no correlation, no slope
    m = analyse(s, rng.integers(0, 11, 100).astype(float), list("abc"), params=AnalysisParams(bootstrap=5)).moments
    assert m["impact"].iloc[1] == 0.0
    assert np.isnan(m["what_if"].iloc[1])
    empty = analyse(np.empty((0, 2)), np.empty(0), ["a", "b"], params=AnalysisParams(bootstrap=5))
    assert empty.summary["n"] == 0 and empty.summary["outcome"] is None
    assert list(empty.moments["quadrant"]) == ["insufficient_data"] * 2
