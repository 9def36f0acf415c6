"""Driver (impact) statistics from a pairwise-complete correlation matrix.

Steps, as used by the engine:
1. ``pairwise_stats`` + ``pairwise_correlation``: Pearson correlations over the respondents who have both values
   (pairwise-complete), from weighted sufficient statistics computed with matrix products on the zero-filled
   data and its mask, so the same code serves the full sample (weights 1) and bootstrap resamples (count weights).
2. ``psd_repair``: pairwise-complete matrices need not be positive semi-definite; repaired with Higham's nearest
   correlation matrix (Higham 2002, alternating projections with Dykstra's correction).
3. Impact: ``relative_weights`` (Johnson 2000), ``lmg`` (Lindeman, Merenda & Gold 1980; Groemping 2006 -
   the Shapley decomposition of R^2), or the bivariate correlation itself.

Sources:
- Johnson, J. W. (2000). A heuristic method for estimating the relative weight of predictor variables in multiple
  regression. Multivariate Behavioral Research 35(1), 1-19.
- Lindeman, R. H., Merenda, P. F., Gold, R. Z. (1980). Introduction to Bivariate and Multivariate Analysis.
- Groemping, U. (2006). Relative importance for linear regression in R: the package relaimpo. J. Stat. Softw. 17(1).
- Higham, N. J. (2002). Computing the nearest correlation matrix - a problem from finance. IMA J. Numer. Anal.
  22(3), 329-343.
"""

from __future__ import annotations

import functools
import math

import numpy as np

MAX_SHAPLEY_K = 15  # 2^15 subset regressions; beyond that exact LMG is too slow for a web request
MIN_PAIR_N = 3  # fewer joint observations carry no information about a correlation
_CHUNK = 131_072  # rows per block: bounds the temporaries for 1M-row inputs


def pairwise_stats(values: np.ndarray, mask: np.ndarray, weights: np.ndarray | None = None) -> tuple:
    """Weighted sufficient statistics for all pairwise-complete correlations.

    values: n x p floats, 0 where missing (centre each column first: it keeps the sums accurate);
    mask: n x p bool, True where observed; weights: n non-negative counts (None = all 1).
    Returns (N, S, Q, C), each p x p, with m = mask, x = values, w = weights:
    N[j,l] = sum w m_j m_l, S[j,l] = sum w x_j m_l, Q[j,l] = sum w x_j^2 m_l, C[j,l] = sum w x_j x_l.
    One matrix product per block of rows; no loop over respondents.
    """
    p = values.shape[1]
    by_mask = np.zeros((3 * p, p))
    cross = np.zeros((p, p))
    for start in range(0, values.shape[0], _CHUNK):
        x = values[start : start + _CHUNK]
        m = mask[start : start + _CHUNK].astype(float)
        w = 1.0 if weights is None else weights[start : start + _CHUNK, None]
        # one product [w x, w x^2, w m]' m gives S, Q and N: BLAS is much faster on one larger call than on three
        left = np.empty((x.shape[0], 3 * p))
        wx = np.multiply(x, w, out=left[:, :p])
        np.multiply(wx, x, out=left[:, p : 2 * p])
        np.multiply(m, w, out=left[:, 2 * p :])
        by_mask += left.T @ m
        cross += wx.T @ x
    return by_mask[2 * p :], by_mask[:p], by_mask[p : 2 * p], cross


def pairwise_correlation(stats: tuple) -> np.ndarray:
    """Pearson correlation matrix from ``pairwise_stats``: each pair over the rows where both are observed.

    Entries are NaN where a pair has fewer than 3 joint observations or no variance; the diagonal is 1.
    Equals ``pandas.DataFrame.corr()`` (pairwise-complete) for unit weights.
    """
    n_, s_, q_, c_ = stats
    with np.errstate(invalid="ignore", divide="ignore"):
        var_a = q_ - s_**2 / n_  # variance of column j over the rows where l is observed (times N)
        cov = c_ - s_ * s_.T / n_
        r = cov / np.sqrt(var_a * var_a.T)
    r[(n_ < MIN_PAIR_N) | ~np.isfinite(r)] = np.nan
    r = np.clip(r, -1.0, 1.0)
    np.fill_diagonal(r, 1.0)
    return r


def pairwise_sd(stats: tuple) -> np.ndarray:
    """sd[j, l] = standard deviation (ddof 0) of column j over the rows where column l is observed."""
    n_, s_, q_, _ = stats
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sqrt(np.maximum(q_ / n_ - (s_ / n_) ** 2, 0.0))


def nearest_correlation(a: np.ndarray, tol: float = 1e-9, max_iter: int = 2000) -> np.ndarray:
    """Nearest correlation matrix in the Frobenius norm (Higham 2002, Algorithm 3.3).

    Alternating projections onto the PSD cone and the unit-diagonal set, with Dykstra's correction on the PSD
    step (needed because the PSD cone is not a subspace). A last eigenvalue clip and rescale to unit diagonal
    makes the result exactly PSD with ones on the diagonal even if the iteration stopped at max_iter.
    """
    y = np.array(a, dtype=float)
    ds = np.zeros_like(y)
    for _ in range(max_iter):
        r = y - ds
        lam, vec = np.linalg.eigh(r)
        x = (vec * np.clip(lam, 0.0, None)) @ vec.T
        ds = x - r
        y_next = x.copy()
        np.fill_diagonal(y_next, 1.0)
        done = np.linalg.norm(y_next - y) <= tol * np.linalg.norm(y_next)
        y = y_next
        if done:
            break
    lam, vec = np.linalg.eigh((y + y.T) / 2)
    x = (vec * np.clip(lam, 0.0, None)) @ vec.T
    d = np.sqrt(np.diag(x))
    x = x / np.outer(d, d)
    np.fill_diagonal(x, 1.0)
    return (x + x.T) / 2


def psd_repair(r: np.ndarray, tol: float = 1e-10) -> tuple[np.ndarray, bool]:
    """Make a pairwise correlation matrix usable for regression: returns (matrix, repaired?).

    NaN entries (pairs never observed together) become 0: no evidence of association. If the smallest
    eigenvalue is below -tol the matrix is replaced by its nearest correlation matrix (Higham 2002).
    """
    r = np.where(np.isfinite(r), r, 0.0)
    np.fill_diagonal(r, 1.0)
    if np.linalg.eigvalsh(r)[0] >= -tol:
        return r, False
    return nearest_correlation(r), True


def regression_weights(rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    """Standardised regression coefficients Rxx^-1 rxy (pseudo-inverse if Rxx is singular).

    rxy may be a vector or a k x q matrix (several outcomes at once).
    """
    lam, vec = np.linalg.eigh(rxx)
    inv = np.where(lam > 1e-10 * max(lam[-1], 1e-300), 1.0 / np.where(lam > 0, lam, 1.0), 0.0)
    return (vec * inv) @ (vec.T @ rxy)


def r_squared(rxx: np.ndarray, rxy: np.ndarray) -> float:
    """R^2 of the linear regression of y on x from correlations: rxy' Rxx^-1 rxy, clipped to [0, 1].

    A pairwise-complete matrix that needed a PSD repair can give a quadratic form a rounding error past 1
    (1 + 2e-10 seen); an R^2 is a share of variance, so it is held to the range it is defined on.
    """
    return float(np.clip(rxy @ regression_weights(rxx, rxy), 0.0, 1.0))


def relative_weights(rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    """Johnson (2000) raw relative weights; they sum to the model R^2.

    Steps: Rxx = V diag(lam) V'; Lambda = V diag(sqrt lam) V' (correlations of the predictors with their closest
    orthogonal counterparts Z); beta = Lambda^-1 rxy (regression of y on Z); RW_j = sum_k Lambda_jk^2 beta_k^2.
    Zero eigenvalues (collinear predictors) are handled by a pseudo-inverse.
    """
    lam, vec = np.linalg.eigh(rxx)
    root = np.sqrt(np.clip(lam, 0.0, None))
    lam_half = (vec * root) @ vec.T
    inv_root = np.where(root > 1e-8 * max(root[-1], 1e-300), 1.0 / np.where(root > 0, root, 1.0), 0.0)
    beta = (vec * inv_root) @ (vec.T @ rxy)
    return (lam_half**2) @ (beta**2)


def subset_r_squared(rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    """R^2 of every subset of predictors, indexed by bitmask (bit j set = predictor j in the subset).

    R^2(S) = r_S' R_SS^-1 r_S, solved on the correlation submatrices; all subsets of one size go through a
    single batched solve, so the 2^k regressions take k numpy calls.
    """
    k = len(rxy)
    r2 = np.zeros(1 << k)
    for sel, idx in _subsets_by_size(k):
        sub = rxx[idx[:, :, None], idx[:, None, :]]
        rhs = rxy[idx][:, :, None]
        try:
            beta = np.linalg.solve(sub, rhs)
        except np.linalg.LinAlgError:  # collinear subset: the pseudo-inverse gives the same fitted R^2
            beta = np.linalg.pinv(sub) @ rhs
        r2[sel] = (rhs * beta).sum(axis=(1, 2))
    return r2


@functools.lru_cache(maxsize=32)
def _subsets_by_size(k: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """For s = 1..k: (bitmasks of the subsets of size s, their member indices as a C(k, s) x s array)."""
    masks = np.arange(1 << k)
    bits = ((masks[:, None] >> np.arange(k)) & 1).astype(bool)
    size = bits.sum(axis=1)
    out = []
    for s in range(1, k + 1):
        sel = masks[size == s]
        out.append((sel, np.nonzero(bits[sel])[1].reshape(len(sel), s)))
    return out


def lmg(rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    """Exact LMG / Shapley decomposition of R^2 (Lindeman, Merenda & Gold 1980; Groemping 2006).

    LMG_j = sum over subsets S not containing j of |S|! (k - |S| - 1)! / k! * (R^2(S + j) - R^2(S)), i.e. the
    average over orderings of the R^2 gained when j enters. Sums to the full-model R^2. k <= 15.
    """
    k = len(rxy)
    if k > MAX_SHAPLEY_K:
        raise ValueError(f"exact LMG needs k <= {MAX_SHAPLEY_K} predictors, got {k}")
    r2 = subset_r_squared(rxx, rxy)
    masks = np.arange(1 << k)
    size = np.bitwise_count(masks.astype(np.uint64)).astype(int)
    weight = np.array([math.factorial(s) * math.factorial(k - s - 1) / math.factorial(k) for s in range(k)])
    out = np.empty(k)
    for j in range(k):
        without = masks[(masks >> j) & 1 == 0]
        out[j] = (weight[size[without]] * (r2[without | (1 << j)] - r2[without])).sum()
    return out


def impact_from_correlation(r: np.ndarray, method: str) -> tuple[np.ndarray, float]:
    """Impact of each predictor from the (repaired) correlation matrix of [predictors..., outcome].

    r: (k+1) x (k+1), outcome last. Returns (impact, R^2):
    - relative_weights / shapley: 100 * weight_j / sum(weights), i.e. % of the explained variance (sums to 100),
      signed like the bivariate correlation r_jy (so a moment that lowers the outcome shows negative);
      NaN if the model explains nothing.
    - correlation: r_jy itself (a correlation in -1..1, not a %).
    """
    rxx, rxy = r[:-1, :-1], r[:-1, -1]
    r2 = r_squared(rxx, rxy)
    if method == "correlation":
        return rxy.copy(), r2
    raw = lmg(rxx, rxy) if method == "shapley" else relative_weights(rxx, rxy)
    total = raw.sum()
    if not total > 1e-12:
        return np.full(len(rxy), np.nan), r2
    return 100.0 * raw / total * np.where(rxy < 0, -1.0, 1.0), r2
