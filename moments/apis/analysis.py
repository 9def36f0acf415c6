"""A journey's segments, its analysis for a filter (``moments.filters``: one dialect, one run lookup), and the run
poll endpoint."""

from __future__ import annotations

import json

from django.http import Http404
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, Throttled, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from journeys.models import Journey
from journeys.selectors import journey_moment_rows

from .. import selectors
from ..caching import cache_get_or_build
from ..filters import (
    MAX_ID,
    METHODS,
    THRESHOLDS,
    WAVE_ALIASES,
    AnalysisFilter,
    NothingToAnalyse,
    analysis_run_for_filter,
    filter_parse,
)
from ..models import AnalysisRun, RunStatus
from ..serializers import (
    AnalysisSummarySerializer,
    MomentResultSerializer,
    RunParamsSerializer,
    RunRefSerializer,
    RunSerializer,
)
from ..services import AnalysisBudgetExceeded
from ..words import run_message_text
from ._common import NOT_FOUND
from ._common import journey_or_404 as _journey_or_404

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
        enum=list(THRESHOLDS),
        description="Quadrant thresholds: mean (default) or median of the placed moments, or fixed targets.",
    ),
    OpenApiParameter(
        "fixed_satisfaction", OpenApiTypes.NUMBER, description="Satisfaction target 0-100 (threshold=fixed)."
    ),
    OpenApiParameter(
        "fixed_impact", OpenApiTypes.NUMBER, description="Impact target in impact units (threshold=fixed)."
    ),
    OpenApiParameter(
        "outcome",
        OpenApiTypes.STR,
        description="The outcome the impact is measured on, by name (e.g. `NPS`, `Retention`; case and runs of "
        "whitespace ignored). Default: the journey's primary outcome (its first NPS outcome, else its first). Each "
        "outcome has its own runs; an unknown name is a 400 naming the journey's outcomes.",
        examples=[OpenApiExample("Retention", value="Retention")],
    ),
]


RETRY_AFTER_BUSY = 30  # seconds: about the time a few analyses take, said in Retry-After when the budget is full


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
    except AnalysisBudgetExceeded as exc:
        raise Throttled(wait=RETRY_AFTER_BUSY, detail=str(exc)) from exc
    except ValueError as exc:
        raise ValidationError({"detail": str(exc)}) from exc
    return run, parsed.filter, surveys, moment_rows


class RunPendingOutput(serializers.Serializer):
    run = RunRefSerializer()


def _run_not_done(request, run: AnalysisRun) -> Response:
    """202 + Location while the run is queued or running; 409 with the run's message once it failed."""
    body = {"run": RunRefSerializer(run, context={"request": request}).data}
    if run.status == RunStatus.FAILED:
        body["detail"] = run_message_text(run.message) or gettext("The analysis failed.")
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
            400: OpenApiResponse(description="Invalid filter (unknown wave, method, threshold, outcome)."),
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

        def build() -> dict:
            results = selectors.moment_results(run=run)
            data = {"run": run, "params": run, "summary": run.summary, "moments": results}
            return json.loads(JSONRenderer().render(self.Output(data, context={"request": request}).data))

        inputs = [run.pk, moment_rows, request.build_absolute_uri("/")]
        return cache_get_or_build(f"moments:analysis-api:{run.pk}:", inputs, build)


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
