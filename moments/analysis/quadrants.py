"""Quadrants of the satisfaction x impact map, thresholds and the priority order.

Importance-Performance Analysis (Martilla, J. A. & James, J. C. (1977). Importance-performance analysis.
Journal of Marketing 41(1), 77-79): each moment is high or low on satisfaction (x) and on impact (y) against a
threshold per axis, by default the mean over the placed moments ("data-centred" IPA); median and fixed targets
are the alternatives.

All functions are vectorised over a leading resample axis: arrays of shape (k,) or (B, k).
"""

from __future__ import annotations

import warnings

import numpy as np

# Priority order of the quadrants; the integer code of a quadrant is its position here.
QUADRANTS = ("raise", "amplify", "improve", "reduce", "insufficient_data")
RAISE, AMPLIFY, IMPROVE, REDUCE, INSUFFICIENT = range(5)
THRESHOLD_MODES = ("mean", "median", "fixed")


def thresholds_compute(
    satisfaction: np.ndarray,
    impact: np.ndarray,
    placed: np.ndarray,
    mode: str = "mean",
    fixed_satisfaction: float | None = None,
    fixed_impact: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Thresholds (satisfaction, impact) over the placed moments, along the last axis.

    satisfaction, impact: (..., k); placed: (k,) or (..., k) bool - only placed moments (enough sample, finite
    numbers) count, so a moment with 5 ratings cannot drag the mean. mode "mean" | "median" | "fixed"
    (fixed_satisfaction on 0-100, fixed_impact in the impact's unit; both required). NaN when nothing is placed.
    """
    if mode == "fixed":
        if fixed_satisfaction is None or fixed_impact is None:
            raise ValueError("threshold 'fixed' needs both fixed_satisfaction and fixed_impact")
        shape = np.shape(satisfaction)[:-1]
        return np.full(shape, float(fixed_satisfaction)), np.full(shape, float(fixed_impact))
    if mode not in ("mean", "median"):
        raise ValueError(f"unknown threshold mode {mode!r}")
    ok = placed & np.isfinite(satisfaction) & np.isfinite(impact)
    reduce = np.nanmean if mode == "mean" else np.nanmedian
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # nothing placed -> NaN, which is the answer
        return (
            np.asarray(reduce(np.where(ok, satisfaction, np.nan), axis=-1)),
            np.asarray(reduce(np.where(ok, impact, np.nan), axis=-1)),
        )


def quadrant_codes(
    satisfaction: np.ndarray,
    impact: np.ndarray,
    threshold_satisfaction,
    threshold_impact,
    placed: np.ndarray,
) -> np.ndarray:
    """Quadrant code per moment (index into QUADRANTS), shape like satisfaction.

    High = value >= threshold. raise = low satisfaction / high impact, amplify = high / high,
    improve = low / low, reduce = high satisfaction / low impact; not placed or non-finite -> insufficient_data.
    Thresholds are scalars or (...,) arrays matching the leading axes.
    """
    ts = np.asarray(threshold_satisfaction, dtype=float)[..., None]
    ti = np.asarray(threshold_impact, dtype=float)[..., None]
    high_s = satisfaction >= ts
    high_i = impact >= ti
    code = np.where(high_i, np.where(high_s, AMPLIFY, RAISE), np.where(high_s, REDUCE, IMPROVE))
    ok = placed & np.isfinite(satisfaction) & np.isfinite(impact) & np.isfinite(ts) & np.isfinite(ti)
    return np.where(ok, code, INSUFFICIENT)


def priority_rank(codes: np.ndarray, impact: np.ndarray, satisfaction: np.ndarray) -> np.ndarray:
    """Rank 1..k in priority order (DESIGN section 2).

    raise, amplify, improve, reduce, then insufficient_data; within a quadrant impact descending, then
    satisfaction ascending; remaining ties (and insufficient_data) keep the input order.
    """
    k = len(codes)
    neg_impact = np.where(np.isfinite(impact), -impact, np.inf)
    sat = np.where(np.isfinite(satisfaction), satisfaction, np.inf)
    order = np.lexsort((np.arange(k), sat, neg_impact, codes))
    rank = np.empty(k, dtype=int)
    rank[order] = np.arange(1, k + 1)
    return rank
