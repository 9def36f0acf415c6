from django.urls import path

from . import views

app_name = "journeys"

urlpatterns = [
    path("journeys/new/", views.journey_create, name="journey_create"),
    path("journeys/<int:journey_id>/edit/", views.journey_edit, name="journey_edit"),
    path("journeys/<int:journey_id>/delete/", views.journey_delete, name="journey_delete"),
    path("journeys/<int:journey_id>/moments/new/", views.moment_create, name="moment_create"),
    path("journeys/<int:journey_id>/moments/<int:moment_id>/edit/", views.moment_edit, name="moment_edit"),
    path("journeys/<int:journey_id>/moments/<int:moment_id>/delete/", views.moment_delete, name="moment_delete"),
]
