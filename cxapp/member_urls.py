from django.urls import path

from . import views

urlpatterns = [
    path("", views.members, name="members"),
    path("<int:membership_id>/role/", views.member_role, name="member_role"),
    path("<int:membership_id>/remove/", views.member_remove, name="member_remove"),
]
