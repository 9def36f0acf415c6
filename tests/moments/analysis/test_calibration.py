"""Calibration: the 95% intervals cover the true value in 93-97% of simulated surveys.

Each test draws REPS independent surveys at once (vectorised) and counts how often the interval contains the
value used to simulate them. With 2000 repetitions a correct 95% interval lands in 93-97% with probability
> 0.9999; the seeds are fixed, so the tests are deterministic.
"""

import numpy as np

from moments.analysis.nps import mean_difference, nps_difference, nps_interval, rate_difference
from moments.analysis.satisfaction import satisfaction_describe

REPS = 2000


def assert_calibrated(low, high, truth):
    coverage = np.mean((low <= truth) & (truth <= high))
    assert 0.93 <= coverage <= 0.97, coverage


def test_nps_adjusted_wald_interval_coverage():
    rng = np.random.default_rng(11)
    p, d, n = 0.35, 0.30, 120  # true NPS 5
    counts = rng.multinomial(n, [p, 1 - p - d, d], size=REPS)
    low, high = nps_interval(counts[:, 0], counts[:, 2], n)
    assert_calibrated(low, high, 100 * (p - d))


def test_satisfaction_interval_coverage():
    # a skewed 5-point scale rescaled to 0-100, 30% not experienced, ~60 ratings per survey
    rng = np.random.default_rng(12)
    values = np.array([0.0, 25, 50, 75, 100])
    probs = np.array([0.05, 0.10, 0.20, 0.40, 0.25])
    ratings = rng.choice(values, p=probs, size=(85, REPS))  # each column is one survey
    rated = rng.random(ratings.shape) > 0.3
    desc = satisfaction_describe(ratings, rated, min_n=2)
    assert_calibrated(desc["satisfaction_low"], desc["satisfaction_high"], values @ probs)


def test_occurrence_effect_nps_coverage():
    rng = np.random.default_rng(13)
    n1, n0 = 150, 90
    with_moment, without = [0.30, 0.40, 0.30], [0.45, 0.35, 0.20]  # promoter, passive, detractor
    c1 = rng.multinomial(n1, with_moment, size=REPS)
    c0 = rng.multinomial(n0, without, size=REPS)
    _, low, high = nps_difference(c1[:, 0], c1[:, 2], n1, c0[:, 0], c0[:, 2], n0)
    assert_calibrated(low, high, 100 * ((0.30 - 0.30) - (0.45 - 0.20)))


def test_occurrence_effect_binary_coverage():
    rng = np.random.default_rng(14)
    n1, n0, p1, p0 = 60, 200, 0.15, 0.30
    x1, x0 = rng.binomial(n1, p1, REPS), rng.binomial(n0, p0, REPS)
    _, low, high = rate_difference(x1, n1, x0, n0)
    assert_calibrated(low, high, 100 * (p1 - p0))


def test_occurrence_effect_numeric_coverage():
    rng = np.random.default_rng(15)
    n1, n0 = 40, 35
    g1 = rng.exponential(2.0, size=(REPS, n1)) + 1.0  # skewed, unequal variances
    g0 = rng.normal(2.0, 1.0, size=(REPS, n0))
    _, low, high = mean_difference(g1.mean(1), g1.var(1, ddof=1), n1, g0.mean(1), g0.var(1, ddof=1), n0)
    assert_calibrated(low, high, 3.0 - 2.0)


# Weighted intervals (DESIGN section 2: weighted shares and means, intervals on Kish's effective n). A stratified
# survey that over-samples a small segment, weighted back to the population: stratum A is 30% of the customers but
# half of every sample (weight 0.6), B the other 70% (weight 1.4). The strata differ in outcome and satisfaction,
# so an unweighted estimate is biased and only a weighted one with an honest interval covers the truth.
N_A = N_B = 200
W_A, W_B = 0.3 / 0.5, 0.7 / 0.5


def _weights():
    return np.r_[np.full(N_A, W_A), np.full(N_B, W_B)]


def test_weighted_nps_interval_coverage():
    from moments.analysis.nps import outcome_summary

    rng = np.random.default_rng(21)
    a, b = [0.50, 0.30, 0.20], [0.30, 0.35, 0.35]  # promoter, passive, detractor shares per stratum
    truth = 100 * (0.3 * (a[0] - a[2]) + 0.7 * (b[0] - b[2]))
    classes = np.array([10.0, 8.0, 3.0])
    w = _weights()
    low, high, biased = np.empty(REPS), np.empty(REPS), np.empty(REPS)
    for r in range(REPS):
        y = np.r_[rng.choice(classes, N_A, p=a), rng.choice(classes, N_B, p=b)]
        out = outcome_summary(y, "nps", w)
        low[r], high[r] = out["outcome_low"], out["outcome_high"]
        biased[r] = outcome_summary(y, "nps")["outcome_low"] <= truth <= outcome_summary(y, "nps")["outcome_high"]
    assert_calibrated(low, high, truth)
    assert biased.mean() < 0.85  # the unweighted interval misses: the weights matter in this design


def test_weighted_satisfaction_interval_coverage():
    rng = np.random.default_rng(22)
    values = np.array([0.0, 25, 50, 75, 100])
    pa, pb = np.array([0.02, 0.08, 0.2, 0.4, 0.3]), np.array([0.15, 0.2, 0.3, 0.25, 0.1])
    truth = 0.3 * values @ pa + 0.7 * values @ pb
    ratings = np.vstack([rng.choice(values, p=pa, size=(N_A, REPS)), rng.choice(values, p=pb, size=(N_B, REPS))])
    rated = rng.random(ratings.shape) > 0.2  # missing at random within strata
    # one survey per column, all at once: the weights are per row, the same in every survey
    desc = satisfaction_describe(ratings, rated, min_n=2, weights=_weights())
    assert_calibrated(desc["satisfaction_low"], desc["satisfaction_high"], truth)


def test_weighted_occurrence_effect_coverage():
    from moments.analysis.nps import occurrence_test

    rng = np.random.default_rng(23)
    reach_a, reach_b = 0.6, 0.4
    # NPS classes by stratum and experience: (promoter, passive, detractor)
    probs = {("A", 1): [0.40, 0.30, 0.30], ("A", 0): [0.55, 0.30, 0.15], ("B", 1): [0.25, 0.35, 0.40],
             ("B", 0): [0.35, 0.35, 0.30]}  # fmt: skip

    def nps(p):
        return 100 * (p[0] - p[2])

    # population quantities: experiencers' NPS mixes the strata by their experienced shares
    e_a, e_b = 0.3 * reach_a, 0.7 * reach_b
    n_a, n_b = 0.3 * (1 - reach_a), 0.7 * (1 - reach_b)
    truth = (e_a * nps(probs["A", 1]) + e_b * nps(probs["B", 1])) / (e_a + e_b) - (
        n_a * nps(probs["A", 0]) + n_b * nps(probs["B", 0])
    ) / (n_a + n_b)
    classes = np.array([10.0, 8.0, 3.0])
    w = _weights()
    low, high = np.empty(REPS), np.empty(REPS)
    for r in range(REPS):
        had = np.r_[rng.random(N_A) < reach_a, rng.random(N_B) < reach_b]
        stratum = np.r_[np.full(N_A, "A"), np.full(N_B, "B")]
        y = np.empty(N_A + N_B)
        for (s, e), p in probs.items():
            rows = (stratum == s) & (had == bool(e))
            y[rows] = rng.choice(classes, rows.sum(), p=p)
        test = occurrence_test(y, had[:, None], "nps", min_n=30, weights=w)
        low[r], high[r] = test["low"][0], test["high"][0]
    assert_calibrated(low, high, truth)
