from django.urls import path

from . import views

app_name = "moments"

urlpatterns = [
    path("journeys/new/", views.journey_create, name="journey_create"),
    path("journeys/<int:journey_id>/", views.dashboard, name="dashboard"),
]
