"""Authentication endpoints of the REST API."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.throttling import AnonRateThrottle


class TokenObtainApi(ObtainAuthToken):
    """DRF's obtain_auth_token, throttled: DRF ships it unthrottled, which invites password guessing."""

    throttle_classes = [AnonRateThrottle]

    @extend_schema(
        summary="Exchange a username and password for an API token",
        description="Send the token as `Authorization: Token <key>` on later requests. The same token is "
        "returned until it is rotated (`manage.py create_api_token USERNAME --rotate`).",
        tags=["auth"],
        auth=[],
        request=AuthTokenSerializer,
        responses={200: inline_serializer("AuthToken", {"token": serializers.CharField()})},
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)
