"""Writes of surveys and responses.

Responses are stored in bulk only: on PostgreSQL by COPY into a temporary staging table and one
``INSERT ... ON CONFLICT (survey_id, respondent_id) DO UPDATE`` (DESIGN section 4), so a re-uploaded file or a file
that repeats respondents updates them and never duplicates. SQLite (the embedded demo mode) takes a simpler
``bulk_create(update_conflicts=True)`` path.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from django.db import connection, transaction

from moments.models import Moment

from .models import Response, Survey

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
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
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


def responses_store(
    *,
    survey: Survey,
    moments: Sequence[Moment],
    respondent_id: np.ndarray,
    outcome: np.ndarray,
    ratings: np.ndarray,
    submitted_at: np.ndarray | None = None,
    experienced: np.ndarray | None = None,
    segments: pd.DataFrame | None = None,
) -> StoreCounts:
    """Upserts one batch of responses of ``survey`` in bulk and returns how many were created and updated.

    ``ratings`` is n x len(moments), satisfaction on 0-100, NaN = not experienced; columns follow ``moments``,
    which are aligned to the survey's ordered ``moment_ids`` first. Must run inside the caller's transaction
    (one per upload) so a failed upload leaves nothing behind.
    """
    n = len(respondent_id)
    if n == 0:
        return StoreCounts(0, 0)
    positions = survey_moments_align(survey=survey, moments=moments)
    survey.refresh_from_db(fields=["moment_ids"])
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
    frame["outcome"] = np.asarray(outcome, dtype=np.float64)
    if segments is None:
        segments = pd.DataFrame(index=range(n))
    segments = segments.reset_index(drop=True).astype("string")
    if connection.vendor == "postgresql":
        return _store_postgresql(survey, frame, segments, full_ratings, full_experienced)
    return _store_generic(survey, frame, segments, full_ratings, full_experienced)


def _store_postgresql(
    survey: Survey,
    frame: pd.DataFrame,
    segments: pd.DataFrame,
    ratings: np.ndarray,
    experienced: np.ndarray | None,
) -> StoreCounts:
    """COPY a wide staging table (one real column per moment), then build the arrays and upsert in SQL.

    Wide columns let pyarrow write the COPY buffer (DESIGN section 8: 3.3 s for 1M x 25 where
    ``DataFrame.to_csv`` takes 26 s) and leave array and JSON construction to PostgreSQL.
    """
    k = ratings.shape[1]
    columns: dict[str, pa.Array] = {
        "respondent_id": pa.array(frame["respondent_id"].to_numpy(dtype=object), type=pa.string()),
        "submitted_at": pa.array(frame["submitted_at"], type=pa.timestamp("us", tz="UTC")),
        "outcome": pa.array(frame["outcome"].to_numpy(), type=pa.float64(), from_pandas=True),
    }
    for j in range(k):
        columns[f"r{j}"] = pa.array(ratings[:, j], type=pa.float32(), from_pandas=True)
    if experienced is not None:
        for j in range(k):
            columns[f"e{j}"] = pa.array(experienced[:, j], type=pa.bool_())
    for j, name in enumerate(segments.columns):
        columns[f"s{j}"] = pa.array(segments[name].to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    buffer = io.BytesIO()
    pa_csv.write_csv(
        pa.table(columns),
        buffer,
        write_options=pa_csv.WriteOptions(include_header=False, quoting_style="needed"),
    )
    buffer.seek(0)

    staging_columns = ["respondent_id text", "submitted_at timestamptz", "outcome double precision"]
    staging_columns += [f"r{j} real" for j in range(k)]
    if experienced is not None:
        staging_columns += [f"e{j} boolean" for j in range(k)]
    staging_columns += [f"s{j} text" for j in range(len(segments.columns))]
    ratings_sql = "ARRAY[" + ",".join(f"r{j}" for j in range(k)) + "]::real[]" if k else "'{}'::real[]"
    experienced_sql = (
        "ARRAY[" + ",".join(f"e{j}" for j in range(k)) + "]::boolean[]" if experienced is not None and k else "NULL"
    )
    segment_pairs = []
    segment_params: list[str] = []
    for j, name in enumerate(segments.columns):
        segment_pairs.append(f"%s::text, s{j}")
        segment_params.append(str(name))
    segments_sql = f"jsonb_strip_nulls(jsonb_build_object({', '.join(segment_pairs)}))" if segment_pairs else "'{}'"
    table = Response._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGING_TABLE}")
        # Identifiers are generated here from integers, never from user input.
        cursor.execute(f"CREATE TEMP TABLE {STAGING_TABLE} ({', '.join(staging_columns)}) ON COMMIT DROP")
        cursor.copy_expert(f"COPY {STAGING_TABLE} FROM STDIN WITH (FORMAT csv)", buffer)
        # xmax = 0 tells a freshly inserted row from one the ON CONFLICT clause updated.
        cursor.execute(
            f"""
            INSERT INTO {table} (survey_id, respondent_id, submitted_at, outcome, segments, ratings, experienced)
            SELECT %s, respondent_id, submitted_at, outcome, {segments_sql}, {ratings_sql}, {experienced_sql}
            FROM {STAGING_TABLE}
            ON CONFLICT (survey_id, respondent_id) DO UPDATE SET
                submitted_at = EXCLUDED.submitted_at, outcome = EXCLUDED.outcome, segments = EXCLUDED.segments,
                ratings = EXCLUDED.ratings, experienced = EXCLUDED.experienced
            RETURNING (xmax = 0)
            """,  # noqa: S608 - identifiers generated above, values passed as parameters
            [survey.pk, *segment_params],
        )
        inserted = np.fromiter((row[0] for row in cursor.fetchall()), dtype=bool)
        cursor.execute(f"DROP TABLE {STAGING_TABLE}")
    created = int(inserted.sum())
    return StoreCounts(created=created, updated=len(inserted) - created)


def _store_generic(
    survey: Survey,
    frame: pd.DataFrame,
    segments: pd.DataFrame,
    ratings: np.ndarray,
    experienced: np.ndarray | None,
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
            outcome=None if np.isnan(out) else float(out),
            segments={k: v for k, v in seg.items() if v is not None},
            ratings=[None if np.isnan(v) else float(v) for v in r],
            experienced=None if experienced is None else [bool(v) for v in experienced[i]],
        )
        for i, (rid, ts, out, seg, r) in enumerate(
            zip(
                frame["respondent_id"],
                submitted,
                frame["outcome"],
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
        update_fields=["submitted_at", "outcome", "segments", "ratings", "experienced"],
    )
    return StoreCounts(created=len(rows) - len(existing), updated=len(existing))


@transaction.atomic
def survey_data_changed(*, survey: Survey) -> None:
    """Bumps the survey's data version so cached analysis runs of it are no longer reused."""
    from django.db.models import F

    Survey.objects.filter(pk=survey.pk).update(data_version=F("data_version") + 1)
