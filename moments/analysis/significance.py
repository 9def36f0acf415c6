"""One discipline for every "this is real" mark: a p-value per moment, Benjamini-Hochberg over the moments of one
analysis, and (where the number tells a team to act) a minimum meaningful effect.

Why: one 5% test per moment flags about one moment in twenty by chance, so with 25 moments an analyst meets a false
alarm in most analyses; and at large n an effect of -1 NPS point is "significant" but far too small to act on
(issue 13, DESIGN section 2). Controlling the false discovery rate over the moments of one analysis keeps the
expected share of false marks among the marked ones at q, whatever the number of moments.

Sources:
- Benjamini, Y. & Hochberg, Y. (1995). Controlling the false discovery rate: a practical and powerful approach to
  multiple testing. J. R. Stat. Soc. B 57(1), 289-300. Adjusted p-values ("q-values") as in R's
  ``p.adjust(method = "BH")``: q_(i) = min over j >= i of m p_(j) / j, capped at 1.
- Bootstrap p-value of "the statistic is 0": twice the smaller tail share of the resamples on either side of 0,
  with the +1 correction of Davison & Hinkley (1997, section 4.4) so that it is never exactly 0.
"""

from __future__ import annotations

import numpy as np

FDR_Q = 0.05  # DESIGN section 2: false discovery rate over the moments of one analysis


def bh_adjust(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values) of one family, the same shape as p.

    NaN entries (moments not tested: too few respondents, no variation) stay NaN and are not counted in the family
    size m. A test is significant at false discovery rate q when its adjusted value is <= q. Equals R's
    ``p.adjust(p, "BH")`` on the finite entries.
    """
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    finite = np.isfinite(p)
    m = int(finite.sum())
    if m == 0:
        return out
    values = np.clip(p[finite], 0.0, 1.0)
    order = np.argsort(values, kind="stable")
    scaled = values[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    result = np.empty(m)
    result[order] = adjusted
    out[finite] = result
    return out


def family_size(p: np.ndarray) -> int:
    """The family size m of ``bh_adjust``: how many moments were tested (finite p-values)."""
    return int(np.isfinite(np.asarray(p, dtype=float)).sum())


def normal_p(z: np.ndarray) -> np.ndarray:
    """Two-sided p-value of a standard normal statistic, vectorised (NaN stays NaN)."""
    from scipy import special

    z = np.asarray(z, dtype=float)
    return special.erfc(np.abs(z) / np.sqrt(2.0))


def bootstrap_p(draws: np.ndarray) -> np.ndarray:
    """Two-sided bootstrap p-value of "the statistic is 0", per column of draws (B x k), NaN draws ignored.

    p = min(1, 2 min(#(d <= 0) + 1, #(d >= 0) + 1) / (B + 1)). A column with no finite draw gives NaN. It rejects
    at level a exactly when the percentile interval at level 1 - a excludes 0 (up to the +1 correction), so the
    marks and the intervals shown beside them agree.
    """
    draws = np.asarray(draws, dtype=float)
    finite = np.isfinite(draws)
    b = finite.sum(axis=0)
    below = (finite & (draws <= 0)).sum(axis=0)
    above = (finite & (draws >= 0)).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.minimum(1.0, 2.0 * (np.minimum(below, above) + 1) / (b + 1))
    return np.where(b > 0, p, np.nan)


def significant(q: np.ndarray, level: float = FDR_Q) -> np.ndarray:
    """Boolean mark: adjusted p-value at most the false discovery rate (NaN = not tested = False)."""
    q = np.asarray(q, dtype=float)
    return np.isfinite(q) & (q <= level)


def interval_marks(estimate, low, high, reference=0.0, level: float = FDR_Q) -> dict[str, np.ndarray]:
    """Marks for a family of estimates that each come with a symmetric 95% interval (e.g. a segment's
    satisfaction against the moment's overall satisfaction, one row per segment value).

    SE = (high - low) / (2 x 1.96); z = (estimate - reference) / SE; p two-sided normal; q Benjamini-Hochberg over
    the family; significant = q <= level. reference: a scalar or one per row (its own uncertainty is ignored,
    which suits a whole-sample reference much larger than each group). Rows with a missing interval are not
    tested (NaN p / q, not significant). Returns k-arrays p, q, significant.
    """
    from .nps import Z95

    estimate, low, high = (np.asarray(v, dtype=float) for v in (estimate, low, high))
    with np.errstate(invalid="ignore", divide="ignore"):
        se = (high - low) / (2 * Z95)
        z = (estimate - np.asarray(reference, dtype=float)) / se
    p = np.where(np.isfinite(z) & (se > 0), normal_p(z), np.nan)
    q = bh_adjust(p)
    return {"p": p, "q": q, "significant": significant(q, level)}
