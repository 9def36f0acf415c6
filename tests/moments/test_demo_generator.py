"""The seeded demo generator: shapes, determinism, and the planted truth recovered by an independent computation.

The recovery check re-implements DESIGN.md section 2 in a few lines (pairwise-complete correlations -> Johnson
(2000) relative weights, mean thresholds over moments with >= 30 experiencers, NPS occurrence effect with a 95%
interval) so that the generator is checked without depending on `moments.analysis`.
"""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from moments.demo.generator import DemoJourney, generate_broadband, generate_w1_csv

REPO = Path(__file__).resolve().parents[2]
MIN_N = 30
QUADRANT = {(False, True): "raise", (True, True): "amplify", (False, False): "improve", (True, False): "reduce"}


def relative_weights(frame: pd.DataFrame, moments: list[str], outcome: str = "ltr") -> pd.Series:
    """Johnson (2000) relative weights in % of R^2, signed like the bivariate correlation."""
    corr = frame[[*moments, outcome]].corr()  # pandas: pairwise-complete
    rxx = corr.loc[moments, moments].to_numpy()
    rxy = corr.loc[moments, outcome].to_numpy()
    eigval, eigvec = np.linalg.eigh(rxx)
    root = eigvec @ np.diag(np.sqrt(np.clip(eigval, 0, None))) @ eigvec.T
    beta = np.linalg.solve(root, rxy)
    raw = (root**2) @ (beta**2)
    return pd.Series(100 * raw / raw.sum() * np.sign(rxy), index=moments)


def nps(ltr: pd.Series) -> tuple[float, float]:
    """NPS and its standard error, both in points."""
    p, d = (ltr >= 9).mean(), (ltr <= 6).mean()
    return 100 * (p - d), 100 * np.sqrt((p + d - (p - d) ** 2) / len(ltr))


def recovered(frame: pd.DataFrame, slugs: list[str]) -> tuple[dict[str, str], set[str], dict[str, float]]:
    """(quadrant per slug, pain points, occurrence effect per slug) as Momentum's method would find them."""
    experienced = frame[slugs].notna()
    placed = [s for s in slugs if experienced[s].sum() >= MIN_N]
    satisfaction = (frame[placed].mean() - 1) / 9 * 100
    impact = relative_weights(frame, placed)
    quadrants = {s: "insufficient_data" for s in slugs}
    for s in placed:
        quadrants[s] = QUADRANT[(satisfaction[s] >= satisfaction.mean(), impact[s] >= impact.mean())]
    pains, effects = set(), {}
    for s in slugs:
        had = experienced[s]
        if had.sum() < MIN_N or (~had).sum() < MIN_N:
            continue
        (a, se_a), (b, se_b) = nps(frame.loc[had, "ltr"]), nps(frame.loc[~had, "ltr"])
        effects[s] = a - b
        if a - b + 1.96 * np.hypot(se_a, se_b) < 0:
            pains.add(s)
    return quadrants, pains, effects


@pytest.fixture(scope="module")
def journey() -> DemoJourney:
    return generate_broadband()


def test_same_seed_gives_identical_data_and_another_seed_does_not():
    first, again, other = generate_broadband(3), generate_broadband(3), generate_broadband(4)
    for a, b, c in zip(first.waves, again.waves, other.waves, strict=True):
        pd.testing.assert_frame_equal(a.frame, b.frame)
        assert not a.frame.equals(c.frame)


def test_journey_describes_eleven_moments_over_five_stages(journey):
    assert (journey.name, journey.slug, journey.scale) == ("Broadband", "broadband", (1, 10))
    slugs = [m.slug for m in journey.moments]
    assert len(slugs) == len(set(slugs)) == 11
    assert [m.position for m in journey.moments] == list(range(1, 12))
    assert {m.stage for m in journey.moments} == {"Buy", "Get connected", "Use", "Get help", "Stay"}
    technician = next(m for m in journey.moments if m.slug == "technician-visit")
    assert {"technician", "engineer visit"} <= set(technician.aliases)
    assert [m.slug for m in journey.moments if m.is_brand_moment] == ["welcome-pack"]


def test_waves_have_one_row_per_respondent_with_the_documented_columns(journey):
    slugs = [m.slug for m in journey.moments]
    assert [w.name for w in journey.waves] == ["2026 Q1", "2026 Q2"]
    for number, wave in enumerate(journey.waves, start=1):
        frame = wave.frame
        assert list(frame.columns) == ["respondent_id", "submitted_at", "ltr", "region", "plan", *slugs]
        assert len(frame) == 3000
        assert frame["respondent_id"].iloc[0] == f"BB-W{number}-000001"
        assert frame["respondent_id"].is_unique
        assert str(frame["submitted_at"].dt.tz) == "UTC"
        days = frame["submitted_at"].dt.date
        assert days.min() >= wave.period_start and days.max() <= wave.period_end
        assert frame["submitted_at"].is_monotonic_increasing
        assert frame["ltr"].dtype == np.int64 and frame["ltr"].between(0, 10).all()
        assert set(frame["region"]) == {"North", "South", "East", "West"}
        assert set(frame["plan"]) == {"Basic", "Fibre", "Premium"}
        ratings = frame[slugs].to_numpy()
        rated = ratings[~np.isnan(ratings)]
        assert rated.min() >= 1 and rated.max() <= 10 and (rated == np.round(rated)).all()


def test_reach_and_ratings_match_the_planted_stories(journey):
    for wave in journey.waves:
        frame = wave.frame
        reach = frame[[m.slug for m in journey.moments]].notna().mean()
        assert 0.045 <= reach["welcome-pack"] <= 0.075
        assert journey.truth.low_reach["welcome-pack"] == pytest.approx(0.06)
        assert frame["store-visit"].notna().sum() < MIN_N
        assert 0.25 <= reach["technician-visit"] <= 0.35
        assert 7.6 <= frame["technician-visit"].mean() <= 8.4


def test_truth_is_consistent(journey):
    truth = journey.truth
    assert truth.pain_points == {"technician-visit"}
    assert truth.movers == {"first-bill": ("raise", "amplify")}
    for wave in journey.waves:
        quadrants = truth.quadrants[wave.name]
        assert set(quadrants) == {m.slug for m in journey.moments}
        assert {"raise", "amplify", "improve", "reduce", "insufficient_data"} == set(quadrants.values())


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_planted_truth_is_recovered_by_the_method(seed):
    journey = generate_broadband(seed)
    slugs = [m.slug for m in journey.moments]
    for wave in journey.waves:
        quadrants, pains, effects = recovered(wave.frame, slugs)
        assert quadrants == journey.truth.quadrants[wave.name]
        assert pains == journey.truth.pain_points
        assert -30 <= effects["technician-visit"] <= -12


def test_importing_the_generator_does_not_import_django():
    code = "import sys, moments.demo.generator; sys.exit('django' in sys.modules)"
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)


def test_w1_csv_has_the_documented_header_and_values(tmp_path):
    path = generate_w1_csv(tmp_path / "w1.csv", n=2500, k=5, seed=3, chunk=1000)
    frame = pd.read_csv(path, dtype={"respondent_id": "str"})
    moments = [f"moment_{j:02d}" for j in range(1, 6)]
    assert list(frame.columns) == ["respondent_id", "submitted_at", "ltr", "region", "plan", *moments]
    assert len(frame) == 2500
    assert frame["respondent_id"].iloc[[0, -1]].tolist() == ["W1-0000001", "W1-0002500"]
    assert frame["respondent_id"].is_unique
    instants = pd.to_datetime(frame["submitted_at"], utc=True)
    assert instants.is_monotonic_increasing
    assert instants.min() >= pd.Timestamp("2026-01-01", tz="UTC")
    assert instants.max() < pd.Timestamp("2026-04-01", tz="UTC")
    assert frame["ltr"].between(0, 10).all()
    assert set(frame["region"]) <= {"North", "South", "East", "West"}
    assert set(frame["plan"]) <= {"Basic", "Fibre", "Premium"}
    ratings = frame[moments]
    assert 0.25 <= ratings.isna().to_numpy().mean() <= 0.35
    assert ratings.min().min() >= 1 and ratings.max().max() <= 10
    assert path.read_bytes() == generate_w1_csv(tmp_path / "again.csv", n=2500, k=5, seed=3, chunk=1000).read_bytes()


def test_w1_cli_writes_the_file(tmp_path):
    out = tmp_path / "w1.csv"
    result = subprocess.run(
        [sys.executable, "bench/w1_generate.py", str(out), "--n", "300", "--k", "4", "--seed", "2"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    )
    assert "300 respondents x 4 moments" in result.stdout
    assert len(out.read_text().splitlines()) == 301


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_each_outcome_of_the_demo_has_its_own_planted_drivers_recovered(seed):
    """Issue 11: Retention and Cross-sell are measured on the same respondents as NPS, each with drivers of its
    own, and the method recovers every outcome's quadrants (the side-by-side view's story)."""
    from moments.analysis import AnalysisParams, analyse
    from moments.demo.generator import DEMO_OUTCOMES

    journey = generate_broadband(seed)
    slugs = [m.slug for m in journey.moments]
    truth = journey.truth.outcome_quadrants
    assert set(truth) == {name for name, _ in DEMO_OUTCOMES} == {"Retention", "Cross-sell"}
    for wave in journey.waves:
        ratings = (wave.frame[slugs].to_numpy(dtype=float) - 1) / 9 * 100
        for name, kind in DEMO_OUTCOMES:
            values = wave.outcomes[name]
            assert values.shape == (3000,) and set(np.unique(values)) == {0.0, 1.0}
            result = analyse(ratings, values, slugs, outcome_type=kind, params=AnalysisParams(bootstrap=20))
            assert dict(zip(slugs, result.moments["quadrant"], strict=True)) == truth[name][wave.name]
            assert not result.moments["pain_point"].any()
        retention, nps = truth["Retention"][wave.name], journey.truth.quadrants[wave.name]
        assert retention["contract-renewal"] == "raise" and nps["contract-renewal"] == "improve"
        assert nps["installation"] == "amplify" and retention["installation"] == "reduce"


def test_the_other_outcomes_leave_the_nps_data_of_a_seed_unchanged(journey):
    """The yes/no outcomes are drawn after everything else: the NPS story of a seed is the one it always was."""
    wave = journey.waves[0]
    # Read from the generator before the outcomes were added (the first five LTRs and the last instant of Q1).
    assert wave.frame["ltr"].iloc[:5].tolist() == [10, 8, 7, 10, 10]
    assert str(wave.frame["submitted_at"].iloc[-1]) == "2026-03-31 23:56:55+00:00"
