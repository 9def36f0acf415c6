"""Writes of waves (``Survey`` rows) outside the responses themselves."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date

from django.db import transaction
from django.db.models import F

from journeys.models import Journey

from ..ingest import IngestError
from ..ingest.mapping import Mapping
from ..models import Survey
from ..outcomes import Outcome, outcome_conflicts, outcome_key, outcomes_journey, outcomes_merged

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


def mapping_outcomes(mapping: Mapping) -> list[Outcome]:
    """The outcomes a mapping imports, as the wave stores them."""
    return [Outcome(name=spec.name, type=spec.type, positive=spec.positive) for spec in mapping.outcome_columns()]


def _conflict_error(problems: list[str]) -> IngestError:
    return IngestError(
        "Outcome type conflict: "
        + "; ".join(problems)
        + ". Give it another name, map the same kind of outcome, or import into a separate journey."
    )


def outcomes_check(*, journey_id: int, survey_name: str, outcomes: Sequence[Outcome]) -> None:
    """Refuses (``IngestError``) outcomes whose name the journey's other waves with data use for another type."""
    others = Survey.objects.filter(journey_id=journey_id, data_version__gt=0).exclude(name=survey_name).only("outcomes")
    problems = outcome_conflicts(outcomes_journey([other.outcome_list for other in others]), outcomes)
    if problems:
        raise _conflict_error(problems)


@transaction.atomic
def survey_outcomes_ensure(*, survey: Survey, outcomes: Sequence[Outcome]) -> list[int]:
    """Appends to ``survey.outcomes`` those of ``outcomes`` it does not name yet (names matched by
    ``outcome_key``; the list only grows, like ``moment_ids``) and returns each one's array position.

    Refused (``IngestError``, nothing written) when one of them has the name of an outcome of another type, in
    this wave or in the journey's other waves: the waves of a journey are pooled and compared by outcome name.
    """
    survey = Survey.objects.select_for_update(no_key=True).get(pk=survey.pk)
    others = Survey.objects.filter(journey_id=survey.journey_id).exclude(pk=survey.pk).only("outcomes")
    journey_outcomes = outcomes_journey([survey.outcome_list, *(other.outcome_list for other in others)])
    problems = outcome_conflicts(journey_outcomes, outcomes)
    if problems:
        raise _conflict_error(problems)
    merged = outcomes_merged(survey.outcome_list, outcomes)
    stored = [o.to_json() for o in merged]
    if stored != survey.outcomes:
        Survey.objects.filter(pk=survey.pk).update(outcomes=stored)
    keys = [o.key for o in merged]
    return [keys.index(outcome_key(o.name)) for o in outcomes]
