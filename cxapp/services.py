"""Organisation and membership writes."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext, gettext_noop
from rest_framework.authtoken.models import Token

from audit.models import AuditAction
from audit.services import audit_record

from .models import Membership, Organisation, Role, UserPreference

DEFAULT_ORGANISATION_SLUG = "default"


@transaction.atomic
def organisation_get_or_create_default() -> Organisation:
    """The organisation used by CLI imports on an installation that has none (DESIGN section 5)."""
    organisation = Organisation.objects.order_by("id").first()
    if organisation is None:
        organisation = Organisation.objects.create(name="Default organisation", slug=DEFAULT_ORGANISATION_SLUG)
    return organisation


@transaction.atomic
def organisation_create(*, name: str, slug: str | None = None) -> Organisation:
    return Organisation.objects.create(name=name, slug=slug or slugify(name))


class MembershipError(ValueError):
    """A membership change that would break an organisation's rules; the message is shown to the admin."""


LAST_ADMIN_MESSAGE = gettext_noop("An organisation needs at least one admin: make someone else admin first.")


def _is_last_admin(membership: Membership) -> bool:
    admins = Membership.objects.filter(organisation_id=membership.organisation_id, role=Role.ADMIN)
    return membership.role == Role.ADMIN and admins.count() == 1


@transaction.atomic
def membership_set(*, organisation: Organisation, username: str, role: str) -> Membership:
    """Adds the user to the organisation with ``role`` or changes their role; never leaves it without an admin."""
    if role not in Role.values:
        raise MembershipError(
            gettext("Unknown role %(role)s; choose one of %(roles)s.")
            % {"role": repr(role), "roles": ", ".join(Role.values)}
        )
    # Serialises concurrent changes of one organisation's members, so two admins demoting each other at the same
    # moment cannot both succeed.
    Organisation.objects.select_for_update().get(pk=organisation.pk)
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise MembershipError(gettext("No user named %(name)s.") % {"name": repr(username)})
    current = Membership.objects.filter(user=user, organisation=organisation).first()
    if current is not None and role != Role.ADMIN and _is_last_admin(current):
        raise MembershipError(gettext(LAST_ADMIN_MESSAGE))
    membership, _ = Membership.objects.update_or_create(user=user, organisation=organisation, defaults={"role": role})
    if current is None or current.role != role:
        audit_record(
            action=AuditAction.ROLE_CHANGE,
            organisation_id=organisation.pk,
            target=membership,
            details={"username": username, "role": role, "previous": current.role if current else None},
        )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    Organisation.objects.select_for_update().get(pk=membership.organisation_id)
    if _is_last_admin(membership):
        raise MembershipError(gettext("An organisation needs at least one admin: this one cannot be removed."))
    audit_record(
        action=AuditAction.MEMBER_REMOVE,
        organisation_id=membership.organisation_id,
        target=membership,
        details={"username": membership.user.get_username(), "role": membership.role},
    )
    membership.delete()
    if not Membership.objects.filter(user_id=membership.user_id).exists():
        # A member of no organisation any more: their API token would still authenticate (to see nothing).
        Token.objects.filter(user_id=membership.user_id).delete()


def user_language_set(*, user, language: str) -> UserPreference:
    """Saves the language a user picked in the header; it then wins over the browser's Accept-Language."""
    preference, _ = UserPreference.objects.update_or_create(user=user, defaults={"language": language})
    return preference
