"""``analyse``: every number of DESIGN section 2 for one respondents x moments matrix.

Pure numpy/pandas/scipy. Steps:
1. Validate; drop respondents without an outcome (every statistic uses the same respondents).
2. Descriptives per moment: n, reach, satisfaction with a Student-t interval, top-box (``satisfaction``);
   occurrence effect (``nps.occurrence_effect``).
3. Driver model on the moments with at least ``min_n`` ratings: pairwise-complete correlations of
   [moments..., outcome], repaired to PSD if needed (Higham 2002), impact by Johnson (2000) relative weights,
   exact LMG/Shapley (Lindeman, Merenda & Gold 1980; Groemping 2006) or bivariate correlation (``drivers``).
4. Thresholds (mean / median / fixed over placed moments), quadrants and priority (``quadrants``;
   Martilla & James 1977).
5. What-if per moment (``whatif``).
6. Bootstrap (``bootstrap``): B resamples re-derive satisfaction, impact, thresholds, quadrants and what-if;
   stability = share of resamples in the full-sample quadrant; percentile intervals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import bootstrap as boot
from .drivers import (
    MAX_SHAPLEY_K,
    impact_from_correlation,
    pairwise_correlation,
    pairwise_sd,
    pairwise_stats,
    psd_repair,
)
from .nps import OUTCOME_TYPES, kish_n, nps_classify, occurrence_test, outcome_summary
from .quadrants import INSUFFICIENT, QUADRANTS, THRESHOLD_MODES, priority_rank, quadrant_codes, thresholds_compute
from .satisfaction import satisfaction_describe
from .significance import bh_adjust, bootstrap_p, family_size, significant
from .whatif import whatif_mean_gap, whatif_slopes

METHODS = ("relative_weights", "shapley", "correlation")

MOMENT_COLUMNS = (
    "moment",
    "satisfaction",
    "satisfaction_low",
    "satisfaction_high",
    "top_box",
    "impact",
    "impact_low",
    "impact_high",
    "correlation",
    "reach",
    "n",
    "occurrence_effect",
    "occurrence_low",
    "occurrence_high",
    "occurrence_p",
    "occurrence_q",
    "occurrence_meaningful",
    "occurrence_small_group",
    "moments_tested",
    "quadrant",
    "stability",
    "uncertain",
    "pain_point",
    "insufficient_data",
    "not_placed_reason",
    "impact_q",
    "impact_significant",
    "what_if",
    "what_if_low",
    "what_if_high",
    "rank",
)

IMPACT_UNITS = {"relative_weights": "% of R^2, signed", "shapley": "% of R^2, signed", "correlation": "r"}
OUTCOME_UNITS = {"nps": "NPS points", "binary": "percentage points", "numeric": "outcome units"}


@dataclass(frozen=True)
class AnalysisParams:
    """Settings of one analysis (DESIGN section 2).

    method: "relative_weights" | "shapley" | "correlation"; threshold: "mean" | "median" | "fixed" with
    fixed_satisfaction (0-100) and fixed_impact (impact unit) both given for "fixed"; min_n: fewest ratings for a
    moment to be placed and fewest respondents per group for an occurrence effect; bootstrap: resamples
    (0 = none: no stability, no impact / what-if intervals); bootstrap_max_n: respondents per resample (larger
    samples use the rescaled m-out-of-n bootstrap); seed; stability_cutoff: below it a moment is uncertain.

    Pain points and every other "this is real" mark (DESIGN section 2, issue 13): fdr_q: false discovery rate of
    the Benjamini-Hochberg control over the moments of one analysis (setting ``MOMENTUM_FDR_Q``);
    pain_min_nps / pain_min_binary / pain_min_sd: the minimum meaningful occurrence effect below zero, in NPS
    points, percentage points, and standard deviations of a numeric outcome (setting
    ``MOMENTUM_PAIN_MIN_EFFECT``); small_group_share: where the smaller group (experiencers or not) is under this
    share of respondents the effect is shown with a caution and never becomes a pain point (setting
    ``MOMENTUM_SMALL_GROUP_SHARE``); min_placed: fewest placed moments for quadrants (a quadrant compares moments
    with each other: with one or two there is nothing to compare).
    """

    method: str = "relative_weights"
    threshold: str = "mean"
    fixed_satisfaction: float | None = None
    fixed_impact: float | None = None
    min_n: int = 30
    bootstrap: int = 200
    bootstrap_max_n: int = 50_000
    seed: int = 0
    stability_cutoff: float = 0.8
    fdr_q: float = 0.05
    pain_min_nps: float = 5.0
    pain_min_binary: float = 5.0
    pain_min_sd: float = 0.2
    small_group_share: float = 0.05
    min_placed: int = 3

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {self.method!r}")
        if self.threshold not in THRESHOLD_MODES:
            raise ValueError(f"threshold must be one of {THRESHOLD_MODES}, got {self.threshold!r}")
        if self.threshold == "fixed" and (self.fixed_satisfaction is None or self.fixed_impact is None):
            raise ValueError("threshold 'fixed' needs both fixed_satisfaction and fixed_impact")
        if self.min_n < 2:
            raise ValueError("min_n must be at least 2")
        if self.bootstrap < 0 or self.bootstrap_max_n < 2:
            raise ValueError("bootstrap must be >= 0 and bootstrap_max_n >= 2")
        if not 0.0 <= self.stability_cutoff <= 1.0:
            raise ValueError("stability_cutoff must be within 0..1")
        if not 0.0 < self.fdr_q < 1.0:
            raise ValueError("fdr_q must be within 0..1 (exclusive)")
        if min(self.pain_min_nps, self.pain_min_binary, self.pain_min_sd) < 0:
            raise ValueError("minimum meaningful effects must be >= 0")
        if not 0.0 <= self.small_group_share < 0.5:
            raise ValueError("small_group_share must be within 0..0.5")
        if self.min_placed < 1:
            raise ValueError("min_placed must be at least 1")

    def pain_min_effect(self, outcome_type: str, outcome_sd: float = float("nan")) -> float:
        """Minimum meaningful effect in the occurrence effect's unit (outcome_sd: the outcome's SD, numeric)."""
        if outcome_type == "nps":
            return self.pain_min_nps
        if outcome_type == "binary":
            return self.pain_min_binary
        return self.pain_min_sd * outcome_sd


DEFAULT_PARAMS = AnalysisParams()


@dataclass
class AnalysisResult:
    """Output of ``analyse``.

    summary: JSON-ready dict (plain int / float / str / bool / None): n, k, k_placed, outcome_type, outcome (NPS in
    points, rate in % for binary, mean for numeric), outcome_low, outcome_high (95%), promoters, passives,
    detractors (shares 0-1, None unless nps), method (as used), method_note ("" or why it differs from the
    request), impact_unit, what_if_unit, threshold_mode, threshold_satisfaction, threshold_impact, r2 (driver
    model R^2), psd_repaired, bootstrap (resamples run), bootstrap_n (respondents per resample), seed, min_n,
    placement_note ("" or why no quadrant was given), weighted, n_effective (Kish), moments_tested (the family size
    of the occurrence-effect BH), fdr_q, pain_min_effect (in the occurrence effect's unit), small_group_share,
    marks ({moment: occurrence_p, occurrence_q, occurrence_meaningful, occurrence_small_group, smaller_share,
    impact_q, impact_significant, not_placed_reason}).
    moments: one row per moment in input order (index 0..k-1), columns MOMENT_COLUMNS; NaN where a number is not
    available or would come from fewer than min_n respondents.
    """

    summary: dict
    moments: pd.DataFrame = field(repr=False)


@dataclass
class _Prepared:
    """The driver model's inputs for the eligible moments (enough ratings), shared by all resamples."""

    values: np.ndarray  # n x (ke + q): centred ratings (0 where not rated) then centred outcome columns
    mask: np.ndarray  # n x (ke + q) bool: observed
    centre: np.ndarray  # ke + q column means
    k: int  # ke, the number of eligible moments
    outcome_type: str
    method: str

    def mean_gap(self, values: np.ndarray, mask: np.ndarray, threshold: float, weights=None) -> np.ndarray:
        """``whatif_mean_gap`` on the centred ratings: the threshold moves by each moment's centre."""
        k = self.k
        return whatif_mean_gap(values[:, :k], mask[:, :k], threshold - self.centre[:k], weights)


@dataclass
class _Estimate:
    satisfaction: np.ndarray
    impact: np.ndarray
    correlation: np.ndarray
    slopes: np.ndarray
    r2: float
    repaired: bool


def _outcome_columns(y: np.ndarray, outcome_type: str) -> np.ndarray:
    """Outcome columns of the driver model: [ltr, promoter, detractor] for nps, [y] otherwise."""
    if outcome_type == "nps":
        promoter, detractor = nps_classify(y)
        return np.column_stack([y, promoter, detractor]).astype(float)
    return y[:, None].astype(float)


def _prepare(ratings, rated, y, eligible, outcome_type, method, w) -> _Prepared:
    """Centred model inputs; w: survey weights (ones when unweighted), so the centres are weighted means."""
    r_e = ratings[:, eligible]
    m_e = rated[:, eligible]
    outcomes = _outcome_columns(y, outcome_type)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre_r = (w @ np.where(m_e, r_e, 0.0)) / (w @ m_e.astype(float))
    centre = np.concatenate([centre_r, (w @ outcomes) / w.sum()])
    values = np.empty((len(y), len(centre)))
    values[:, : len(centre_r)] = np.where(m_e, r_e - centre_r, 0.0)
    values[:, len(centre_r) :] = outcomes - centre[len(centre_r) :]
    mask = np.ones(values.shape, dtype=bool)
    mask[:, : len(centre_r)] = m_e
    return _Prepared(values, mask, centre, len(centre_r), outcome_type, method)


def _estimate(data: _Prepared, values: np.ndarray, mask: np.ndarray, weights: np.ndarray | None = None) -> _Estimate:
    """Satisfaction, impact, bivariate r and what-if slopes of the eligible moments.

    values, mask: data.values / data.mask or their resampled rows; weights: the rows' survey weights times their
    resample counts (None = all 1).
    """
    stats = pairwise_stats(values, mask, weights)
    k = data.k
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = data.centre + np.diag(stats[1]) / np.diag(stats[0])
    r = pairwise_correlation(stats)
    driver, repaired = psd_repair(r[: k + 1, : k + 1])
    impact, r2 = impact_from_correlation(driver, data.method)
    if data.method == "correlation":
        impact = r[:k, k].copy()  # the bivariate r itself, not the repaired one
    if r.shape[0] > k + 1:  # nps: promoter and detractor columns join the what-if model
        full, repaired_full = psd_repair(r)
        repaired = repaired or repaired_full
    else:
        full = driver
    slopes = whatif_slopes(full, pairwise_sd(stats), data.outcome_type)
    return _Estimate(mean[:k], impact, r[:k, k].copy(), slopes, r2, repaired)


def _validate(ratings, outcome, moments, outcome_type, experienced, weights=None):
    ratings = np.asarray(ratings, dtype=float)
    outcome = np.asarray(outcome, dtype=float).ravel()
    if ratings.ndim != 2:
        raise ValueError("ratings must be a respondents x moments matrix")
    n, k = ratings.shape
    if outcome.size != n:
        raise ValueError(f"outcome has {outcome.size} values for {n} respondents")
    if len(moments) != k:
        raise ValueError(f"{len(moments)} moment names for {k} rating columns")
    if len(set(moments)) != k:
        raise ValueError("moment names must be unique")
    if outcome_type not in OUTCOME_TYPES:
        raise ValueError(f"outcome_type must be one of {OUTCOME_TYPES}, got {outcome_type!r}")
    finite = ratings[np.isfinite(ratings)]
    if finite.size and (finite.min() < 0 or finite.max() > 100):
        raise ValueError("ratings must be rescaled to 0-100 before analysis")
    y = outcome[np.isfinite(outcome)]
    if outcome_type == "nps" and y.size and (y.min() < 0 or y.max() > 10):
        raise ValueError("an nps outcome is likelihood to recommend on 0-10")
    if outcome_type == "binary" and not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("a binary outcome must be 0 or 1")
    if experienced is None:
        experienced = np.isfinite(ratings)
    else:
        experienced = np.asarray(experienced, dtype=bool)
        if experienced.shape != ratings.shape:
            raise ValueError("experienced must have the shape of ratings")
    if weights is not None:
        weights = np.asarray(weights, dtype=float).ravel()
        if weights.size != n:
            raise ValueError(f"weights has {weights.size} values for {n} respondents")
        if not np.isfinite(weights).all() or (weights < 0).any():
            raise ValueError("survey weights must be finite and >= 0")
        if n and not weights[np.isfinite(outcome)].sum() > 0:
            raise ValueError("survey weights must not all be 0")
    return ratings, outcome, experienced, weights


def _json(value):
    """Plain Python scalar for JSON; None for NaN / missing."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    value = float(value)
    return value if np.isfinite(value) else None


def analyse(
    ratings: np.ndarray,
    outcome: np.ndarray,
    moments: list[str],
    *,
    outcome_type: str = "nps",
    experienced: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    params: AnalysisParams | None = DEFAULT_PARAMS,
    progress: Callable[[float], None] | None = None,
) -> AnalysisResult:
    """Analyse one respondents x moments matrix (DESIGN section 2).

    ratings: n x k floats, satisfaction already rescaled to 0-100, NaN = not experienced / not rated.
    outcome: n floats - likelihood to recommend 0-10 ("nps"), 0/1 ("binary") or any number ("numeric");
    respondents with NaN outcome are dropped from every statistic (reach included).
    moments: k unique names, in column order. experienced: optional n x k bool (explicit flags); default = has a
    rating. A rating counts only where experienced; reach and the occurrence effect use experienced.
    weights: optional n survey weights (finite, >= 0, not all 0; None = every respondent 1). Every statistic is
    weighted (NPS shares, satisfaction means, reach, correlations hence relative weights / LMG, occurrence effect,
    what-if); intervals and the minimum sample use Kish's effective n = (sum w)^2 / sum w^2; the bootstrap
    resamples respondents, each keeping its weight. Integer weights give the point estimates of duplicated rows;
    equal weights give the unweighted numbers. summary["weighted"] and summary["n_effective"] say so.
    params: ``AnalysisParams`` (default settings if omitted or None). progress: called with 0..1 during the bootstrap.

    Units: satisfaction 0-100; impact in % of the driver model's R^2 (signed) for relative_weights / shapley and a
    Pearson r for correlation; occurrence effect and what-if in NPS points (nps), percentage points (binary) or the
    outcome's unit (numeric). Shapley is exact up to 15 moments with enough ratings; above that relative weights
    are used and summary["method_note"] says so. See ``AnalysisResult`` for the output.

    Marks (DESIGN section 2, issue 13): pain_point = occurrence effect significant after Benjamini-Hochberg over
    the moments tested (occurrence_q <= fdr_q), at least the minimum meaningful effect below zero
    (occurrence_meaningful) and not from a small group (occurrence_small_group False). impact_significant = the
    signed impact's bootstrap p-value, BH-adjusted over the placed moments (impact_q), at most fdr_q.
    Fewer than min_placed placed moments: no quadrants (not_placed_reason "few_moments", summary
    "placement_note").
    """
    params = params or AnalysisParams()
    ratings, outcome, experienced, weights = _validate(ratings, outcome, moments, outcome_type, experienced, weights)
    keep = np.isfinite(outcome)
    if not keep.all():
        ratings, outcome, experienced = ratings[keep], outcome[keep], experienced[keep]
        weights = None if weights is None else weights[keep]
    n_resp, k = ratings.shape
    rated = experienced & np.isfinite(ratings)
    w = np.ones(n_resp) if weights is None else weights
    n_eff = float(kish_n(w)) if n_resp else 0.0

    desc = satisfaction_describe(ratings, rated, params.min_n, weights)
    with np.errstate(invalid="ignore", divide="ignore"):
        reach = (w @ experienced.astype(float)) / w.sum()
    occ = occurrence_test(outcome, experienced, outcome_type, params.min_n, weights)
    occ_q = bh_adjust(occ["p"])
    tested = family_size(occ["p"])
    outcome_sd = _weighted_sd(outcome, w) if outcome_type == "numeric" else np.nan
    min_effect = params.pain_min_effect(outcome_type, outcome_sd)
    meaningful = np.isfinite(occ["effect"]) & (occ["effect"] <= -min_effect)
    small_group = np.isfinite(occ["effect"]) & (occ["smaller_share"] < params.small_group_share)
    pain = significant(occ_q, params.fdr_q) & meaningful & ~small_group
    eligible = desc["n_effective"] >= params.min_n
    ke = int(eligible.sum())

    method, note = params.method, ""
    if method == "shapley" and ke > MAX_SHAPLEY_K:
        method = "relative_weights"
        note = (
            f"Shapley (LMG) is exact only up to {MAX_SHAPLEY_K} moments; {ke} moments have enough ratings, "
            "so Johnson's relative weights were used (they approximate Shapley values closely)."
        )

    nan_k = np.full(k, np.nan)
    impact, corr, what_if = nan_k.copy(), nan_k.copy(), nan_k.copy()
    impact_ci, what_if_ci, sat_ci = (nan_k.copy(), nan_k.copy()), (nan_k.copy(), nan_k.copy()), None
    stab, impact_p = nan_k.copy(), nan_k.copy()
    r2, repaired, runs = np.nan, False, 0
    sat = desc["satisfaction"]

    data = _prepare(ratings, rated, outcome, eligible, outcome_type, method, w) if ke else None
    if data is not None:
        est = _estimate(data, data.values, data.mask, weights)
        impact[eligible], corr[eligible] = est.impact, est.correlation
        r2, repaired = est.r2, est.repaired
    # placeable: enough ratings and finite numbers; placed: in a quadrant, which needs min_placed placeable moments
    # (thresholds and what-if are still computed from the placeable ones: a what-if needs no quadrant)
    placeable = eligible & np.isfinite(sat) & np.isfinite(impact)
    reason = np.where(eligible, "", "few_respondents").astype(object)
    placement_note = ""
    placed = placeable.copy()
    if 0 < placeable.sum() < params.min_placed:
        reason[placeable] = "few_moments"
        placement_note = (
            f"Too few moments to place: {int(placeable.sum())} moment(s) with enough ratings, at least "
            f"{params.min_placed} needed. A quadrant compares moments with each other."
        )
        placed[:] = False
    ts, ti = thresholds_compute(
        sat, impact, placeable, params.threshold, params.fixed_satisfaction, params.fixed_impact
    )
    codes = quadrant_codes(sat, impact, ts, ti, placed)
    if data is not None:
        what_if[eligible] = est.slopes * data.mean_gap(data.values, data.mask, float(ts), weights)
        what_if[~placeable] = np.nan

    if data is not None and params.bootstrap > 0:
        runs = params.bootstrap
        draws = _bootstrap(
            data,
            est,
            sat[eligible],
            impact[eligible],
            what_if[eligible],
            placeable[eligible],
            codes[eligible],
            params,
            n_resp,
            progress,
            weights,
        )
        sat_ci = (nan_k.copy(), nan_k.copy())
        for target, source in ((sat_ci, "sat"), (impact_ci, "impact"), (what_if_ci, "what_if")):
            low, high = boot.percentile_interval(draws[source])
            target[0][eligible], target[1][eligible] = low, high
        stab[eligible] = draws["stability"]
        impact_p[eligible] = bootstrap_p(draws["impact"])
        for low, high in (impact_ci, what_if_ci):
            low[~placeable], high[~placeable] = np.nan, np.nan
        stab[~placed] = np.nan
        impact_p[~placeable] = np.nan
    impact_q = bh_adjust(impact_p)

    frame = pd.DataFrame(
        {
            "moment": pd.array([str(m) for m in moments], dtype="str"),
            "satisfaction": sat,
            "satisfaction_low": desc["satisfaction_low"] if sat_ci is None else sat_ci[0],
            "satisfaction_high": desc["satisfaction_high"] if sat_ci is None else sat_ci[1],
            "top_box": desc["top_box"],
            "impact": impact,
            "impact_low": impact_ci[0],
            "impact_high": impact_ci[1],
            "correlation": corr,
            "reach": reach,
            "n": desc["n"],
            "occurrence_effect": occ["effect"],
            "occurrence_low": occ["low"],
            "occurrence_high": occ["high"],
            "occurrence_p": occ["p"],
            "occurrence_q": occ_q,
            "occurrence_meaningful": meaningful,
            "occurrence_small_group": small_group,
            "moments_tested": np.full(k, tested, dtype=int),
            "quadrant": pd.array([QUADRANTS[c] for c in codes], dtype="str"),
            "stability": stab,
            "uncertain": np.isfinite(stab) & (stab < params.stability_cutoff),
            "pain_point": pain,
            "insufficient_data": codes == INSUFFICIENT,
            "not_placed_reason": pd.array(np.where(codes == INSUFFICIENT, reason, "").tolist(), dtype="str"),
            "impact_q": impact_q,
            "impact_significant": significant(impact_q, params.fdr_q),
            "what_if": what_if,
            "what_if_low": what_if_ci[0],
            "what_if_high": what_if_ci[1],
            "rank": priority_rank(codes, impact, sat),
        },
        columns=list(MOMENT_COLUMNS),
    )

    summary = {"n": n_resp, "k": k, "k_placed": int(placed.sum()), "outcome_type": outcome_type}
    summary |= {key: _json(v) for key, v in outcome_summary(outcome, outcome_type, weights).items()}
    summary |= {
        "method": method,
        "method_note": note,
        "placement_note": placement_note,
        "impact_unit": IMPACT_UNITS[method],
        "what_if_unit": OUTCOME_UNITS[outcome_type],
        "threshold_mode": params.threshold,
        "threshold_satisfaction": _json(ts),
        "threshold_impact": _json(ti),
        "r2": _json(r2),
        "psd_repaired": bool(repaired),
        "bootstrap": runs,
        "bootstrap_n": min(n_resp, params.bootstrap_max_n) if runs else 0,
        "seed": params.seed,
        "min_n": params.min_n,
        "weighted": weights is not None,
        "n_effective": _json(n_eff),
        "moments_tested": tested,
        "fdr_q": params.fdr_q,
        "pain_min_effect": _json(min_effect),
        "small_group_share": params.small_group_share,
        # per moment, for callers that store only some columns (the moment page writes them in words)
        "marks": {
            str(name): {
                "occurrence_p": _json(occ["p"][j]),
                "occurrence_q": _json(occ_q[j]),
                "occurrence_meaningful": bool(meaningful[j]),
                "occurrence_small_group": bool(small_group[j]),
                "smaller_share": _json(occ["smaller_share"][j]),
                "impact_q": _json(impact_q[j]),
                "impact_significant": bool(frame["impact_significant"].iloc[j]),
                "not_placed_reason": str(frame["not_placed_reason"].iloc[j]),
            }
            for j, name in enumerate(moments)
        },
    }
    return AnalysisResult(summary=summary, moments=frame)


def _weighted_sd(y: np.ndarray, w: np.ndarray) -> float:
    """Weighted standard deviation (population form) of y; NaN for no data."""
    if y.size == 0 or w.sum() <= 0:
        return float("nan")
    mean = (w * y).sum() / w.sum()
    return float(np.sqrt((w * (y - mean) ** 2).sum() / w.sum()))


def _bootstrap(data, est, sat, impact, what_if, placed, codes, params, n_resp, progress, weights=None) -> dict:
    """Resample respondents and re-derive every placed number; returns draws and stability (eligible moments).

    Per resample: satisfaction, impact, thresholds (from that resample's placed moments), quadrants and what-if.
    With survey weights a drawn respondent keeps its weight (resample weight = count x survey weight).
    With subsampling (n > bootstrap_max_n) resample estimates are rescaled toward the full-sample estimate
    (``bootstrap.rescale``) before thresholds and quadrants are derived, so that they vary like size-n estimates.
    """
    b_total = params.bootstrap
    factor = boot.shrink_factor(n_resp, params.bootstrap_max_n)
    sat_b = np.full((b_total, data.k), np.nan)
    imp_b, wi_b = sat_b.copy(), sat_b.copy()
    ts_b, ti_b = np.full(b_total, np.nan), np.full(b_total, np.nan)
    reported = -1
    for b, (rows, counts) in enumerate(boot.resample_draws(n_resp, b_total, params.bootstrap_max_n, params.seed)):
        values, mask = data.values[rows], data.mask[rows]
        if weights is not None:
            counts = counts * weights[rows]
        e = _estimate(data, values, mask, counts)
        sat_b[b] = boot.rescale(e.satisfaction, sat, factor)
        imp_b[b] = boot.rescale(e.impact, impact, factor)
        ts_b[b], ti_b[b] = thresholds_compute(
            sat_b[b], imp_b[b], placed, params.threshold, params.fixed_satisfaction, params.fixed_impact
        )
        gap = data.mean_gap(values, mask, float(ts_b[b]), counts)
        wi_b[b] = boot.rescale(e.slopes * gap, what_if, factor)
        if progress is not None and (pct := (100 * (b + 1)) // b_total) > reported:
            reported = pct
            progress((b + 1) / b_total)
    codes_b = quadrant_codes(sat_b, imp_b, ts_b, ti_b, placed)
    return {"sat": sat_b, "impact": imp_b, "what_if": wi_b, "stability": boot.stability(codes_b, codes)}
