"""REST API of surveys (waves) and uploads (DESIGN section 5).

One APIView per operation with nested Input / Output serializers (STYLE.md rule 5): validate -> service /
selector -> serialize. Querysets start from the user's organisations, so another organisation's ids answer 404;
uploading needs the analyst or admin role (403 for a viewer).
"""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from cxapp.pagination import StrictLimitOffsetPagination
from cxapp.permissions import edit_require
from journeys.selectors import journey_for_user

from . import selectors, services
from .ingest import IngestError
from .models import OutcomeType, Survey, Upload, UploadStatus
from .outcomes import primary_outcome
from .services.reports import report_exists, report_stream
from .words import error_report_stream

ERRORS_SHOWN = 100
MAX_ID = 2**63 - 1  # bigint primary keys: a larger number matches nothing instead of overflowing in the database
# A plain string in the schema: an enum here would collide with the analysis runs' "status" enum.
STATUS_HELP = "One of: " + ", ".join(f"{value} ({label})" for value, label in UploadStatus.choices) + "."
NOT_FOUND = OpenApiResponse(description="Not found, or not in one of your organisations.")
FORBIDDEN = OpenApiResponse(description="Your role in the organisation is read-only (viewer).")


def _upload_url(request, upload: Upload) -> str:
    return request.build_absolute_uri(reverse("api-upload-detail", kwargs={"upload_id": upload.pk}))


class _SurveyOutput(serializers.ModelSerializer):
    journey = serializers.IntegerField(source="journey_id")
    journey_slug = serializers.CharField(source="journey.slug")
    outcome_type = serializers.SerializerMethodField(
        help_text="The type of the wave's primary outcome (the first nps one, else the first); null without one."
    )
    outcomes = serializers.ListField(
        child=serializers.DictField(),
        read_only=True,
        help_text="The wave's outcomes in order: {name, type (nps, binary, numeric), positive, unit}.",
    )
    response_count = serializers.IntegerField()

    @extend_schema_field(serializers.ChoiceField(choices=OutcomeType.choices, allow_null=True))
    def get_outcome_type(self, survey: Survey) -> str | None:
        primary = primary_outcome(survey.outcome_list)
        return primary.type if primary else None

    class Meta:
        model = Survey
        fields = [
            "id",
            "name",
            "journey",
            "journey_slug",
            "period_start",
            "period_end",
            "scale_min",
            "scale_max",
            "outcome_type",
            "outcomes",
            "moment_ids",
            "mapping",
            "data_version",
            "response_count",
            "created_at",
        ]


class _OutcomeOutput(serializers.Serializer):
    name = serializers.CharField()
    column = serializers.CharField()
    type = serializers.CharField(help_text="nps, binary or numeric.")
    positive = serializers.ListField(child=serializers.CharField())


class _UploadOutput(serializers.ModelSerializer):
    """An upload's state and counts (the list's summary); the detail adds its mapping, proposal and first row
    errors, and the whole error report has its own URL."""

    url = serializers.SerializerMethodField()
    status = serializers.CharField(help_text=STATUS_HELP)
    survey = serializers.IntegerField(
        source="survey_id",
        allow_null=True,
        help_text="The wave's id; null while a new wave is not created yet (its import creates it when it commits: "
        "a refused import leaves none).",
    )
    survey_name = serializers.CharField(help_text="The wave the upload goes into.")
    journey = serializers.IntegerField(source="journey_id")
    error_report_url = serializers.SerializerMethodField()
    detail_page = serializers.SerializerMethodField()

    class Meta:
        model = Upload
        fields = [
            "id",
            "url",
            "detail_page",
            "status",
            "progress",
            "message",
            "original_name",
            "size_bytes",
            "detected_format",
            "survey",
            "survey_name",
            "journey",
            "skip_invalid",
            "rows_total",
            "rows_imported",
            "rows_invalid",
            "responses_created",
            "responses_updated",
            "error_count",
            "error_report_url",
            "attempts",
            "created_at",
            "started_at",
            "finished_at",
        ]

    def get_url(self, upload: Upload) -> str:
        return _upload_url(self.context["request"], upload)

    def get_detail_page(self, upload: Upload) -> str:
        return self.context["request"].build_absolute_uri(upload.get_absolute_url())

    def get_error_report_url(self, upload: Upload) -> str | None:
        if not upload.error_count:
            return None
        path = reverse("api-upload-errors", kwargs={"upload_id": upload.pk})
        return self.context["request"].build_absolute_uri(path)


class _RowError(serializers.Serializer):
    line = serializers.IntegerField()
    column = serializers.CharField()
    value = serializers.CharField()
    reason = serializers.CharField()


class _UploadDetailOutput(_UploadOutput):
    outcomes = serializers.SerializerMethodField(
        help_text="The outcomes the mapping imports, in order (the first is the single `outcome` of the mapping "
        "when it has one): name, column, type (nps, binary, numeric) and the positive values of a binary one."
    )
    errors = serializers.SerializerMethodField()

    class Meta(_UploadOutput.Meta):
        fields = [*_UploadOutput.Meta.fields, "mapping", "outcomes", "proposal", "errors"]

    @extend_schema_field(_OutcomeOutput(many=True))
    def get_outcomes(self, upload: Upload) -> list[dict]:
        return [{"name": o.name} | o.to_json() for o in selectors.upload_outcomes(upload=upload)]

    @extend_schema_field(_RowError(many=True))
    def get_errors(self, upload: Upload) -> list[dict]:
        if not upload.error_count:
            return []
        return services.upload_errors(upload=upload, limit=ERRORS_SHOWN).to_dict(orient="records")


# ---------------------------------------------------------------------------------------------------- uploads
@extend_schema_field({"type": "string", "format": "binary", "minLength": 1})
class _NonEmptyFileField(serializers.FileField):
    """A file with at least one byte (DRF refuses an empty one: "The submitted file is empty.")."""


class _UploadRefused(serializers.Serializer):
    detail = serializers.CharField(help_text="What is wrong, in one sentence.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text='Invalid form fields and their problems, e.g. `{"file": ["The submitted file is empty."]}`.',
    )
    upload = serializers.IntegerField(required=False, help_text="The stored upload, when the file was stored.")
    mapping_page = serializers.URLField(required=False, help_text="Where to finish the mapping in the browser.")
    proposal = serializers.JSONField(required=False, help_text="The automatic mapping proposed for the file.")


class UploadListCreateApi(generics.ListAPIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    serializer_class = _UploadOutput
    pagination_class = StrictLimitOffsetPagination
    filter_backends: list = []

    class InputSerializer(serializers.Serializer):
        file = _NonEmptyFileField(help_text="The survey export: CSV, XLSX or SPSS .sav.")
        journey = serializers.CharField(help_text="Journey id or slug (one where you are an analyst or admin).")
        survey = serializers.CharField(max_length=200, help_text="Wave name; created when new.")
        mapping = serializers.JSONField(
            required=False,
            binary=True,
            help_text='Mapping JSON (DESIGN section 5; several outcomes: `"outcomes": {NAME: {"column", '
            '"type", "positive"}}` beside or instead of `outcome`). Without it the automatic mapping is used, '
            "or, when it is not confident, the request fails with 400 and the proposal.",
        )
        skip_invalid = serializers.BooleanField(
            default=False, help_text="Store the valid rows and report the others (default: any bad row refuses)."
        )

    class AcceptedSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        url = serializers.URLField()
        status = serializers.CharField(help_text=STATUS_HELP)

    def get_queryset(self):
        return selectors.uploads_for_user(self.request.user)

    @extend_schema(summary="List uploads", tags=["uploads"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Upload a survey export and start its import",
        description="Multipart form. Stores the file and queues it; answers 202 with the upload to poll "
        "(`Location` header and `url`). The worker reads the file (never the web process), then imports it with "
        "`mapping`, or with the automatic mapping when it is confident. Poll the upload: `failed` with `message` "
        "for a file that cannot be read (damaged, a zip bomb, too many columns, over the memory or time limit of "
        "reading) or a mapping that does not fit; `mapping` (waiting for the column mapping) with `message` when "
        "no mapping was sent and the automatic one is not confident (finish it at `detail_page`). Every 400 has "
        "the same shape: `detail` says what is wrong (an empty file, a file over the size limit, invalid fields), "
        "`fields` lists invalid form fields. If the queue is unreachable the upload is still stored and answered "
        "202 with status `queued`: it starts once the queue is back.",
        tags=["uploads"],
        request={"multipart/form-data": InputSerializer},
        responses={
            202: AcceptedSerializer,
            400: _UploadRefused,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        if not data.is_valid():
            problems = "; ".join(f"{name}: {' '.join(map(str, errors))}" for name, errors in data.errors.items())
            return Response(
                {"detail": gettext("Invalid upload (%(problems)s)") % {"problems": problems}, "fields": data.errors},
                status=status.HTTP_400_BAD_REQUEST,
            )
        wanted = data.validated_data["journey"]
        journey = journey_for_user(user=request.user, journey=wanted, edit=True)
        if journey is None:
            visible = journey_for_user(user=request.user, journey=wanted)
            if visible is None:
                raise NotFound(gettext("No such journey."))
            edit_require(request.user, visible.organisation_id)
        file = data.validated_data["file"]
        mapping = data.validated_data.get("mapping")
        if mapping is not None and not isinstance(mapping, dict):
            return Response({"detail": gettext("`mapping` must be a JSON object.")}, status=status.HTTP_400_BAD_REQUEST)
        try:
            # only stored and queued here: the worker reads the file, then imports it with `mapping` (or a
            # confident proposal); a file that cannot be read ends the upload failed with a message
            upload = services.upload_create(
                organisation=journey.organisation,
                journey=journey,
                survey_name=data.validated_data["survey"],
                uploaded_file=file,
                original_name=file.name,
                user=request.user,
                mapping=mapping,
                skip_invalid=data.validated_data["skip_invalid"],
                import_when_read=True,
            )
        except IngestError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        url = _upload_url(request, upload)
        return Response(
            {"id": upload.pk, "url": url, "status": upload.status},
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": url},
        )


class UploadDetailApi(APIView):
    @extend_schema(
        summary="An upload's status, progress, counts and first row errors",
        description=f"`errors` lists the first {ERRORS_SHOWN} bad cells; `error_report_url` downloads them all "
        "as CSV (line, column, value, reason).",
        tags=["uploads"],
        responses={200: _UploadDetailOutput, 404: NOT_FOUND},
    )
    def get(self, request, upload_id: int):
        upload = selectors.upload_get(user=request.user, upload_id=upload_id)
        if upload is None:
            raise NotFound(gettext("No such upload."))
        return Response(_UploadDetailOutput(upload, context={"request": request}).data)


class _CsvRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, (str, bytes)) else JSONRenderer().render(data)


class UploadErrorReportApi(APIView):
    renderer_classes = [_CsvRenderer, JSONRenderer]

    @extend_schema(
        summary="Every row error of an upload as CSV (line, column, value, reason)",
        tags=["uploads"],
        responses={(200, "text/csv"): OpenApiTypes.STR, 404: NOT_FOUND},
    )
    def get(self, request, upload_id: int):
        upload = selectors.upload_get(user=request.user, upload_id=upload_id)
        if upload is None or not report_exists(upload):
            raise NotFound(gettext("No such upload, or it has no row errors."))
        return StreamingHttpResponse(
            error_report_stream(report_stream(upload=upload)),
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="upload-{upload.pk}-errors.csv"'},
        )


# ---------------------------------------------------------------------------------------------------- surveys
class SurveyListApi(generics.ListAPIView):
    serializer_class = _SurveyOutput
    pagination_class = StrictLimitOffsetPagination
    filter_backends: list = []

    def get_queryset(self):
        journey = self.request.query_params.get("journey")
        journey_id = int(journey) if journey and journey.isdigit() and int(journey) <= MAX_ID else None
        surveys = selectors.surveys_for_user(self.request.user, journey_id=journey_id)
        if journey and journey_id is None:
            surveys = surveys.filter(journey__slug=journey)
        return surveys

    @extend_schema(
        summary="List survey waves",
        tags=["surveys"],
        parameters=[OpenApiParameter("journey", str, description="Only this journey's waves (id or slug).")],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class SurveyDetailApi(APIView):
    @extend_schema(summary="A survey wave", tags=["surveys"], responses={200: _SurveyOutput, 404: NOT_FOUND})
    def get(self, request, survey_id: int):
        survey = selectors.survey_get(user=request.user, survey_id=survey_id)
        if survey is None:
            raise NotFound(gettext("No such survey."))
        return Response(_SurveyOutput(survey).data)
