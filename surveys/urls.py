from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    path("uploads/", views.upload_list, name="upload_list"),
    path("uploads/new/", views.upload_new, name="upload_new"),
    path("uploads/<int:upload_id>/", views.upload_detail, name="upload_detail"),
    path("uploads/<int:upload_id>/mapping/", views.upload_mapping, name="upload_mapping"),
    path("uploads/<int:upload_id>/status.json", views.upload_status, name="upload_status"),
    path("uploads/<int:upload_id>/errors.csv", views.upload_errors_csv, name="upload_errors"),
]
