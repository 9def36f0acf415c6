"""The prioritised moment list as a file (CSV, XLSX, JSON), for the same filters as the analysis."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import AuditAction
from audit.services import audit_record

from .. import exports, selectors
from ..models import RunStatus
from ._common import NOT_FOUND
from ._common import journey_or_404 as _journey_or_404
from .analysis import FAILED_RESPONSE, FILTER_PARAMETERS, PENDING_RESPONSE, _run_for_filters, _run_not_done

EXPORT_FORMATS = tuple(exports.PRIORITIES_FORMATS)
XLSX_MEDIA_TYPE = exports.PRIORITIES_FORMATS["xlsx"][1]


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
        audit_record(
            action=AuditAction.EXPORT,
            organisation_id=journey.organisation_id,
            target=journey,
            details={"format": fmt, "run": run.pk},
        )
        response = HttpResponse(body, content_type=content_type)
        if fmt != "json":
            view = analysis_filter.slug(
                {s.pk: s.name for s in surveys}, outcome_name=(run.summary or {}).get("outcome_name") or ""
            )
            filename = exports.priorities_filename(journey.slug, view, fmt)
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
