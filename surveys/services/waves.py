"""Writes of waves (``Survey`` rows) outside the responses themselves."""

from __future__ import annotations

import logging
from datetime import date

from django.db import transaction
from django.db.models import F

from journeys.models import Journey

from ..ingest import IngestError
from ..models import Survey

logger = logging.getLogger(__name__)


@transaction.atomic
def survey_data_changed(*, survey: Survey) -> None:
    """Bumps the survey's data version so cached analysis runs of it are no longer reused."""
    Survey.objects.filter(pk=survey.pk).update(data_version=F("data_version") + 1)


# ------------------------------------------------------------------------------------------------ journeys, surveys
@transaction.atomic
def survey_get_or_create(
    *, journey: Journey, name: str, period_start: date | None = None, period_end: date | None = None
) -> Survey:
    """The wave ``name`` of ``journey``, created when new."""
    name = " ".join(name.split())[:200]
    if not name:
        raise IngestError("The survey (wave) needs a name.")
    survey, _ = Survey.objects.get_or_create(
        journey=journey, name=name, defaults={"period_start": period_start, "period_end": period_end}
    )
    return survey


@transaction.atomic
def survey_delete_unused(*, survey: Survey) -> bool:
    """Deletes the wave if nothing was ever imported into it and no upload refers to it; True if it did."""
    unused = Survey.objects.filter(pk=survey.pk, data_version=0).exclude(uploads__isnull=False)
    return unused.delete()[0] > 0
