"""The one place that answers "which journeys (and moments) may this user see or edit"."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from cxapp.models import Membership
from cxapp.selectors import EDIT_ROLES

from .models import Journey, Moment

User = AbstractBaseUser | AnonymousUser
_BIGINT_MAX = 2**63 - 1


def journeys_for_user(user: User, *, edit: bool = False) -> QuerySet[Journey]:
    """Journeys of the user's organisations: any role, or with ``edit`` only where the user is analyst or admin."""
    if not user.is_authenticated:
        return Journey.objects.none()
    memberships = Membership.objects.filter(user=user)
    if edit:
        memberships = memberships.filter(role__in=EDIT_ROLES)
    # A subquery, not a list of ids: one query for the journey a page is about.
    return Journey.objects.filter(organisation_id__in=memberships.values("organisation_id")).select_related(
        "organisation"
    )


def journey_for_user(*, user: User, journey: int | str, edit: bool = False) -> Journey | None:
    """One journey the user may see (or edit), by id or by slug; ``None`` when there is none.

    A slug is unique within an organisation only: when the user reaches several journeys with that slug (in
    different organisations) the slug is ambiguous and nothing is returned, rather than an arbitrary one.
    """
    journeys = journeys_for_user(user, edit=edit)
    if isinstance(journey, int) or str(journey).isdigit():
        if int(journey) > _BIGINT_MAX:  # beyond bigint: no such journey (not an overflow in the database)
            return None
        return journeys.filter(pk=int(journey)).first()
    matches = list(journeys.filter(slug=str(journey))[:2])
    return matches[0] if len(matches) == 1 else None


def journey_by_slug(*, slug: str, organisation_slug: str | None = None) -> Journey:
    """The journey ``slug`` (in ``organisation_slug`` when given), for the CLI, which acts for the installation;
    raises ``LookupError`` when none exists or several organisations have one and none was chosen."""
    journeys = Journey.objects.filter(slug=slug).select_related("organisation")
    if organisation_slug:
        journeys = journeys.filter(organisation__slug=organisation_slug)
    found = list(journeys[:2])
    if not found:
        where = f" in organisation {organisation_slug!r}" if organisation_slug else ""
        raise LookupError(f"No journey {slug!r}{where}.")
    if len(found) > 1:
        raise LookupError(f"Several organisations have a journey {slug!r}: choose one with --organisation.")
    return found[0]


def journey_moments(*, journey: Journey) -> QuerySet[Moment]:
    """The journey's moments in journey order."""
    return journey.moments.order_by("position", "name", "pk")


def journey_moment_rows(*, journey: Journey) -> list[tuple]:
    """(pk, name, slug, stage, position, is_brand_moment) of the journey's moments in position order: one query
    that gives both the moment ids of an analysis key and a marker of what a page shows about them."""
    return list(
        journey_moments(journey=journey).values_list("pk", "name", "slug", "stage", "position", "is_brand_moment")
    )


def moment_for_user(*, user: User, moment_id: int, edit: bool = False) -> Moment | None:
    if moment_id > _BIGINT_MAX:
        return None
    return (
        Moment.objects.filter(pk=moment_id, journey__in=journeys_for_user(user, edit=edit))
        .select_related("journey__organisation")
        .first()
    )


def journey_stages(*, journey: Journey) -> list[str]:
    """The stages already used in the journey, for the stage field's suggestions."""
    return sorted({s for s in journey.moments.values_list("stage", flat=True) if s})


def journey_next_position(*, journey: Journey) -> int:
    last = journey.moments.order_by("-position").values_list("position", flat=True).first()
    return (last or 0) + 1


def journey_counts(*, journey: Journey) -> dict[str, int]:
    """What deleting the journey deletes with it (waves are counted through the reverse relation by name, so this
    app needs no import of the surveys app)."""
    return {"moments": journey.moments.count(), "waves": journey.surveys.count()}
