"""Serializers of the moments API shared by several endpoints (CRUD of journeys and moments, analysis output).

Operation-specific input (query filters) lives as nested serializers in ``apis.py`` (STYLE.md rule 5).
"""

from __future__ import annotations

from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound

from cxapp.models import Organisation
from cxapp.selectors import organisations_for_user
from journeys.models import Journey, Moment

from .models import AnalysisRun, MomentResult, Quadrant, RunStatus


# ---------------------------------------------------------------------------------------------------- CRUD
class OrganisationField(serializers.PrimaryKeyRelatedField):
    """One of the user's organisations. An id that names none of them answers 404, the same for an id that does
    not exist and for another organisation's (telling them apart would confirm the other one exists): the
    request is well formed, what it points at is not there for this user."""

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if exc.get_codes() == ["does_not_exist"]:
                raise NotFound(gettext("No such organisation, or you are not a member of it.")) from None
            raise


class JourneySerializer(serializers.ModelSerializer):
    """A journey. ``organisation`` is set on create (one of yours) and fixed afterwards."""

    organisation = OrganisationField(queryset=Organisation.objects.none())
    slug = serializers.SlugField(
        max_length=80,
        required=False,
        help_text="Made once from the name when not given (journeys.services: stable across renames).",
    )
    moment_count = serializers.SerializerMethodField()

    class Meta:
        model = Journey
        fields = ["id", "organisation", "name", "slug", "description", "moment_count", "created_at"]
        read_only_fields = ["id", "created_at"]
        validators = []  # uniqueness and the slug rule: journeys.services

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # Foreign organisations are "not found" (404), exactly like ids that do not exist.
            self.fields["organisation"].queryset = organisations_for_user(request.user)

    def get_moment_count(self, journey: Journey) -> int:
        count = getattr(journey, "moment_count", None)
        return journey.moments.count() if count is None else count


class JourneyUpdateSerializer(JourneySerializer):
    """A journey's edit: it stays in its organisation."""

    organisation = serializers.PrimaryKeyRelatedField(read_only=True)


class MomentSerializer(serializers.ModelSerializer):
    """A moment (touchpoint) of a journey; the journey comes from the URL on create."""

    slug = serializers.SlugField(
        max_length=80,
        required=False,
        help_text="Made once from the name when not given (journeys.services: stable across renames).",
    )
    aliases = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        max_length=100,
        help_text="Other names of the moment, used to match survey columns.",
    )

    class Meta:
        model = Moment
        fields = ["id", "journey", "name", "slug", "stage", "position", "description", "is_brand_moment", "aliases"]
        read_only_fields = ["id", "journey"]
        validators = []  # uniqueness and the slug rule: journeys.services


# ---------------------------------------------------------------------------------------------------- analysis
class AnalysisSummarySerializer(serializers.Serializer):
    """The run's summary (DESIGN section 2). ``outcome`` is NPS in points for an NPS outcome, a rate in % for a
    binary one and a mean for a numeric one; promoter / passive / detractor shares (0-1) only for NPS."""

    n = serializers.IntegerField(allow_null=True, help_text="Respondents with an outcome.")
    k = serializers.IntegerField(allow_null=True, help_text="Moments analysed.")
    k_placed = serializers.IntegerField(allow_null=True, help_text="Moments with enough data to be placed.")
    outcome_type = serializers.CharField(allow_null=True)
    outcome_name = serializers.CharField(
        default="", help_text="The outcome the impact is measured on (`?outcome=`; the journey's primary by default)."
    )
    outcome_unit = serializers.CharField(default="", help_text="The outcome's unit label, if any.")
    outcome = serializers.FloatField(allow_null=True)
    outcome_low = serializers.FloatField(allow_null=True)
    outcome_high = serializers.FloatField(allow_null=True)
    nps = serializers.SerializerMethodField(help_text="NPS in points (null unless the outcome is NPS).")
    nps_low = serializers.SerializerMethodField(help_text="Adjusted-Wald 95% interval (Rocks 2016).")
    nps_high = serializers.SerializerMethodField()
    promoters = serializers.FloatField(allow_null=True)
    passives = serializers.FloatField(allow_null=True)
    detractors = serializers.FloatField(allow_null=True)
    method = serializers.CharField(allow_null=True, help_text="Impact method as used.")
    method_note = serializers.CharField(allow_null=True, help_text="Why the method differs from the request.")
    impact_unit = serializers.CharField(allow_null=True)
    what_if_unit = serializers.CharField(allow_null=True)
    threshold_mode = serializers.CharField(allow_null=True)
    threshold_satisfaction = serializers.FloatField(allow_null=True, help_text="0-100.")
    threshold_impact = serializers.FloatField(allow_null=True, help_text="In impact units.")
    r2 = serializers.FloatField(allow_null=True, help_text="R^2 of the driver model.")
    bootstrap = serializers.IntegerField(allow_null=True, help_text="Resamples run.")
    min_n = serializers.IntegerField(allow_null=True)
    weighted = serializers.BooleanField(default=False, help_text="Every number is weighted by the survey weights.")
    effective_n = serializers.SerializerMethodField(
        help_text="Kish's effective sample size (sum w)^2 / sum w^2; equals n when unweighted."
    )
    weight_note = serializers.CharField(
        default="", help_text="How responses without a weight were counted, when the waves mix them."
    )

    @extend_schema_field(OpenApiTypes.FLOAT)
    def get_effective_n(self, summary: dict) -> float | None:
        return summary.get("n_effective", summary.get("n"))

    def _nps(self, summary: dict, key: str) -> float | None:
        if summary.get("outcome_type", "nps") != "nps":
            return None
        return summary.get(key)

    @extend_schema_field(OpenApiTypes.FLOAT)
    def get_nps(self, summary: dict) -> float | None:
        return self._nps(summary, "outcome")

    @extend_schema_field(OpenApiTypes.FLOAT)
    def get_nps_low(self, summary: dict) -> float | None:
        return self._nps(summary, "outcome_low")

    @extend_schema_field(OpenApiTypes.FLOAT)
    def get_nps_high(self, summary: dict) -> float | None:
        return self._nps(summary, "outcome_high")


class MomentResultSerializer(serializers.ModelSerializer):
    """Every number of DESIGN section 2 for one moment, in priority order (``rank``)."""

    moment = serializers.IntegerField(source="moment_id")
    name = serializers.CharField(source="moment.name")
    slug = serializers.CharField(source="moment.slug")
    stage = serializers.CharField(source="moment.stage")
    is_brand_moment = serializers.BooleanField(source="moment.is_brand_moment")
    quadrant = serializers.ChoiceField(choices=Quadrant.choices)
    action = serializers.CharField()
    flags = serializers.ListField(
        child=serializers.ChoiceField(choices=["insufficient_data", "uncertain", "pain_point", "brand_moment"])
    )

    class Meta:
        model = MomentResult
        fields = [
            "rank",
            "moment",
            "name",
            "slug",
            "stage",
            "is_brand_moment",
            "quadrant",
            "action",
            "satisfaction",
            "satisfaction_low",
            "satisfaction_high",
            "top_box",
            "impact",
            "impact_low",
            "impact_high",
            "correlation",
            "reach",
            "n",
            "occurrence_effect",
            "occurrence_low",
            "occurrence_high",
            "stability",
            "what_if",
            "what_if_low",
            "what_if_high",
            "flags",
        ]
        read_only_fields = fields


class RunRefSerializer(serializers.ModelSerializer):
    """A run to poll: ``url`` is its ``GET /api/analysis-runs/<id>/``."""

    status = serializers.ChoiceField(choices=RunStatus.choices)
    url = serializers.SerializerMethodField()

    class Meta:
        model = AnalysisRun
        fields = ["id", "status", "progress", "message", "url"]
        read_only_fields = fields

    def get_url(self, run: AnalysisRun) -> str:
        from django.urls import reverse

        path = reverse("api-analysis-run-detail", kwargs={"run_id": run.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class RunParamsSerializer(serializers.ModelSerializer):
    surveys = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    outcome = serializers.SerializerMethodField(
        help_text="The outcome's name; empty for the journey's primary outcome until the run has computed."
    )

    class Meta:
        model = AnalysisRun
        fields = [
            "surveys",
            "segment_filter",
            "method",
            "threshold_mode",
            "fixed_satisfaction",
            "fixed_impact",
            "outcome",
        ]
        read_only_fields = fields

    def get_outcome(self, run: AnalysisRun) -> str:
        return run.outcome or (run.summary or {}).get("outcome_name") or ""


class RunSerializer(serializers.ModelSerializer):
    """A run with its parameters; ``summary`` and ``moments`` are filled once it is done."""

    status = serializers.ChoiceField(choices=RunStatus.choices)
    journey = serializers.IntegerField(source="journey_id")
    params = serializers.SerializerMethodField()
    summary = serializers.SerializerMethodField()
    moments = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = AnalysisRun
        fields = [
            "id",
            "journey",
            "status",
            "progress",
            "message",
            "url",
            "params",
            "created_at",
            "started_at",
            "finished_at",
            "summary",
            "moments",
        ]
        read_only_fields = fields

    get_url = RunRefSerializer.get_url

    @extend_schema_field(RunParamsSerializer)
    def get_params(self, run: AnalysisRun) -> dict:
        return RunParamsSerializer(run).data

    @extend_schema_field(AnalysisSummarySerializer(allow_null=True))
    def get_summary(self, run: AnalysisRun) -> dict | None:
        if run.status != RunStatus.DONE:
            return None
        return AnalysisSummarySerializer(run.summary).data

    @extend_schema_field(MomentResultSerializer(many=True))
    def get_moments(self, run: AnalysisRun) -> list:
        if run.status != RunStatus.DONE:
            return []
        results = self.context.get("results")
        if results is None:
            results = run.results.select_related("moment").order_by("rank")
        return MomentResultSerializer(results, many=True).data
