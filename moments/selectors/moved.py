"""The two periods of a "what moved" comparison (issue 12) as respondents x moments matrices.

A period is either some waves (``survey_ids``) or a range of ``Response.submitted_at`` (months, quarters or any
dates, across the journey's waves or the chosen ones): a continuous tracker imported as one wave can be compared
quarter on quarter. The matrix comes from ``journey_ratings_frame`` (the one reader of ratings); the submission
dates, which that frame does not carry, from ``_ratings_submitted_at``, read in the frame's row order.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from django.db import connection
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone

from journeys.models import Journey

from .ratings import RatingsFrame, journey_ratings_frame
from .waves import _clean_segment_filter, journey_surveys

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)


@dataclass(frozen=True)
class PeriodSpec:
    """One side of a comparison: waves (``survey_ids``), or submissions in [start, end) (dates, end exclusive),
    optionally only within ``survey_ids``. ``label`` is what pages and the sentence call it."""

    survey_ids: tuple[int, ...] = ()
    start: dt.date | None = None
    end: dt.date | None = None
    label: str = ""

    @property
    def is_dates(self) -> bool:
        return self.start is not None

    def as_json(self) -> dict:
        return {
            "label": self.label,
            "survey_ids": list(self.survey_ids),
            "from": self.start.isoformat() if self.start else None,
            "to": (self.end - dt.timedelta(days=1)).isoformat() if self.end else None,
        }


def _first_day(text: str) -> dt.date:
    if m := _DAY.match(text):
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    if m := _MONTH.match(text):
        return dt.date(int(m[1]), int(m[2]), 1)
    if m := _QUARTER.match(text):
        return dt.date(int(m[1]), 3 * int(m[2]) - 2, 1)
    raise ValueError(f"{text!r} is not a date (YYYY-MM-DD), a month (YYYY-MM) or a quarter (YYYY-Q1)")


def _day_after(text: str) -> dt.date:
    """The first day after the day, month or quarter ``text`` (the exclusive end of a range that includes it)."""
    start = _first_day(text)
    if _DAY.match(text):
        return start + dt.timedelta(days=1)
    months = 3 if _QUARTER.match(text) else 1
    month = start.month - 1 + months
    return dt.date(start.year + month // 12, month % 12 + 1, 1)


def period_parse(text: str, *, survey_ids: Sequence[int] = ()) -> PeriodSpec:
    """A date range as the CLI and API write it: ``2026-01..2026-03`` (January to March, inclusive), ``2026-Q2``,
    ``2026-04``, ``2026-01-15..2026-02-14``. Raises ValueError naming what is wrong."""
    text = text.strip()
    first, _, last = text.partition("..")
    first, last = first.strip(), (last.strip() or first.strip())
    try:
        start, end = _first_day(first), _day_after(last)
    except ValueError as error:
        if "is not a" in str(error):
            raise
        raise ValueError(f"{text!r}: {error}") from None
    if end <= start:
        raise ValueError(f"{text!r}: the range ends before it starts")
    return PeriodSpec(survey_ids=tuple(sorted(survey_ids)), start=start, end=end, label=text)


def _ratings_submitted_at(surveys: list, segment_filter: dict[str, list[str]]) -> np.ndarray:
    """``Response.submitted_at`` of the responses ``journey_ratings_frame`` returns for the same waves and filter,
    in its row order (PostgreSQL: by response id; SQLite: wave by wave in wave order, by id), as datetime64[us]
    UTC (NaT where missing)."""
    from surveys.models import Response

    def values(queryset):
        return [row[0] for row in queryset.order_by("pk").values_list("submitted_at")]

    def filtered(queryset):
        for i, (key, accepted) in enumerate(segment_filter.items()):
            queryset = queryset.alias(**{f"_seg{i}": KeyTextTransform(key, "segments")}).filter(
                **{f"_seg{i}__in": accepted}
            )
        return queryset

    if connection.vendor == "postgresql":
        dates = values(filtered(Response.objects.filter(survey_id__in=[s.pk for s in surveys])))
    else:
        dates = [d for s in surveys for d in values(filtered(Response.objects.filter(survey=s)))]
    naive = [None if d is None else d.astimezone(dt.UTC).replace(tzinfo=None) for d in dates]
    return np.array([np.datetime64("NaT") if d is None else np.datetime64(d) for d in naive], dtype="datetime64[us]")


def _aware_utc(day: dt.date) -> np.datetime64:
    """Midnight of ``day`` in the site's time zone, as a UTC datetime64 (a month is the site's calendar month)."""
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time()))
    return np.datetime64(moment.astimezone(dt.UTC).replace(tzinfo=None), "us")


@dataclass
class PeriodFrame:
    """One period's matrix (a ``RatingsFrame`` restricted to its respondents) and how many responses it has."""

    spec: PeriodSpec
    frame: RatingsFrame
    rows: np.ndarray  # row indices into frame

    @property
    def n(self) -> int:
        return int(self.rows.size)


def moved_period_frame(
    *,
    journey: Journey,
    spec: PeriodSpec,
    segment_filter: Mapping[str, Sequence[str]] | None = None,
    outcome: str | None = None,
) -> PeriodFrame:
    """The respondents of one period (waves, or submissions in a date range) with the segment filter applied.

    A date range without waves looks in all the journey's waves. Responses without a submission date are never in
    a date range.
    ``outcome``: the outcome's name (None: the primary one).
    """
    survey_ids = list(spec.survey_ids) or None
    chosen = {"outcome": outcome} if outcome else {}  # the loader's default is the primary outcome
    frame = journey_ratings_frame(journey=journey, survey_ids=survey_ids, segment_filter=segment_filter, **chosen)
    if not spec.is_dates:
        return PeriodFrame(spec, frame, np.arange(frame.n))
    surveys = journey_surveys(journey=journey, survey_ids=survey_ids)
    submitted = _ratings_submitted_at(surveys, _clean_segment_filter(segment_filter))
    if submitted.size != frame.n:  # an import landed between the two reads: the rows no longer line up
        raise RuntimeError("The responses changed while the period was read; try again.")
    inside = (submitted >= _aware_utc(spec.start)) & (submitted < _aware_utc(spec.end))
    return PeriodFrame(spec, frame, np.flatnonzero(inside))


def journey_months(*, journey: Journey) -> list[str]:
    """The calendar months (YYYY-MM, site time zone) in which the journey's responses were submitted, oldest first
    (what a page offers as date periods)."""
    from django.db.models.functions import TruncMonth

    from surveys.models import Response

    months = (
        Response.objects.filter(survey__journey=journey, submitted_at__isnull=False)
        .annotate(month=TruncMonth("submitted_at"))
        .values_list("month", flat=True)
        .distinct()
    )
    return sorted({m.strftime("%Y-%m") for m in months if m is not None})
