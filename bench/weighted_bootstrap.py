"""Coverage of the weighted bootstrap's satisfaction interval on a stratified design (issue 13 / 14).

    python bench/weighted_bootstrap.py [--surveys 400]

The design of tests/moments/analysis/test_calibration.py's weighted tests: stratum A is 30% of the customers but
half of every sample (weight 0.6), B the other 70% (weight 1.4), and the strata differ in satisfaction, so only a
weighted estimate with an honest interval covers the population's mean. Each survey runs the real engine with a
200-resample bootstrap (respondents resampled with their weights); the interval shown is the bootstrap's
percentile interval. Prints the share of surveys whose interval covers the truth, weighted and unweighted.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from moments.analysis import AnalysisParams, analyse  # noqa: E402

N_A = N_B = 200
VALUES = np.array([0.0, 25, 50, 75, 100])
P_A = np.array([0.02, 0.08, 0.2, 0.4, 0.3])
P_B = np.array([0.15, 0.2, 0.3, 0.25, 0.1])


def coverage(surveys: int, seed: int = 7) -> dict:
    rng = np.random.default_rng(seed)
    w = np.r_[np.full(N_A, 0.6), np.full(N_B, 1.4)]
    truth = 0.3 * VALUES @ P_A + 0.7 * VALUES @ P_B
    hit = {"weighted": 0, "unweighted": 0}
    for r in range(surveys):
        s = np.vstack([rng.choice(VALUES, p=P_A, size=(N_A, 3)), rng.choice(VALUES, p=P_B, size=(N_B, 3))])
        s[rng.random(s.shape) < 0.2] = np.nan
        latent = (np.nan_to_num(s, nan=50.0) - 50.0) @ [0.03, 0.02, 0.01]
        ltr = np.clip(np.rint(5 + latent + rng.normal(0, 2, N_A + N_B)), 0, 10)
        params = AnalysisParams(bootstrap=200, seed=r)
        for key, weights in (("weighted", w), ("unweighted", None)):
            m = analyse(s, ltr, ["a", "b", "c"], weights=weights, params=params).moments
            hit[key] += bool(m.satisfaction_low[0] <= truth <= m.satisfaction_high[0])
    return {key: h / surveys for key, h in hit.items()} | {"surveys": surveys}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--surveys", type=int, default=400)
    args = parser.parse_args(argv)
    print(coverage(args.surveys))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
