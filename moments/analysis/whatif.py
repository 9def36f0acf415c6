"""What-if: the outcome change if a moment's dissatisfied experiencers were raised to the satisfaction threshold.

Model (stated to users as well): a linear regression of the outcome on the satisfaction of all placed moments,
estimated from the same pairwise-complete, PSD-repaired correlation matrix as the relative weights (the model
whose R^2 the impact decomposes). Respondents who did not experience a moment are outside that moment's
correlations (pairwise deletion), which is the same as saying that their outcome does not change when the
moment's ratings change. Unstandardised slope of moment j: b_j = beta_j * sd(y | j rated) / sd(s_j), with
beta = Rxx^-1 r_xy and both standard deviations over j's raters (the rows its correlations come from; with a
single moment this is exactly the least-squares slope, with complete data exactly the OLS coefficients).

Scenario for moment j: every rater i with s_ij below the threshold t moves to t, all else equal. Predicted change
of the population's outcome = b_j * mean_i(gap_ij), gap_ij = max(t - s_ij, 0) for raters and 0 for everyone else
(the mean runs over all respondents, so a moment with little reach moves the total little).
- numeric: change of the mean outcome, in its unit.
- binary: linear probability model; change of the rate in percentage points (100 * b_j * mean gap).
- nps: two linear probability models, for the promoter and for the detractor indicator:
  change in NPS points = 100 * (b_j^promoter - b_j^detractor) * mean gap. A linear-probability change in shares
  is exact for the mean of the predictions, and keeps the NPS's own definition (no LTR rounding rules needed).
The slope is a conditional association, not a measured causal effect: read what-if as "worth", not as a promise.
"""

from __future__ import annotations

import numpy as np

from .drivers import regression_weights

_BLOCK = 16_384  # rows per pass


def whatif_slopes(r: np.ndarray, sd: np.ndarray, outcome_type: str) -> np.ndarray:
    """Outcome change per satisfaction point of each moment (k), in the what-if's unit (see module docstring).

    r: repaired correlation matrix of [k moments..., outcome columns]; outcome columns are [ltr, promoter,
    detractor] for nps and [y] otherwise. sd: ``drivers.pairwise_sd`` of the same k + q columns
    (sd[a, j] = sd of column a over the rows where j is observed).
    """
    q = 3 if outcome_type == "nps" else 1
    k = r.shape[0] - q
    beta = regression_weights(r[:k, :k], r[:k, k:])  # k x q standardised slopes
    with np.errstate(invalid="ignore", divide="ignore"):  # a constant moment has no slope: NaN
        slopes = beta * sd[k:, :k].T / np.diag(sd)[:k, None]
        slopes[~np.isfinite(slopes)] = np.nan
    if outcome_type == "nps":
        return 100.0 * (slopes[:, 1] - slopes[:, 2])
    if outcome_type == "binary":
        return 100.0 * slopes[:, 0]
    return slopes[:, 0]


def whatif_mean_gap(ratings: np.ndarray, rated: np.ndarray, threshold, weights: np.ndarray | None = None) -> np.ndarray:
    """Mean over all respondents of max(threshold - s_ij, 0) for raters (0 for others), per moment (k).

    ratings: n x k satisfaction 0-100 (or centred per moment, with threshold a k-vector shifted alike);
    rated: n x k bool; threshold: scalar or k-vector; weights: n resample counts or None.
    """
    threshold = np.asarray(threshold, dtype=float)
    if not np.isfinite(threshold).all():
        return np.full(ratings.shape[1], np.nan)
    n = ratings.shape[0]
    total = np.zeros(ratings.shape[1])
    for start in range(0, n, _BLOCK):  # blocks of rows: no n x k temporaries
        rows = slice(start, start + _BLOCK)
        gap = np.maximum(threshold - ratings[rows], 0.0)
        gap *= rated[rows]
        total += gap.sum(axis=0) if weights is None else weights[rows] @ gap
    if weights is None:
        return total / n if n else np.full(ratings.shape[1], np.nan)
    return total / weights.sum()
