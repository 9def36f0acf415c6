"""A journey's waves (in one defined order on every database), their segment values, and waves by name."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db import connection
from django.db.models import Exists, F, OuterRef, QuerySet, Subquery

from journeys.models import Journey

from ..caching import cache_get_or_build

# Waves in period order. Uploads leave ``period_start`` empty, and PostgreSQL sorts NULLs last where SQLite sorts
# them first: saying where they go gives one order on both (undated waves after dated ones, then by creation).
WAVE_ORDER = (F("period_start").asc(nulls_last=True), "created_at", "pk")


def _surveys() -> QuerySet:
    """Waves annotated with ``has_responses`` and ``last_upload_status`` (why a wave is empty), in ``WAVE_ORDER``."""
    from surveys.models import Response, Survey, Upload

    last_upload = Upload.objects.filter(survey=OuterRef("pk")).order_by("-created_at", "-pk").values("status")[:1]
    return Survey.objects.annotate(
        has_responses=Exists(Response.objects.filter(survey=OuterRef("pk"))),
        last_upload_status=Subquery(last_upload),
    ).order_by(*WAVE_ORDER)


def journey_surveys(*, journey: Journey, survey_ids: Sequence[int] | None = None) -> list:
    """The journey's waves (all when ``survey_ids`` is None), in period order (``WAVE_ORDER``); ids of other
    journeys are ignored. Each wave carries ``has_responses`` and ``last_upload_status``."""
    surveys = _surveys().filter(journey=journey)
    if survey_ids is not None:
        surveys = surveys.filter(pk__in=list(survey_ids))
    return list(surveys)


def journeys_surveys(*, journey_ids: Sequence[int]) -> dict[int, list]:
    """``journey_surveys`` of several journeys in one query: ``{journey id: [waves in WAVE_ORDER]}``."""
    by_journey: dict[int, list] = {pk: [] for pk in journey_ids}
    for survey in _surveys().filter(journey_id__in=list(journey_ids)):
        by_journey[survey.journey_id].append(survey)
    return by_journey


def _clean_segment_filter(segment_filter: Mapping[str, Sequence[str]] | None) -> dict[str, list[str]]:
    """{key: [values]} with str values, empty keys dropped, sorted so that equal filters compare equal."""
    clean: dict[str, list[str]] = {}
    for key, values in (segment_filter or {}).items():
        if isinstance(values, str):
            values = [values]
        values = sorted({str(v) for v in values})
        if values:
            clean[str(key)] = values
    return dict(sorted(clean.items()))


def survey_ids_by_name(*, journey: Journey, names: Sequence[str]) -> list[int]:
    """Ids of the journey's waves called ``names`` (in that order); ``LookupError`` naming the unknown ones."""
    from surveys.models import Survey

    by_name = dict(Survey.objects.filter(journey=journey, name__in=list(names)).values_list("name", "pk"))
    missing = [name for name in names if name not in by_name]
    if missing:
        known = ", ".join(Survey.objects.filter(journey=journey).values_list("name", flat=True)) or "none"
        raise LookupError(f"No wave {', '.join(map(repr, missing))} in journey {journey.slug!r} (waves: {known}).")
    return [by_name[name] for name in names]


def _survey_segment_values(survey) -> dict[str, list[str]]:
    """Distinct values per segment key of one wave, cached until the wave's next import (data_version)."""
    return cache_get_or_build("momentum:segments:", [survey.pk, survey.data_version], lambda: _segment_scan(survey))


def _segment_scan(survey) -> dict[str, list[str]]:
    from surveys.models import Response

    values: dict[str, set[str]] = {}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                # The table name is the model's own; values are parameters.
                f"SELECT DISTINCT e.key, e.value FROM {Response._meta.db_table} r, "  # noqa: S608  # nosec B608
                "jsonb_each_text(r.segments) e WHERE r.survey_id = %s",
                [survey.pk],
            )
            for key, value in cursor.fetchall():
                if value is not None:
                    values.setdefault(key, set()).add(value)
    else:
        for segments in Response.objects.filter(survey=survey).values_list("segments", flat=True).iterator():
            for key, value in (segments or {}).items():
                if value is not None:
                    values.setdefault(key, set()).add(str(value))
    return {key: sorted(v) for key, v in sorted(values.items())}


def segment_values(
    *, journey: Journey, survey_ids: Sequence[int] | None = None, surveys: Sequence | None = None
) -> dict[str, list[str]]:
    """Distinct values of every segment key over the journey's waves, for filters: ``{"region": ["East", ...]}``.

    One ``SELECT DISTINCT ... jsonb_each_text`` per wave on PostgreSQL, cached per wave and data version.
    """
    merged: dict[str, set[str]] = {}
    if surveys is None:
        surveys = journey_surveys(journey=journey, survey_ids=survey_ids)
    for survey in surveys:
        for key, values in _survey_segment_values(survey).items():
            merged.setdefault(key, set()).update(values)
    return {key: sorted(values) for key, values in sorted(merged.items())}


def wave_default(surveys: list):
    """The wave a user opens first: the latest of ``surveys`` (``journey_surveys``, in ``WAVE_ORDER``) that has
    responses, so a wave left empty by a refused upload never becomes the default view; None when none has."""
    return next((s for s in reversed(surveys) if s.has_responses), None)


def wave_empty_reason(survey) -> str:
    """Why a wave has no responses, for the filter list ("" when it has some)."""
    if survey.has_responses:
        return ""
    return {
        "failed": "no responses: its upload failed",
        "mapping": "no responses yet: its upload waits for a column mapping",
        "queued": "no responses yet: importing",
        "running": "no responses yet: importing",
    }.get(survey.last_upload_status or "", "no responses yet")
