"""Scaling curve of the pure analysis engine: n respondents x k moments, with and without the bootstrap.

    python bench/analysis_scale.py --n 100000 --k 25 [--bootstrap 200] [--seed 1]

The matrix comes from a one-factor model like W1's (satisfaction 1-10 rescaled to 0-100, ~30% not experienced,
likelihood to recommend driven by a few moments), made here in memory; only ``analyse`` is timed.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

# The engine runs as every app process runs it (cxapp/__init__.py): one BLAS thread per process.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Stopwatch, emit  # noqa: E402
from moments.analysis import AnalysisParams, analyse  # noqa: E402


def matrix_make(n: int, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n x k ratings on 0-100 (NaN = not experienced) and an LTR 0-10 outcome."""
    rng = np.random.default_rng(seed)
    reach = rng.uniform(0.45, 0.95, size=k)
    reach *= 0.70 / reach.mean()
    weight = rng.gamma(1.0, 1.0, size=k)
    weight *= np.sqrt(3.0 / (weight**2).sum())
    z = np.sqrt(0.4) * rng.standard_normal((n, 1)) + np.sqrt(0.6) * rng.standard_normal((n, k))
    scores = np.clip(np.rint(rng.uniform(4.5, 8.8, size=k) + 1.5 * z), 1, 10)
    ltr = np.clip(np.rint(6.8 + z @ weight + 1.3 * rng.standard_normal(n)), 0, 10)
    ratings = (scores - 1) / 9 * 100
    ratings[rng.random((n, k)) >= reach] = np.nan
    return ratings, ltr


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--k", type=int, required=True)
    parser.add_argument("--bootstrap", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    ratings, ltr = matrix_make(args.n, args.k, args.seed)
    sw = Stopwatch()
    with sw("analyse"):
        result = analyse(
            ratings,
            ltr,
            [f"m{j}" for j in range(args.k)],
            params=AnalysisParams(bootstrap=args.bootstrap),
        )
    emit({"n": args.n, "k": args.k, "placed": result.summary["k_placed"], "phases": sw.phases})
    return 0


if __name__ == "__main__":
    sys.exit(main())
