"""Per-moment descriptives: satisfaction (0-100) with a 95% interval, top-box share, reach and n.

Vectorised over the respondents x moments matrix; no loop over respondents or moments.
"""

from __future__ import annotations

import numpy as np

from .nps import mean_interval

TOP_BOX = 80.0  # top 20% of a 0-100 scale (DESIGN section 2)
_BLOCK = 16_384  # rows per pass


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
    n_rows, k = ratings.shape
    w = np.ones(n_rows) if weights is None else np.asarray(weights, dtype=float)
    total_w, squares_w, sum_wx, top_w, ss = (np.zeros(k) for _ in range(5))
    # blocks of rows small enough to stay in cache: each pass reads the block once, no n x k temporaries
    blocks = [slice(start, start + _BLOCK) for start in range(0, n_rows, _BLOCK)]
    for rows in blocks:
        r, wb = rated[rows], w[rows]
        x = np.where(r, ratings[rows], 0.0)
        rf = r.astype(float)
        total_w += wb @ rf
        squares_w += (wb * wb) @ rf
        sum_wx += wb @ x
        top_w += wb @ (r & (x >= TOP_BOX)).astype(float)
    n = rated.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        n_eff = np.where(n > 0, total_w**2 / squares_w, 0.0)
        mean = sum_wx / total_w
        centre = np.where(np.isfinite(mean), mean, 0.0)
        # two-pass variance: weighted sum of squared deviations, exact even for large n
        for rows in blocks:
            d = np.where(rated[rows], ratings[rows] - centre, 0.0)
            ss += w[rows] @ (d * d)
        var = ss / total_w
        top_box = top_w / total_w
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
