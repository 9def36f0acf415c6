"""Correlations, PSD repair, Johnson relative weights and exact LMG against published numbers."""

import numpy as np
import pandas as pd
import pytest

from moments.analysis.drivers import (
    impact_from_correlation,
    lmg,
    nearest_correlation,
    pairwise_correlation,
    pairwise_stats,
    psd_repair,
    r_squared,
    relative_weights,
)


def corr_of(frame: pd.DataFrame, weights=None) -> np.ndarray:
    x = frame.to_numpy(dtype=float)
    mask = np.isfinite(x)
    centred = np.where(mask, x - np.nanmean(x, axis=0), 0.0)
    return pairwise_correlation(pairwise_stats(centred, mask, weights))


def test_lmg_matches_published_mtcars(mtcars):
    # SOURCE.md (domir README, relaimpo agrees): lm(mpg ~ am + vs + cyl), R^2 = 0.7619773,
    # LMG am 0.1774892, vs 0.2027032, cyl 0.3817849
    r = corr_of(mtcars[["am", "vs", "cyl", "mpg"]])
    rxx, rxy = r[:-1, :-1], r[:-1, -1]
    assert r_squared(rxx, rxy) == pytest.approx(0.7619773, abs=1e-6)
    np.testing.assert_allclose(lmg(rxx, rxy), [0.1774892, 0.2027032, 0.3817849], atol=1e-6)
    assert lmg(rxx, rxy).sum() == pytest.approx(r_squared(rxx, rxy))


def test_relative_weights_match_published_rwa_mtcars(mtcars):
    # R package rwa README (martinctc/rwa): rwa(mtcars, "mpg", c("cyl", "disp", "hp", "gear"), applysigns = TRUE)
    # R^2 0.7791896; raw weights 0.2284797, 0.2221469, 0.2321744, 0.0963886;
    # signed rescaled -29.32274, -28.50999, -29.79691, +12.37037
    r = corr_of(mtcars[["cyl", "disp", "hp", "gear", "mpg"]])
    raw = relative_weights(r[:-1, :-1], r[:-1, -1])
    np.testing.assert_allclose(raw, [0.2284797, 0.2221469, 0.2321744, 0.0963886], atol=1e-6)
    impact, r2 = impact_from_correlation(r, "relative_weights")
    assert r2 == pytest.approx(0.7791896, abs=1e-6)
    np.testing.assert_allclose(impact, [-29.32274, -28.50999, -29.79691, 12.37037], atol=1e-4)
    assert np.abs(impact).sum() == pytest.approx(100.0)


def test_pairwise_correlation_equals_pandas_with_missing_values():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(400, 4)) @ rng.normal(size=(4, 4))
    x[rng.random(x.shape) < 0.3] = np.nan
    frame = pd.DataFrame(x)
    np.testing.assert_allclose(corr_of(frame), frame.corr().to_numpy(), atol=1e-12)


def test_count_weights_equal_repeated_rows():
    # a bootstrap resample as count weights must give the correlations of the resampled rows themselves
    rng = np.random.default_rng(4)
    x = rng.normal(size=(50, 3))
    x[rng.random(x.shape) < 0.2] = np.nan
    counts = rng.integers(0, 4, size=50).astype(float)
    repeated = pd.DataFrame(np.repeat(x, counts.astype(int), axis=0))
    mask = np.isfinite(x)
    centred = np.where(mask, x - np.nanmean(x, axis=0), 0.0)
    weighted = pairwise_correlation(pairwise_stats(centred, mask, counts))
    np.testing.assert_allclose(weighted, repeated.corr().to_numpy(), atol=1e-12)


def non_psd_pairwise_frame() -> pd.DataFrame:
    """Three moments never all rated by one respondent: x1~x2 and x2~x3 strongly positive, x1~x3 negative.

    Each pairwise correlation is fine alone, but together they are impossible (not PSD).
    """
    rng = np.random.default_rng(5)
    blocks = []
    for pair, sign in (((0, 1), 1), ((1, 2), 1), ((0, 2), -1)):
        a = rng.normal(size=200)
        block = np.full((200, 3), np.nan)
        block[:, pair[0]] = a
        block[:, pair[1]] = sign * a + 0.2 * rng.normal(size=200)
        blocks.append(block)
    return pd.DataFrame(np.vstack(blocks))


def test_psd_repair_of_a_pairwise_complete_matrix():
    r = corr_of(non_psd_pairwise_frame())
    assert np.linalg.eigvalsh(r)[0] < -0.5  # really broken
    fixed, repaired = psd_repair(r)
    assert repaired
    assert np.linalg.eigvalsh(fixed)[0] >= -1e-10
    np.testing.assert_allclose(np.diag(fixed), 1.0, atol=1e-12)
    np.testing.assert_allclose(fixed, fixed.T, atol=0)
    # the repair keeps the sign pattern it was given
    assert fixed[0, 1] > 0 and fixed[1, 2] > 0 and fixed[0, 2] < 0


def test_psd_matrix_is_left_alone():
    r = np.array([[1.0, 0.3], [0.3, 1.0]])
    fixed, repaired = psd_repair(r)
    assert not repaired
    np.testing.assert_array_equal(fixed, r)


def test_nearest_correlation_higham_example():
    # Higham (2002), section 4: nearest correlation matrix to [[1,1,0],[1,1,1],[0,1,1]]
    a = np.array([[1.0, 1, 0], [1, 1, 1], [0, 1, 1]])
    x = nearest_correlation(a)
    expected = np.array([[1, 0.7607, 0.1573], [0.7607, 1, 0.7607], [0.1573, 0.7607, 1]])
    np.testing.assert_allclose(x, expected, atol=1e-4)


def test_shapley_equals_relative_weights_on_orthogonal_predictors():
    # with uncorrelated predictors both reduce to r_jy^2
    rxy = np.array([0.5, -0.3, 0.2, 0.1])
    rxx = np.eye(4)
    np.testing.assert_allclose(lmg(rxx, rxy), rxy**2, atol=1e-12)
    np.testing.assert_allclose(relative_weights(rxx, rxy), rxy**2, atol=1e-12)


def test_weights_sum_to_r_squared_with_collinear_predictors():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(300, 3))
    x = np.column_stack([x, x[:, 0] + x[:, 1]])  # exactly collinear fourth column
    y = x[:, 0] + 0.5 * x[:, 2] + rng.normal(size=300)
    r = corr_of(pd.DataFrame(np.column_stack([x, y])))
    rxx, rxy = r[:-1, :-1], r[:-1, -1]
    r2 = r_squared(rxx, rxy)
    assert relative_weights(rxx, rxy).sum() == pytest.approx(r2, abs=1e-8)
    assert lmg(rxx, rxy).sum() == pytest.approx(r2, abs=1e-8)


def test_lmg_refuses_more_than_15_predictors():
    with pytest.raises(ValueError, match="k <= 15"):
        lmg(np.eye(16), np.zeros(16))
