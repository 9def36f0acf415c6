"""``AnalysisParams``: the settings of one ``analyse`` run (DESIGN section 2), validated on construction."""

from __future__ import annotations

from dataclasses import dataclass

from .quadrants import THRESHOLD_MODES

METHODS = ("relative_weights", "shapley", "correlation")


@dataclass(frozen=True)
class AnalysisParams:
    """Settings of one analysis (DESIGN section 2).

    method: "relative_weights" | "shapley" | "correlation"; threshold: "mean" | "median" | "fixed" with
    fixed_satisfaction (0-100) and fixed_impact (impact unit) both given for "fixed"; min_n: fewest ratings for a
    moment to be placed and fewest respondents per group for an occurrence effect; bootstrap: resamples
    (0 = none: no stability, no impact / what-if intervals); bootstrap_max_n: respondents per resample (larger
    samples use the rescaled m-out-of-n bootstrap); seed; stability_cutoff: below it a moment is uncertain.

    Pain points and every other "this is real" mark (DESIGN section 2, issue 13): fdr_q: false discovery rate of
    the Benjamini-Hochberg control over the moments of one analysis (setting ``MOMENTUM_FDR_Q``);
    pain_min_nps / pain_min_binary / pain_min_sd: the minimum meaningful occurrence effect below zero, in NPS
    points, percentage points, and standard deviations of a numeric outcome (setting
    ``MOMENTUM_PAIN_MIN_EFFECT``); small_group_share: where the smaller group (experiencers or not) is under this
    share of respondents the effect is shown with a caution and never becomes a pain point (setting
    ``MOMENTUM_SMALL_GROUP_SHARE``); min_placed: fewest placed moments for quadrants (a quadrant compares moments
    with each other: with one or two there is nothing to compare).
    """

    method: str = "relative_weights"
    threshold: str = "mean"
    fixed_satisfaction: float | None = None
    fixed_impact: float | None = None
    min_n: int = 30
    bootstrap: int = 200
    bootstrap_max_n: int = 50_000
    seed: int = 0
    stability_cutoff: float = 0.8
    fdr_q: float = 0.05
    pain_min_nps: float = 5.0
    pain_min_binary: float = 5.0
    pain_min_sd: float = 0.2
    small_group_share: float = 0.05
    min_placed: int = 3

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {self.method!r}")
        if self.threshold not in THRESHOLD_MODES:
            raise ValueError(f"threshold must be one of {THRESHOLD_MODES}, got {self.threshold!r}")
        if self.threshold == "fixed" and (self.fixed_satisfaction is None or self.fixed_impact is None):
            raise ValueError("threshold 'fixed' needs both fixed_satisfaction and fixed_impact")
        if self.min_n < 2:
            raise ValueError("min_n must be at least 2")
        if self.bootstrap < 0 or self.bootstrap_max_n < 2:
            raise ValueError("bootstrap must be >= 0 and bootstrap_max_n >= 2")
        if not 0.0 <= self.stability_cutoff <= 1.0:
            raise ValueError("stability_cutoff must be within 0..1")
        if not 0.0 < self.fdr_q < 1.0:
            raise ValueError("fdr_q must be within 0..1 (exclusive)")
        if min(self.pain_min_nps, self.pain_min_binary, self.pain_min_sd) < 0:
            raise ValueError("minimum meaningful effects must be >= 0")
        if not 0.0 <= self.small_group_share < 0.5:
            raise ValueError("small_group_share must be within 0..0.5")
        if self.min_placed < 1:
            raise ValueError("min_placed must be at least 1")

    def pain_min_effect(self, outcome_type: str, outcome_sd: float = float("nan")) -> float:
        """Minimum meaningful effect in the occurrence effect's unit (outcome_sd: the outcome's SD, numeric)."""
        if outcome_type == "nps":
            return self.pain_min_nps
        if outcome_type == "binary":
            return self.pain_min_binary
        return self.pain_min_sd * outcome_sd


DEFAULT_PARAMS = AnalysisParams()
