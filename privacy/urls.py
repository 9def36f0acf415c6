from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("organisations/<int:organisation_id>/erasure/", views.erasure, name="erasure"),
    path("organisations/<int:organisation_id>/audit/", views.audit_log, name="audit_log"),
    path("organisations/<int:organisation_id>/audit.csv", views.audit_log_csv, name="audit_log_csv"),
]
