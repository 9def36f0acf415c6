"""Per-moment descriptives: satisfaction (0-100) with a 95% interval, top-box share, reach and n.

Vectorised over the respondents x moments matrix; no loop over respondents or moments.
"""

from __future__ import annotations

import numpy as np

from .nps import mean_interval

TOP_BOX = 80.0  # top 20% of a 0-100 scale (DESIGN section 2)


def satisfaction_describe(
    ratings: np.ndarray, rated: np.ndarray, min_n: int, weights: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Satisfaction of each moment over the respondents who rated it.

    ratings: n x k satisfaction on 0-100 (any value where not rated); rated: n x k bool; weights: optional n
    survey weights (None = all 1).
    Returns k-arrays: n (count of ratings), n_effective (Kish's (sum w)^2 / sum w^2 over the raters; = n
    unweighted), satisfaction (weighted mean, 0-100), satisfaction_low / _high (Student-t 95% interval on the
    effective n), top_box (weighted share 0-1 of ratings >= 80). Numbers are NaN when n_effective < min_n: the
    product never shows a figure from too small a sample.
    """
    filled = np.where(rated, ratings, 0.0)
    n = rated.sum(axis=0)
    w = np.ones(ratings.shape[0]) if weights is None else np.asarray(weights, dtype=float)
    r = rated.astype(float)
    total_w = w @ r
    with np.errstate(invalid="ignore", divide="ignore"):
        n_eff = np.where(n > 0, total_w**2 / ((w**2) @ r), 0.0)
        mean = (w @ filled) / total_w
        # two-pass variance: weighted sum of squared deviations, exact even for large n
        var = (w @ (np.where(rated, ratings - mean, 0.0) ** 2)) / total_w
        top_box = (w @ (rated & (ratings >= TOP_BOX)).astype(float)) / total_w
    # the t interval from sufficient statistics on the effective n: sum = mean * n_eff, SS = var * n_eff
    mean, low, high = mean_interval(mean * n_eff, var * n_eff, n_eff)
    enough = n_eff >= min_n
    return {
        "n": n.astype(int),
        "n_effective": n_eff,
        "satisfaction": np.where(enough, mean, np.nan),
        "satisfaction_low": np.where(enough, low, np.nan),
        "satisfaction_high": np.where(enough, high, np.nan),
        "top_box": np.where(enough, top_box, np.nan),
    }
