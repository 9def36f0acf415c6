"""Reads of surveys and uploads, scoped to the user's organisations."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, F, QuerySet

from cxapp.selectors import EDIT_ROLES, organisation_ids_with_role, organisations_for_user
from journeys.models import Journey
from journeys.selectors import journeys_for_user

from .ingest import IngestError, Mapping
from .ingest.mapping import OutcomeColumn
from .models import Survey, Upload
from .outcomes import Outcome, outcomes_journey

User = AbstractBaseUser | AnonymousUser


def uploads_for_user(user: User) -> QuerySet[Upload]:
    """Every upload of the user's organisations, newest first."""
    return (
        Upload.objects.filter(organisation__in=organisations_for_user(user))
        .select_related("journey", "survey", "organisation", "created_by")
        .defer(*UPLOAD_LARGE_FIELDS)
    )


# What a list or a status poll never loads: the error report, the file's layout and first rows, the mapping and
# its proposal (each can be large; the detail pages and their own URLs read them).
UPLOAD_LARGE_FIELDS = ("error_report", "layout", "mapping", "proposal", "created_moments")


def upload_get(*, user: User, upload_id: int, light: bool = False) -> Upload | None:
    """The user's upload; ``light``: without ``UPLOAD_LARGE_FIELDS`` (the status poll)."""
    uploads = Upload.objects.filter(organisation__in=organisations_for_user(user), pk=upload_id)
    if light:
        return uploads.defer(*UPLOAD_LARGE_FIELDS).first()
    return uploads.select_related("journey", "survey", "organisation").first()


def upload_outcomes(*, upload: Upload) -> list[OutcomeColumn]:
    """The outcomes the upload's mapping imports (name, column, type, positive values), in order; none while its
    mapping is empty or invalid."""
    if not upload.mapping:
        return []
    try:
        return Mapping.from_json(upload.mapping).outcome_columns()
    except IngestError:
        return []


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
        .order_by("journey__name", F("period_start").asc(nulls_last=True), "created_at", "pk")
    )


def survey_get(*, user: User, survey_id: int) -> Survey | None:
    return surveys_for_user(user).filter(pk=survey_id).first()


def journeys_for_upload(user: User) -> QuerySet[Journey]:
    """Journeys the user may upload into (analyst or admin of their organisation), with their waves."""
    return journeys_for_user(user, edit=True).prefetch_related("surveys").order_by("organisation__name", "name")


def journey_outcomes(*, journey: Journey) -> list[Outcome]:
    """The journey's outcomes matched by name across its waves (in wave order): the primary first (the first of
    type nps, else the first), then the others in order of first appearance; empty when it has no wave."""
    waves = Survey.objects.filter(journey=journey).only("outcomes", "period_start", "created_at")
    return outcomes_journey([wave.outcome_list for wave in waves])
