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
7. The per-moment frame and the JSON-ready summary.
Steps 3-6 (the driver model, its placement and its bootstrap) live in ``fit``; the settings in ``params``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .drivers import MAX_SHAPLEY_K
from .fit import AnalysisInputs, DriverFit, drivers_bootstrap, drivers_fit
from .nps import OUTCOME_TYPES, group_sums, kish_n, occurrence_test, outcome_summary
from .params import DEFAULT_PARAMS, METHODS, AnalysisParams
from .quadrants import INSUFFICIENT, QUADRANTS, priority_rank
from .satisfaction import satisfaction_describe
from .significance import bh_adjust, family_size, significant

# METHODS and DEFAULT_PARAMS live in ``params``; other modules import them from here.
__all__ = ["DEFAULT_PARAMS", "METHODS", "MOMENT_COLUMNS", "AnalysisParams", "AnalysisResult", "analyse"]

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
    # fmin / fmax skip NaN without copying the finite values (1.4 GB for 10M x 25)
    low, high = (np.fmin.reduce(ratings, axis=None), np.fmax.reduce(ratings, axis=None)) if ratings.size else (0, 0)
    if np.isinf(low) or np.isinf(high):  # infinite cells count as not rated, as before: check the finite ones
        finite = ratings[np.isfinite(ratings)]
        low, high = (finite.min(), finite.max()) if finite.size else (0, 0)
    if low < 0 or high > 100:
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
    bootstrap p-value of the signed impact beyond a random baseline variable's share (Tonidandel, LeBreton &
    Johnson 2009; ``bootstrap.beyond_baseline``), BH-adjusted over the placed moments (impact_q), at most fdr_q;
    impact_low / impact_high are the percentile interval of the same draws.
    Fewer than min_placed placed moments: no quadrants (not_placed_reason "few_moments", summary
    "placement_note").
    """
    params = params or AnalysisParams()
    inp = _inputs_prepare(ratings, outcome, moments, outcome_type, experienced, weights)
    desc = satisfaction_describe(inp.ratings, inp.rated, params.min_n, inp.weights)
    with np.errstate(invalid="ignore", divide="ignore"):
        reach = group_sums(inp.w[:, None], inp.experienced)[0] / inp.w.sum()
    marks = _occurrence_marks(inp, outcome_type, params)
    eligible = desc["n_effective"] >= params.min_n
    method, note = _method_choose(params.method, int(eligible.sum()))
    fit = drivers_fit(inp, desc["satisfaction"], eligible, outcome_type, method, params)
    intervals = drivers_bootstrap(fit, inp, params, progress)
    frame = _moments_frame(moments, desc, reach, marks, fit, intervals, params)
    summary = _summary(inp, moments, outcome_type, method, note, marks, fit, intervals, frame, params)
    return AnalysisResult(summary=summary, moments=frame)


def _inputs_prepare(ratings, outcome, moments, outcome_type, experienced, weights) -> AnalysisInputs:
    """Step 1: validate; drop respondents without an outcome (every statistic uses the same respondents)."""
    ratings, outcome, experienced, weights = _validate(ratings, outcome, moments, outcome_type, experienced, weights)
    keep = np.isfinite(outcome)
    if not keep.all():
        ratings, outcome, experienced = ratings[keep], outcome[keep], experienced[keep]
        weights = None if weights is None else weights[keep]
    n_resp = ratings.shape[0]
    rated = experienced & np.isfinite(ratings)
    w = np.ones(n_resp) if weights is None else weights
    n_eff = float(kish_n(w)) if n_resp else 0.0
    return AnalysisInputs(ratings, outcome, experienced, weights, rated, w, n_eff)


def _occurrence_marks(inp: AnalysisInputs, outcome_type: str, params: AnalysisParams) -> dict:
    """Step 2: occurrence effect per moment, BH over the moments tested, meaningful / small-group / pain marks.

    Returns ``occurrence_test``'s dict plus q, tested, min_effect, meaningful, small_group, pain.
    """
    occ = occurrence_test(inp.outcome, inp.experienced, outcome_type, params.min_n, inp.weights)
    occ_q = bh_adjust(occ["p"])
    tested = family_size(occ["p"])
    outcome_sd = _weighted_sd(inp.outcome, inp.w) if outcome_type == "numeric" else np.nan
    min_effect = params.pain_min_effect(outcome_type, outcome_sd)
    meaningful = np.isfinite(occ["effect"]) & (occ["effect"] <= -min_effect)
    small_group = np.isfinite(occ["effect"]) & (occ["smaller_share"] < params.small_group_share)
    pain = significant(occ_q, params.fdr_q) & meaningful & ~small_group
    return occ | {
        "q": occ_q,
        "tested": tested,
        "min_effect": min_effect,
        "meaningful": meaningful,
        "small_group": small_group,
        "pain": pain,
    }


def _method_choose(method: str, ke: int) -> tuple[str, str]:
    """The driver method as used and a note why it differs from the request ("" if not)."""
    if method == "shapley" and ke > MAX_SHAPLEY_K:
        return "relative_weights", (
            f"Shapley (LMG) is exact only up to {MAX_SHAPLEY_K} moments; {ke} moments have enough ratings, "
            "so Johnson's relative weights were used (they approximate Shapley values closely)."
        )
    return method, ""


def _moments_frame(moments, desc: dict, reach, marks: dict, fit: DriverFit, intervals: dict, params) -> pd.DataFrame:
    """Step 7a: one row per moment, columns MOMENT_COLUMNS."""
    k = len(moments)
    sat_ci, impact_ci, what_if_ci = intervals["sat_ci"], intervals["impact_ci"], intervals["what_if_ci"]
    stab, impact_q, codes = intervals["stability"], intervals["impact_q"], fit.codes
    return pd.DataFrame(
        {
            "moment": pd.array([str(m) for m in moments], dtype="str"),
            "satisfaction": fit.sat,
            "satisfaction_low": desc["satisfaction_low"] if sat_ci is None else sat_ci[0],
            "satisfaction_high": desc["satisfaction_high"] if sat_ci is None else sat_ci[1],
            "top_box": desc["top_box"],
            "impact": fit.impact,
            "impact_low": impact_ci[0],
            "impact_high": impact_ci[1],
            "correlation": fit.corr,
            "reach": reach,
            "n": desc["n"],
            "occurrence_effect": marks["effect"],
            "occurrence_low": marks["low"],
            "occurrence_high": marks["high"],
            "occurrence_p": marks["p"],
            "occurrence_q": marks["q"],
            "occurrence_meaningful": marks["meaningful"],
            "occurrence_small_group": marks["small_group"],
            "moments_tested": np.full(k, marks["tested"], dtype=int),
            "quadrant": pd.array([QUADRANTS[c] for c in codes], dtype="str"),
            "stability": stab,
            "uncertain": np.isfinite(stab) & (stab < params.stability_cutoff),
            "pain_point": marks["pain"],
            "insufficient_data": codes == INSUFFICIENT,
            "not_placed_reason": pd.array(np.where(codes == INSUFFICIENT, fit.reason, "").tolist(), dtype="str"),
            "impact_q": impact_q,
            "impact_significant": significant(impact_q, params.fdr_q),
            "what_if": fit.what_if,
            "what_if_low": what_if_ci[0],
            "what_if_high": what_if_ci[1],
            "rank": priority_rank(codes, fit.impact, fit.sat),
        },
        columns=list(MOMENT_COLUMNS),
    )


def _summary(
    inp: AnalysisInputs, moments, outcome_type, method, note, marks, fit: DriverFit, intervals, frame, params
) -> dict:
    """Step 7b: the JSON-ready summary (see ``AnalysisResult``)."""
    n_resp, k = inp.ratings.shape
    runs, impact_q = intervals["runs"], intervals["impact_q"]
    summary = {"n": n_resp, "k": k, "k_placed": int(fit.placed.sum()), "outcome_type": outcome_type}
    summary |= {key: _json(v) for key, v in outcome_summary(inp.outcome, outcome_type, inp.weights).items()}
    summary |= {
        "method": method,
        "method_note": note,
        "placement_note": fit.placement_note,
        "impact_unit": IMPACT_UNITS[method],
        "what_if_unit": OUTCOME_UNITS[outcome_type],
        "threshold_mode": params.threshold,
        "threshold_satisfaction": _json(fit.ts),
        "threshold_impact": _json(fit.ti),
        "r2": _json(fit.r2),
        "psd_repaired": bool(fit.repaired),
        "bootstrap": runs,
        "bootstrap_n": min(n_resp, params.bootstrap_max_n) if runs else 0,
        "seed": params.seed,
        "min_n": params.min_n,
        "weighted": inp.weights is not None,
        "n_effective": _json(inp.n_eff),
        "moments_tested": marks["tested"],
        "fdr_q": params.fdr_q,
        "pain_min_effect": _json(marks["min_effect"]),
        "small_group_share": params.small_group_share,
        # per moment, for callers that store only some columns (the moment page writes them in words)
        "marks": {
            str(name): {
                "occurrence_p": _json(marks["p"][j]),
                "occurrence_q": _json(marks["q"][j]),
                "occurrence_meaningful": bool(marks["meaningful"][j]),
                "occurrence_small_group": bool(marks["small_group"][j]),
                "smaller_share": _json(marks["smaller_share"][j]),
                "impact_q": _json(impact_q[j]),
                "impact_significant": bool(frame["impact_significant"].iloc[j]),
                "not_placed_reason": str(frame["not_placed_reason"].iloc[j]),
            }
            for j, name in enumerate(moments)
        },
    }
    return summary


def _weighted_sd(y: np.ndarray, w: np.ndarray) -> float:
    """Weighted standard deviation (population form) of y; NaN for no data."""
    if y.size == 0 or w.sum() <= 0:
        return float("nan")
    mean = (w * y).sum() / w.sum()
    return float(np.sqrt((w * (y - mean) ** 2).sum() / w.sum()))
