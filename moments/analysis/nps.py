"""Outcome statistics: NPS with its adjusted-Wald interval, rates, means, and the occurrence effect.

Everything here is vectorised over moments (columns); nothing loops over respondents.

Units: NPS and its intervals in NPS points (-100..100); rates and rate differences in % / percentage points;
numeric outcomes in their own unit.

Sources:
- NPS variance Var = p + d - (p - d)^2 and the adjusted-Wald interval (add 3 to n and 0.75 to the promoter and the
  detractor counts): Rocks, B. (2016), "Interval estimation for the net promoter score", The American
  Statistician 70(4), 365-372.
- Binary rate: Agresti & Coull (1998) adjusted interval; difference of two rates: Agresti & Caffo (2000)
  (add one success and one failure per group), both known to cover close to the nominal 95%.
- Numeric difference of means: Welch (1947) t interval with Welch-Satterthwaite degrees of freedom.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

# scipy.special is imported inside the functions that need a t quantile (stdtrit / stdtr, not scipy.stats):
# importing scipy.stats costs ~1 s at every start-up, scipy.special ~0.3 s.
Z95 = NormalDist().inv_cdf(0.975)

OUTCOME_TYPES = ("nps", "binary", "numeric")


def nps_classify(ltr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Promoter (9-10) and detractor (0-6) indicators of likelihood-to-recommend values on 0-10.

    Non-integer values (e.g. averaged answers) are promoters from 9 up and detractors up to 6.
    """
    ltr = np.asarray(ltr, dtype=float)
    return ltr >= 9, ltr <= 6


def nps_interval(promoters, detractors, n, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Adjusted-Wald 95% interval of the NPS (Rocks 2016), vectorised over array arguments.

    n' = n + 3, p = (P + 0.75) / n', d = (D + 0.75) / n', NPS' = 100 (p - d),
    SE = 100 sqrt((p + d - (p - d)^2) / n'); interval NPS' +- z SE, clipped to [-100, 100].
    Inputs are counts; output in NPS points. The point estimate to report beside it is the plain NPS.
    """
    promoters = np.asarray(promoters, dtype=float)
    detractors = np.asarray(detractors, dtype=float)
    n_adj = np.asarray(n, dtype=float) + 3.0
    p = (promoters + 0.75) / n_adj
    d = (detractors + 0.75) / n_adj
    centre = 100.0 * (p - d)
    se = 100.0 * np.sqrt((p + d - (p - d) ** 2) / n_adj)
    return np.clip(centre - z * se, -100.0, 100.0), np.clip(centre + z * se, -100.0, 100.0)


def nps_summary(ltr: np.ndarray) -> dict:
    """NPS of likelihood-to-recommend answers (0-10; NaN ignored).

    Returns a JSON-ready dict: n, nps (plain, 100 (P - D) / n), nps_low / nps_high (adjusted-Wald 95% interval,
    Rocks 2016), promoters, passives, detractors (shares 0-1). Numbers are None when n == 0.
    """
    ltr = np.asarray(ltr, dtype=float).ravel()
    ltr = ltr[np.isfinite(ltr)]
    n = int(ltr.size)
    if n == 0:
        return dict.fromkeys(("nps", "nps_low", "nps_high", "promoters", "passives", "detractors"), None) | {"n": 0}
    promoter, detractor = nps_classify(ltr)
    n_p, n_d = int(promoter.sum()), int(detractor.sum())
    low, high = nps_interval(n_p, n_d, n)
    return {
        "n": n,
        "nps": 100.0 * (n_p - n_d) / n,
        "nps_low": float(low),
        "nps_high": float(high),
        "promoters": n_p / n,
        "passives": (n - n_p - n_d) / n,
        "detractors": n_d / n,
    }


def rate_summary(y: np.ndarray, z: float = Z95) -> tuple[float, float, float]:
    """Rate of a 0/1 outcome in %, with the Agresti-Coull 95% interval (Agresti & Coull 1998), clipped to 0-100."""
    return rate_summary_from(float(y.sum()), y.size, z)


def rate_summary_from(x: float, n: float, z: float = Z95) -> tuple[float, float, float]:
    """``rate_summary`` from x successes of n (n may be an effective, non-integer n)."""
    if n == 0:
        return np.nan, np.nan, np.nan
    x = float(x)
    n_adj = n + z**2
    p_adj = (x + z**2 / 2) / n_adj
    half = z * np.sqrt(p_adj * (1 - p_adj) / n_adj)
    return 100.0 * x / n, 100.0 * max(p_adj - half, 0.0), 100.0 * min(p_adj + half, 1.0)


def mean_interval(total, total_sq_dev, n, level: float = 0.95):
    """Mean with a Student-t interval from sufficient statistics, vectorised.

    total = sum of values, total_sq_dev = sum of squared deviations from the mean, n = count.
    Returns (mean, low, high); NaN where n < 2 (no variance estimate).
    """
    from scipy import special  # stdtrit = Student-t quantile; scipy.stats would add ~0.6 s of import

    total = np.asarray(total, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, total / n, np.nan)
        sd = np.sqrt(np.asarray(total_sq_dev, dtype=float) / (n - 1))
        half = special.stdtrit(np.where(n > 1, n - 1, np.nan), 0.5 + level / 2) * sd / np.sqrt(n)
    half = np.where(n > 1, half, np.nan)
    return mean, mean - half, mean + half


def outcome_summary(y: np.ndarray, outcome_type: str, weights: np.ndarray | None = None) -> dict:
    """Overall outcome: NPS (points), rate (%) for binary, mean for numeric; with a 95% interval.

    Keys: outcome, outcome_low, outcome_high, promoters, passives, detractors (shares, None unless nps).
    weights: optional survey weights: weighted shares / mean, intervals on Kish's effective n.
    """
    shares = dict.fromkeys(("promoters", "passives", "detractors"))
    if weights is not None:
        return _weighted_outcome_summary(y, outcome_type, np.asarray(weights, dtype=float)) | (
            {} if outcome_type == "nps" else shares
        )
    if outcome_type == "nps":
        s = nps_summary(y)
        return {"outcome": s["nps"], "outcome_low": s["nps_low"], "outcome_high": s["nps_high"]} | {
            key: s[key] for key in shares
        }
    if outcome_type == "binary":
        value, low, high = rate_summary(y)
    else:
        mean = y.mean() if y.size else np.nan
        value, low, high = mean_interval(y.sum(), ((y - mean) ** 2).sum(), y.size)
    return {"outcome": value, "outcome_low": low, "outcome_high": high} | shares


def _weighted_outcome_summary(y: np.ndarray, outcome_type: str, w: np.ndarray) -> dict:
    """``outcome_summary`` under survey weights: weighted shares / mean; intervals with n = Kish's effective n."""
    n_eff = float(kish_n(w)) if y.size else 0.0
    if y.size == 0 or n_eff == 0:
        return {"outcome": np.nan, "outcome_low": np.nan, "outcome_high": np.nan} | (
            dict.fromkeys(("promoters", "passives", "detractors"), np.nan) if outcome_type == "nps" else {}
        )
    total = w.sum()
    if outcome_type == "nps":
        promoter, detractor = nps_classify(y)
        p, d = (w * promoter).sum() / total, (w * detractor).sum() / total
        low, high = nps_interval(p * n_eff, d * n_eff, n_eff)
        return {
            "outcome": 100.0 * (p - d),
            "outcome_low": float(low),
            "outcome_high": float(high),
            "promoters": p,
            "passives": 1.0 - p - d,
            "detractors": d,
        }
    mean = (w * y).sum() / total
    if outcome_type == "binary":
        _, low, high = rate_summary_from(mean * n_eff, n_eff)
        return {"outcome": 100.0 * mean, "outcome_low": low, "outcome_high": high}
    var = (w * (y - mean) ** 2).sum() / total
    value, low, high = mean_interval(mean * n_eff, var * n_eff, n_eff)
    return {"outcome": float(value), "outcome_low": float(low), "outcome_high": float(high)}


def nps_difference(p1, d1, n1, p0, d0, n0, z: float = Z95):
    """NPS of group 1 minus NPS of group 0 from promoter / detractor counts, with a normal 95% interval.

    SE = 100 sqrt(V1/n1 + V0/n0), V = p + d - (p - d)^2 with p, d the shares (DESIGN section 2; Rocks 2016).
    Returns (difference, low, high) in NPS points; vectorised.
    """
    p1, d1, p0, d0 = p1 / n1, d1 / n1, p0 / n0, d0 / n0
    diff = 100.0 * ((p1 - d1) - (p0 - d0))
    se = 100.0 * np.sqrt((p1 + d1 - (p1 - d1) ** 2) / n1 + (p0 + d0 - (p0 - d0) ** 2) / n0)
    return diff, diff - z * se, diff + z * se


def rate_difference(x1, n1, x0, n0, z: float = Z95):
    """Rate of group 1 minus rate of group 0 (x successes of n), in percentage points.

    Point estimate: the plain difference. Interval: Agresti & Caffo (2000), one success and one failure added
    to each group, which keeps coverage near 95% for rates near 0 or 1. Vectorised.
    """
    a1, a0 = (x1 + 1) / (n1 + 2), (x0 + 1) / (n0 + 2)
    centre = 100.0 * (a1 - a0)
    se = 100.0 * np.sqrt(a1 * (1 - a1) / (n1 + 2) + a0 * (1 - a0) / (n0 + 2))
    return 100.0 * (x1 / n1 - x0 / n0), centre - z * se, centre + z * se


def mean_difference(m1, v1, n1, m0, v0, n0, z: float = Z95):
    """Mean of group 1 minus mean of group 0 with a Welch (1947) t interval (Welch-Satterthwaite df).

    m: group means, v: group sample variances (ddof 1), n: group sizes; the level matches z (95%). Vectorised.
    """
    from scipy import special

    e1, e0 = v1 / n1, v0 / n0
    df = (e1 + e0) ** 2 / (e1**2 / (n1 - 1) + e0**2 / (n0 - 1))
    half = special.stdtrit(df, special.ndtr(z)) * np.sqrt(e1 + e0)
    diff = m1 - m0
    return diff, diff - half, diff + half


def kish_n(weights: np.ndarray, member: np.ndarray | None = None) -> np.ndarray:
    """Kish's effective sample size (sum w)^2 / sum w^2, per column of member (n x k bool) or overall.

    Equals the count when all weights are equal; what intervals and the minimum sample use under survey weights
    (Kish 1965, Survey Sampling, section 11.7).
    """
    w = np.asarray(weights, dtype=float)
    if member is None:
        total, squares = w.sum(), (w**2).sum()
    else:
        m = np.asarray(member, dtype=float)
        total, squares = w @ m, (w**2) @ m
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(squares > 0, total**2 / np.where(squares > 0, squares, 1.0), 0.0)


_BLOCK = 16_384  # rows per pass in ``group_sums``


def group_sums(columns: np.ndarray, member: np.ndarray) -> np.ndarray:
    """columns' member: q x k sums of each column (n x q floats) over the members (n x k bool) of each group.

    One matrix product per block of rows, so the n x k float copy of member is never made (600 MB for 3M x 25).
    """
    columns = np.asarray(columns, dtype=float)
    out = np.zeros((columns.shape[1], member.shape[1]))
    for start in range(0, member.shape[0], _BLOCK):
        rows = slice(start, start + _BLOCK)
        out += columns[rows].T @ member[rows].astype(float)
    return out


def occurrence_test(
    y: np.ndarray,
    experienced: np.ndarray,
    outcome_type: str,
    min_n: int,
    weights: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Occurrence effect per moment with its 95% interval, two-sided p-value and group sizes.

    y: n outcome values (no NaN); experienced: n x k bool; weights: optional n survey weights (> 0).
    Effect = outcome of the experiencers minus outcome of the non-experiencers (DESIGN section 2): NPS points for
    nps (``nps_difference``), percentage points for binary (``rate_difference``), the outcome's unit for numeric
    (``mean_difference``). With weights the group shares / means are weighted and every interval uses each
    group's Kish effective n (``kish_n``) in place of its count; equal weights give the unweighted numbers.
    Returns k-arrays: effect, low, high, p (two-sided, of "no difference"), n1, n0 (effective group sizes),
    smaller_share (weighted share of respondents in the smaller group, 0-1). effect / low / high / p are NaN
    unless both groups reach min_n (effective) respondents: a difference against a handful of people is noise
    (one non-experiencer in 100k can read +43 points).

    The p-value uses the variance pooled over both groups, as holds under "no difference" (the score test; the
    classic two-proportion z-test for binary; Welch's t for numeric). The interval keeps each group's own
    variance (DESIGN section 2). Why pooled: an NPS group's variance p + d - (p - d)^2 shrinks as its NPS moves
    away from 0, so with the groups' own variances a small group that happens to score high also gets a small
    SE; on planted-truth surveys that made the "experiencers score lower" tail 35% too heavy (p < 0.0125 in 0.84%
    of null moments instead of 0.625%), which is exactly the side a pain point is read from.
    Group sums come from one matrix product per statistic; no loop over respondents.
    """
    from .significance import normal_p

    e = np.asarray(experienced, dtype=bool)
    y = np.asarray(y, dtype=float)
    w = np.ones(y.size) if weights is None else np.asarray(weights, dtype=float)
    w_total, w2_total = w.sum(), (w * w).sum()
    if outcome_type == "nps":
        promoter, detractor = (c.astype(float) * w for c in nps_classify(y))
        extra = [promoter, detractor]
    elif outcome_type == "binary":
        extra = [w * y]
    else:
        yc = y - (w * y).sum() / w_total  # centring keeps the sums of squares accurate for large outcomes
        extra = [w * yc, w * yc**2]
    sums = group_sums(np.column_stack([w, w * w, *extra]), e)  # every group sum in one pass
    w1, w1_sq = sums[0], sums[1]
    w0 = w_total - w1
    with np.errstate(invalid="ignore", divide="ignore"):
        n1 = np.where(w1_sq > 0, w1**2 / np.where(w1_sq > 0, w1_sq, 1.0), 0.0)  # Kish per group (``kish_n``)
        w0_sq = np.maximum(w2_total - w1_sq, 0.0)
        n0 = np.where(w0_sq > 0, w0**2 / np.where(w0_sq > 0, w0_sq, 1.0), 0.0)
        if outcome_type == "nps":
            p1, d1 = sums[2] / w1, sums[3] / w1
            p0, d0 = (promoter.sum() - sums[2]) / w0, (detractor.sum() - sums[3]) / w0
            effect, low, high = nps_difference(p1 * n1, d1 * n1, n1, p0 * n0, d0 * n0, n0)
            pp, dd = promoter.sum() / w_total, detractor.sum() / w_total
            p = normal_p(effect / (100.0 * np.sqrt((pp + dd - (pp - dd) ** 2) * (1.0 / n1 + 1.0 / n0))))
        elif outcome_type == "binary":
            x1 = sums[2] / w1
            x0 = ((w * y).sum() - sums[2]) / w0
            effect, low, high = rate_difference(x1 * n1, n1, x0 * n0, n0)
            pooled = (w * y).sum() / w_total
            p = normal_p(effect / (100.0 * np.sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n0))))
        else:
            from scipy import special

            s1, ss1 = sums[2], sums[3]
            s0, ss0 = extra[0].sum() - s1, extra[1].sum() - ss1
            m1, m0 = s1 / w1, s0 / w0
            # weighted variance with the effective-n correction: SS / (n - 1) when the weights are equal
            v1 = (ss1 / w1 - m1**2) * n1 / (n1 - 1)
            v0 = (ss0 / w0 - m0**2) * n0 / (n0 - 1)
            effect, low, high = mean_difference(m1, v1, n1, m0, v0, n0)
            e1, e0 = v1 / n1, v0 / n0
            df = (e1 + e0) ** 2 / (e1**2 / (n1 - 1) + e0**2 / (n0 - 1))
            p = 2.0 * special.stdtr(df, -np.abs(effect) / np.sqrt(e1 + e0))
        smaller = np.minimum(w1, w0) / w_total
    ok = (n1 >= min_n) & (n0 >= min_n) & np.isfinite(effect)
    nan = np.full(e.shape[1], np.nan)
    return {
        "effect": np.where(ok, effect, nan),
        "low": np.where(ok, low, nan),
        "high": np.where(ok, high, nan),
        "p": np.where(ok, p, nan),
        "n1": n1,
        "n0": n0,
        "smaller_share": smaller,
    }


def occurrence_effect(
    y: np.ndarray,
    experienced: np.ndarray,
    outcome_type: str,
    min_n: int,
    weights: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(effect, low, high) of ``occurrence_test``: the occurrence effect per moment with its 95% interval.

    y: n outcome values (no NaN); experienced: n x k bool; weights: optional survey weights. Units as in
    ``occurrence_test``; NaN unless both groups have at least min_n (effective) respondents.
    """
    test = occurrence_test(y, experienced, outcome_type, min_n, weights)
    return test["effect"], test["low"], test["high"]
