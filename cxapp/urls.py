from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from moments import views as moments_views

from . import views

urlpatterns = [
    path("", moments_views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", views.language_set, name="set_language"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("organisations/<int:organisation_id>/members/", include("cxapp.member_urls")),
    path("", include("journeys.urls")),
    path("", include("moments.urls")),
    path("", include("surveys.urls")),
    path("", include("privacy.urls")),
    path("api/", include("cxapp.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's initialiser as a script file, not inline (CSP script-src 'self').
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
