from django.urls import path

from . import apis

urlpatterns = [
    path("organisations/<int:organisation_id>/erasure/", apis.ErasureApi.as_view(), name="api-organisation-erasure"),
]
