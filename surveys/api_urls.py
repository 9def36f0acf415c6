"""Surveys and uploads under /api/ (see ``surveys.apis``)."""

from django.urls import path

from . import apis

urlpatterns = [
    path("uploads/", apis.UploadListCreateApi.as_view(), name="api-upload-list"),
    path("uploads/<int:upload_id>/", apis.UploadDetailApi.as_view(), name="api-upload-detail"),
    path("uploads/<int:upload_id>/errors.csv", apis.UploadErrorReportApi.as_view(), name="api-upload-errors"),
    path("surveys/", apis.SurveyListApi.as_view(), name="api-survey-list"),
    path("surveys/<int:survey_id>/", apis.SurveyDetailApi.as_view(), name="api-survey-detail"),
]
