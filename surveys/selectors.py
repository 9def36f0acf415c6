"""Reads of surveys and uploads, scoped to the user's organisations."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, QuerySet

from cxapp.selectors import EDIT_ROLES, organisation_ids_with_role, organisations_for_user
from moments.models import Journey

from .models import Survey, Upload

User = AbstractBaseUser | AnonymousUser


def uploads_for_user(user: User) -> QuerySet[Upload]:
    """Every upload of the user's organisations, newest first."""
    return (
        Upload.objects.filter(organisation__in=organisations_for_user(user))
        .select_related("survey__journey", "organisation", "created_by")
        .defer("error_report")
    )


def upload_get(*, user: User, upload_id: int) -> Upload | None:
    return (
        Upload.objects.filter(organisation__in=organisations_for_user(user), pk=upload_id)
        .select_related("survey__journey", "organisation")
        .first()
    )


def upload_can_edit(*, user: User, upload: Upload) -> bool:
    """Analysts and admins of the upload's organisation may confirm (and so run) it."""
    return upload.organisation_id in organisation_ids_with_role(user, *EDIT_ROLES)


def surveys_for_user(user: User, *, journey_id: int | None = None) -> QuerySet[Survey]:
    """Waves of the user's organisations' journeys with their number of responses."""
    surveys = Survey.objects.filter(journey__organisation__in=organisations_for_user(user))
    if journey_id is not None:
        surveys = surveys.filter(journey_id=journey_id)
    return (
        surveys.select_related("journey")
        .annotate(response_count=Count("responses", distinct=True))
        .order_by("journey__name", "period_start", "created_at", "pk")
    )


def survey_get(*, user: User, survey_id: int) -> Survey | None:
    return surveys_for_user(user).filter(pk=survey_id).first()


def journeys_for_upload(user: User) -> QuerySet[Journey]:
    """Journeys the user may upload into (their organisation role is analyst or admin)."""
    return (
        Journey.objects.filter(organisation_id__in=organisation_ids_with_role(user, *EDIT_ROLES))
        .select_related("organisation")
        .prefetch_related("surveys")
        .order_by("organisation__name", "name")
    )


def journey_for_upload(*, user: User, journey: str | int) -> Journey | None:
    """A journey the user may upload into, by id or slug (a slug must be unique among those journeys)."""
    journeys = journeys_for_upload(user)
    if isinstance(journey, int) or str(journey).isdigit():
        if int(journey) > 2**63 - 1:  # beyond bigint: no such journey (not an overflow in the database)
            return None
        return journeys.filter(pk=int(journey)).first()
    matches = list(journeys.filter(slug=journey)[:2])
    return matches[0] if len(matches) == 1 else None


def journey_visible(*, user: User, journey: str | int) -> Journey | None:
    """A journey of the user's organisations (any role), by id or slug."""
    journeys = Journey.objects.filter(organisation__in=organisations_for_user(user))
    if isinstance(journey, int) or str(journey).isdigit():
        if int(journey) > 2**63 - 1:  # beyond bigint: no such journey (not an overflow in the database)
            return None
        return journeys.filter(pk=int(journey)).first()
    return journeys.filter(slug=journey).first()
