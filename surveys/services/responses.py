"""Storing responses in bulk.

On PostgreSQL by binary COPY (``surveys.pgcopy``) into a temporary staging table and one
``INSERT ... ON CONFLICT (survey_id, respondent_id) DO UPDATE`` (DESIGN section 4), so a re-uploaded file or a file
that repeats respondents updates them and never duplicates. SQLite (the embedded demo mode) takes a simpler
``bulk_create(update_conflicts=True)`` path.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import IntegrityError, connection, transaction

from journeys.models import Moment

from ..models import Response, Survey
from ..outcomes import Outcome
from ..pgcopy import responses_payload
from .waves import survey_outcomes_ensure

logger = logging.getLogger(__name__)

STAGING_TABLE = "momentum_response_staging"


@dataclass(frozen=True)
class StoreCounts:
    created: int
    updated: int

    @property
    def total(self) -> int:
        return self.created + self.updated


@transaction.atomic
def survey_moments_align(*, survey: Survey, moments: Sequence[Moment]) -> list[int]:
    """Extends ``survey.moment_ids`` with any of ``moments`` not yet in it; returns each moment's array index."""
    # NO KEY UPDATE: new uploads of the survey (a foreign key to it) are not blocked during a load.
    survey = Survey.objects.select_for_update(no_key=True).get(pk=survey.pk)
    ids = list(survey.moment_ids)
    for moment in moments:
        if moment.pk not in ids:
            ids.append(moment.pk)
    if ids != survey.moment_ids:
        Survey.objects.filter(pk=survey.pk).update(moment_ids=ids)
    return [ids.index(m.pk) for m in moments]


def _aligned(matrix: np.ndarray, columns: Sequence[int], width: int, fill: float) -> np.ndarray:
    """Places the columns of ``matrix`` at array positions ``columns`` of a ``width``-wide matrix."""
    out = np.full((matrix.shape[0], width), fill, dtype=matrix.dtype)
    out[:, list(columns)] = matrix
    return out


@transaction.atomic
def responses_store(
    *,
    survey: Survey,
    moments: Sequence[Moment],
    respondent_id: np.ndarray,
    ratings: np.ndarray,
    outcome: np.ndarray | None = None,
    outcomes: Mapping[str, np.ndarray] | None = None,
    submitted_at: np.ndarray | None = None,
    experienced: np.ndarray | None = None,
    segments: pd.DataFrame | None = None,
    weight: np.ndarray | None = None,
    new_rows: bool = False,
) -> StoreCounts:
    """Upserts one batch of responses of ``survey`` in bulk and returns how many were created and updated.

    ``ratings`` is n x len(moments), satisfaction on 0-100, NaN = not experienced; columns follow ``moments``,
    which are aligned to the survey's ordered ``moment_ids`` first. ``weight``: n survey weights (> 0), or None for
    unweighted responses (stored as NULL; a re-import without weights clears them).

    ``outcomes``: outcome name -> n values (0-10 for nps, 0/1 for binary, the number for numeric; NaN = missing),
    each name one of the wave's ``outcomes`` (``survey_outcomes_ensure`` adds them; names matched ignoring case and
    runs of whitespace). ``outcome``: shorthand for the wave's first outcome (a wave without outcomes gets one
    named ``NPS`` of type nps). Outcomes of the wave given by neither are stored as missing.

    Atomic on its own (the staging table lives until commit, so it needs a transaction around it); inside the
    caller's transaction (an upload's one) it is a savepoint, and a failed upload still leaves nothing behind.

    ``new_rows``: the caller knows none of these respondents is stored yet (PostgreSQL then COPYs straight into
    the table; the unique key still refuses a duplicate, and the batch then falls back to the upsert).
    """
    n = len(respondent_id)
    if n == 0:
        return StoreCounts(0, 0)
    positions = survey_moments_align(survey=survey, moments=moments)
    survey.refresh_from_db(fields=["moment_ids", "outcomes"])
    width = len(survey.moment_ids)
    full_ratings = _aligned(np.asarray(ratings, dtype=np.float32), positions, width, np.nan)
    full_experienced = None
    if experienced is not None:
        # Unmapped moments: experienced means "has a rating".
        full_experienced = _aligned(np.asarray(experienced, dtype=bool), positions, width, False)
        full_experienced |= ~np.isnan(full_ratings) & ~_aligned(
            np.ones_like(experienced, dtype=bool), positions, width, False
        )
    frame = pd.DataFrame({"respondent_id": pd.Series(respondent_id, dtype="string").to_numpy()})
    frame["submitted_at"] = pd.to_datetime(pd.Series(submitted_at), utc=True) if submitted_at is not None else pd.NaT
    full_outcomes = _outcomes_aligned(survey, n, outcome, outcomes)
    frame["weight"] = np.nan if weight is None else np.asarray(weight, dtype=np.float64)
    if segments is None:
        segments = pd.DataFrame(index=range(n))
    segments = segments.reset_index(drop=True).astype("string")
    if connection.vendor == "postgresql":
        return _store_postgresql(survey, frame, segments, full_ratings, full_experienced, full_outcomes, new_rows)
    return _store_generic(survey, frame, segments, full_ratings, full_experienced, full_outcomes)


def _outcomes_aligned(
    survey: Survey, n: int, outcome: np.ndarray | None, outcomes: Mapping[str, np.ndarray] | None
) -> np.ndarray:
    """The n x len(survey.outcomes) outcome matrix (NaN = missing) in the wave's outcome order."""
    given: list[tuple[int, np.ndarray]] = []
    if outcome is not None:
        if not survey.outcomes:
            survey_outcomes_ensure(survey=survey, outcomes=[Outcome(name="NPS", type="nps")])
            survey.refresh_from_db(fields=["outcomes"])
        given.append((0, np.asarray(outcome, dtype=np.float64)))
    if outcomes:
        known = {o.key: i for i, o in enumerate(survey.outcome_list)}
        for name, values in outcomes.items():
            key = Outcome(name=name).key
            if key not in known:
                names = ", ".join(o.name for o in survey.outcome_list) or "none"
                raise ValueError(
                    f"The wave has no outcome named {name!r} (it has: {names}); add it with survey_outcomes_ensure."
                )
            given.append((known[key], np.asarray(values, dtype=np.float64)))
    matrix = np.full((n, len(survey.outcomes)), np.nan)
    for position, values in given:
        if values.shape != (n,):
            raise ValueError(f"An outcome has {values.shape} values for {n} responses.")
        matrix[:, position] = values
    return matrix


def _store_postgresql(
    survey: Survey,
    frame: pd.DataFrame,
    segments: pd.DataFrame,
    ratings: np.ndarray,
    experienced: np.ndarray | None,
    outcomes: np.ndarray,
    new_rows: bool,
) -> StoreCounts:
    """Binary COPY of rows already in the response table's shape (arrays and JSON built with numpy/pyarrow).

    ``new_rows`` (the caller knows none of these respondents is stored yet: first upload of a survey, ids unique in
    the file): COPY straight into the table, as the floor does. The unique key still guards it: should a row exist
    after all, the COPY fails inside a savepoint and the batch takes the upsert path. Otherwise COPY into a staging
    table of the same shape and one ``INSERT ... ON CONFLICT (survey_id, respondent_id) DO UPDATE``; updated rows
    are counted by one indexed join before it (no ``RETURNING`` of every row).
    """
    payload = responses_payload(
        survey.pk, frame, segments, ratings, experienced, frame["weight"].to_numpy(), outcomes=outcomes
    )
    table = Response._meta.db_table
    columns = "survey_id, respondent_id, submitted_at, segments, ratings, experienced, weight, outcomes"
    n = len(frame)
    if new_rows:
        import psycopg2  # only on PostgreSQL; copy_expert's errors are not wrapped by Django

        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT binary)", io.BytesIO(payload))
            return StoreCounts(created=n, updated=0)
        except (IntegrityError, psycopg2.IntegrityError):
            logger.warning("survey %s: respondents already stored; storing this batch by upsert", survey.pk)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGING_TABLE}")
        # Same column types as the table (identifiers are constants, never user input).
        cursor.execute(
            f"CREATE TEMP TABLE {STAGING_TABLE} ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA"  # noqa: S608  # nosec B608 - identifiers are constants
        )
        cursor.copy_expert(f"COPY {STAGING_TABLE} FROM STDIN WITH (FORMAT binary)", io.BytesIO(payload))
        cursor.execute(
            f"SELECT count(*) FROM {STAGING_TABLE} s JOIN {table} r "  # noqa: S608  # nosec B608 - identifiers are constants
            "ON r.survey_id = %s AND r.respondent_id = s.respondent_id",
            [survey.pk],
        )
        updated = int(cursor.fetchone()[0])
        # Identifiers are constants; the statement has no parameters.
        upsert = (
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {STAGING_TABLE} "  # noqa: S608  # nosec B608
            "ON CONFLICT (survey_id, respondent_id) DO UPDATE SET submitted_at = EXCLUDED.submitted_at, "
            "outcomes = EXCLUDED.outcomes, segments = EXCLUDED.segments, ratings = EXCLUDED.ratings, "
            "experienced = EXCLUDED.experienced, weight = EXCLUDED.weight"
        )
        cursor.execute(upsert)
        stored = cursor.rowcount
        cursor.execute(f"DROP TABLE {STAGING_TABLE}")
    return StoreCounts(created=stored - updated, updated=updated)


def _store_generic(
    survey: Survey,
    frame: pd.DataFrame,
    segments: pd.DataFrame,
    ratings: np.ndarray,
    experienced: np.ndarray | None,
    outcomes: np.ndarray,
) -> StoreCounts:
    existing = set(
        Response.objects.filter(survey=survey, respondent_id__in=frame["respondent_id"].tolist()).values_list(
            "respondent_id", flat=True
        )
    )
    submitted = frame["submitted_at"].astype(object).where(frame["submitted_at"].notna(), None)
    rows = [
        Response(
            survey=survey,
            respondent_id=rid,
            submitted_at=None if ts is None else ts.to_pydatetime(),
            outcomes=[None if np.isnan(v) else float(v) for v in out],
            segments={k: v for k, v in seg.items() if v is not None},
            ratings=[None if np.isnan(v) else float(v) for v in r],
            experienced=None if experienced is None else [bool(v) for v in experienced[i]],
            weight=None if np.isnan(w) else float(w),
        )
        for i, (rid, ts, out, w, seg, r) in enumerate(
            zip(
                frame["respondent_id"],
                submitted,
                outcomes,
                frame["weight"],
                segments.astype(object).where(segments.notna(), None).to_dict(orient="records"),
                ratings,
                strict=True,
            )
        )
    ]
    Response.objects.bulk_create(
        rows,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["survey", "respondent_id"],
        update_fields=["submitted_at", "outcomes", "segments", "ratings", "experienced", "weight"],
    )
    return StoreCounts(created=len(rows) - len(existing), updated=len(existing))
