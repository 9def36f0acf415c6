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

# scipy is imported inside the functions that need a t quantile: importing it costs ~2 s at every start-up.
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
    n = y.size
    if n == 0:
        return np.nan, np.nan, np.nan
    x = float(y.sum())
    n_adj = n + z**2
    p_adj = (x + z**2 / 2) / n_adj
    half = z * np.sqrt(p_adj * (1 - p_adj) / n_adj)
    return 100.0 * x / n, 100.0 * max(p_adj - half, 0.0), 100.0 * min(p_adj + half, 1.0)


def mean_interval(total, total_sq_dev, n, level: float = 0.95):
    """Mean with a Student-t interval from sufficient statistics, vectorised.

    total = sum of values, total_sq_dev = sum of squared deviations from the mean, n = count.
    Returns (mean, low, high); NaN where n < 2 (no variance estimate).
    """
    from scipy import stats

    total = np.asarray(total, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, total / n, np.nan)
        sd = np.sqrt(np.asarray(total_sq_dev, dtype=float) / (n - 1))
        half = stats.t.ppf(0.5 + level / 2, np.where(n > 1, n - 1, np.nan)) * sd / np.sqrt(n)
    half = np.where(n > 1, half, np.nan)
    return mean, mean - half, mean + half


def outcome_summary(y: np.ndarray, outcome_type: str) -> dict:
    """Overall outcome: NPS (points), rate (%) for binary, mean for numeric; with a 95% interval.

    Keys: outcome, outcome_low, outcome_high, promoters, passives, detractors (shares, None unless nps).
    """
    shares = dict.fromkeys(("promoters", "passives", "detractors"))
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
    from scipy import stats

    e1, e0 = v1 / n1, v0 / n0
    df = (e1 + e0) ** 2 / (e1**2 / (n1 - 1) + e0**2 / (n0 - 1))
    half = stats.t.ppf(stats.norm.cdf(z), df) * np.sqrt(e1 + e0)
    diff = m1 - m0
    return diff, diff - half, diff + half


def occurrence_effect(
    y: np.ndarray, experienced: np.ndarray, outcome_type: str, min_n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Outcome of the experiencers minus outcome of the non-experiencers, per moment, with a 95% interval.

    y: n outcome values (no NaN); experienced: n x k bool. Returns (effect, low, high), each k floats:
    NPS points for nps (``nps_difference``), percentage points for binary (``rate_difference``), the outcome's
    unit for numeric (``mean_difference``). Group sums come from one matrix product per statistic.
    NaN unless both groups have at least min_n respondents: a difference against a handful of people is noise
    (one non-experiencer in 100k can read +43 points).
    """
    e = np.asarray(experienced, dtype=float)
    n1 = e.sum(axis=0)
    n0 = y.size - n1
    with np.errstate(invalid="ignore", divide="ignore"):
        if outcome_type == "nps":
            promoter, detractor = (c.astype(float) for c in nps_classify(y))
            p1, d1 = promoter @ e, detractor @ e
            effect, low, high = nps_difference(p1, d1, n1, promoter.sum() - p1, detractor.sum() - d1, n0)
        elif outcome_type == "binary":
            x1 = y @ e
            effect, low, high = rate_difference(x1, n1, y.sum() - x1, n0)
        else:
            yc = y - y.mean()  # centring keeps the sums of squares accurate for large outcomes
            s1, ss1 = yc @ e, (yc**2) @ e
            s0, ss0 = yc.sum() - s1, (yc**2).sum() - ss1
            m1, m0 = s1 / n1, s0 / n0
            v1, v0 = (ss1 - n1 * m1**2) / (n1 - 1), (ss0 - n0 * m0**2) / (n0 - 1)
            effect, low, high = mean_difference(m1, v1, n1, m0, v0, n0)
    ok = (n1 >= min_n) & (n0 >= min_n)
    nan = np.full(e.shape[1], np.nan)
    return np.where(ok, effect, nan), np.where(ok, low, nan), np.where(ok, high, nan)
