"""The bootstrap's sufficient statistics in float32 that is exact: small-integer codes and one product per resample.

Every resample needs the pairwise sums of ``drivers.pairwise_stats`` (N, S, Q, C over the drawn respondents) and
the what-if gap at that resample's threshold. Survey answers sit on a grid: a 1-5, 1-10 or 0-10 scale rescaled to
0-100, an LTR 0-10, promoter / detractor 0/1, a 0/1 binary outcome. Each column of the driver model is coded as a
small integer u = 1 + (value - low) / step (0 = not observed, so the code matrix is also the mask), stored as uint8
(n x p bytes: 28 MB for W1 instead of 224 MB of float64 values plus the mask).

Why float32 is exact here: every term of the sums is an integer (counts x codes x codes), and float32 represents
every integer below 2^24 exactly, so as long as the sum of |terms| of one product stays below 2^24 each addition
in the BLAS kernel is exact, in any order. ``Codes.block`` bounds the draws per product so that holds (16,384
draws for a 0-10 scale, 1,644 for a 0-100 slider); the blocks' sums are added in float64 (exact integers again).
So the float32 product gives bit for bit the integer sums that float64 would give, at twice the speed and a
quarter of the memory traffic. Correlations, means and SDs are then computed in float64 from those sums; they
are invariant to the affine coding (value = offset + scale x code), up to float64 rounding (~1e-13).

When a column is not on such a grid (a numeric outcome like revenue, averaged ratings) or the analysis carries
survey weights (non-integer resample weights), ``codes_prepare`` returns None and the bootstrap uses the float64
path on the centred values (``fit.model_estimate``), as before.

Why one product per resample and not one product of (resample weights x pair products) per block of
respondents: that dense product costs B x n x 4p^2; with the m-out-of-n bootstrap (n = 1M, m = 50,000) a
respondent is in a given resample with probability 5%, so the dense product would do 20 times the arithmetic of
the product over each resample's drawn rows, which is the same sum restricted to the non-zero weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CODE_MAX = 255  # uint8; 0 = not observed
F32_EXACT = 2**24  # every integer below this is a float32
_ROWS = 131_072  # rows per pass when coding
_SAMPLE = 20_000  # rows used to guess each column's grid step (verified on every row)


@dataclass
class Codes:
    """The driver model's columns as small-integer codes (see the module docstring)."""

    codes: np.ndarray  # n x p uint8: 0 = not observed, else 1 + (value - low) / step
    offset: np.ndarray  # p: value (not centred) = offset + scale x code
    scale: np.ndarray  # p: the grid step
    block: int  # most draws (sum of counts) per float32 product for its sums to stay exact


def codes_prepare(values: np.ndarray, mask: np.ndarray, centre: np.ndarray) -> Codes | None:
    """Code the centred model values (0 where not observed) on each column's grid; None if a column has none.

    A column's grid: its lowest observed value and a step guessed from the distinct values of the first rows
    (the smallest gap between them), then verified on every observed value (within 1e-7 of a grid point, at
    most 254 steps). Any failure returns None: the caller keeps the float64 path, so the answer never depends on
    the guess.
    """
    n, p = values.shape
    if n == 0:
        return None
    low, high = np.full(p, np.inf), np.full(p, -np.inf)
    for start in range(0, n, _ROWS):
        x, m = values[start : start + _ROWS], mask[start : start + _ROWS]
        low = np.minimum(low, np.where(m, x, np.inf).min(axis=0))
        high = np.maximum(high, np.where(m, x, -np.inf).max(axis=0))
    step = np.ones(p)
    head_x, head_m = values[:_SAMPLE], mask[:_SAMPLE]
    for c in range(p):
        if not np.isfinite(low[c]):  # never observed: code 0 everywhere
            low[c] = 0.0
            continue
        seen = np.unique(np.round(head_x[head_m[:, c], c] - low[c], 9))
        gaps = np.diff(seen)
        gaps = gaps[gaps > 1e-9]
        if gaps.size:
            step[c] = gaps.min()
        elif high[c] > low[c]:
            step[c] = high[c] - low[c]
    seen_any = np.isfinite(high)
    steps = np.where(seen_any, np.rint((np.where(seen_any, high, low) - low) / step), 0.0)
    if not np.all(steps <= CODE_MAX - 2):
        return None
    # the step from the extremes (exact observed values), not from the rounded gaps
    step = np.where(steps > 0, (np.where(seen_any, high, low) - low) / np.maximum(steps, 1.0), step)
    codes = np.zeros((n, p), dtype=np.uint8)
    for start in range(0, n, _ROWS):
        x, m = values[start : start + _ROWS], mask[start : start + _ROWS]
        u = (x - low) / step
        r = np.rint(u)
        if not np.all(~m | (np.abs(u - r) <= 1e-7 * np.maximum(1.0, r))):
            return None
        codes[start : start + _ROWS] = np.where(m, r + 1.0, 0.0)
    top = int(codes.max()) if codes.size else 1
    block = max(1, (F32_EXACT - 1) // max(top, 1) ** 2)
    return Codes(codes=codes, offset=centre + low - step, scale=step, block=block)


def code_stats(codes: Codes, rows: np.ndarray, counts: np.ndarray | None) -> tuple[tuple, list]:
    """``drivers.pairwise_stats`` of the drawn rows in code units, exact, plus the float32 blocks for the gap.

    rows: the drawn respondents (repeated when drawn twice; then counts is None), counts: how often each was
    drawn (None = once each). Returns ((N, S, Q, C) as float64 p x p, [(g, c), ...]) where g is a block's codes
    as float32 and c its counts as float32 (a column of ones when counts is None).
    """
    p = codes.codes.shape[1]
    n_, s_, q_, c_ = (np.zeros((p, p)) for _ in range(4))
    blocks = []
    for lo, hi in _blocks(rows.size, counts, codes.block):
        raw = np.take(codes.codes, rows[lo:hi], axis=0)  # uint8: 29 bytes a respondent for W1
        g = raw.astype(np.float32)
        m = (raw > 0).astype(np.float32)
        # four products over the block (S = (c g)' m, Q = (c g^2)' m, N = (c m)' m, C = (c g)' g); with c = 1 N and
        # C are rank-k updates of one operand (half the work). Separate products beat one on [g, g^2, m]: building
        # that wide operand costs more than the products gain.
        if counts is None:
            c = np.ones(g.shape[0], dtype=np.float32)
            s_ += g.T @ m
            q_ += (g * g).T @ m
            n_ += m.T @ m
            c_ += g.T @ g
        else:
            c = counts[lo:hi].astype(np.float32)
            cg = g * c[:, None]
            s_ += cg.T @ m
            q_ += (cg * g).T @ m
            n_ += (m * c[:, None]).T @ m
            c_ += cg.T @ g
        blocks.append((g, c))
    return (n_, s_, q_, c_), blocks


def _blocks(size: int, counts: np.ndarray | None, limit: int) -> list[tuple[int, int]]:
    """Consecutive (lo, hi) row ranges whose draws (sum of counts) are at most limit each."""
    if counts is None or size == 0:
        return [(lo, min(lo + limit, size)) for lo in range(0, size, limit)] or [(0, 0)]
    if counts.sum() <= limit:
        return [(0, size)]
    # cut where the running draws pass multiples of (limit - largest count): each block stays within limit
    room = max(1, limit - int(counts.max()))
    cuts = np.searchsorted(np.cumsum(counts), np.arange(room, counts.sum(), room), side="right")
    edges = np.unique(np.concatenate([[0], cuts, [size]]))
    return list(zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True))


def code_gap(codes: Codes, blocks: list, k: int, threshold: float, total: float) -> np.ndarray:
    """``whatif.whatif_mean_gap`` of the first k columns at the satisfaction threshold, exact, from the blocks.

    sum over raters of max(t - s, 0) = T x #(codes below T) - sum(codes below T), in code units (T = the
    threshold in code units), then times the step and divided by total (the resample's size).
    """
    if not np.isfinite(threshold):
        return np.full(k, np.nan)
    t_code = (threshold - codes.offset[:k]) / codes.scale[:k]
    # for integer codes g: g < T exactly when g < ceil(T), an integer, exact in float32
    bound = np.clip(np.ceil(t_code), 0.0, CODE_MAX + 1.0).astype(np.float32)
    sums = np.zeros(2 * k)
    for g, c in blocks:
        gk = g[:, :k]
        below = np.empty((gk.shape[0], 2 * k), dtype=np.float32)
        np.logical_and(gk > 0, gk < bound, out=below[:, :k], casting="unsafe")
        np.multiply(below[:, :k], gk, out=below[:, k:])
        sums += c @ below  # exact: every partial sum is an integer below 2^24 (Codes.block)
    return codes.scale[:k] * (t_code * sums[:k] - sums[k:]) / total
