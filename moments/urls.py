from django.urls import path

from . import views

app_name = "moments"

urlpatterns = [
    path("journeys/<int:journey_id>/", views.dashboard, name="dashboard"),
    path("journeys/<int:journey_id>/report/", views.report, name="report"),
    path("journeys/<int:journey_id>/journey/", views.journey_map, name="journey_map"),
    path("journeys/<int:journey_id>/outcomes/", views.outcomes_side_by_side, name="outcomes"),
    path("journeys/<int:journey_id>/export.<str:fmt>", views.export, name="export"),
    path("journeys/<int:journey_id>/runs/<int:run_id>/status.json", views.run_status, name="run_status"),
    path("journeys/<int:journey_id>/moments/<int:moment_id>/", views.moment_detail, name="moment_detail"),
]
