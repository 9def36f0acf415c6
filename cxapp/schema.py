"""OpenAPI post-processing shared by every API: the answers any endpoint can give that views do not declare."""

from rest_framework import serializers


class ErrorDetail(serializers.Serializer):
    """The body of DRF's errors that are not field errors (401, 403, 404, 429...): ``{"detail": "..."}``."""

    detail = serializers.CharField()


UNAUTHENTICATED = {
    "description": "Not authenticated: send `Authorization: Token <key>` (see `POST /api/auth/token/`) or a session "
    "cookie. The answer carries `WWW-Authenticate: Token`.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorDetail"}}},
}
THROTTLED = {
    "description": "Too many requests: retry after the `Retry-After` header's seconds.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorDetail"}}},
}
ERROR_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}


def error_responses_add(result, generator, request, public):
    """Adds 401 to every operation that requires authentication and 429 to every operation (DRF throttles)."""
    result.setdefault("components", {}).setdefault("schemas", {})["ErrorDetail"] = ERROR_DETAIL
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            security = operation.get("security", result.get("security"))
            if security and {} not in security:
                responses.setdefault("401", UNAUTHENTICATED)
            responses.setdefault("429", THROTTLED)
    return result
