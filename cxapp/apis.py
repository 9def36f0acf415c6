"""Authentication endpoints of the REST API."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView


class TokenObtainApi(APIView):
    """DRF's obtain_auth_token, but throttled (DRF ships it unthrottled, which invites password guessing) and
    answering wrong credentials with 401 like every other authentication failure."""

    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes = [AnonRateThrottle]

    @extend_schema_serializer(component_name="AuthTokenCredentials")  # nested names collide across apps otherwise
    class Input(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=1024, style={"input_type": "password"}, trim_whitespace=False)

    @extend_schema(
        summary="Exchange a username and password for an API token",
        description="Send the token as `Authorization: Token <key>` on later requests. The same token is "
        "returned until it is rotated (`manage.py create_api_token USERNAME --rotate`).",
        tags=["auth"],
        auth=[],
        request=Input,
        responses={
            200: inline_serializer("AuthToken", {"token": serializers.CharField()}),
            400: OpenApiResponse(description="Username or password missing."),
            401: OpenApiResponse(description="Wrong username or password, or an inactive user."),
        },
    )
    def post(self, request):
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        credentials = AuthTokenSerializer(data=data.validated_data, context={"request": request})
        if not credentials.is_valid():
            raise AuthenticationFailed("Unable to log in with the provided credentials.")
        token, _ = Token.objects.get_or_create(user=credentials.validated_data["user"])
        return Response({"token": token.key})

    def get_authenticate_header(self, request) -> str:
        return "Token"
