"""The fast bootstrap (exact float32 codes, one product per resample) against a straightforward reference.

The reference materialises every resample as a frame of its drawn respondents (a row drawn twice appears twice)
and runs the engine's full-sample analysis on it (no bootstrap), then takes percentiles and the share of
resamples in the full-sample quadrant. The engine must give the same intervals and stability to float tolerance.
"""

import numpy as np
import pytest

from moments.analysis import AnalysisParams, analyse, resample
from moments.analysis import bootstrap as boot
from moments.analysis.quadrants import QUADRANTS

from .test_engine import names, survey


def reference_bootstrap(s, ltr, moments, params, outcome_type="nps", weights=None):
    """Per resample: the drawn rows as a new frame through ``analyse`` (bootstrap 0); percentiles; stability."""
    full = analyse(s, ltr, moments, outcome_type=outcome_type, weights=weights, params=params).moments
    plain = AnalysisParams(**{**params.__dict__, "bootstrap": 0})
    sat, imp, quad = [], [], []
    for rows, counts in boot.resample_draws(len(ltr), params.bootstrap, params.bootstrap_max_n, params.seed):
        drawn = np.repeat(rows, counts.astype(int))
        w = None if weights is None else weights[drawn]
        m = analyse(s[drawn], ltr[drawn], moments, outcome_type=outcome_type, weights=w, params=plain).moments
        sat.append(m["satisfaction"].to_numpy())
        imp.append(m["impact"].to_numpy())
        quad.append(m["quadrant"].to_numpy())
    sat, imp, quad = np.array(sat), np.array(imp), np.array(quad)
    return {
        "satisfaction_low": np.percentile(sat, 2.5, axis=0),
        "satisfaction_high": np.percentile(sat, 97.5, axis=0),
        "impact_draws": imp,
        "stability": (quad == full["quadrant"].to_numpy()[None, :]).mean(axis=0),
    }


@pytest.mark.parametrize("outcome_type", ["nps", "binary"])
def test_fast_bootstrap_equals_the_resampled_frames(outcome_type):
    s, ltr = survey(n=500, k=5, seed=11)
    y = ltr if outcome_type == "nps" else (ltr >= 8).astype(float)
    params = AnalysisParams(bootstrap=40, seed=5)
    fast = analyse(s, y, names(5), outcome_type=outcome_type, params=params).moments
    ref = reference_bootstrap(s, y, names(5), params, outcome_type)
    for col in ("satisfaction_low", "satisfaction_high", "stability"):
        np.testing.assert_allclose(fast[col], ref[col], rtol=0, atol=1e-9, err_msg=col)
    assert set(fast["quadrant"]) <= set(QUADRANTS)


def test_weighted_bootstrap_resamples_respondents_with_their_weights():
    # a drawn respondent keeps its weight: the reference repeats the drawn rows and passes their weights
    s, ltr = survey(n=400, k=4, seed=12)
    w = np.random.default_rng(3).uniform(0.3, 3.0, size=len(ltr))
    params = AnalysisParams(bootstrap=30, seed=2)
    fast = analyse(s, ltr, names(4), weights=w, params=params).moments
    ref = reference_bootstrap(s, ltr, names(4), params, weights=w)
    for col in ("satisfaction_low", "satisfaction_high", "stability"):
        np.testing.assert_allclose(fast[col], ref[col], rtol=0, atol=1e-9, err_msg=col)


def _both_paths(s, ltr, params, k):
    """The engine with the exact-code path and with the float64 path on the same resamples."""
    from moments.analysis import fit

    fast = analyse(s, ltr, names(k), params=params).moments
    original = fit.model_bootstrap
    try:
        fit.model_bootstrap = lambda *a, **kw: original(*a, **kw, exact=False)
        slow = analyse(s, ltr, names(k), params=params).moments
    finally:
        fit.model_bootstrap = original
    return fast, slow


@pytest.mark.parametrize("max_n", [10_000, 300])
def test_exact_codes_equal_the_float64_path_full_and_m_out_of_n(max_n):
    # max_n 300 of 1,200: the m-out-of-n branch (every draw kept, rescaled by sqrt(m/n))
    s, ltr = survey(n=1_200, k=6, seed=13)
    fast, slow = _both_paths(s, ltr, AnalysisParams(bootstrap=50, seed=9, bootstrap_max_n=max_n), 6)
    cols = ["satisfaction_low", "satisfaction_high", "impact_low", "impact_high", "what_if_low", "what_if_high"]
    np.testing.assert_allclose(fast[cols].to_numpy(), slow[cols].to_numpy(), rtol=0, atol=1e-9)
    np.testing.assert_array_equal(fast["stability"], slow["stability"])
    np.testing.assert_allclose(fast["impact_q"], slow["impact_q"], atol=1e-12)


def test_codes_are_exact_and_off_grid_columns_fall_back():
    s, ltr = survey(n=300, k=3, seed=14)
    rated = np.isfinite(s)
    values = np.where(rated, s - 55.0, 0.0)
    codes = resample.codes_prepare(values, rated, np.full(3, 55.0))
    assert codes is not None and codes.codes.dtype == np.uint8
    decoded = codes.offset + codes.scale * codes.codes
    np.testing.assert_allclose(np.where(rated, decoded, np.nan), np.where(rated, s, np.nan), atol=1e-9)
    assert (codes.codes[~rated] == 0).all()
    off = values.copy()
    off[0, 0] += 0.123  # a value between grid points: no exact coding, the float64 path is used
    assert resample.codes_prepare(off, rated | (np.arange(3) == 0), np.full(3, 55.0)) is None
    # a 0-100 slider (101 grid points): products are cut so every float32 sum stays an exact integer
    slider = np.random.default_rng(1).integers(0, 101, size=(5_000, 2)).astype(float)
    wide = resample.codes_prepare(slider, np.ones_like(slider, dtype=bool), np.zeros(2))
    assert wide is not None and wide.block * 101**2 < 2**24
    rows = np.arange(5_000)
    stats, _ = resample.code_stats(wide, rows, None)
    g = wide.codes.astype(float)
    np.testing.assert_array_equal(stats[3], g.T @ g)  # C, to the last bit
    np.testing.assert_array_equal(stats[2], (g**2).T @ (g > 0))  # Q
