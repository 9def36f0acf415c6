"""Who is acting: the request being served, set by ``AuditRequestMiddleware`` for the length of the request.

Services record actions without being handed the user: the request's user is read when the record is written, so a
user authenticated later by DRF (token auth sets ``request._request.user``) is the one recorded.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from django.http import HttpRequest

_current_request: ContextVar[HttpRequest | None] = ContextVar("audit_current_request", default=None)


def request_current() -> HttpRequest | None:
    return _current_request.get()


@contextlib.contextmanager
def request_bound(request: HttpRequest) -> Iterator[None]:
    token = _current_request.set(request)
    try:
        yield
    finally:
        _current_request.reset(token)


class AuditRequestMiddleware:
    """Binds the request for ``audit.services.audit_record`` (after the authentication middleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        with request_bound(request):
            return self.get_response(request)
