"""Every REST endpoint, under /api/ (DESIGN section 5)."""

from django.urls import include, path

urlpatterns = [
    path("", include("moments.api_urls")),
    path("", include("surveys.api_urls")),
]
