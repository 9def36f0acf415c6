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
    """The wave ``name`` of ``journey``, created when new (the name as ``survey_name_clean`` makes it)."""
    name = survey_name_clean(name)
    survey, _ = Survey.objects.get_or_create(
        journey=journey, name=name, defaults={"period_start": period_start, "period_end": period_end}
    )
    return survey


def survey_name_clean(name: str) -> str:
    """A wave's name as it is stored: runs of whitespace made one space, at most 200 characters."""
    name = " ".join(name.split())[:200]
    if not name:
        raise IngestError("The survey (wave) needs a name.")
    return name
