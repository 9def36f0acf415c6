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
- "Moved" mark of a contribution: its p-value from the bootstrap standard error (``moved_model.boot_normal_p``),
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
from .moved_model import (
    Period,
    PeriodData,
    boot_normal_p,
    change_decompose,
    design_matrix,
    outcome_change,
    period_describe,
    period_prepare,
    period_sums,
)
from .nps import OUTCOME_TYPES, Z95
from .significance import FDR_Q, bh_adjust, normal_p, significant

# Period lives in ``moved_model``; other modules import it from here.
__all__ = ["MOVED_COLUMNS", "MovedParams", "MovedResult", "Period", "moved_explain", "moved_sentence"]

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
    a = period_prepare(before, k, outcome_type)
    b = period_prepare(after, k, outcome_type)
    summary: dict = {"outcome_type": outcome_type, "outcome_name": outcome_name, "unit": UNIT_WORDS[outcome_type]}
    summary |= outcome_change(a, b, outcome_type)
    summary["n_before"], summary["n_after"] = int(a.y.size), int(b.y.size)

    da, db = period_describe(a), period_describe(b)
    cols = np.flatnonzero((da["n"] >= params.min_n) & (db["n"] >= params.min_n))
    sat = _satisfaction_changes(da, db, cols, k)
    parts = _contributions(a, b, cols, summary["change"], outcome_type, params)
    frame = _moved_frame(moments, cols, da, db, sat, parts, params)
    summary |= {
        "explained": parts["explained"],
        "remainder": parts["remainder"],
        "remainder_low": parts["remainder_low"],
        "remainder_high": parts["remainder_high"],
        "moments_attributed": int(cols.size),
        "moved": frame.loc[frame["significant"], "moment"].tolist(),
        "bootstrap": params.bootstrap,
        "seed": params.seed,
        "fdr_q": params.fdr_q,
        "min_effect": parts["min_effect"],
        "model": MODEL_TEXT,
    }
    summary = {key: _json(value) for key, value in summary.items()}
    summary["sentence"] = moved_sentence(summary, frame)
    return MovedResult(summary=summary, moments=frame)


def _satisfaction_changes(da: dict, db: dict, cols: np.ndarray, k: int) -> dict:
    """Step 3: each moment's satisfaction change B - A, its SE, z-test p and BH q over the moments compared."""
    sat_change = db["satisfaction"] - da["satisfaction"]
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(da["var"] / da["n_eff"] + db["var"] / db["n_eff"])
        sat_p = np.where(np.isfinite(se) & (se > 0), normal_p(sat_change / se), np.nan)
    compared = np.zeros(k, dtype=bool)
    compared[cols] = True
    sat_p = np.where(compared, sat_p, np.nan)
    return {"change": sat_change, "se": se, "p": sat_p, "q": bh_adjust(sat_p), "compared": compared}


def _contributions(a: PeriodData, b: PeriodData, cols: np.ndarray, change: float, outcome_type: str, params) -> dict:
    """Steps 4-5: the pooled model's contributions and remainder, their bootstrap intervals, p, q and moved marks.

    Returns full (``change_decompose`` of the full sample), contribution, explained, remainder, remainder_low,
    remainder_high, low, high, p, q, moved (over the attributed moments ``cols``) and min_effect.
    """
    # Pooled centre of each attributed moment's satisfaction; reach columns only where reach varies.
    wr = a.w @ a.rated[:, cols] + b.w @ b.rated[:, cols]
    centre = (a.w @ a.sat[:, cols] + b.w @ b.sat[:, cols]) / wr if cols.size else np.zeros(0)
    pooled_reach = (a.w @ a.exp[:, cols] + b.w @ b.exp[:, cols]) / (a.w.sum() + b.w.sum())
    reach_pos = np.flatnonzero((pooled_reach > 0) & (pooled_reach < 1))
    reach_cols = cols[reach_pos]
    xa, xb = design_matrix(a, cols, reach_cols, centre), design_matrix(b, cols, reach_cols, centre)
    p = xa.shape[1]
    args = (p, reach_pos.size, cols.size, reach_pos, centre)
    full = change_decompose(period_sums(a, xa, None, cols, None), period_sums(b, xb, None, cols, None), *args)
    contribution = full["contribution"][0]
    explained = float(contribution.sum())
    remainder = change - explained

    boot_contribution = np.full((0, cols.size), np.nan)
    boot_remainder = np.full(0, np.nan)
    if params.bootstrap:
        rng = np.random.default_rng(params.seed)
        sa = period_sums(a, xa, params.bootstrap, cols, rng)
        sb = period_sums(b, xb, params.bootstrap, cols, rng)
        boot = change_decompose(sa, sb, *args)
        boot_contribution = boot["contribution"]
        boot_remainder = boot["change"] - boot_contribution.sum(axis=1)
    c_low, c_high = percentile_interval(boot_contribution) if params.bootstrap else (np.full(cols.size, np.nan),) * 2
    c_p = boot_normal_p(contribution, boot_contribution) if params.bootstrap else np.full(cols.size, np.nan)
    c_q = bh_adjust(c_p)
    sd_y = float(np.sqrt(np.cov(np.concatenate([a.y, b.y]), aweights=np.concatenate([a.w, b.w]))))
    min_effect = params.min_effect(outcome_type, sd_y)
    c_moved = significant(c_q, params.fdr_q) & (np.abs(contribution) >= min_effect)
    if params.bootstrap:
        r_low, r_high = percentile_interval(boot_remainder[:, None])
        r_low, r_high = float(r_low[0]), float(r_high[0])
    else:
        r_low = r_high = np.nan
    return {
        "full": full,
        "contribution": contribution,
        "explained": explained,
        "remainder": remainder,
        "remainder_low": r_low,
        "remainder_high": r_high,
        "low": c_low,
        "high": c_high,
        "p": c_p,
        "q": c_q,
        "moved": c_moved,
        "min_effect": min_effect,
    }


def _moved_frame(moments, cols, da: dict, db: dict, sat: dict, parts: dict, params) -> pd.DataFrame:
    """Step 6a: one row per moment, columns MOVED_COLUMNS (attributed moments' numbers spread over all k)."""
    k = len(moments)
    full, compared, sat_change, se = parts["full"], sat["compared"], sat["change"], sat["se"]

    def spread(values, fill=np.nan, dtype=float):
        out = np.full(k, fill, dtype=dtype)
        out[cols] = values
        return out

    return pd.DataFrame(
        {
            "moment": list(moments),
            "contribution": spread(parts["contribution"]),
            "contribution_low": spread(parts["low"]),
            "contribution_high": spread(parts["high"]),
            "satisfaction_change": np.where(compared, sat_change, np.nan),
            "satisfaction_change_low": np.where(compared, sat_change - Z95 * se, np.nan),
            "satisfaction_change_high": np.where(compared, sat_change + Z95 * se, np.nan),
            "reach_change": db["reach"] - da["reach"],
            "significant": spread(parts["moved"], False, bool),
            "satisfaction_effect": spread(full["satisfaction_effect"][0]),
            "reach_effect": spread(full["reach_effect"][0]),
            "contribution_p": spread(parts["p"]),
            "contribution_q": spread(parts["q"]),
            "satisfaction_before": da["satisfaction"],
            "satisfaction_after": db["satisfaction"],
            "satisfaction_p": sat["p"],
            "satisfaction_q": sat["q"],
            "satisfaction_significant": significant(sat["q"], params.fdr_q),
            "reach_before": da["reach"],
            "reach_after": db["reach"],
            "n_before": da["n"].astype(int),
            "n_after": db["n"].astype(int),
            "slope": spread(full["slope"][0]),
            "occurrence_effect": spread(full["occurrence"][0]),
        },
        columns=list(MOVED_COLUMNS),
    )


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
