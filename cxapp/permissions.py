"""DRF permission helpers shared by every API: roles of the user in the organisation that owns an object.

Reads are scoped by the views' querysets (a foreign id is simply not found: 404, never a 403 that would confirm
the object exists). What is left here is the role check on objects the user can already see: viewers read,
analysts and admins write (``Membership.can_edit``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils.translation import gettext_lazy
from rest_framework import permissions
from rest_framework.exceptions import PermissionDenied

from .models import Organisation
from .selectors import EDIT_ROLES, organisation_ids_with_role

EDIT_DENIED = gettext_lazy("Your role in this organisation is read-only (viewer): ask an admin for the analyst role.")


def organisation_of(obj: Any) -> int:
    """Id of the organisation that owns ``obj``: an Organisation, or anything that has an ``organisation_id``
    or reaches one through ``journey``, ``survey`` or ``run`` (journeys, moments, surveys, uploads, runs)."""
    if isinstance(obj, Organisation):
        return obj.pk
    if hasattr(obj, "organisation_id"):
        return obj.organisation_id
    for parent in ("journey", "survey", "run"):
        if hasattr(obj, parent):
            return organisation_of(getattr(obj, parent))
    raise TypeError(f"no organisation for {obj!r}")


def user_can_edit(user: AbstractBaseUser | AnonymousUser, organisation_id: int) -> bool:
    return organisation_id in organisation_ids_with_role(user, *EDIT_ROLES)


def edit_require(user: AbstractBaseUser | AnonymousUser, organisation_id: int) -> None:
    """Raises 403 unless ``user`` is an analyst or admin of the organisation (for creates, whose object does
    not exist yet for ``has_object_permission``)."""
    if not user_can_edit(user, organisation_id):
        raise PermissionDenied(EDIT_DENIED)


class IsEditorOrReadOnly(permissions.BasePermission):
    """Safe methods for every member; writes for analysts and admins of the object's organisation.

    Object-level only: the view's scoped queryset has already turned foreign objects into 404s.
    """

    message = EDIT_DENIED
    organisation_of: Callable[[Any], int] = staticmethod(organisation_of)

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return user_can_edit(request.user, self.organisation_of(obj))
