"""The statistics of ``moved_explain`` (``moved``; the model and its intervals are in that module's docstring).

Pure numpy: one period's validated inputs, the outcome's change with its interval, per-moment descriptives, and
the pooled driver model's decomposition from weighted sufficient statistics (full sample or Poisson resamples).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .nps import (
    Z95,
    kish_n,
    mean_difference,
    mean_interval,
    nps_classify,
    nps_interval,
    rate_difference,
    rate_summary_from,
)
from .significance import normal_p

BLOCK = 4096  # respondents per block of the bootstrap's matrix products (memory ~ resamples x BLOCK x columns)


@dataclass
class Period:
    """One period's respondents: ratings n x k (0-100, NaN = not rated), outcome n (LTR 0-10 for nps, 0/1 binary,
    any number numeric; NaN = missing, dropped), experienced n x k bool (default: has a rating), weights n (>= 0,
    default 1)."""

    ratings: np.ndarray
    outcome: np.ndarray
    experienced: np.ndarray | None = None
    weights: np.ndarray | None = None


@dataclass
class PeriodData:
    y: np.ndarray  # outcome score (NPS: 100 (promoter - detractor))
    w: np.ndarray  # survey weights (ones when unweighted)
    rated: np.ndarray  # n x k bool
    sat: np.ndarray  # n x k ratings, 0 where not rated
    exp: np.ndarray  # n x k bool


def _score(y: np.ndarray, outcome_type: str) -> np.ndarray:
    if outcome_type == "nps":
        promoter, detractor = nps_classify(y)
        return 100.0 * (promoter.astype(float) - detractor.astype(float))
    if outcome_type == "binary":
        return 100.0 * y
    return y


def period_prepare(period: Period, k: int, outcome_type: str) -> PeriodData:
    ratings = np.asarray(period.ratings, dtype=float)
    outcome = np.asarray(period.outcome, dtype=float).ravel()
    if ratings.ndim != 2 or ratings.shape[1] != k:
        raise ValueError(f"ratings must be a respondents x {k} moments matrix")
    if outcome.size != ratings.shape[0]:
        raise ValueError(f"outcome has {outcome.size} values for {ratings.shape[0]} respondents")
    finite = ratings[np.isfinite(ratings)]
    if finite.size and (finite.min() < 0 or finite.max() > 100):
        raise ValueError("ratings must be rescaled to 0-100 before analysis")
    exp = np.isfinite(ratings) if period.experienced is None else np.asarray(period.experienced, dtype=bool)
    if exp.shape != ratings.shape:
        raise ValueError("experienced must have the shape of ratings")
    w = np.ones(outcome.size) if period.weights is None else np.asarray(period.weights, dtype=float).ravel()
    if w.size != outcome.size or not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("weights must be one finite value >= 0 per respondent")
    keep = np.isfinite(outcome) & (w > 0)
    outcome, ratings, exp, w = outcome[keep], ratings[keep], exp[keep], w[keep]
    y = outcome
    if outcome_type == "nps" and y.size and (y.min() < 0 or y.max() > 10):
        raise ValueError("an nps outcome is likelihood to recommend on 0-10")
    if outcome_type == "binary" and not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("a binary outcome must be 0 or 1")
    if y.size < 2:
        raise ValueError("each period needs at least 2 respondents with an outcome")
    rated = exp & np.isfinite(ratings)
    return PeriodData(
        y=_score(y, outcome_type),
        w=w,
        rated=rated,
        sat=np.where(rated, ratings, 0.0),
        exp=exp,
    )


def _outcome_estimate(data: PeriodData, outcome_type: str) -> dict:
    """One period's outcome: plain estimate, 95% interval, and the centre and SE its change interval uses.

    nps: adjusted Wald (Rocks 2016, ``nps.nps_interval``); binary: Agresti-Coull; numeric: Student t; under weights
    with Kish's effective n.
    """
    w, y = data.w, data.y
    n_eff = float(kish_n(w))
    mean = float(w @ y / w.sum())
    if outcome_type == "nps":
        p, d = float(w @ (y > 0) / w.sum()), float(w @ (y < 0) / w.sum())
        low, high = nps_interval(p * n_eff, d * n_eff, n_eff)
        # At a tiny z the interval is centre +- tiny SE: the adjusted centre and SE, never clipped at +-100.
        tiny = 1e-3
        t_low, t_high = nps_interval(p * n_eff, d * n_eff, n_eff, z=tiny)
        centre, se = float((t_low + t_high) / 2), float((t_high - t_low) / (2 * tiny))
    elif outcome_type == "binary":
        _, low, high = rate_summary_from(mean / 100 * n_eff, n_eff)
        centre, se = mean, np.nan
    else:
        var = float(w @ (y - mean) ** 2 / w.sum()) * n_eff / max(n_eff - 1.0, 1.0)
        mean, low, high = mean_interval(mean * n_eff, var * (n_eff - 1.0), n_eff)
        centre, se = float(mean), float(np.sqrt(var / n_eff))
    return {"estimate": float(mean), "low": float(low), "high": float(high), "centre": centre, "se": se, "n": n_eff}


def outcome_change(a: PeriodData, b: PeriodData, outcome_type: str) -> dict:
    """Outcome in each period and its change B - A with the 95% interval (see module docstring)."""
    ea, eb = _outcome_estimate(a, outcome_type), _outcome_estimate(b, outcome_type)
    change = eb["estimate"] - ea["estimate"]
    if outcome_type == "nps":
        centre = eb["centre"] - ea["centre"]
        half = Z95 * np.hypot(ea["se"], eb["se"])
        low, high = centre - half, centre + half
    elif outcome_type == "binary":
        _, low, high = rate_difference(eb["estimate"] / 100 * eb["n"], eb["n"], ea["estimate"] / 100 * ea["n"], ea["n"])
    else:
        _, low, high = mean_difference(
            eb["estimate"], eb["se"] ** 2 * eb["n"], eb["n"], ea["estimate"], ea["se"] ** 2 * ea["n"], ea["n"]
        )
    return {
        "before": ea["estimate"],
        "before_low": ea["low"],
        "before_high": ea["high"],
        "after": eb["estimate"],
        "after_low": eb["low"],
        "after_high": eb["high"],
        "change": change,
        "change_low": float(low),
        "change_high": float(high),
        "n_effective_before": ea["n"],
        "n_effective_after": eb["n"],
    }


def design_matrix(data: PeriodData, cols: np.ndarray, reach_cols: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """Model columns [1, e_j (j in reach_cols), z_j (j in cols)] of one period's respondents."""
    z = np.where(data.rated[:, cols], data.sat[:, cols] - centre, 0.0)
    return np.column_stack([np.ones(data.y.size), data.exp[:, reach_cols].astype(float), z])


def period_sums(data: PeriodData, x: np.ndarray, counts: np.ndarray | None, k_cols: np.ndarray, rng) -> dict:
    """Weighted sufficient statistics of one period, for the full sample (counts None) or B Poisson resamples.

    Returns arrays with a leading resample axis (1 for the full sample): sw (sum of weights), sx (columns),
    sxx (upper triangle of x'x), sxy, rated (sum of weights of raters per attributed moment), rated_s (their
    satisfaction sums). Each block of respondents is one matrix product; no loop over respondents.
    """
    n, p = x.shape
    iu = np.triu_indices(p)
    resamples = 1 if counts is None else counts
    out = {
        "sw": np.zeros(resamples),
        "sx": np.zeros((resamples, p)),
        "sxx": np.zeros((resamples, iu[0].size)),
        "sxy": np.zeros((resamples, p)),
        "rated": np.zeros((resamples, k_cols.size)),
        "rated_s": np.zeros((resamples, k_cols.size)),
    }
    for start in range(0, n, BLOCK):
        stop = min(start + BLOCK, n)
        w = data.w[start:stop]
        v = w[None, :] if counts is None else rng.poisson(1.0, size=(counts, stop - start)) * w[None, :]
        xb = x[start:stop]
        rated = data.rated[start:stop][:, k_cols].astype(float)
        out["sw"] += v.sum(axis=1)
        out["sx"] += v @ xb
        out["sxx"] += v @ (xb[:, iu[0]] * xb[:, iu[1]])
        out["sxy"] += v @ (xb * data.y[start:stop, None])
        out["rated"] += v @ rated
        out["rated_s"] += v @ (rated * data.sat[start:stop][:, k_cols])
    return out


def change_decompose(sa: dict, sb: dict, p: int, n_reach: int, n_cols: int, reach_pos: np.ndarray, centre: np.ndarray):
    """Change, contributions (B x k_cols), their two effects, satisfaction changes, from the sums of both periods."""
    iu = np.triu_indices(p)
    resamples = sa["sw"].size
    xtx = np.zeros((resamples, p, p))
    xtx[:, iu[0], iu[1]] = sa["sxx"] + sb["sxx"]
    xtx[:, iu[1], iu[0]] = sa["sxx"] + sb["sxx"]
    xty = sa["sxy"] + sb["sxy"]
    # pinv: a resample may leave a column constant (a moment everyone rated); its coefficient is then 0.
    coef = np.einsum("bij,bj->bi", np.linalg.pinv(xtx, rcond=1e-10, hermitian=True), xty)
    g = np.zeros((resamples, n_cols))
    g[:, reach_pos] = coef[:, 1 : 1 + n_reach]
    slope = coef[:, 1 + n_reach :]
    mean_a = sa["sx"] / sa["sw"][:, None]
    mean_b = sb["sx"] / sb["sw"][:, None]
    change = sb["sxy"][:, 0] / sb["sw"] - sa["sxy"][:, 0] / sa["sw"]
    reach_a = np.zeros((resamples, n_cols))
    reach_b = np.zeros((resamples, n_cols))
    reach_a[:, reach_pos] = mean_a[:, 1 : 1 + n_reach]
    reach_b[:, reach_pos] = mean_b[:, 1 : 1 + n_reach]
    with np.errstate(invalid="ignore", divide="ignore"):
        rho_a, rho_b = sa["rated"] / sa["sw"][:, None], sb["rated"] / sb["sw"][:, None]
        s_a, s_b = sa["rated_s"] / sa["rated"], sb["rated_s"] / sb["rated"]
    sat_effect = slope * (rho_a + rho_b) / 2 * (s_b - s_a)
    reach_effect = g * (reach_b - reach_a) + slope * ((s_a + s_b) / 2 - centre) * (rho_b - rho_a)
    return {
        "change": change,
        "contribution": sat_effect + reach_effect,
        "satisfaction_effect": sat_effect,
        "reach_effect": reach_effect,
        "slope": slope,
        "occurrence": g,
    }


def boot_normal_p(estimate: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """Two-sided p-value of "the contribution is 0" from the bootstrap standard error: z = estimate / sd(draws).

    Why not the percentile p-value (``significance.bootstrap_p``): with 200 resamples it cannot go below 2 / 201,
    and Benjamini-Hochberg over k moments then needs p <= 0.05 / k (0.008 for 6 moments) for the first mark, so no
    moment could ever be marked. The normal approximation of a smooth statistic's bootstrap distribution (Efron &
    Tibshirani 1993, ch. 6) resolves small p-values with the same resamples.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.nanstd(draws, axis=0, ddof=1)
        return np.where(np.isfinite(sd) & (sd > 0), normal_p(estimate / sd), np.nan)


def period_describe(data: PeriodData) -> dict:
    """Per moment: weighted reach, raters' mean satisfaction, its variance and Kish n (all k moments)."""
    w = data.w
    rated = data.rated.astype(float)
    n_eff = kish_n(w, rated)
    with np.errstate(invalid="ignore", divide="ignore"):
        wr = w @ rated
        mean = (w @ data.sat) / wr
        var = (w @ (rated * (data.sat - mean) ** 2)) / wr * n_eff / (n_eff - 1.0)
    return {
        "reach": (w @ data.exp.astype(float)) / w.sum(),
        "satisfaction": mean,
        "var": var,
        "n_eff": n_eff,
        "n": data.rated.sum(axis=0),
    }
