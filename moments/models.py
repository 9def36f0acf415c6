"""Analysis runs with one result row per moment (DESIGN sections 2-3)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cxapp.jobs import Job, JobStatus
from journeys.models import Journey, Moment

RunStatus = JobStatus  # the name the rest of the app uses


class AnalysisRun(Job):
    """One computation of the matrix for a journey, a set of waves, a segment filter and one outcome.

    ``params_key`` is a hash of the inputs (data version of the chosen waves) and parameters, so identical requests
    reuse a finished run instead of recomputing it.
    """

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="analysis_runs")
    surveys = models.ManyToManyField("surveys.Survey", related_name="analysis_runs", blank=True)
    segment_filter = models.JSONField(default=dict, blank=True)
    method = models.CharField(max_length=30, default="relative_weights")
    threshold_mode = models.CharField(max_length=10, default="mean")
    fixed_satisfaction = models.FloatField(null=True, blank=True)
    fixed_impact = models.FloatField(null=True, blank=True)
    min_sample = models.PositiveIntegerField(default=30)
    bootstrap = models.PositiveIntegerField(default=200)
    seed = models.PositiveIntegerField(default=0)
    # The outcome the impact is measured on: "" = the journey's primary outcome, else its name (issue 11).
    outcome = models.CharField(max_length=200, default="", blank=True)
    params_key = models.CharField(max_length=64, db_index=True)
    summary = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta(Job.Meta):
        indexes = [models.Index(fields=["journey", "params_key", "status"])]

    def __str__(self) -> str:
        return f"Analysis {self.pk} of {self.journey} ({self.status})"


class Quadrant(models.TextChoices):
    RAISE = "raise", _("Raise")
    AMPLIFY = "amplify", _("Amplify")
    IMPROVE = "improve", _("Improve")
    REDUCE = "reduce", _("Reduce")
    INSUFFICIENT = "insufficient_data", _("Insufficient data")


QUADRANT_ACTIONS = {
    Quadrant.RAISE: _("Moment of truth that disappoints: raise satisfaction first."),
    Quadrant.AMPLIFY: _("Moment of truth that delights: let more customers experience it."),
    Quadrant.IMPROVE: _("Improve where it is cheap; not a priority."),
    Quadrant.REDUCE: _("Over-delivering: reduce effort or cost here."),
    Quadrant.INSUFFICIENT: _("Too few respondents experienced it to place it."),
}


class MomentResult(models.Model):
    """Every number of DESIGN section 2 for one moment in one run. Satisfaction is on 0-100."""

    run = models.ForeignKey(AnalysisRun, on_delete=models.CASCADE, related_name="results")
    moment = models.ForeignKey(Moment, on_delete=models.CASCADE, related_name="results")
    rank = models.PositiveIntegerField()
    quadrant = models.CharField(max_length=20, choices=Quadrant.choices)
    satisfaction = models.FloatField(null=True)
    satisfaction_low = models.FloatField(null=True)
    satisfaction_high = models.FloatField(null=True)
    top_box = models.FloatField(null=True)
    impact = models.FloatField(null=True)
    impact_low = models.FloatField(null=True)
    impact_high = models.FloatField(null=True)
    correlation = models.FloatField(null=True)
    reach = models.FloatField(null=True)
    n = models.PositiveIntegerField(default=0)
    occurrence_effect = models.FloatField(null=True)
    occurrence_low = models.FloatField(null=True)
    occurrence_high = models.FloatField(null=True)
    stability = models.FloatField(null=True)
    is_uncertain = models.BooleanField(default=False)
    is_pain_point = models.BooleanField(default=False)
    is_insufficient = models.BooleanField(default=False)
    what_if = models.FloatField(null=True)
    what_if_low = models.FloatField(null=True)
    what_if_high = models.FloatField(null=True)

    class Meta:
        ordering = ["run", "rank"]
        constraints = [models.UniqueConstraint(fields=["run", "moment"], name="unique_result_per_moment")]

    def __str__(self) -> str:
        return f"{self.moment} in run {self.run_id}: {self.quadrant}"

    @property
    def action(self) -> str:
        return self.advice.text

    @property
    def advice(self):
        """The one advice for this moment: quadrant, flags and reach together (``moments.analysis.advice``)."""
        from .analysis.advice import moment_advice

        summary = self.run.summary if MomentResult.run.is_cached(self) else {}  # never a query per row
        return moment_advice(
            quadrant=self.quadrant,
            pain_point=self.is_pain_point,
            brand_moment=self.moment.is_brand_moment,
            reach=self.reach,
            occurrence_effect=self.occurrence_effect,
            what_if=self.what_if,
            few_moments=self.is_insufficient and self.satisfaction is not None and self.impact is not None,
            stability=self.stability,
            uncertain=self.is_uncertain,
            small_group_share=settings.MOMENTUM_SMALL_GROUP_SHARE,
            unit=(summary or {}).get("what_if_unit") or "NPS points",
        )

    @property
    def occurrence_sentence(self) -> str:
        """The occurrence effect and both facts behind a pain point in words (``advice.occurrence_sentence``)."""
        from .analysis.advice import occurrence_sentence

        summary = self.run.summary or {}
        marks = (summary.get("marks") or {}).get(self.moment.slug) or {}
        return occurrence_sentence(
            effect=self.occurrence_effect,
            low=self.occurrence_low,
            high=self.occurrence_high,
            q=marks.get("occurrence_q"),
            tested=int(summary.get("moments_tested") or 0),
            meaningful=bool(marks.get("occurrence_meaningful")),
            small_group=bool(marks.get("occurrence_small_group")),
            smaller_share=marks.get("smaller_share"),
            fdr_q=summary.get("fdr_q") or 0.05,
            min_effect=summary.get("pain_min_effect") or 5.0,
            unit=summary.get("what_if_unit") or "NPS points",
        )

    @property
    def flags(self) -> list[str]:
        flags = []
        if self.is_insufficient:
            flags.append("insufficient_data")
        if self.is_uncertain:
            flags.append("uncertain")
        if self.is_pain_point:
            flags.append("pain_point")
        if self.moment.is_brand_moment:
            flags.append("brand_moment")
        return flags
