"""Authentication endpoints of the REST API."""

from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import AuditAction
from audit.services import audit_record_many

from .models import Membership
from .throttling import AnonRateThrottle, client_ip, login_failure_record, login_lockout_get, login_success_record


class TokenObtainApi(APIView):
    """DRF's obtain_auth_token, but throttled (DRF ships it unthrottled, which invites password guessing) and
    answering wrong credentials with 401 like every other authentication failure.

    It shares the login page's lock-out (cxapp.throttling): the same counters per username + client and per
    client, so password guessing cannot move from the form to the API to get ten more tries."""

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
            429: OpenApiResponse(
                description="Too many failed attempts for this username from this client (shared with the login "
                "page): retry after the `Retry-After` header's seconds, even with the right password."
            ),
        },
    )
    def post(self, request):
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        username, ip = data.validated_data["username"], client_ip(request)
        # Refused before the password is checked: a right guess inside the lock-out gets nothing either.
        lockout = login_lockout_get(username=username, ip=ip)
        if lockout is not None:
            raise Throttled(wait=lockout.retry_after_seconds, detail=lockout.message)
        credentials = AuthTokenSerializer(data=data.validated_data, context={"request": request})
        if not credentials.is_valid():
            login_failure_record(username=username, ip=ip)
            raise AuthenticationFailed(gettext("Unable to log in with the provided credentials."))
        login_success_record(username=username, ip=ip)
        user = credentials.validated_data["user"]
        token, created = Token.objects.get_or_create(user=user)
        audit_record_many(
            action=AuditAction.TOKEN_ISSUE,
            organisation_ids=list(Membership.objects.filter(user=user).values_list("organisation_id", flat=True)),
            actor=user,
            details={"new": created},
        )
        return Response({"token": token.key})

    def get_authenticate_header(self, request) -> str:
        return "Token"
