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
