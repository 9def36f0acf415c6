"""Organisation and membership writes."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.text import slugify

from .models import Membership, Organisation, Role

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


@transaction.atomic
def membership_set(*, organisation: Organisation, username: str, role: str) -> Membership:
    """Adds the user to the organisation with ``role`` or changes their role."""
    if role not in Role.values:
        raise ValueError(f"Unknown role {role!r}; choose one of {', '.join(Role.values)}.")
    user = get_user_model().objects.get(username=username)
    membership, _ = Membership.objects.update_or_create(user=user, organisation=organisation, defaults={"role": role})
    return membership
