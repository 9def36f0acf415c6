"""Write the benchmark workload W1 (DESIGN.md section 8) as a CSV.

    python bench/w1_generate.py OUT.csv [--n 1000000] [--k 25] [--seed 1] [--chunk 100000]

The header and value formats are documented in `moments.demo.generator.generate_w1_csv`.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere without installing

from moments.demo.generator import generate_w1_csv  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="CSV file to write (overwritten)")
    parser.add_argument("--n", type=int, default=1_000_000, help="respondents (default 1,000,000)")
    parser.add_argument("--k", type=int, default=25, help="moments (default 25)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--chunk", type=int, default=100_000, help="rows generated at a time (default 100,000)")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    path = generate_w1_csv(args.out, n=args.n, k=args.k, seed=args.seed, chunk=args.chunk)
    seconds = time.perf_counter() - started
    size_mb = path.stat().st_size / 1e6
    print(f"wrote {path}: {args.n:,} respondents x {args.k} moments, {size_mb:.1f} MB in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
