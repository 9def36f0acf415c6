"""The project's URLs plus one the isolation walker cannot fill (used to prove that its coverage check fails)."""

from django.http import HttpResponse
from django.urls import include, path


def widget(request, widget_id: int) -> HttpResponse:
    return HttpResponse("widget")


urlpatterns = [
    path("", include("cxapp.urls")),
    path("widgets/<int:widget_id>/", widget, name="widget"),
]
