"""Time and peak memory of the engine at 1M, 3M and 10M respondents (issue 14, bounded memory), frames made in memory.

    python bench/analysis_curve.py [--sizes 1000000,3000000,10000000] [--runs 3] [--k 25]

Each measurement is its own process (``bench/analysis_curve.py --one N BOOTSTRAP``): the frame is generated in
blocks of 1M respondents (W1's model, ``analysis_scale.matrix_make``, one seed per block) so the generator's
temporaries stay small, then ``analyse`` is timed; the process's peak RSS (``ru_maxrss``) is therefore the
engine's peak with the frame in memory. The frame itself (float64 ratings + outcome) is reported beside it.
Writes bench/out/analysis_curve.json and prints a Markdown table (median, min-max over runs; load average).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as every app process runs (cxapp/__init__.py)

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BLOCK = 200_000


def frame_make(n: int, k: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """n x k ratings (0-100, NaN = not experienced) and LTR from W1's one-factor model (as
    ``analysis_scale.matrix_make``), generated per block of 200,000 respondents so the generator's temporaries
    stay small beside the frame."""
    rng = np.random.default_rng(seed)
    reach = rng.uniform(0.45, 0.95, size=k)
    reach *= 0.70 / reach.mean()
    weight = rng.gamma(1.0, 1.0, size=k)
    weight *= np.sqrt(3.0 / (weight**2).sum())
    level = rng.uniform(4.5, 8.8, size=k)
    ratings = np.empty((n, k))
    ltr = np.empty(n)
    for b, start in enumerate(range(0, n, BLOCK)):
        size = min(BLOCK, n - start)
        r = np.random.default_rng([seed, b])
        z = np.sqrt(0.4) * r.standard_normal((size, 1)) + np.sqrt(0.6) * r.standard_normal((size, k))
        scores = np.clip(np.rint(level + 1.5 * z), 1, 10)
        ltr[start : start + size] = np.clip(np.rint(6.8 + z @ weight + 1.3 * r.standard_normal(size)), 0, 10)
        block = (scores - 1) / 9 * 100
        block[r.random((size, k)) >= reach] = np.nan
        ratings[start : start + size] = block
    return ratings, ltr


def one(n: int, k: int, bootstrap: int) -> dict:
    from moments.analysis import AnalysisParams, analyse

    ratings, ltr = frame_make(n, k)
    frame_mb = (ratings.nbytes + ltr.nbytes) / 2**20
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    analyse(ratings, ltr, [f"m{j}" for j in range(k)], params=AnalysisParams(bootstrap=bootstrap))
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "n": n,
        "bootstrap": bootstrap,
        "seconds": seconds,
        "peak_mb": peak,
        "frame_mb": frame_mb,
        "peak_before_mb": before,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,3000000,10000000")
    parser.add_argument("--bootstraps", default="0,200")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--k", type=int, default=25)
    parser.add_argument("--one", nargs=2, type=int, metavar=("N", "BOOTSTRAP"))
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "analysis_curve.json")
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one(args.one[0], args.k, args.one[1])))
        return 0
    rows = []
    for n in (int(v) for v in args.sizes.split(",")):
        for bootstrap in (int(v) for v in args.bootstraps.split(",")):
            runs = []
            for _ in range(args.runs):
                load = os.getloadavg()[0]
                out = subprocess.run(
                    [sys.executable, __file__, "--one", str(n), str(bootstrap), "--k", str(args.k)],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                runs.append(json.loads(out.strip().splitlines()[-1]) | {"load": load})
                print(runs[-1], flush=True)
            rows.append({"n": n, "bootstrap": bootstrap, "runs": runs})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=2))
    print("| respondents | bootstrap | analyse | peak RSS | frame | load avg |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        s = [x["seconds"] for x in r["runs"]]
        p = [x["peak_mb"] for x in r["runs"]]
        loads = [x["load"] for x in r["runs"]]
        print(
            f"| {r['n']:,} | {r['bootstrap']} | {statistics.median(s):.2f} s ({min(s):.2f}-{max(s):.2f}, "
            f"{len(s)} runs) | {statistics.median(p):,.0f} MB | {r['runs'][0]['frame_mb']:,.0f} MB | "
            f"{min(loads):.1f}-{max(loads):.1f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
