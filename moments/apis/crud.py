"""Journeys and moments: plain CRUD with DRF's generic views, written through ``journeys.services``."""

from __future__ import annotations

from django import forms
from django.contrib.auth.models import AnonymousUser
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.views import APIView

from cxapp.pagination import StrictLimitOffsetPagination
from cxapp.permissions import IsEditorOrReadOnly, edit_require
from cxapp.schema import ErrorDetail
from journeys import services as journey_services
from journeys.models import Journey, Moment
from journeys.selectors import journey_moments

from .. import selectors
from ..filters import (
    MAX_ID,
)
from ..serializers import (
    JourneySerializer,
    JourneyUpdateSerializer,
    MomentSerializer,
)
from ._common import FORBIDDEN, NOT_FOUND
from ._common import journey_or_404 as _journey_or_404


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
