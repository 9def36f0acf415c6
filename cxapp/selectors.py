"""Reads that scope everything to the user's organisations."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from .models import Membership, Organisation, Role, UserPreference


def organisations_for_user(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Organisation]:
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(memberships__user=user)


def membership_get(*, user: AbstractBaseUser | AnonymousUser, organisation_id: int) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, organisation_id=organisation_id).first()


def organisation_ids_with_role(user: AbstractBaseUser | AnonymousUser, *roles: str) -> list[int]:
    """Ids of the organisations where ``user`` holds one of ``roles`` (all roles when none given)."""
    if not user.is_authenticated:
        return []
    memberships = Membership.objects.filter(user=user)
    if roles:
        memberships = memberships.filter(role__in=roles)
    return list(memberships.values_list("organisation_id", flat=True))


EDIT_ROLES = (Role.ANALYST, Role.ADMIN)


def organisations_with_edit_role(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Organisation]:
    """Organisations where the user is analyst or admin (where they may create and change journeys)."""
    return Organisation.objects.filter(pk__in=organisation_ids_with_role(user, *EDIT_ROLES))


def user_language_get(*, user) -> str:
    """The language the user picked in the header ("" when never: the browser's Accept-Language decides)."""
    return UserPreference.objects.filter(user=user).values_list("language", flat=True).first() or ""
