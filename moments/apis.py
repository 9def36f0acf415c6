"""REST API of journeys, moments, analysis results and the priorities export (DESIGN section 5).

Thin views (STYLE.md rule 5): validate -> service / selector -> serialize. Plain CRUD of journeys and moments uses
DRF's generic views; analysis and export are one APIView per operation with nested Input serializers.

Scoping: every queryset starts from the user's organisations, so another organisation's ids answer 404 (never 403,
which would confirm they exist). Viewers read; analysts and admins write (403 for a viewer's write).
"""

from __future__ import annotations

import contextlib
import hashlib
import json

from django import forms
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from cxapp.pagination import StrictLimitOffsetPagination
from cxapp.permissions import IsEditorOrReadOnly, edit_require
from cxapp.schema import ErrorDetail
from journeys import services as journey_services
from journeys.models import Journey, Moment
from journeys.selectors import journey_for_user, journey_moment_rows, journey_moments

from . import exports, selectors
from .analysis.engine import METHODS
from .analysis.quadrants import THRESHOLD_MODES
from .filters import (
    MAX_ID,
    WAVE_ALIASES,
    AnalysisFilter,
    NothingToAnalyse,
    analysis_run_for_filter,
    filter_parse,
)
from .models import AnalysisRun, RunStatus
from .serializers import (
    AnalysisSummarySerializer,
    JourneySerializer,
    JourneyUpdateSerializer,
    MomentResultSerializer,
    MomentSerializer,
    RunParamsSerializer,
    RunRefSerializer,
    RunSerializer,
)

EXPORT_FORMATS = tuple(exports.PRIORITIES_FORMATS)
XLSX_MEDIA_TYPE = exports.PRIORITIES_FORMATS["xlsx"][1]

RESULTS_CACHE_SECONDS = 24 * 3600
NOT_FOUND = OpenApiResponse(description="Not found, or not in one of your organisations.")
FORBIDDEN = OpenApiResponse(description="Your role in the organisation is read-only (viewer).")


# ---------------------------------------------------------------------------------------------------- journeys
@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=MAX_ID, **kwargs)


class JourneyFilter(filters.FilterSet):
    # A plain number, not a ModelChoiceFilter: that would answer 400 for ids that do not exist and 200 for
    # foreign ones, telling them apart.
    organisation = IdFilter(field_name="organisation_id", help_text="Only this organisation's journeys.")
    slug = filters.CharFilter()

    class Meta:
        model = Journey
        fields = ["organisation", "slug"]


def _journey_write(write, **kwargs):
    """Calls a ``journeys.services`` write; its ``JourneyError`` becomes a 400 on the field it names."""
    try:
        return write(**kwargs)
    except journey_services.JourneyError as exc:
        raise ValidationError({exc.field or "non_field_errors": [str(exc)]}) from exc


def _journeys(request):
    return selectors.journeys_with_moment_counts(user=request.user)


@extend_schema_view(
    get=extend_schema(
        summary="List your journeys",
        tags=["journeys"],
        responses={200: JourneySerializer(many=True), 400: OpenApiResponse(description="Invalid filter.")},
    ),
    post=extend_schema(
        summary="Create a journey",
        description="`organisation` must be one where you are an analyst or admin (a viewer gets 403; another "
        "organisation's id is answered like an unknown id, 404).",
        tags=["journeys"],
        responses={
            201: JourneySerializer,
            400: OpenApiResponse(description="Invalid input (field errors), e.g. a slug the organisation already has."),
            403: FORBIDDEN,
            404: OpenApiResponse(ErrorDetail, description="No such organisation, or you are not a member of it."),
        },
        examples=[
            OpenApiExample(
                "New journey",
                value={"organisation": 1, "name": "Broadband onboarding", "description": "From order to first bill"},
                request_only=True,
            )
        ],
    ),
)
class JourneyListCreateApi(generics.ListCreateAPIView):
    parser_classes = [JSONParser]  # a JSON API: form encodings cannot express lists such as aliases
    serializer_class = JourneySerializer
    pagination_class = StrictLimitOffsetPagination
    filterset_class = JourneyFilter

    def get_queryset(self):
        return _journeys(self.request)

    def perform_create(self, serializer):
        edit_require(self.request.user, serializer.validated_data["organisation"].pk)
        serializer.instance = _journey_write(journey_services.journey_create, **serializer.validated_data)


@extend_schema_view(
    get=extend_schema(summary="Get a journey", tags=["journeys"], responses={200: JourneySerializer, 404: NOT_FOUND}),
    patch=extend_schema(
        summary="Edit a journey",
        tags=["journeys"],
        responses={
            200: JourneySerializer,
            400: OpenApiResponse(description="Invalid input."),
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    ),
    delete=extend_schema(
        summary="Delete a journey with its moments, waves, responses and runs",
        tags=["journeys"],
        responses={204: None, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
)
class JourneyDetailApi(generics.RetrieveUpdateDestroyAPIView):
    parser_classes = [JSONParser]  # a JSON API: form encodings cannot express lists such as aliases
    serializer_class = JourneyUpdateSerializer
    permission_classes = [*APIView.permission_classes, IsEditorOrReadOnly]
    http_method_names = ["get", "patch", "delete", "head", "options"]
    lookup_url_kwarg = "journey_id"

    def get_queryset(self):
        return _journeys(self.request)

    def perform_update(self, serializer):
        serializer.instance = _journey_write(
            journey_services.journey_update, journey=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        journey_services.journey_delete(journey=instance)


# ---------------------------------------------------------------------------------------------------- moments
class MomentFilter(filters.FilterSet):
    stage = filters.CharFilter()
    slug = filters.CharFilter()

    class Meta:
        model = Moment
        fields = ["stage", "slug"]


def _journey_or_404(request, journey_id: int) -> Journey:
    journey = journey_for_user(user=request.user, journey=journey_id)
    if journey is None:
        raise Http404
    return journey


@extend_schema_view(
    get=extend_schema(
        summary="List a journey's moments (in journey order)",
        tags=["moments"],
        responses={
            200: MomentSerializer(many=True),
            400: OpenApiResponse(description="Invalid filter."),
            404: NOT_FOUND,
        },
    ),
    post=extend_schema(
        summary="Add a moment to a journey",
        tags=["moments"],
        responses={
            201: MomentSerializer,
            400: OpenApiResponse(description="Invalid input."),
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
        examples=[
            OpenApiExample(
                "New moment",
                value={
                    "name": "Technician visit",
                    "stage": "Get connected",
                    "position": 4,
                    "is_brand_moment": False,
                    "aliases": ["engineer visit", "installation appointment"],
                },
                request_only=True,
            )
        ],
    ),
)
class JourneyMomentListCreateApi(generics.ListCreateAPIView):
    parser_classes = [JSONParser]  # a JSON API: form encodings cannot express lists such as aliases
    serializer_class = MomentSerializer
    pagination_class = StrictLimitOffsetPagination
    filterset_class = MomentFilter

    def get_journey(self) -> Journey:
        if not hasattr(self, "_journey"):
            self._journey = _journey_or_404(self.request, self.kwargs["journey_id"])
        return self._journey

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user, no journey
            return selectors.moments_for_user(user=AnonymousUser())
        return journey_moments(journey=self.get_journey())

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["journey"] = self.get_journey()
        return context

    def create(self, request, *args, **kwargs):
        # Role first: a viewer learns nothing from validation errors of a write they may not make.
        edit_require(request.user, self.get_journey().organisation_id)
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = _journey_write(
            journey_services.moment_create, journey=self.get_journey(), **serializer.validated_data
        )


@extend_schema_view(
    get=extend_schema(summary="Get a moment", tags=["moments"], responses={200: MomentSerializer, 404: NOT_FOUND}),
    patch=extend_schema(
        summary="Edit a moment",
        tags=["moments"],
        responses={
            200: MomentSerializer,
            400: OpenApiResponse(description="Invalid input."),
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    ),
    delete=extend_schema(
        summary="Delete a moment and its results",
        tags=["moments"],
        responses={204: None, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
)
class MomentDetailApi(generics.RetrieveUpdateDestroyAPIView):
    parser_classes = [JSONParser]  # a JSON API: form encodings cannot express lists such as aliases
    serializer_class = MomentSerializer
    permission_classes = [*APIView.permission_classes, IsEditorOrReadOnly]
    http_method_names = ["get", "patch", "delete", "head", "options"]
    lookup_url_kwarg = "moment_id"

    def get_queryset(self):
        return selectors.moments_for_user(user=self.request.user)

    def perform_update(self, serializer):
        serializer.instance = _journey_write(
            journey_services.moment_update, moment=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        journey_services.moment_delete(moment=instance)


WAVE_PARAMETER = OpenApiParameter(
    "wave",
    {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID}, "maxItems": 100},
    explode=True,
    description="Waves to analyse (repeat the parameter for several). Without it: the latest wave that has "
    "responses, the view the dashboard opens on. `survey=` is accepted as the same parameter.",
)
SURVEY_PARAMETER = OpenApiParameter(
    "survey",
    {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID}, "maxItems": 100},
    explode=True,
    description="Older name of `wave` (still accepted).",
)


class JourneySegmentsApi(APIView):
    @extend_schema(
        summary="Segment names and values of a journey's waves (for `segment.<name>` filters)",
        tags=["analysis"],
        parameters=[
            OpenApiParameter(
                "wave",
                {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID}, "maxItems": 100},
                explode=True,
                description="Only these waves (`survey=` is the same); all the journey's waves when absent.",
            )
        ],
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT,
                examples=[OpenApiExample("Segments", value={"plan": ["Basic", "Fibre"], "region": ["North", "South"]})],
            ),
            400: OpenApiResponse(description="Invalid wave ids."),
            404: NOT_FOUND,
        },
    )
    def get(self, request, journey_id: int):
        journey = _journey_or_404(request, journey_id)
        surveys = selectors.journey_surveys(journey=journey)
        given = any(name in request.query_params for name in WAVE_ALIASES)
        parsed = filter_parse(request.query_params, journey=journey, surveys=surveys)
        wave_errors = {k: [v] for k, v in parsed.errors.items() if k in WAVE_ALIASES}
        if wave_errors:
            raise ValidationError(wave_errors)
        chosen = [s for s in surveys if s.pk in set(parsed.filter.survey_ids)] if given else surveys
        return Response(selectors.segment_values(journey=journey, surveys=chosen))


# ---------------------------------------------------------------------------------------------------- analysis
FILTER_PARAMETERS = [
    WAVE_PARAMETER,
    SURVEY_PARAMETER,
    OpenApiParameter(
        "segment.<name>",
        OpenApiTypes.STR,
        description="Segment filter, e.g. `segment.region=North&segment.region=South&segment.plan=Fibre`: values of "
        "one segment are alternatives (OR), different segments must all match (AND). Segment names and values: "
        "`GET /api/journeys/<id>/segments/`. `seg_<name>=` (the dashboard's older spelling) is the same.",
    ),
    OpenApiParameter(
        "method",
        OpenApiTypes.STR,
        enum=list(METHODS),
        description="Impact method (default relative_weights: Johnson 2000 relative weights).",
    ),
    OpenApiParameter(
        "threshold",
        OpenApiTypes.STR,
        enum=list(THRESHOLD_MODES),
        description="Quadrant thresholds: mean (default) or median of the placed moments, or fixed targets.",
    ),
    OpenApiParameter(
        "fixed_satisfaction", OpenApiTypes.NUMBER, description="Satisfaction target 0-100 (threshold=fixed)."
    ),
    OpenApiParameter(
        "fixed_impact", OpenApiTypes.NUMBER, description="Impact target in impact units (threshold=fixed)."
    ),
]


class NothingToAnalyseError(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "nothing_to_analyse"


def _run_for_filters(request, journey: Journey) -> tuple[AnalysisRun, AnalysisFilter, list, list[tuple]]:
    """Parses the filter (400 naming each bad parameter) and returns the run that answers it (finished, or queued
    by this call), the filter, the journey's waves and its moments (``journey_moment_rows``). 409 when the
    journey has no wave with responses yet."""
    surveys = selectors.journey_surveys(journey=journey)
    parsed = filter_parse(request.query_params, journey=journey, surveys=surveys)
    if parsed.errors:
        raise ValidationError({name: [message] for name, message in parsed.errors.items()})
    moment_rows = journey_moment_rows(journey=journey)
    try:
        run = analysis_run_for_filter(
            journey=journey,
            analysis_filter=parsed.filter,
            user=request.user,
            surveys=surveys,
            moment_ids=[row[0] for row in moment_rows],
        )
    except NothingToAnalyse as exc:
        raise NothingToAnalyseError(str(exc)) from exc
    except ValueError as exc:
        raise ValidationError({"detail": str(exc)}) from exc
    return run, parsed.filter, surveys, moment_rows


class RunPendingOutput(serializers.Serializer):
    run = RunRefSerializer()


def _run_not_done(request, run: AnalysisRun) -> Response:
    """202 + Location while the run is queued or running; 409 with the run's message once it failed."""
    body = {"run": RunRefSerializer(run, context={"request": request}).data}
    if run.status == RunStatus.FAILED:
        body["detail"] = run.message or "The analysis failed."
        return Response(body, status=status.HTTP_409_CONFLICT)
    return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["run"]["url"]})


PENDING_RESPONSE = OpenApiResponse(
    RunPendingOutput,
    description="The analysis for these filters is queued or running: poll `run.url` (also in `Location`).",
    examples=[
        OpenApiExample(
            "Computing",
            value={
                "run": {
                    "id": 42,
                    "status": "running",
                    "progress": 0.35,
                    "message": "",
                    "url": "http://testserver/api/analysis-runs/42/",
                }
            },
        )
    ],
)
FAILED_RESPONSE = OpenApiResponse(
    inline_serializer("AnalysisFailed", {"run": RunRefSerializer(), "detail": serializers.CharField()}),
    description="The analysis for these filters failed (e.g. no responses match): `detail` says why. A failed "
    "run is not reused: asking again queues a new one (202).",
)


class JourneyAnalysisApi(APIView):
    @extend_schema_serializer(component_name="AnalysisResult")  # nested names collide across apps otherwise
    class Output(serializers.Serializer):
        run = RunRefSerializer()
        params = RunParamsSerializer()
        summary = AnalysisSummarySerializer()
        moments = MomentResultSerializer(many=True)

    @extend_schema(
        summary="Analysis results of a journey for a filter",
        description="The latest results for the waves, segment filter, method and thresholds given: **200** with "
        "the summary (n, NPS with its adjusted-Wald 95% interval, promoter / passive / detractor shares, method, "
        "thresholds) and every moment's numbers in priority order (`rank`). If no finished run exists, one is "
        "queued and the answer is **202** with the run to poll (`GET /api/analysis-runs/<id>/`, also in the "
        "`Location` header); ask again (or poll) until it is done. **409** when the run failed.",
        tags=["analysis"],
        parameters=FILTER_PARAMETERS,
        responses={
            200: Output,
            202: PENDING_RESPONSE,
            400: OpenApiResponse(description="Invalid filter (unknown wave, method, threshold)."),
            404: NOT_FOUND,
            409: FAILED_RESPONSE,
        },
    )
    def get(self, request, journey_id: int):
        journey = _journey_or_404(request, journey_id)
        run, _, _, moment_rows = _run_for_filters(request, journey)
        if run.status != RunStatus.DONE:
            return _run_not_done(request, run)
        return Response(self.done_body(request, run, moment_rows))

    def done_body(self, request, run: AnalysisRun, moment_rows: list[tuple]) -> dict:
        """The serialised answer for a DONE run, cached: its numbers never change (bench/FINDINGS.md section 5).

        The key holds the run (found through the user's journeys, so never another organisation's), the moments'
        current names and flags (``moment_rows``: an edit shows at once) and the host the run's URL is built on.
        """
        marker = hashlib.sha256(json.dumps([moment_rows, request.build_absolute_uri("/")]).encode()).hexdigest()
        key = f"moments:analysis-api:{run.pk}:{marker}"
        try:
            body = cache.get(key)
        except Exception:  # noqa: BLE001 - a cache outage must not break the answer
            body = None
        if body is None:
            results = selectors.moment_results(run=run)
            data = {"run": run, "params": run, "summary": run.summary, "moments": results}
            body = json.loads(JSONRenderer().render(self.Output(data, context={"request": request}).data))
            with contextlib.suppress(Exception):
                cache.set(key, body, timeout=RESULTS_CACHE_SECONDS)
        return body


class AnalysisRunDetailApi(APIView):
    @extend_schema(
        summary="Poll an analysis run",
        description="Status (queued, running, done, failed), progress 0-1 and message; `summary` and `moments` "
        "(in priority order) once it is done. A failed run answers 200 with `status: failed` and the reason in "
        "`message`.",
        tags=["analysis"],
        responses={200: RunSerializer, 404: NOT_FOUND},
    )
    def get(self, request, run_id: int):
        run = selectors.analysis_run_get(user=request.user, run_id=run_id)
        if run is None:
            raise Http404
        return Response(RunSerializer(run, context={"request": request}).data)


# ---------------------------------------------------------------------------------------------------- export
class CSVRenderer(BaseRenderer):
    """Only for content negotiation (``?format=csv``, ``Accept: text/csv``); the file itself is an HttpResponse."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        raise NotImplementedError  # JSON bodies (202, errors) are switched to JSONRenderer in finalize_response


class XLSXRenderer(CSVRenderer):
    media_type = XLSX_MEDIA_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"


class JourneyPrioritiesApi(APIView):
    """The prioritised moment list as a file. Format: ``export`` (or DRF's ``format``) parameter, else Accept."""

    renderer_classes = [JSONRenderer, CSVRenderer, XLSXRenderer]

    class Input(serializers.Serializer):
        export = serializers.ChoiceField(choices=EXPORT_FORMATS, required=False)
        format = serializers.ChoiceField(choices=EXPORT_FORMATS, required=False)

    def perform_content_negotiation(self, request, force=False):
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:
            # DRF answers an unknown ?format= with 404; here it is a bad parameter (400 from Input below).
            return (JSONRenderer(), JSONRenderer.media_type)

    def finalize_response(self, request, response, *args, **kwargs):
        # 202 / 4xx bodies are JSON whatever file format was asked for.
        if isinstance(response, Response):
            if not isinstance(getattr(request, "accepted_renderer", None), JSONRenderer):
                request.accepted_renderer = JSONRenderer()
                request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(
        summary="Export the prioritised moment list (CSV, XLSX, JSON)",
        description="One row per moment in priority order with exactly the columns `rank, moment, stage, "
        "quadrant, action, satisfaction, satisfaction_low, satisfaction_high, impact, impact_low, impact_high, "
        "reach, n, occurrence_effect, occurrence_low, occurrence_high, stability, flags`. Choose the format with "
        "`export=csv|xlsx|json` (or `format=`, or the Accept header: `text/csv`, the XLSX media type, "
        "`application/json`); JSON by default. Numbers unrounded in CSV and JSON, formatted in XLSX, which adds "
        "a sheet with method, thresholds, filters, n and date. Same filters and the same **202** / **409** as "
        "the analysis endpoint while the run computes or after it failed.",
        tags=["analysis"],
        parameters=[
            *FILTER_PARAMETERS,
            OpenApiParameter("export", OpenApiTypes.STR, enum=list(EXPORT_FORMATS), description="File format."),
            OpenApiParameter("format", OpenApiTypes.STR, enum=list(EXPORT_FORMATS), description="Alias of `export`."),
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV, UTF-8, header row."),
            (200, XLSX_MEDIA_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="XLSX workbook."),
            (200, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT,
                description='`{"meta": {...}, "columns": [...], "moments": [{column: value}, ...]}`.',
            ),
            (202, "application/json"): PENDING_RESPONSE,
            (400, "application/json"): OpenApiResponse(description="Invalid filter or format."),
            (404, "application/json"): NOT_FOUND,
            (409, "application/json"): FAILED_RESPONSE,
        },
    )
    def get(self, request, journey_id: int):
        journey = _journey_or_404(request, journey_id)
        params = self.Input(data=request.query_params)
        params.is_valid(raise_exception=True)
        fmt = (
            params.validated_data.get("export")
            or params.validated_data.get("format")
            or request.accepted_renderer.format
        )
        run, analysis_filter, surveys, _ = _run_for_filters(request, journey)
        if run.status != RunStatus.DONE:
            return _run_not_done(request, run)
        body, content_type = exports.priorities_export(
            fmt, selectors.priorities_frame(run=run), selectors.priorities_meta(run=run)
        )
        response = HttpResponse(body, content_type=content_type)
        if fmt != "json":
            filename = exports.priorities_filename(
                journey.slug, analysis_filter.slug({s.pk: s.name for s in surveys}), fmt
            )
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
