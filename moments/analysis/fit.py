"""The driver model of ``analyse`` (``engine``, steps 3-6): centred inputs, one fit, placement, and the bootstrap
that refits it.

``drivers_fit``: the full-sample fit, thresholds, quadrants and what-if; ``drivers_bootstrap``: the resamples'
intervals, stability and impact p-values. Pure numpy. Steps of ``model_estimate`` (one fit, full sample or one
resample):
1. Weighted pairwise-complete sums of [moments..., outcome columns] (``drivers.pairwise_stats``).
2. Correlations, repaired to PSD if needed (Higham 2002); impact by Johnson (2000) relative weights, exact
   LMG/Shapley (Lindeman, Merenda & Gold 1980; Groemping 2006) or the bivariate correlation.
3. What-if slopes (``whatif``). ``model_bootstrap`` repeats this per resample (``bootstrap``) and derives
   thresholds, quadrants and what-if from each one; its pairwise sums come from exact float32 codes
   (``resample``) when the columns sit on a grid and there are no survey weights, else from the float64 values.
   With a bootstrap the model carries one extra random baseline column (``_baseline_column``) against which the
   impact marks are judged; it changes no other number.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import bootstrap as boot
from . import resample
from .drivers import (
    impact_from_correlation,
    pairwise_correlation,
    pairwise_sd,
    pairwise_stats,
    psd_repair,
    relative_weights,
)
from .nps import nps_classify
from .params import AnalysisParams
from .quadrants import quadrant_codes, thresholds_compute
from .significance import bh_adjust, bootstrap_p
from .whatif import whatif_mean_gap, whatif_slopes

_BLOCK = 16_384  # rows per pass over the ratings


@dataclass
class ModelInputs:
    """The driver model's inputs for the eligible moments (enough ratings), shared by all resamples."""

    values: np.ndarray  # n x (ke + q): centred ratings (0 where not rated) then centred outcome columns
    mask: np.ndarray  # n x (ke + q) bool: observed
    centre: np.ndarray  # ke + q column means
    k: int  # ke, the number of eligible moments
    outcome_type: str
    method: str
    baseline: bool = False  # the last column is a random baseline variable (``baseline_add``), not a model column

    def mean_gap(self, values: np.ndarray, mask: np.ndarray, threshold: float, weights=None) -> np.ndarray:
        """``whatif_mean_gap`` on the centred ratings: the threshold moves by each moment's centre."""
        k = self.k
        return whatif_mean_gap(values[:, :k], mask[:, :k], threshold - self.centre[:k], weights)


@dataclass
class ModelEstimate:
    satisfaction: np.ndarray
    impact: np.ndarray
    correlation: np.ndarray
    slopes: np.ndarray
    r2: float
    repaired: bool
    baseline: float = float("nan")  # the random baseline's relative weight, % of R^2 of the augmented model


def _outcome_columns(y: np.ndarray, outcome_type: str) -> np.ndarray:
    """Outcome columns of the driver model: [ltr, promoter, detractor] for nps, [y] otherwise."""
    if outcome_type == "nps":
        promoter, detractor = nps_classify(y)
        return np.column_stack([y, promoter, detractor]).astype(float)
    return y[:, None].astype(float)


def model_prepare(ratings, rated, y, eligible, outcome_type, method, w, baseline_seed=None) -> ModelInputs:
    """Centred model inputs; w: survey weights (ones when unweighted), so the centres are weighted means.

    baseline_seed: append the random baseline column (``_baseline_column``) seeded so; None: no baseline.
    """
    cols = np.flatnonzero(eligible)
    ke, n = cols.size, len(y)
    outcomes = _outcome_columns(y, outcome_type)
    blocks = [slice(start, start + _BLOCK) for start in range(0, n, _BLOCK)]
    sums, counts = np.zeros(ke), np.zeros(ke)
    for rows in blocks:  # blocks of rows: no n x k temporaries beyond the two arrays kept
        m_b = rated[rows][:, cols]
        sums += w[rows] @ np.where(m_b, ratings[rows][:, cols], 0.0)
        counts += w[rows] @ m_b.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre_r = sums / counts
    centre = np.concatenate([centre_r, (w @ outcomes) / w.sum()])
    if baseline_seed is not None:
        outcomes = np.column_stack([outcomes, _baseline_column(n, baseline_seed)])
        centre = np.append(centre, (w @ outcomes[:, -1]) / w.sum())
    values = np.empty((n, len(centre)))
    mask = np.ones(values.shape, dtype=bool)
    for rows in blocks:
        m_b = rated[rows][:, cols]
        mask[rows, :ke] = m_b
        values[rows, :ke] = np.where(m_b, ratings[rows][:, cols] - centre_r, 0.0)
    values[:, ke:] = outcomes - centre[ke:]
    return ModelInputs(values, mask, centre, len(centre_r), outcome_type, method, baseline_seed is not None)


def model_estimate(
    data: ModelInputs, values: np.ndarray, mask: np.ndarray, weights: np.ndarray | None = None
) -> ModelEstimate:
    """Satisfaction, impact, bivariate r and what-if slopes of the eligible moments.

    values, mask: data.values / data.mask or their resampled rows; weights: the rows' survey weights times their
    resample counts (None = all 1).
    """
    return model_from_stats(data, pairwise_stats(values, mask, weights), data.centre, None)


def model_from_stats(data: ModelInputs, stats: tuple, offset: np.ndarray, scale: np.ndarray | None) -> ModelEstimate:
    """``model_estimate`` from the pairwise sums of columns coded as value = offset + scale x column.

    scale None: the columns are the centred values themselves (offset = the centres). Correlations do not depend
    on the coding; means and SDs are mapped back to the values' units.
    """
    k = data.k
    with np.errstate(invalid="ignore", divide="ignore"):
        raw_mean = np.diag(stats[1]) / np.diag(stats[0])
    mean = offset + (raw_mean if scale is None else scale * raw_mean)
    r = pairwise_correlation(stats)
    baseline = float("nan")
    if data.baseline:
        baseline = _baseline_share(r, k)
        r = r[:-1, :-1]
    driver, repaired = psd_repair(r[: k + 1, : k + 1])
    impact, r2 = impact_from_correlation(driver, data.method)
    if data.method == "correlation":
        impact = r[:k, k].copy()  # the bivariate r itself, not the repaired one
    if r.shape[0] > k + 1:  # nps: promoter and detractor columns join the what-if model
        full, repaired_full = psd_repair(r)
        repaired = repaired or repaired_full
    else:
        full = driver
    sd = pairwise_sd(stats)
    if scale is not None:
        sd = sd * scale[:, None]
    if data.baseline:
        sd = sd[:-1, :-1]
    slopes = whatif_slopes(full, sd, data.outcome_type)
    return ModelEstimate(mean[:k], impact, r[:k, k].copy(), slopes, r2, repaired, baseline)


def _baseline_share(r: np.ndarray, k: int) -> float:
    """Relative weight (% of R^2) of the random baseline column (last) among the k moments, outcome column k."""
    idx = [*range(k), r.shape[0] - 1, k]
    aug, _ = psd_repair(r[np.ix_(idx, idx)])
    raw = relative_weights(aug[:-1, :-1], aug[:-1, -1])
    total = raw.sum()
    return float(100.0 * raw[-1] / total) if total > 1e-12 else float("nan")


def _baseline_column(n: int, seed: int) -> np.ndarray:
    """The random baseline variable (Tonidandel, LeBreton & Johnson 2009): unrelated to everything by construction.

    Integers 1..11 drawn uniformly per respondent from its own seeded generator (a grid, so the bootstrap's exact
    float32 codes still apply). Its relative weight in each resample says how much of R^2 a moment gets by chance
    alone; adding it changes no other column's sums.
    """
    return np.random.default_rng([seed, 13]).integers(1, 12, size=n).astype(float)


def model_bootstrap(
    data, est, sat, impact, what_if, placed, codes, params, n_resp, progress, weights=None, exact=True
) -> dict:
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
    base_b = np.full(b_total, np.nan)
    reported = -1
    # exact float32 codes when every column is on a small grid and there are no survey weights (``resample``)
    coded = resample.codes_prepare(data.values, data.mask, data.centre) if weights is None and exact else None
    for b, (rows, counts) in enumerate(boot.resample_rows(n_resp, b_total, params.bootstrap_max_n, params.seed)):
        if coded is not None:
            stats, blocks = resample.code_stats(coded, rows, counts)
            e = model_from_stats(data, stats, coded.offset, coded.scale)
        else:
            values, mask = data.values[rows], data.mask[rows]
            rw = counts if weights is None else (weights[rows] if counts is None else counts * weights[rows])
            e = model_estimate(data, values, mask, rw)
        sat_b[b] = boot.rescale(e.satisfaction, sat, factor)
        imp_b[b] = boot.rescale(e.impact, impact, factor)
        base_b[b] = boot.rescale(np.array([e.baseline]), np.array([est.baseline]), factor)[0]
        ts_b[b], ti_b[b] = thresholds_compute(
            sat_b[b], imp_b[b], placed, params.threshold, params.fixed_satisfaction, params.fixed_impact
        )
        if coded is not None:
            size = float(rows.size if counts is None else counts.sum())
            gap = resample.code_gap(coded, blocks, data.k, float(ts_b[b]), size)
        else:
            gap = data.mean_gap(values, mask, float(ts_b[b]), rw)
        wi_b[b] = boot.rescale(e.slopes * gap, what_if, factor)
        if progress is not None and (pct := (100 * (b + 1)) // b_total) > reported:
            reported = pct
            progress((b + 1) / b_total)
    codes_b = quadrant_codes(sat_b, imp_b, ts_b, ti_b, placed)
    return {
        "sat": sat_b,
        "impact": imp_b,
        "what_if": wi_b,
        "baseline": base_b,
        "stability": boot.stability(codes_b, codes),
    }


@dataclass
class AnalysisInputs:
    """Validated inputs, respondents without an outcome dropped; w: survey weights (ones when unweighted)."""

    ratings: np.ndarray
    outcome: np.ndarray
    experienced: np.ndarray
    weights: np.ndarray | None
    rated: np.ndarray
    w: np.ndarray
    n_eff: float


@dataclass
class DriverFit:
    """The full-sample driver model of the eligible moments, its thresholds, quadrants and what-if (k entries)."""

    data: ModelInputs | None
    est: ModelEstimate | None
    sat: np.ndarray
    impact: np.ndarray
    corr: np.ndarray
    what_if: np.ndarray
    r2: float
    repaired: bool
    eligible: np.ndarray
    placeable: np.ndarray
    placed: np.ndarray
    reason: np.ndarray
    placement_note: str
    ts: float
    ti: float
    codes: np.ndarray


def drivers_fit(
    inp: AnalysisInputs, sat, eligible, outcome_type: str, method: str, params: AnalysisParams
) -> DriverFit:
    """Steps 3-5: the driver model on the eligible moments, thresholds, quadrants and what-if (full sample)."""
    k = inp.ratings.shape[1]
    nan_k = np.full(k, np.nan)
    impact, corr, what_if = nan_k.copy(), nan_k.copy(), nan_k.copy()
    r2, repaired, est = np.nan, False, None
    # the impact marks compare each moment with a random baseline (issue 13); only the bootstrap reads it
    baseline_seed = params.seed if params.bootstrap > 0 and method != "correlation" else None
    data = (
        model_prepare(inp.ratings, inp.rated, inp.outcome, eligible, outcome_type, method, inp.w, baseline_seed)
        if eligible.sum()
        else None
    )
    if data is not None:
        est = model_estimate(data, data.values, data.mask, inp.weights)
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
        what_if[eligible] = est.slopes * data.mean_gap(data.values, data.mask, float(ts), inp.weights)
        what_if[~placeable] = np.nan
    return DriverFit(
        data=data,
        est=est,
        sat=sat,
        impact=impact,
        corr=corr,
        what_if=what_if,
        r2=r2,
        repaired=repaired,
        eligible=eligible,
        placeable=placeable,
        placed=placed,
        reason=reason,
        placement_note=placement_note,
        ts=ts,
        ti=ti,
        codes=codes,
    )


def drivers_bootstrap(fit: DriverFit, inp: AnalysisInputs, params: AnalysisParams, progress) -> dict:
    """Step 6: bootstrap intervals, stability and impact p-values (NaN where not placed / placeable).

    Returns sat_ci (None without a bootstrap: the Student-t interval stands), impact_ci, what_if_ci (low, high),
    stability, impact_q and runs.
    """
    k = fit.sat.size
    nan_k = np.full(k, np.nan)
    impact_ci, what_if_ci, sat_ci = (nan_k.copy(), nan_k.copy()), (nan_k.copy(), nan_k.copy()), None
    stab, impact_p = nan_k.copy(), nan_k.copy()
    runs = 0
    eligible, placeable, placed = fit.eligible, fit.placeable, fit.placed
    if fit.data is not None and params.bootstrap > 0:
        runs = params.bootstrap
        draws = model_bootstrap(
            fit.data,
            fit.est,
            fit.sat[eligible],
            fit.impact[eligible],
            fit.what_if[eligible],
            placeable[eligible],
            fit.codes[eligible],
            params,
            inp.ratings.shape[0],
            progress,
            inp.weights,
        )
        sat_ci = (nan_k.copy(), nan_k.copy())
        beyond = boot.beyond_baseline(draws["impact"], draws["baseline"]) if fit.data.baseline else draws["impact"]
        for target, source in ((sat_ci, draws["sat"]), (impact_ci, beyond), (what_if_ci, draws["what_if"])):
            low, high = boot.percentile_interval(source)
            target[0][eligible], target[1][eligible] = low, high
        stab[eligible] = draws["stability"]
        impact_p[eligible] = bootstrap_p(beyond)
        for low, high in (impact_ci, what_if_ci):
            low[~placeable], high[~placeable] = np.nan, np.nan
        stab[~placed] = np.nan
        impact_p[~placeable] = np.nan
    return {
        "sat_ci": sat_ci,
        "impact_ci": impact_ci,
        "what_if_ci": what_if_ci,
        "stability": stab,
        "impact_q": bh_adjust(impact_p),
        "runs": runs,
    }
