"""Compare two waves (two ``AnalysisResult.moments`` frames) moment by moment."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .nps import Z95
from .significance import FDR_Q, bh_adjust, normal_p

COMPARE_COLUMNS = (
    "moment",
    "satisfaction_change",
    "impact_change",
    "quadrant_before",
    "quadrant_after",
    "moved",
    "significant",
    "p_value",
    "q_value",
)


def compare_waves(before: pd.DataFrame, after: pd.DataFrame, fdr_q: float = FDR_Q) -> pd.DataFrame:
    """Change per moment present in both waves, in the order of ``after``.

    Inputs: ``AnalysisResult.moments`` frames (columns moment, satisfaction, satisfaction_low/_high, impact,
    quadrant). Output columns: moment, satisfaction_change (after - before, 0-100 points), impact_change (impact
    unit), quadrant_before, quadrant_after, moved (both placed and in different quadrants), significant.

    p_value: two-sided z-test of "no change" in satisfaction, with each wave's standard error recovered from its
    95% interval as (high - low) / (2 * 1.96) and the waves taken as independent samples:
    z = change / sqrt(se_before^2 + se_after^2). q_value: Benjamini-Hochberg adjusted over the moments compared
    (Benjamini & Hochberg 1995; ``significance.bh_adjust``). significant: q_value <= fdr_q (default 0.05), the
    same discipline as pain points (DESIGN section 2): with 25 moments a 5% test per moment would mark about one
    unchanged moment in every comparison. False / NaN when either wave lacks an interval.
    """
    cols = ["moment", "satisfaction", "satisfaction_low", "satisfaction_high", "impact", "quadrant"]
    merged = after[cols].merge(before[cols], on="moment", how="inner", suffixes=("_after", "_before"))
    se_after = (merged["satisfaction_high_after"] - merged["satisfaction_low_after"]) / (2 * Z95)
    se_before = (merged["satisfaction_high_before"] - merged["satisfaction_low_before"]) / (2 * Z95)
    change = merged["satisfaction_after"] - merged["satisfaction_before"]
    z = (change.abs() / np.sqrt(se_after**2 + se_before**2)).to_numpy(dtype=float)
    p = normal_p(z)
    q = bh_adjust(p)
    placed = (merged["quadrant_before"] != "insufficient_data") & (merged["quadrant_after"] != "insufficient_data")
    out = pd.DataFrame(
        {
            "moment": merged["moment"],
            "satisfaction_change": change,
            "impact_change": merged["impact_after"] - merged["impact_before"],
            "quadrant_before": merged["quadrant_before"],
            "quadrant_after": merged["quadrant_after"],
            "moved": placed & (merged["quadrant_before"] != merged["quadrant_after"]),
            "significant": np.isfinite(q) & (q <= fdr_q),
            "p_value": p,
            "q_value": q,
        },
        columns=list(COMPARE_COLUMNS),
    )
    return out.reset_index(drop=True)
