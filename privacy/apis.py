"""Erasure under /api/: ``POST /api/organisations/<id>/erasure/`` (organisation admins only)."""

from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from cxapp.selectors import membership_get

from .services import MAX_IDS, ErasureError, erase_respondent
from .views import ADMIN_ONLY


class ErasureApi(APIView):
    """Removes respondents from every wave of the organisation: their responses, the row errors naming them, the
    stored files of the uploads into those waves; the analyses of those waves are invalidated and requested again.
    An id found nowhere is listed in ``not_found``, not an error."""

    @extend_schema_serializer(component_name="ErasureRequest")
    class Input(serializers.Serializer):
        respondent_ids = serializers.ListField(
            child=serializers.CharField(max_length=200, trim_whitespace=True),
            min_length=1,
            max_length=MAX_IDS,
        )

    @extend_schema_serializer(component_name="ErasureResult")
    class Output(serializers.Serializer):
        class Wave(serializers.Serializer):
            survey = serializers.IntegerField(source="survey_id")
            journey = serializers.CharField()
            wave = serializers.CharField()
            rows = serializers.IntegerField()

        detail = serializers.CharField(source="summary")
        requested = serializers.IntegerField()
        found = serializers.IntegerField()
        rows = serializers.IntegerField()
        waves = Wave(many=True)
        not_found = serializers.ListField(child=serializers.CharField())
        error_rows_removed = serializers.IntegerField()
        files_deleted = serializers.IntegerField()
        runs_invalidated = serializers.IntegerField()

    @extend_schema(
        summary="Erase respondents from every wave of an organisation",
        tags=["privacy"],
        request=Input,
        responses={
            200: Output,
            400: OpenApiResponse(description="No ids, or more than 100,000."),
            403: OpenApiResponse(description="You are a member of the organisation but not its admin."),
            404: OpenApiResponse(description="No such organisation, or you are not a member of it."),
        },
    )
    def post(self, request, organisation_id: int):
        membership = membership_get(user=request.user, organisation_id=organisation_id)
        if membership is None:
            raise NotFound(gettext("No such organisation, or you are not a member of it."))
        if not membership.can_manage_members:
            raise PermissionDenied(ADMIN_ONLY)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            result = erase_respondent(
                organisation=membership.organisation,
                respondent_ids=data.validated_data["respondent_ids"],
                user=request.user,
            )
        except ErasureError as error:
            raise ValidationError({"detail": str(error)}) from error
        return Response(self.Output(result).data)
