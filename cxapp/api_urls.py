"""Every REST endpoint, under /api/ (DESIGN section 5)."""

from django.urls import include, path

from . import apis

urlpatterns = [
    path("auth/token/", apis.TokenObtainApi.as_view(), name="api-token"),
    path("", include("moments.api_urls")),
    path("", include("surveys.api_urls")),
    path("", include("privacy.api_urls")),
]
