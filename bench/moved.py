"""Planted-truth pairs of periods for "what moved" (issue 12): attribution power, false marks, coverage, timing.

Run the full figures (prints them; docs/METHOD.md quotes them)::

    python bench/moved.py               # 400 pairs per scenario at 1,500 respondents, 1,000 for coverage
    python bench/moved.py --quick       # the sizes of tests/moments/analysis/test_moved.py
    python bench/moved.py --timing      # seconds for 10,000 respondents per period, 6 and 25 moments, 200 resamples

The generator (``period_simulate``) is what tests/moments/analysis/test_moved.py uses with fewer pairs.
Six moments on a 1-5 scale with a halo, each experienced with its own reach; LTR 0-10 from a latent that each
experienced moment's satisfaction moves by its own slope (installation the most, the welcome pack not at all),
rounded and clipped, so the NPS classes add a nonlinearity the linear attribution model does not share.
Scenario "planted": only installation's satisfaction falls in period B (about 62 -> 50 on 0-100); "same": both
periods from the same model.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from the repository root
    sys.path.insert(0, str(ROOT))

from moments.analysis.moved import MovedParams, Period, moved_explain  # noqa: E402

NAMES = ["ordering", "delivery", "installation", "billing", "support", "welcome pack"]
REACH = np.array([1.0, 0.9, 0.7, 0.95, 0.4, 0.3])
SLOPE = np.array([0.02, 0.03, 0.06, 0.02, 0.03, 0.0])  # LTR points per satisfaction point (0-100)
INSTALLATION = NAMES.index("installation")
DROP = np.array([0, 0, -13.0, 0, 0, 0])


def period_simulate(n: int, rng: np.random.Generator, shift=None, reach=REACH) -> Period:
    """One period of n respondents; shift: change of each moment's latent satisfaction (0-100 points)."""
    k = len(NAMES)
    shift = np.zeros(k) if shift is None else shift
    halo = rng.normal(size=(n, 1))
    latent_s = np.clip(62 + 12 * halo + 16 * rng.normal(size=(n, k)) + shift, 0, 100)
    experienced = rng.random((n, k)) < reach
    s = np.where(experienced, np.round(latent_s / 25) * 25, np.nan)  # a 1-5 scale on 0-100
    drive = np.where(experienced, (np.nan_to_num(s) - 62) * SLOPE, 0.0).sum(axis=1)
    ltr = np.clip(np.round(7.6 + drive + 1.6 * rng.normal(size=n)), 0, 10)
    return Period(s, ltr)


def true_nps(shift=None, n=400_000, seed=99) -> float:
    period = period_simulate(n, np.random.default_rng(seed), shift)
    return 100.0 * (np.mean(period.outcome >= 9) - np.mean(period.outcome <= 6))


def pairs_run(scenario: str, pairs: int, n: int, seed: int, bootstrap: int = 200) -> list:
    rng = np.random.default_rng(seed)
    shift = DROP if scenario == "planted" else None
    return [
        moved_explain(
            period_simulate(n, rng),
            period_simulate(n, rng, shift),
            NAMES,
            params=MovedParams(bootstrap=bootstrap, seed=s),
        )
        for s in range(pairs)
    ]


def figures(pairs: int, coverage_pairs: int, n: int = 1500) -> dict:
    planted = pairs_run("planted", pairs, n, 2026)
    same = pairs_run("same", pairs, n, 7)
    others = [j for j in range(len(NAMES)) if j != INSTALLATION]
    inst = np.array([r.moments.loc[INSTALLATION, "contribution_high"] < 0 for r in planted])
    marked = np.array([bool(r.moments.loc[INSTALLATION, "significant"]) for r in planted])
    null_marks = np.array([r.moments.loc[others, "significant"].to_numpy() for r in planted])
    null_zero = np.array(
        [
            ((r.moments.loc[others, "contribution_low"] <= 0) & (r.moments.loc[others, "contribution_high"] >= 0))
            for r in planted
        ]
    )
    truth = true_nps(DROP) - true_nps()
    rng = np.random.default_rng(11)
    covered = 0
    for _ in range(coverage_pairs):
        r = moved_explain(
            period_simulate(800, rng), period_simulate(800, rng, DROP), NAMES, params=MovedParams(bootstrap=0)
        )
        covered += r.summary["change_low"] <= truth <= r.summary["change_high"]
    return {
        "pairs": pairs,
        "true_change": truth,
        "planted_interval_excludes_zero": inst.mean(),
        "planted_marked": marked.mean(),
        "planted_share_of_explained": float(
            np.median([r.moments.loc[INSTALLATION, "contribution"] / r.summary["explained"] for r in planted])
        ),
        "unchanged_marked": null_marks.mean(),
        "unchanged_interval_includes_zero": null_zero.mean(),
        "same_model_nothing_marked": float(np.mean([not r.moments["significant"].any() for r in same])),
        "same_model_satisfaction_marked": float(
            np.mean([r.moments["satisfaction_significant"].to_numpy() for r in same])
        ),
        "remainder_interval_includes_zero": float(
            np.mean([r.summary["remainder_low"] <= 0 <= r.summary["remainder_high"] for r in same])
        ),
        "change_coverage": covered / coverage_pairs,
    }


def timing(n: int = 10_000, repeats: int = 3) -> dict:
    out = {}
    for k in (6, 25):
        rng = np.random.default_rng(0)
        reach = np.resize(REACH, k)
        shift = np.zeros(k)

        def draw(shift=shift, reach=reach, k=k, rng=rng):
            halo = rng.normal(size=(n, 1))
            s = np.clip(62 + 12 * halo + 16 * rng.normal(size=(n, k)) + shift, 0, 100)
            s = np.where(rng.random((n, k)) < reach, np.round(s / 25) * 25, np.nan)
            ltr = np.clip(np.round(7.6 + 0.02 * np.nansum(s - 62, axis=1) + 1.6 * rng.normal(size=n)), 0, 10)
            return Period(s, ltr)

        a, b = draw(), draw()
        names = [f"m{j}" for j in range(k)]
        moved_explain(a, b, names, params=MovedParams(bootstrap=10))  # warm up imports
        best = np.inf
        for _ in range(repeats):
            start = time.perf_counter()
            moved_explain(a, b, names, params=MovedParams(bootstrap=200))
            best = min(best, time.perf_counter() - start)
        out[k] = best
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--timing", action="store_true")
    args = parser.parse_args()
    if args.timing:
        for k, seconds in timing().items():
            print(f"10,000 + 10,000 respondents, {k} moments, 200 resamples: {seconds:.2f} s")
        return
    result = figures(60, 300) if args.quick else figures(400, 1000)
    for key, value in result.items():
        print(f"{key}: {value:.4f}" if isinstance(value, float) else f"{key}: {value}")


if __name__ == "__main__":
    main()
