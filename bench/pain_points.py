"""Planted-truth surveys for the pain-point rule and the impact marks (issue 13): false alarms, power, recovery.

Run the full figures (writes bench/out/pain_points.json and prints a Markdown table for docs/METHOD.md)::

    python bench/pain_points.py            # 2,000 surveys at 400 and 1,500, 400 at 20,000, 100 at 100,000
                                           # (false-alarm scenario), 2,000 at 1,500 (power scenario)
    python bench/pain_points.py --quick    # the sizes of tests/moments/analysis/test_simulation.py

The generator (``survey_simulate``) is what tests/moments/analysis/test_simulation.py uses with fewer surveys.

The survey (8 moments, likelihood to recommend 0-10 for the NPS):
- A halo g ~ N(0, 1) per respondent. Moment j is experienced with probability reach_j, independently of
  everything; its rating is a 1-5 answer cut from mu_j + load_j g + e_ij (e ~ N(0, 1)), rescaled to 0-100.
- The outcome's latent L = 0.6 g + sum_j beta_j x e_ij x [experienced ij] + N(0, 0.7^2): a moment's own rating
  moves the outcome, but its occurrence does not (E[e_ij] = 0). LTR = round(10 Phi(1.05 + 0.35 L)) is a saturating,
  nonlinear map, and the NPS classes are a second nonlinearity, so experiencers (whose L has the extra variance
  beta_j^2) can differ from non-experiencers by a point or two of NPS: real, but not an effect worth acting on.
  That is the trap of issue 13 (at 20,000 respondents the old rule flagged 1.15 such moments per survey).
- "noise": rating unrelated to everything (load 0, beta 0): its impact interval should exclude 0 in <= 5% of
  surveys, and it has no occurrence effect at all.
- Two planted pain points whose rating is unrelated to the outcome but whose occurrence costs NPS: experiencing
  them moves the outcome's latent down by a calibrated shift (``shift_calibrate``): "pain50" (reach 40%) costs
  50 NPS points, "pain15" (reach 35%) costs 15.
- Planted quadrants: "raise" (strong driver, low satisfaction), "amplify" (strong, high), "improve" (weak, low),
  "reduce" (weak, high); their true quadrant is the engine's answer on a 400,000-respondent draw.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from the repository root
    sys.path.insert(0, str(ROOT))

from moments.analysis import AnalysisParams, analyse  # noqa: E402
from moments.analysis.nps import nps_classify  # noqa: E402

SHIFT50, SHIFT15 = 1.052, 0.331


@dataclass(frozen=True)
class Moment:
    name: str
    reach: float
    mu: float  # location of the latent rating (higher = more satisfied)
    load: float  # loading on the halo
    beta: float  # effect of the moment's own rating on the outcome's latent
    pain: float = 0.0  # planted occurrence effect in NPS points (< 0 for a planted pain point)
    shift: float = 0.0  # what experiencing it does to the outcome's latent (calibrated so the effect is ``pain``)


MOMENTS = (
    Moment("raise", 0.85, -0.5, 0.5, 0.55),
    Moment("amplify", 0.80, 1.0, 0.5, 0.55),
    Moment("improve", 0.75, -0.5, 0.5, 0.10),
    Moment("reduce", 0.90, 1.1, 0.5, 0.10),
    Moment("noise", 0.60, 0.3, 0.0, 0.0),
    Moment("middle", 0.70, 0.3, 0.5, 0.30),
    # shifts from ``shift_calibrate()`` (tests/moments/analysis/test_simulation.py checks the effects they give)
    Moment("pain50", 0.40, 0.5, 0.0, 0.0, pain=-50.0, shift=SHIFT50),
    Moment("pain15", 0.35, 0.5, 0.0, 0.0, pain=-15.0, shift=SHIFT15),
)
NAMES = [m.name for m in MOMENTS]
PLANTED_QUADRANTS = ("raise", "amplify", "improve", "reduce")
LTR_A, LTR_B = 1.05, 0.35  # LTR = round(10 Phi(LTR_A + LTR_B L))
CUTS = np.array([-1.6, -0.7, 0.2, 1.1])  # 1-5 answer from the latent rating
NOISE_SD = 0.7


def _draw(n: int, rng: np.random.Generator, shift: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """One survey: ratings (n x 8, 0-100, NaN = not experienced) and LTR (n, 0-10); shift overrides the shifts."""
    reach = np.array([m.reach for m in MOMENTS])
    mu = np.array([m.mu for m in MOMENTS])
    load = np.array([m.load for m in MOMENTS])
    beta = np.array([m.beta for m in MOMENTS])
    shift = np.array([m.shift for m in MOMENTS]) if shift is None else shift
    g = rng.standard_normal(n)
    e = rng.standard_normal((n, len(MOMENTS)))
    had = rng.random((n, len(MOMENTS))) < reach
    latent_rating = mu + load * g[:, None] + e
    ratings = (np.searchsorted(CUTS, latent_rating) * 25.0).astype(float)  # 0, 25, ..., 100
    ratings[~had] = np.nan
    latent = 0.6 * g + (beta * e * had).sum(axis=1) - (shift * had).sum(axis=1) + NOISE_SD * rng.standard_normal(n)
    ltr = np.rint(10.0 * _phi(LTR_A + LTR_B * latent))
    return ratings, ltr


def _phi(x: np.ndarray) -> np.ndarray:
    from scipy import special

    return special.ndtr(x)


def shift_calibrate(n: int = 1_000_000, seed: int = 20260) -> tuple[float, ...]:
    """The latent shifts that give each planted pain moment its occurrence effect (secant steps, common draws).

    Run once by hand; its result is SHIFT50, SHIFT15 above. A shift moves every experiencer's latent down, so
    promoters become passives and passives detractors, as a real annoyance would (not a switch to detractor).
    """
    pains = [j for j, m in enumerate(MOMENTS) if m.pain]
    shift = np.array([m.shift for m in MOMENTS])
    for _ in range(4):
        for j in pains:
            for _ in range(3):
                f0 = true_occurrence_effects(n, seed, shift)[MOMENTS[j].name] - MOMENTS[j].pain
                bumped = shift.copy()
                bumped[j] += 0.02
                f1 = true_occurrence_effects(n, seed, bumped)[MOMENTS[j].name] - MOMENTS[j].pain
                shift[j] -= f0 * 0.02 / (f1 - f0)
    return tuple(float(shift[j]) for j in pains)


def _nps(ltr: np.ndarray) -> float:
    promoter, detractor = nps_classify(ltr)
    return 100.0 * (promoter.mean() - detractor.mean())


SCENARIOS = ("alarm", "power")


def scenario_shifts(scenario: str) -> np.ndarray:
    """Latent shifts of a scenario: "power" plants both pain points; "alarm" (issue 13's false-alarm survey: one
    large pain point among moments with none of their own) plants pain50 only, pain15 becomes a null moment."""
    if scenario not in SCENARIOS:
        raise ValueError(f"scenario must be one of {SCENARIOS}")
    return np.array([m.shift if scenario == "power" or m.name == "pain50" else 0.0 for m in MOMENTS])


def null_moments(scenario: str) -> list[str]:
    """Moments with no occurrence effect of their own in a scenario (a flag on one of them is a false alarm)."""
    shifts = scenario_shifts(scenario)
    return [m.name for m, s in zip(MOMENTS, shifts, strict=True) if s == 0.0]


def survey_simulate(n: int, seed: int, scenario: str = "power") -> tuple[np.ndarray, np.ndarray]:
    """One planted-truth survey of n respondents (ratings n x 8 on 0-100 with NaN, LTR 0-10), seeded."""
    return _draw(n, np.random.default_rng(seed), scenario_shifts(scenario))


@functools.cache
def true_quadrants() -> dict[str, str]:
    """The engine's quadrants on a 400,000-respondent draw: the planted truth for recovery."""
    ratings, ltr = survey_simulate(400_000, 99)
    m = analyse(ratings, ltr, NAMES, params=AnalysisParams(bootstrap=0)).moments
    return dict(zip(m["moment"], m["quadrant"], strict=True))


def true_occurrence_effects(n: int = 1_000_000, seed: int = 7, shift: np.ndarray | None = None) -> dict[str, float]:
    """Occurrence effect of every moment on a very large draw (the truth the null moments are held to)."""
    ratings, ltr = _draw(n, np.random.default_rng(seed), shift)
    had = np.isfinite(ratings)
    return {name: _nps(ltr[had[:, j]]) - _nps(ltr[~had[:, j]]) for j, name in enumerate(NAMES)}


def pain_points_measure(n: int, surveys: int, seed: int = 0, bootstrap: int = 0, scenario: str = "alarm") -> dict:
    """Run the real engine on ``surveys`` simulated surveys of n respondents; count what it flags.

    Returns: n, surveys, false_per_survey (flagged moments with no occurrence effect of their own, per survey),
    old_rule_false_per_survey (same under the old "95% interval below 0" rule), found (share of surveys flagging
    each planted pain point), quadrant_recovery (share of planted-quadrant moments, over surveys, in their true
    quadrant), and with bootstrap > 0 noise_impact_excludes_zero (share of surveys whose noise moment's impact
    interval excludes 0) and noise_impact_marked (share marked impact_significant).
    """
    truth = true_quadrants()
    nulls = null_moments(scenario)
    false_new = false_old = 0
    found = dict.fromkeys((m for m in ("pain50", "pain15") if m not in nulls), 0)
    recovered = 0
    by_moment = dict.fromkeys(nulls, 0)
    noise_excl = noise_marked = 0
    params = AnalysisParams(bootstrap=bootstrap, seed=seed)
    for s in range(surveys):
        ratings, ltr = survey_simulate(n, seed * 1_000_003 + s, scenario)
        m = analyse(ratings, ltr, NAMES, params=params).moments.set_index("moment")
        null = m.loc[nulls]
        false_new += int(null["pain_point"].sum())
        for name in nulls:
            by_moment[name] += bool(m.loc[name, "pain_point"])
        false_old += int((null["occurrence_high"] < 0).sum())
        for name in found:
            found[name] += bool(m.loc[name, "pain_point"])
        recovered += sum(m.loc[q, "quadrant"] == truth[q] for q in PLANTED_QUADRANTS)
        if bootstrap:
            low, high = m.loc["noise", "impact_low"], m.loc["noise", "impact_high"]
            noise_excl += bool(low > 0 or high < 0)
            noise_marked += bool(m.loc["noise", "impact_significant"])
    out = {
        "scenario": scenario,
        "n": n,
        "surveys": surveys,
        "false_per_survey": false_new / surveys,
        "false_by_moment": {name: c / surveys for name, c in by_moment.items()},
        "old_rule_false_per_survey": false_old / surveys,
        "found": {name: c / surveys for name, c in found.items()},
        "quadrant_recovery": recovered / (surveys * len(PLANTED_QUADRANTS)),
    }
    if bootstrap:
        out["noise_impact_excludes_zero"] = noise_excl / surveys
        out["noise_impact_marked"] = noise_marked / surveys
    return out


def rule_variants(n: int, surveys: int, seed: int, scenario: str) -> dict:
    """Other pain-point rules on the same surveys (issue 13 remainder; docs/METHOD.md says why none was adopted).

    From the group counts directly (unweighted): "current" (BH over the pooled-variance two-sided p, effect <= -5),
    "unpooled" (each group's own variance), "adjusted" (per group +0.75 promoters, +0.75 detractors, +3
    respondents), and "min5" / "min2.5" (one-sided test of H0: effect >= -delta with the unpooled SE, BH, effect
    <= -5). Returns per rule: false pain points per survey and the share of surveys finding each planted one.
    """
    from scipy import special

    from moments.analysis.significance import bh_adjust

    nulls = [NAMES.index(m) for m in null_moments(scenario)]
    out: dict[str, list] = {}
    for s in range(surveys):
        ratings, ltr = survey_simulate(n, seed * 1_000_003 + s, scenario)
        e = np.isfinite(ratings).astype(float)
        pro, det = (c.astype(float) for c in nps_classify(ltr))
        n1 = e.sum(axis=0)
        n0 = n - n1
        p1_, d1_ = pro @ e, det @ e
        p0_, d0_ = pro.sum() - p1_, det.sum() - d1_
        p1, d1, p0, d0 = p1_ / n1, d1_ / n1, p0_ / n0, d0_ / n0
        eff = 100 * ((p1 - d1) - (p0 - d0))
        pp_, dd = pro.mean(), det.mean()
        se_pool = 100 * np.sqrt((pp_ + dd - (pp_ - dd) ** 2) * (1 / n1 + 1 / n0))
        se_own = 100 * np.sqrt((p1 + d1 - (p1 - d1) ** 2) / n1 + (p0 + d0 - (p0 - d0) ** 2) / n0)
        a1p, a1d, a0p, a0d = (
            (p1_ + 0.75) / (n1 + 3),
            (d1_ + 0.75) / (n1 + 3),
            (p0_ + 0.75) / (n0 + 3),
            (d0_ + 0.75) / (n0 + 3),
        )
        eff_a = 100 * ((a1p - a1d) - (a0p - a0d))
        se_a = 100 * np.sqrt((a1p + a1d - (a1p - a1d) ** 2) / (n1 + 3) + (a0p + a0d - (a0p - a0d) ** 2) / (n0 + 3))

        def two(z):
            return special.erfc(np.abs(z) / np.sqrt(2))

        flags = {
            "current": bh_adjust(two(eff / se_pool)) <= 0.05,
            "unpooled": bh_adjust(two(eff / se_own)) <= 0.05,
            "adjusted": bh_adjust(two(eff_a / se_a)) <= 0.05,
            "min5": bh_adjust(special.ndtr((eff + 5) / se_own)) <= 0.05,
            "min2.5": bh_adjust(special.ndtr((eff + 2.5) / se_own)) <= 0.05,
        }
        for rule, flag in flags.items():
            flag = flag & (eff <= -5)
            row = out.setdefault(rule, [0, 0, 0])
            row[0] += int(flag[nulls].sum())
            row[1] += bool(flag[NAMES.index("pain50")])
            row[2] += bool(flag[NAMES.index("pain15")])
    return {
        rule: {"false_per_survey": f / surveys, "pain50_found": a / surveys, "pain15_found": b / surveys}
        for rule, (f, a, b) in out.items()
    }


FULL = ((400, 2000), (1_500, 2000), (20_000, 400), (100_000, 100))
QUICK = ((400, 300), (1_500, 300), (20_000, 30), (100_000, 6))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the test's sizes instead of the full figures")
    parser.add_argument("--rules", action="store_true", help="compare other pain-point rules (1,500 respondents)")
    parser.add_argument("--noise-surveys", type=int, default=400, help="surveys for the impact-interval check")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "pain_points.json")
    args = parser.parse_args(argv)
    if args.rules:
        for scenario, seed in (("alarm", 1), ("power", 3)):
            for rule, r in rule_variants(1_500, 300 if args.quick else 2000, seed, scenario).items():
                print(scenario, rule, {k: round(v, 4) for k, v in r.items()})
        return 0
    sizes = QUICK if args.quick else FULL
    started = time.monotonic()
    rows = [pain_points_measure(n, surveys, seed=1) for n, surveys in sizes]
    power = pain_points_measure(1_500, 300 if args.quick else 2000, seed=3, scenario="power")
    noise = [pain_points_measure(n, args.noise_surveys, seed=2, bootstrap=200) for n in (400, 1_500)]
    effects = true_occurrence_effects()
    report = {"pain_points": rows, "power": power, "impact_noise": noise, "true_occurrence_effects": effects}
    report["seconds"] = round(time.monotonic() - started, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(
        "| respondents | surveys | false pain points per survey (new) | old rule | pain50 found | pain15 found |"
        " quadrant recovery |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['n']:,} | {r['surveys']:,} | {r['false_per_survey']:.3f} | {r['old_rule_false_per_survey']:.2f} "
            f"| {r['found']['pain50']:.1%} | {r['found'].get('pain15', float('nan')):.1%} "
            f"| {r['quadrant_recovery']:.1%} |"
        )
    print(
        f"power scenario (both planted), 1,500 respondents, {power['surveys']:,} surveys: pain15 found in "
        f"{power['found']['pain15']:.1%}, pain50 in {power['found']['pain50']:.1%}, "
        f"false pain points per survey {power['false_per_survey']:.3f} "
        f"(old rule {power['old_rule_false_per_survey']:.2f})"
    )
    for r in noise:
        print(
            f"noise moment, n={r['n']:,}, {r['surveys']} surveys x 200 resamples: impact interval excludes 0 in "
            f"{r['noise_impact_excludes_zero']:.1%}, marked significant (BH) in {r['noise_impact_marked']:.1%}"
        )
    for r in rows:
        print(f"false pain points by moment, n={r['n']:,}:", {k: round(v, 4) for k, v in r["false_by_moment"].items()})
    print("true occurrence effects (1M draw):", {k: round(v, 2) for k, v in effects.items()})
    print(f"{report['seconds']} s; written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
