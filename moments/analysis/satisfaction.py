"""Per-moment descriptives: satisfaction (0-100) with a 95% interval, top-box share, reach and n.

Vectorised over the respondents x moments matrix; no loop over respondents or moments.
"""

from __future__ import annotations

import numpy as np

from .nps import mean_interval

TOP_BOX = 80.0  # top 20% of a 0-100 scale (DESIGN section 2)


def satisfaction_describe(ratings: np.ndarray, rated: np.ndarray, min_n: int) -> dict[str, np.ndarray]:
    """Satisfaction of each moment over the respondents who rated it.

    ratings: n x k satisfaction on 0-100 (any value where not rated); rated: n x k bool.
    Returns k-arrays: n (count of ratings), satisfaction (mean, 0-100), satisfaction_low / _high (Student-t 95%
    interval), top_box (share 0-1 of ratings >= 80). Numbers are NaN when n < min_n: the product never shows a
    figure from too small a sample.
    """
    filled = np.where(rated, ratings, 0.0)
    n = rated.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = filled.sum(axis=0) / n
        # two-pass variance: sum of squared deviations, exact even for large n
        sq_dev = (np.where(rated, ratings - mean, 0.0) ** 2).sum(axis=0)
        top_box = (rated & (ratings >= TOP_BOX)).sum(axis=0) / n
    mean, low, high = mean_interval(filled.sum(axis=0), sq_dev, n)
    enough = n >= min_n
    return {
        "n": n.astype(int),
        "satisfaction": np.where(enough, mean, np.nan),
        "satisfaction_low": np.where(enough, low, np.nan),
        "satisfaction_high": np.where(enough, high, np.nan),
        "top_box": np.where(enough, top_box, np.nan),
    }
