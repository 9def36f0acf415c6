"""What moved (issue 12): hand-computed examples, and seeded simulations with planted truth.

The simulator is bench/moved.py (which measures the same with more pairs: the figures in docs/METHOD.md). It
draws two periods from one model of a journey: six moments on a 1-5 scale with a halo, each experienced with its
own reach, an LTR 0-10 from a latent that each experienced moment's satisfaction moves by its own slope
(installation the most, the welcome pack not at all), rounded and clipped, so the NPS classes add a nonlinearity
that the linear attribution model does not share. "Planted drop": only installation's satisfaction falls in period
B (about 62 -> 50 on 0-100); everything else is the same model. Fewer pairs than the bench keep it fast.
"""

import numpy as np
import pytest

from bench import moved as mv
from moments.analysis.moved import MOVED_COLUMNS, MovedParams, Period, moved_explain, moved_sentence

simulate = mv.period_simulate
true_nps = mv.true_nps
NAMES, DROP, INSTALLATION, SLOPE = mv.NAMES, mv.DROP, mv.INSTALLATION, mv.SLOPE


# ---- hand-computed examples ----


def test_one_moment_numeric_by_hand():
    # A: (s, y) = (0, 0), (100, 10); B: (0, 1), (0, 1). Pooled: mean s 25, mean y 3,
    # cov = 25*3 + 75*7 + 2*25*2 = 700, var = 7500 -> slope 7/75 per satisfaction point.
    # Everyone rated (reach 1): contribution = 7/75 * 1 * (0 - 50) = -14/3; change = 1 - 5 = -4; remainder 2/3.
    a = Period(np.array([[0.0], [100.0]]), np.array([0.0, 10.0]))
    b = Period(np.array([[0.0], [0.0]]), np.array([1.0, 1.0]))
    result = moved_explain(a, b, ["m"], outcome_type="numeric", params=MovedParams(min_n=2, bootstrap=0))
    row = result.moments.iloc[0]
    assert row["slope"] == pytest.approx(7 / 75)
    assert row["satisfaction_change"] == pytest.approx(-50)
    assert row["contribution"] == pytest.approx(-14 / 3)
    assert row["satisfaction_effect"] == pytest.approx(-14 / 3)
    assert row["reach_effect"] == pytest.approx(0)
    assert result.summary["change"] == pytest.approx(-4)
    assert result.summary["remainder"] == pytest.approx(2 / 3)


def test_reach_effect_by_hand():
    # Satisfaction constant (no slope to estimate); reach 1/2 -> 1. Pooled occurrence effect: experiencers score 10,
    # the non-experiencer 0 -> g = 10; contribution = 10 * (1 - 1/2) = 5 = the whole change (5 -> 10).
    a = Period(np.array([[50.0], [np.nan]]), np.array([10.0, 0.0]))
    b = Period(np.array([[50.0], [50.0]]), np.array([10.0, 10.0]))
    result = moved_explain(a, b, ["m"], outcome_type="numeric", params=MovedParams(min_n=1 + 1, bootstrap=0))
    row = result.moments.iloc[0]
    # A has one rater only: below min_n = 2, so the moment is not attributed and the change is all remainder.
    assert np.isnan(row["contribution"])
    assert result.summary["remainder"] == pytest.approx(5)
    a = Period(np.array([[50.0], [50.0], [np.nan], [np.nan]]), np.array([10.0, 10.0, 0.0, 0.0]))
    b = Period(np.array([[50.0], [50.0], [50.0], [50.0]]), np.array([10.0] * 4))
    row = moved_explain(a, b, ["m"], outcome_type="numeric", params=MovedParams(min_n=2, bootstrap=0)).moments.iloc[0]
    assert row["occurrence_effect"] == pytest.approx(10)
    assert row["reach_change"] == pytest.approx(0.5)
    assert row["reach_effect"] == pytest.approx(5)
    assert row["contribution"] == pytest.approx(5)


def test_nps_change_interval_is_the_difference_of_two_adjusted_wald_estimates():
    # A: 10 answers, 5 promoters, 2 detractors (NPS +30); B: 2 promoters, 5 detractors (NPS -30).
    ltr_a = np.array([10, 10, 9, 9, 9, 8, 7, 8, 3, 0], dtype=float)
    ltr_b = np.array([10, 9, 8, 7, 8, 5, 4, 3, 2, 0], dtype=float)
    ratings = np.full((10, 1), 50.0)
    result = moved_explain(Period(ratings, ltr_a), Period(ratings, ltr_b), ["m"], params=MovedParams(bootstrap=0))

    def adjusted(promoters, detractors, n):
        p, d = (promoters + 0.75) / (n + 3), (detractors + 0.75) / (n + 3)
        return 100 * (p - d), 100 * np.sqrt((p + d - (p - d) ** 2) / (n + 3))

    centre_a, se_a = adjusted(5, 2, 10)
    centre_b, se_b = adjusted(2, 5, 10)
    half = 1.959963984540054 * np.hypot(se_a, se_b)
    assert result.summary["change"] == pytest.approx(-60)
    assert result.summary["change_low"] == pytest.approx(centre_b - centre_a - half)
    assert result.summary["change_high"] == pytest.approx(centre_b - centre_a + half)
    assert result.summary["before"] == pytest.approx(30)
    assert result.summary["after"] == pytest.approx(-30)


def test_parts_add_up_exactly_for_every_outcome_type_and_with_weights():
    rng = np.random.default_rng(5)
    a, b = simulate(800, rng), simulate(900, rng, DROP)
    cases = {
        "nps": (a.outcome, b.outcome),
        "binary": ((a.outcome >= 9).astype(float), (b.outcome >= 9).astype(float)),
        "numeric": (a.outcome * 1.5 + 3, b.outcome * 1.5 + 3),
    }
    for outcome_type, (ya, yb) in cases.items():
        for weights in (None, rng.uniform(0.3, 3.0, size=(2, 900))):
            pa = Period(a.ratings, ya, weights=None if weights is None else weights[0, :800])
            pb = Period(b.ratings, yb, weights=None if weights is None else weights[1])
            result = moved_explain(pa, pb, NAMES, outcome_type=outcome_type, params=MovedParams(bootstrap=50))
            m = result.moments
            total = m["contribution"].sum() + result.summary["remainder"]
            assert total == pytest.approx(result.summary["change"], abs=1e-9), outcome_type
            assert np.allclose(m["contribution"], m["satisfaction_effect"] + m["reach_effect"], atol=1e-12)
            assert list(m.columns) == list(MOVED_COLUMNS)
            assert result.summary["remainder_low"] <= result.summary["remainder"] <= result.summary["remainder_high"]


def test_integer_weights_give_the_point_estimates_of_duplicated_rows():
    rng = np.random.default_rng(8)
    a, b = simulate(300, rng), simulate(300, rng, DROP)
    w = rng.integers(1, 4, size=300).astype(float)
    weighted = moved_explain(a, Period(b.ratings, b.outcome, weights=w), NAMES, params=MovedParams(bootstrap=0))
    rows = np.repeat(np.arange(300), w.astype(int))
    copied = moved_explain(a, Period(b.ratings[rows], b.outcome[rows]), NAMES, params=MovedParams(bootstrap=0))
    for column in ("contribution", "satisfaction_change", "reach_change", "slope"):
        assert np.allclose(weighted.moments[column], copied.moments[column]), column
    assert weighted.summary["change"] == pytest.approx(copied.summary["change"])


def test_the_bootstrap_is_seeded():
    rng = np.random.default_rng(2)
    a, b = simulate(500, rng), simulate(500, rng, DROP)
    one = moved_explain(a, b, NAMES, params=MovedParams(bootstrap=40, seed=3)).moments
    two = moved_explain(a, b, NAMES, params=MovedParams(bootstrap=40, seed=3)).moments
    other = moved_explain(a, b, NAMES, params=MovedParams(bootstrap=40, seed=4)).moments
    assert one["contribution_low"].equals(two["contribution_low"])
    assert not one["contribution_low"].equals(other["contribution_low"])


def test_the_sentence_says_it_in_words():
    summary = {
        "outcome_type": "nps",
        "outcome_name": "NPS",
        "unit": "points",
        "change": -15.2,
        "change_low": -19.4,
        "change_high": -11.1,
        "moments_attributed": 5,
    }
    import pandas as pd

    moments = pd.DataFrame(
        {
            "moment": ["installation", "billing"],
            "significant": [True, False],
            "contribution": [-11.3, -0.4],
            "contribution_low": [-14.2, -1.5],
            "contribution_high": [-8.1, 0.7],
            "satisfaction_effect": [-11.0, -0.4],
            "reach_effect": [-0.3, 0.0],
            "satisfaction_change": [-9.0, -0.5],
            "satisfaction_before": [49.2, 70.0],
            "satisfaction_after": [40.1, 69.5],
            "reach_change": [0.0, 0.0],
            "reach_before": [0.7, 0.9],
            "reach_after": [0.7, 0.9],
        }
    )
    assert moved_sentence(summary, moments) == (
        "NPS fell 15 points (95% interval \u221219 to \u221211); installation explains \u221211 "
        "(\u221214 to \u22128) as its satisfaction fell from 49 to 40; nothing else moved measurably"
    )
    assert moved_sentence(summary, moments.iloc[1:]) == (
        "NPS fell 15 points (95% interval \u221219 to \u221211); no moment moved measurably"
    )
    unexplained = summary | {"remainder": -6.2, "remainder_low": -9.0, "remainder_high": -3.3, "min_effect": 1.0}
    assert moved_sentence(unexplained, moments.iloc[1:]) == (
        "NPS fell 15 points (95% interval \u221219 to \u221211); no moment moved measurably; "
        "\u22126 is not explained by the moments (\u22129 to \u22123)"
    )


def test_bad_input_is_refused():
    a = Period(np.full((5, 2), 50.0), np.full(5, 9.0))
    with pytest.raises(ValueError, match="moments"):
        moved_explain(a, a, ["one"])
    with pytest.raises(ValueError, match="0-100"):
        moved_explain(Period(np.full((5, 2), 150.0), np.full(5, 9.0)), a, ["x", "y"])
    with pytest.raises(ValueError, match="outcome_type"):
        moved_explain(a, a, ["x", "y"], outcome_type="ltr")


# ---- planted truth ----

PAIRS = 60
N = 1500


@pytest.fixture(scope="module")
def planted():
    """PAIRS seeded pairs of periods: only installation's satisfaction drops in B."""
    rng = np.random.default_rng(2026)
    return [
        moved_explain(simulate(N, rng), simulate(N, rng, DROP), NAMES, params=MovedParams(bootstrap=200, seed=s))
        for s in range(PAIRS)
    ]


@pytest.fixture(scope="module")
def same_model():
    rng = np.random.default_rng(7)
    return [
        moved_explain(simulate(N, rng), simulate(N, rng), NAMES, params=MovedParams(bootstrap=200, seed=s))
        for s in range(PAIRS)
    ]


def test_the_planted_truth_is_what_the_docstring_says():
    assert true_nps(DROP) - true_nps() < -5  # the drop moves NPS clearly
    assert SLOPE[NAMES.index("welcome pack")] == 0


def test_a_planted_drop_is_attributed_to_its_moment(planted):
    excludes_zero = [r.moments.loc[INSTALLATION, "contribution_high"] < 0 for r in planted]
    marked = [bool(r.moments.loc[INSTALLATION, "significant"]) for r in planted]
    assert np.mean(excludes_zero) >= 0.9
    assert np.mean(marked) >= 0.9
    # it carries most of the explained change
    share = [r.moments.loc[INSTALLATION, "contribution"] / r.summary["explained"] for r in planted]
    assert np.median(share) > 0.8
    # and its satisfaction change is marked too
    assert np.mean([r.moments.loc[INSTALLATION, "satisfaction_significant"] for r in planted]) >= 0.9


def test_unchanged_moments_are_rarely_marked(planted):
    others = [j for j in range(len(NAMES)) if j != INSTALLATION]
    marks = np.array([r.moments.loc[others, "significant"].to_numpy() for r in planted])
    include_zero = np.array(
        [
            ((r.moments.loc[others, "contribution_low"] <= 0) & (r.moments.loc[others, "contribution_high"] >= 0))
            for r in planted
        ]
    )
    sat_marks = np.array([r.moments.loc[others, "satisfaction_significant"].to_numpy() for r in planted])
    assert marks.mean() <= 0.05
    assert sat_marks.mean() <= 0.05
    assert include_zero.mean() >= 0.9


def test_two_periods_from_one_model_mark_nothing(same_model):
    nothing = [not r.moments["significant"].any() for r in same_model]
    assert np.mean(nothing) >= 0.9
    assert np.mean([not r.moments["satisfaction_significant"].any() for r in same_model]) >= 0.9
    quiet = [r.summary["sentence"] for r, ok in zip(same_model, nothing, strict=True) if ok]
    assert all("; no moment moved measurably" in sentence for sentence in quiet)


def test_the_change_interval_covers_the_true_change():
    truth = true_nps(DROP) - true_nps()
    rng = np.random.default_rng(11)
    pairs = 300
    covered = 0
    for _ in range(pairs):
        r = moved_explain(simulate(800, rng), simulate(800, rng, DROP), NAMES, params=MovedParams(bootstrap=0))
        covered += r.summary["change_low"] <= truth <= r.summary["change_high"]
    # 95% of 300: a true 95% lands in 0.92-0.98 (two binomial SDs)
    assert 0.92 <= covered / pairs <= 0.98
