"""What moved: the change of the outcome between two periods A and B, split into one contribution per moment plus a
remainder (DESIGN section 2 "What moved", issue 12).

Pure numpy; arrays in, a dataclass with a DataFrame out; no loop over respondents.

Model (stated in the UI and docs/METHOD.md as well). Per respondent i the outcome score is
y_i = 100 (promoter_i - detractor_i) for nps (its mean is the NPS), 100 y_i for binary (its mean is the rate in %),
y_i for numeric. One linear driver model is fitted on A and B together (survey weights as given, so integer weights
give the numbers of duplicated rows, DESIGN section 2):

    y_i = a + sum_j g_j e_ij + sum_j b_j z_ij + error,   z_ij = r_ij (s_ij - c_j)

with e_ij "i experienced j", r_ij "i rated j" (= e_ij unless explicit experienced flags were mapped), s_ij the
satisfaction 0-100 and c_j the pooled mean satisfaction of j's raters. b_j is moment j's slope (outcome points per
satisfaction point among its raters) and g_j its occurrence effect (what having the moment does to the outcome,
the other moments held fixed, at the pooled mean satisfaction). The model's mean in period P is
a + sum_j g_j ebar_Pj + sum_j b_j zbar_Pj, so its change from A to B is, exactly,

    contribution_j = b_j rho_j Delta s_j                 (satisfaction effect: rho_j the mean of the two periods'
                   + [g_j Delta reach_j                   rated shares, Delta s_j the change of j's mean
                      + b_j (m_j - c_j) Delta rho_j]     satisfaction among raters, m_j its two-period mean)
                                                          (reach effect)

(the identity x_B y_B - x_A y_A = xbar (y_B - y_A) + ybar (x_B - x_A)). The remainder is the change of the outcome
minus the sum of the contributions: what the moments do not explain (other causes and sampling noise; in the model,
the change of the mean residual). Parts add up to the change by construction, to rounding.
Moments with fewer than ``min_n`` raters in either period are left out of the model: their contribution is empty
and whatever they did is in the remainder.

Uncertainty:
- Change of the outcome: the difference of the two periods' estimates with independent errors. nps: the two
  adjusted-Wald estimates (Rocks 2016; ``nps.nps_interval``): centre_B - centre_A +- 1.96 sqrt(se_A^2 + se_B^2);
  binary: Agresti & Caffo (2000) (``nps.rate_difference``); numeric: Welch (``nps.mean_difference``). Weighted:
  shares / means weighted, n = Kish's effective n (``nps.kish_n``). The reported change is the plain difference.
- Each contribution and the remainder: percentile bootstrap, A and B resampled independently (each respondent
  keeps its weight), the model refitted in every resample. Resamples are Poisson(1) count weights (the Poisson
  bootstrap: Hanley & MacGibbon 2006, Chamandy et al. 2012), drawn per block of respondents so memory stays bounded
  for any n; every statistic is a weighted sum, so a resample is one matrix product per block.
- "Moved" mark of a contribution: its p-value from the bootstrap standard error (``_boot_normal_p``),
  Benjamini-Hochberg over the moments attributed (``significance.bh_adjust``), q <= fdr_q, and at least a minimum
  meaningful size (``MovedParams.min_effect``), the discipline of the pain points (DESIGN section 2; issue 13).
- Change of each moment's satisfaction: difference of the two weighted means among raters, normal interval with
  SE^2 = var_A / n_A + var_B / n_B (Kish effective n per moment), two-sided z-test, BH over the moments compared.

The slopes and occurrence effects are conditional associations, not measured causal effects: "installation explains
-11 points" reads "the model attributes -11 points to installation's change", not a promise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .bootstrap import percentile_interval
from .nps import (
    OUTCOME_TYPES,
    Z95,
    kish_n,
    mean_difference,
    mean_interval,
    nps_classify,
    nps_interval,
    rate_difference,
    rate_summary_from,
)
from .significance import FDR_Q, bh_adjust, normal_p, significant

MOVED_COLUMNS = (
    "moment",
    "contribution",
    "contribution_low",
    "contribution_high",
    "satisfaction_change",
    "satisfaction_change_low",
    "satisfaction_change_high",
    "reach_change",
    "significant",
    "satisfaction_effect",
    "reach_effect",
    "contribution_p",
    "contribution_q",
    "satisfaction_before",
    "satisfaction_after",
    "satisfaction_p",
    "satisfaction_q",
    "satisfaction_significant",
    "reach_before",
    "reach_after",
    "n_before",
    "n_after",
    "slope",
    "occurrence_effect",
)

UNIT_WORDS = {"nps": "points", "binary": "percentage points", "numeric": ""}
BLOCK = 4096  # respondents per block of the bootstrap's matrix products (memory ~ resamples x BLOCK x columns)


@dataclass(frozen=True)
class MovedParams:
    """Settings of one "what moved" decomposition.

    min_n: fewest raters of a moment in each period for it to be attributed and compared; bootstrap: resamples
    (0 = none: no contribution intervals, no moved marks); seed; fdr_q: false discovery rate of the
    Benjamini-Hochberg control over the moments (setting ``MOMENTUM_FDR_Q``); min_effect_nps / min_effect_binary /
    min_effect_sd: the smallest contribution called "moved", in NPS points, percentage points, and standard
    deviations of a numeric outcome (pooled over both periods).
    """

    min_n: int = 30
    bootstrap: int = 200
    seed: int = 0
    fdr_q: float = FDR_Q
    min_effect_nps: float = 1.0
    min_effect_binary: float = 1.0
    min_effect_sd: float = 0.05

    def __post_init__(self) -> None:
        if self.min_n < 2:
            raise ValueError("min_n must be at least 2")
        if self.bootstrap < 0:
            raise ValueError("bootstrap must be >= 0")
        if not 0.0 < self.fdr_q < 1.0:
            raise ValueError("fdr_q must be within 0..1 (exclusive)")
        if min(self.min_effect_nps, self.min_effect_binary, self.min_effect_sd) < 0:
            raise ValueError("minimum meaningful effects must be >= 0")

    def min_effect(self, outcome_type: str, outcome_sd: float) -> float:
        if outcome_type == "nps":
            return self.min_effect_nps
        if outcome_type == "binary":
            return self.min_effect_binary
        return self.min_effect_sd * outcome_sd


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
class MovedResult:
    """Output of ``moved_explain``.

    summary: JSON-ready dict: outcome_type, outcome_name, unit, before / before_low / before_high and after / ...
    (the outcome in each period with its 95% interval), n_before, n_after (respondents; n_effective_* under
    weights), change, change_low, change_high (95%), explained (sum of contributions), remainder, remainder_low,
    remainder_high, moments_attributed, moved (names), bootstrap, seed, fdr_q, min_effect, sentence, model.
    moments: one row per moment in input order, columns MOVED_COLUMNS: contributions in the outcome's unit
    (NPS points, percentage points, outcome units), satisfaction on 0-100, reach as shares 0-1; NaN where the
    moment has fewer than min_n raters in a period. sum(contribution) + remainder == change (to rounding).
    """

    summary: dict
    moments: pd.DataFrame = field(repr=False)


@dataclass
class _Prepared:
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


def _prepare(period: Period, k: int, outcome_type: str) -> _Prepared:
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
    return _Prepared(
        y=_score(y, outcome_type),
        w=w,
        rated=rated,
        sat=np.where(rated, ratings, 0.0),
        exp=exp,
    )


def _outcome_estimate(data: _Prepared, outcome_type: str) -> dict:
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


def _change_interval(a: _Prepared, b: _Prepared, outcome_type: str) -> dict:
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


def _design(data: _Prepared, cols: np.ndarray, reach_cols: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """Model columns [1, e_j (j in reach_cols), z_j (j in cols)] of one period's respondents."""
    z = np.where(data.rated[:, cols], data.sat[:, cols] - centre, 0.0)
    return np.column_stack([np.ones(data.y.size), data.exp[:, reach_cols].astype(float), z])


def _period_sums(data: _Prepared, x: np.ndarray, counts: np.ndarray | None, k_cols: np.ndarray, rng) -> dict:
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


def _decompose(sa: dict, sb: dict, p: int, n_reach: int, n_cols: int, reach_pos: np.ndarray, centre: np.ndarray):
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


def _boot_normal_p(estimate: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """Two-sided p-value of "the contribution is 0" from the bootstrap standard error: z = estimate / sd(draws).

    Why not the percentile p-value (``significance.bootstrap_p``): with 200 resamples it cannot go below 2 / 201,
    and Benjamini-Hochberg over k moments then needs p <= 0.05 / k (0.008 for 6 moments) for the first mark, so no
    moment could ever be marked. The normal approximation of a smooth statistic's bootstrap distribution (Efron &
    Tibshirani 1993, ch. 6) resolves small p-values with the same resamples.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.nanstd(draws, axis=0, ddof=1)
        return np.where(np.isfinite(sd) & (sd > 0), normal_p(estimate / sd), np.nan)


def _describe(data: _Prepared) -> dict:
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


def moved_explain(
    before: Period,
    after: Period,
    moments: list[str],
    *,
    outcome_type: str = "nps",
    outcome_name: str = "NPS",
    params: MovedParams | None = None,
) -> MovedResult:
    """Explain the change of the outcome from period ``before`` (A) to ``after`` (B), moment by moment.

    Steps (model and intervals in the module docstring):
    1. Validate; drop respondents without an outcome (or with weight 0).
    2. The outcome in each period and its change with the 95% interval (adjusted Wald for nps).
    3. Per moment: reach, raters' mean satisfaction in each period; the satisfaction change with a normal 95%
       interval and z-test, Benjamini-Hochberg over the moments compared (satisfaction_q, satisfaction_significant).
    4. The pooled driver model on the moments with at least min_n raters in both periods, and the decomposition
       into contributions (satisfaction effect + reach effect) and the remainder.
    5. Bootstrap (A and B resampled independently, the model refitted): percentile intervals of every
       contribution and the remainder, bootstrap p-values, BH over the moments attributed; significant ("moved") =
       contribution_q <= fdr_q and |contribution| >= the minimum meaningful effect.
    6. The sentence in words (``moved_sentence``).
    Units: contributions, change and remainder in the outcome's unit (NPS points, percentage points, outcome
    units); satisfaction 0-100; reach 0-1.
    """
    params = params or MovedParams()
    if outcome_type not in OUTCOME_TYPES:
        raise ValueError(f"outcome_type must be one of {OUTCOME_TYPES}, got {outcome_type!r}")
    k = len(moments)
    if len(set(moments)) != k:
        raise ValueError("moment names must be unique")
    a = _prepare(before, k, outcome_type)
    b = _prepare(after, k, outcome_type)
    summary: dict = {"outcome_type": outcome_type, "outcome_name": outcome_name, "unit": UNIT_WORDS[outcome_type]}
    summary |= _change_interval(a, b, outcome_type)
    summary["n_before"], summary["n_after"] = int(a.y.size), int(b.y.size)

    da, db = _describe(a), _describe(b)
    cols = np.flatnonzero((da["n"] >= params.min_n) & (db["n"] >= params.min_n))
    sat_change = db["satisfaction"] - da["satisfaction"]
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(da["var"] / da["n_eff"] + db["var"] / db["n_eff"])
        sat_p = np.where(np.isfinite(se) & (se > 0), normal_p(sat_change / se), np.nan)
    compared = np.zeros(k, dtype=bool)
    compared[cols] = True
    sat_p = np.where(compared, sat_p, np.nan)
    sat_q = bh_adjust(sat_p)

    # Pooled centre of each attributed moment's satisfaction; reach columns only where reach varies.
    wr = a.w @ a.rated[:, cols] + b.w @ b.rated[:, cols]
    centre = (a.w @ a.sat[:, cols] + b.w @ b.sat[:, cols]) / wr if cols.size else np.zeros(0)
    pooled_reach = (a.w @ a.exp[:, cols] + b.w @ b.exp[:, cols]) / (a.w.sum() + b.w.sum())
    reach_pos = np.flatnonzero((pooled_reach > 0) & (pooled_reach < 1))
    reach_cols = cols[reach_pos]
    xa, xb = _design(a, cols, reach_cols, centre), _design(b, cols, reach_cols, centre)
    p = xa.shape[1]
    args = (p, reach_pos.size, cols.size, reach_pos, centre)
    full = _decompose(_period_sums(a, xa, None, cols, None), _period_sums(b, xb, None, cols, None), *args)
    change = summary["change"]
    contribution = full["contribution"][0]
    explained = float(contribution.sum())
    remainder = change - explained

    boot_contribution = np.full((0, cols.size), np.nan)
    boot_remainder = np.full(0, np.nan)
    if params.bootstrap:
        rng = np.random.default_rng(params.seed)
        sa = _period_sums(a, xa, params.bootstrap, cols, rng)
        sb = _period_sums(b, xb, params.bootstrap, cols, rng)
        boot = _decompose(sa, sb, *args)
        boot_contribution = boot["contribution"]
        boot_remainder = boot["change"] - boot_contribution.sum(axis=1)
    c_low, c_high = percentile_interval(boot_contribution) if params.bootstrap else (np.full(cols.size, np.nan),) * 2
    c_p = _boot_normal_p(contribution, boot_contribution) if params.bootstrap else np.full(cols.size, np.nan)
    c_q = bh_adjust(c_p)
    sd_y = float(np.sqrt(np.cov(np.concatenate([a.y, b.y]), aweights=np.concatenate([a.w, b.w]))))
    min_effect = params.min_effect(outcome_type, sd_y)
    c_moved = significant(c_q, params.fdr_q) & (np.abs(contribution) >= min_effect)
    if params.bootstrap:
        r_low, r_high = percentile_interval(boot_remainder[:, None])
        r_low, r_high = float(r_low[0]), float(r_high[0])
    else:
        r_low = r_high = np.nan

    def spread(values, fill=np.nan, dtype=float):
        out = np.full(k, fill, dtype=dtype)
        out[cols] = values
        return out

    frame = pd.DataFrame(
        {
            "moment": list(moments),
            "contribution": spread(contribution),
            "contribution_low": spread(c_low),
            "contribution_high": spread(c_high),
            "satisfaction_change": np.where(compared, sat_change, np.nan),
            "satisfaction_change_low": np.where(compared, sat_change - Z95 * se, np.nan),
            "satisfaction_change_high": np.where(compared, sat_change + Z95 * se, np.nan),
            "reach_change": db["reach"] - da["reach"],
            "significant": spread(c_moved, False, bool),
            "satisfaction_effect": spread(full["satisfaction_effect"][0]),
            "reach_effect": spread(full["reach_effect"][0]),
            "contribution_p": spread(c_p),
            "contribution_q": spread(c_q),
            "satisfaction_before": da["satisfaction"],
            "satisfaction_after": db["satisfaction"],
            "satisfaction_p": sat_p,
            "satisfaction_q": sat_q,
            "satisfaction_significant": significant(sat_q, params.fdr_q),
            "reach_before": da["reach"],
            "reach_after": db["reach"],
            "n_before": da["n"].astype(int),
            "n_after": db["n"].astype(int),
            "slope": spread(full["slope"][0]),
            "occurrence_effect": spread(full["occurrence"][0]),
        },
        columns=list(MOVED_COLUMNS),
    )
    summary |= {
        "explained": explained,
        "remainder": remainder,
        "remainder_low": r_low,
        "remainder_high": r_high,
        "moments_attributed": int(cols.size),
        "moved": frame.loc[frame["significant"], "moment"].tolist(),
        "bootstrap": params.bootstrap,
        "seed": params.seed,
        "fdr_q": params.fdr_q,
        "min_effect": min_effect,
        "model": MODEL_TEXT,
    }
    summary = {key: _json(value) for key, value in summary.items()}
    summary["sentence"] = moved_sentence(summary, frame)
    return MovedResult(summary=summary, moments=frame)


MODEL_TEXT = (
    "One linear model of the outcome on every moment's satisfaction and on having experienced it, fitted on both "
    "periods together. A moment's contribution = its slope x the change of its mean satisfaction x its reach "
    "(satisfaction effect) + its occurrence effect x the change of its reach (reach effect); the remainder is what "
    "the moments do not explain (other causes and sampling noise). Associations, not measured causes."
)


def _json(value):
    if isinstance(value, list | str | bool | type(None)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    value = float(value)
    return value if np.isfinite(value) else None


def _number(value: float, outcome_type: str) -> str:
    """A number for the sentence: whole points for nps / binary, two significant decimals for numeric."""
    if outcome_type == "numeric":
        text = f"{value:.2f}"
    else:
        text = f"{value:.0f}"
    return "0" if text in ("-0", "-0.00") else text.replace("-", "\u2212")


def moved_sentence(summary: dict, moments: pd.DataFrame) -> str:
    """One sentence in words: the change with its interval, the moments marked moved, and what else.

    e.g. "NPS fell 15 points (95% interval −19 to −11); installation explains −11 (−14 to −8) as its satisfaction
    fell from 49 to 40; nothing else moved measurably". Where the remainder's interval excludes zero (and it is at
    least the minimum meaningful effect) the sentence says how much the moments leave unexplained.
    """
    kind = summary["outcome_type"]
    name, unit = summary["outcome_name"], summary["unit"]
    change = summary["change"]
    if change is None:
        return f"{name} could not be compared."

    def num(v):
        return _number(v, kind)

    verb = "rose" if change > 0 and num(change) != "0" else "fell" if change < 0 and num(change) != "0" else None
    size = num(abs(change)) + (f" {unit}" if unit else "")
    head = f"{name} {verb} {size}" if verb else f"{name} stayed level ({num(change)})"
    head += f" (95% interval {num(summary['change_low'])} to {num(summary['change_high'])})"
    moved = moments[moments["significant"]].copy()
    moved = moved.reindex(moved["contribution"].abs().sort_values(ascending=False).index)
    parts = []
    for row in moved.itertuples():
        because = ""
        if abs(row.satisfaction_effect) >= abs(row.reach_effect):
            how = "rose" if row.satisfaction_change > 0 else "fell"
            because = f" as its satisfaction {how} from {row.satisfaction_before:.0f} to {row.satisfaction_after:.0f}"
        else:
            how = "rose" if row.reach_change > 0 else "fell"
            because = f" as its reach {how} from {100 * row.reach_before:.0f}% to {100 * row.reach_after:.0f}%"
        parts.append(
            f"{row.moment} explains {num(row.contribution)} ({num(row.contribution_low)} to "
            f"{num(row.contribution_high)}){because}"
        )
    if not parts:
        text = head + "; no moment moved measurably"
    else:
        tail = "; nothing else moved measurably" if len(parts) < summary.get("moments_attributed", 0) else ""
        text = head + "; " + "; ".join(parts) + tail
    low, high, rest = summary.get("remainder_low"), summary.get("remainder_high"), summary.get("remainder")
    if low is not None and high is not None and (low > 0 or high < 0) and abs(rest) >= summary.get("min_effect", 0):
        # The model's own warning: a change the moments do not explain (other causes, or a nonlinearity).
        text += f"; {num(rest)} is not explained by the moments ({num(low)} to {num(high)})"
    return text
