from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    path("uploads/", views.upload_list, name="upload_list"),
    path("uploads/<int:upload_id>/", views.upload_detail, name="upload_detail"),
]
