"""Journeys, moments, analysis and export under /api/ (see ``moments.apis``)."""

from django.urls import path

from . import apis
from .apis.moved import JourneyMovedApi

urlpatterns = [
    path("journeys/", apis.JourneyListCreateApi.as_view(), name="api-journey-list"),
    path("journeys/<int:journey_id>/", apis.JourneyDetailApi.as_view(), name="api-journey-detail"),
    path("journeys/<int:journey_id>/moments/", apis.JourneyMomentListCreateApi.as_view(), name="api-journey-moments"),
    path("journeys/<int:journey_id>/segments/", apis.JourneySegmentsApi.as_view(), name="api-journey-segments"),
    path("journeys/<int:journey_id>/analysis/", apis.JourneyAnalysisApi.as_view(), name="api-journey-analysis"),
    path("journeys/<int:journey_id>/moved/", JourneyMovedApi.as_view(), name="api-journey-moved"),
    path("journeys/<int:journey_id>/priorities/", apis.JourneyPrioritiesApi.as_view(), name="api-journey-priorities"),
    path("moments/<int:moment_id>/", apis.MomentDetailApi.as_view(), name="api-moment-detail"),
    path("analysis-runs/<int:run_id>/", apis.AnalysisRunDetailApi.as_view(), name="api-analysis-run-detail"),
]
