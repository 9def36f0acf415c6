"""Reads of journeys, moments, ratings and analysis results; user-facing reads are scoped to the user's organisations.

Ratings leave the database as a whole respondents x moments matrix (``journey_ratings_frame``), never as ORM
objects (DESIGN sections 3 and 8).
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from journeys.models import Journey, Moment
from journeys.selectors import journeys_for_user
from surveys.pgcopy import ratings_rows_decode, text_array_matrix

from .models import AnalysisRun, MomentResult, RunStatus


def journeys_overview(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Journey]:
    """Journeys annotated with their number of moments, waves and respondents (three subqueries, one query)."""
    from surveys.models import Response, Survey

    moments = Moment.objects.filter(journey=OuterRef("pk")).values("journey").annotate(c=Count("id")).values("c")
    waves = Survey.objects.filter(journey=OuterRef("pk")).values("journey").annotate(c=Count("id")).values("c")
    respondents = (
        Response.objects.filter(survey__journey=OuterRef("pk"))
        .values("survey__journey")
        .annotate(c=Count("id"))
        .values("c")
    )
    return journeys_for_user(user).annotate(
        moment_count=Coalesce(Subquery(moments), 0),
        wave_count=Coalesce(Subquery(waves), 0),
        respondent_count=Coalesce(Subquery(respondents), 0),
    )


# ------------------------------------------------------------------------------------------------ ratings frame
@dataclass
class RatingsFrame:
    """A journey's respondents x moments matrix over the chosen waves (one row per response).

    respondent_id: n str (None unless loaded ``with_ids``); survey_id: n int64; outcome: n float64 (likelihood to
    recommend 0-10 for nps, 0/1 for binary, the number for numeric; NaN = missing); ratings: n x k float64,
    satisfaction on 0-100, NaN = not experienced / not rated; experienced: n x k bool (explicit flags where mapped,
    else "has a rating"); moments: the journey's k moments in position order (the columns); segments: n rows, one
    str column per segment key (<NA> where a respondent has no value; no columns unless loaded ``with_ids``);
    outcome_type and scale (min, max) of the waves (the first wave's scale when they differ; ``scales`` maps survey
    id -> scale for going back to the original scale).
    """

    respondent_id: np.ndarray | None
    survey_id: np.ndarray
    outcome: np.ndarray
    ratings: np.ndarray
    experienced: np.ndarray
    moments: list[Moment]
    segments: pd.DataFrame
    outcome_type: str
    scale: tuple[float, float]
    scales: dict[int, tuple[float, float]] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.outcome)


def journey_surveys(*, journey: Journey, survey_ids: Sequence[int] | None = None) -> list:
    """The journey's waves (all when ``survey_ids`` is None), in period order; ids of other journeys are ignored."""
    from surveys.models import Survey

    surveys = Survey.objects.filter(journey=journey)
    if survey_ids is not None:
        surveys = surveys.filter(pk__in=list(survey_ids))
    return list(surveys.order_by("period_start", "created_at", "pk"))


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


def journey_ratings_frame(
    *,
    journey: Journey,
    survey_ids: Sequence[int] | None = None,
    segment_filter: Mapping[str, Sequence[str]] | None = None,
    with_ids: bool = False,
) -> RatingsFrame:
    """Loads the ratings of ``journey`` (chosen waves, optional segment filter) into one matrix.

    Each wave's arrays are aligned to its own ``moment_ids``; here every wave is mapped onto the journey's moments
    in position order (a moment a wave never asked about is NaN / not experienced there). ``segment_filter`` is
    ``{segment key: [accepted values]}``, all keys must match (AND), values of one key are alternatives (OR).
    ``with_ids=False`` (the analysis) leaves out respondent ids and segment values, which the engine does not use:
    on W1 their text COPY was a third of the load (bench/FINDINGS.md section 3).

    On PostgreSQL one ``COPY (SELECT ... ratings[1], ratings[2], ...) TO STDOUT`` streams the matrix as CSV into
    pyarrow (DESIGN section 8: never ``read_sql`` or ORM objects for a million rows); the filter runs in SQL. On
    SQLite (the embedded demo) a ``values_list`` fallback does the same.
    """
    surveys = journey_surveys(journey=journey, survey_ids=survey_ids)
    moments = list(journey.moments.order_by("position", "name", "pk"))
    segment_filter = _clean_segment_filter(segment_filter)
    outcome_types = {s.outcome_type for s in surveys}
    if len(outcome_types) > 1:
        raise ValueError(
            "The chosen waves have different outcome types (" + ", ".join(sorted(outcome_types)) + "); "
            "analyse them separately."
        )
    outcome_type = outcome_types.pop() if outcome_types else "nps"
    scales = {s.pk: (float(s.scale_min), float(s.scale_max)) for s in surveys}
    scale = scales[surveys[0].pk] if surveys else (1.0, 10.0)
    if not surveys:
        columns = _empty_columns(len(moments), with_ids=with_ids)
    elif connection.vendor == "postgresql":
        columns = _ratings_postgresql(surveys, moments, segment_filter, with_ids=with_ids)
    else:
        columns = _ratings_generic(surveys, moments, segment_filter, with_ids=with_ids)
    return RatingsFrame(moments=moments, outcome_type=outcome_type, scale=scale, scales=scales, **columns)


def _empty_columns(k: int, *, with_ids: bool = True) -> dict:
    return {
        "respondent_id": np.array([], dtype=object) if with_ids else None,
        "survey_id": np.array([], dtype=np.int64),
        "outcome": np.array([], dtype=np.float64),
        "ratings": np.empty((0, k), dtype=np.float64),
        "experienced": np.empty((0, k), dtype=bool),
        "segments": pd.DataFrame(index=pd.RangeIndex(0)),
    }


def _segment_keys(surveys: list) -> list[str]:
    """Segment keys present in the waves, from the cached ``segment_values`` scan."""
    keys: set[str] = set()
    for survey in surveys:
        keys.update(_survey_segment_values(survey))
    return sorted(keys)


def _filter_sql(segment_filter: dict[str, list[str]]) -> tuple[str, list]:
    sql, params = "", []
    for key, values in segment_filter.items():
        sql += " AND (segments ->> %s) = ANY(%s)"
        params += [key, values]
    return sql, params


def _ratings_postgresql(
    surveys: list, moments: list[Moment], segment_filter: dict[str, list[str]], *, with_ids: bool
) -> dict:
    """One or two COPYs of every chosen wave, each parsed without a Python loop over respondents.

    1. The numbers, in PostgreSQL's binary COPY format: id, survey id, outcome and the ratings array with NULL
       elements replaced by NaN (and padded to the widest wave when the waves differ in width), so every row has
       the same byte layout and ``numpy.frombuffer`` reads the whole stream as one structured array. Binary avoids
       PostgreSQL formatting 25 million floats as text, which dominated the text COPY (measured: 2x faster).
    2. Only when needed (``with_ids``, or explicit experienced flags in a wave): the text (id, respondent id, one
       column per segment key, the flags) as CSV into pyarrow.
    Both are aligned on the response id. Each wave's columns are then mapped from its ``moment_ids`` to the
    journey's moments.
    """
    from surveys.models import Response

    k = len(moments)
    keys = _segment_keys(surveys) if with_ids else []
    table = Response._meta.db_table
    filter_sql, filter_params = _filter_sql(segment_filter)
    survey_pks = [s.pk for s in surveys]
    widths = {len(s.moment_ids) for s in surveys}
    width = max(widths)
    where = f"FROM {table} WHERE survey_id = ANY(%s){filter_sql}"
    with connection.cursor() as cursor:
        cursor.execute(
            # The table name is the model's own; values are parameters.
            f"SELECT DISTINCT survey_id FROM {table} WHERE survey_id = ANY(%s) AND experienced IS NOT NULL",  # noqa: S608  # nosec B608
            [survey_pks],
        )
        flagged = {row[0] for row in cursor.fetchall()}
        if not width:
            padded = "'{}'::real[]"
        elif len(widths) == 1:
            # Arrays shorter than the wave (an import before a moment was added) still need padding: only those.
            padded = (
                f"array_replace(CASE WHEN cardinality(ratings) = {width} THEN ratings "
                f"ELSE ratings || array_fill(NULL::real, ARRAY[{width} - cardinality(ratings)]) END, NULL, 'NaN')"
            )
        else:
            padded = (
                f"array_replace(ratings || array_fill(NULL::real, ARRAY[{width} - cardinality(ratings)]), NULL, 'NaN')"
            )
        numbers = cursor.mogrify(
            f"SELECT id::int8, survey_id::int8, COALESCE(outcome, 'NaN')::float8, {padded} {where}",
            [survey_pks, *filter_params],
        ).decode()
        binary = io.BytesIO()
        cursor.copy_expert(f"COPY ({numbers}) TO STDOUT WITH (FORMAT binary)", binary)
        text = None
        if with_ids or flagged:
            # Segment keys are parameters; nothing from users is spliced into the SQL.
            text_cols = ["id", "respondent_id", *["segments ->> %s" for _ in keys]] if with_ids else ["id"]
            if flagged:
                text_cols.append("array_to_string(experienced, ',', '')")
            texts = cursor.mogrify(
                f"SELECT {', '.join(text_cols)} {where}", [*keys, survey_pks, *filter_params]
            ).decode()
            text = io.BytesIO()
            cursor.copy_expert(f"COPY ({texts}) TO STDOUT WITH (FORMAT csv)", text)

    rows = ratings_rows_decode(binary.getbuffer(), width)
    n = len(rows)
    ids = rows["id"].astype(np.int64)
    # A sequential scan returns a freshly imported wave in id order: then the gather by ``order`` is skipped.
    order = None if n < 2 or (ids[1:] > ids[:-1]).all() else np.argsort(ids, kind="stable")
    if order is not None:
        ids = ids[order]
    survey_id = rows["survey_id"].astype(np.int64) if order is None else rows["survey_id"][order].astype(np.int64)
    outcome = rows["outcome"].astype(np.float64) if order is None else rows["outcome"][order].astype(np.float64)
    # Big-endian float32 view of the elements; converted once, when copied into the journey's matrix below.
    stored = rows["elements"]["value"] if width else np.empty((n, 0), np.float32)
    if order is not None:
        stored = stored[order]

    if n == 0:
        return _empty_columns(k, with_ids=with_ids) | {
            "segments": pd.DataFrame({key: pd.Series([], dtype="string") for key in keys})
        }
    parsed = None
    if text is not None:
        text.seek(0)
        names = ["id", "respondent_id", *[f"s{i}" for i in range(len(keys))]] if with_ids else ["id"]
        types = {name: pa.string() for name in names} | {"id": pa.int64()}
        if flagged:
            names.append("experienced")
            types["experienced"] = pa.string()
        parsed = pa_csv.read_csv(
            text,
            read_options=pa_csv.ReadOptions(column_names=names),
            convert_options=pa_csv.ConvertOptions(
                column_types=types,
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,  # COPY writes NULL bare and an empty string as ""
            ),
        )
        parsed = parsed.take(pc.sort_indices(parsed.column("id")))
        text_ids = parsed.column("id").to_numpy()
        if not np.array_equal(text_ids, ids):
            # An import committed between the two COPYs: keep the respondents both saw.
            common, in_numbers, in_text = np.intersect1d(ids, text_ids, assume_unique=True, return_indices=True)
            ids, survey_id, outcome, stored = common, survey_id[in_numbers], outcome[in_numbers], stored[in_numbers]
            parsed = parsed.take(pa.array(in_text))
            n = len(ids)

    stored_flags = text_array_matrix(parsed.column("experienced"), pa.bool_()) if flagged else None
    flag_present = (
        pc.list_value_length(pc.split_pattern(parsed.column("experienced"), ","))
        .fill_null(0)
        .to_numpy(zero_copy_only=False)
        if flagged
        else None
    )
    if len(surveys) == 1 and not flagged and width == k and surveys[0].moment_ids == [m.pk for m in moments]:
        # One wave asking exactly the journey's moments in their order (W1): one conversion, no scatter.
        ratings = stored.astype(np.float64)
        experienced = ~np.isnan(ratings)
        surveys = []
    else:
        ratings = np.full((n, k), np.nan)
        experienced = np.zeros((n, k), dtype=bool)
    for survey in surveys:
        rows_of = np.flatnonzero(survey_id == survey.pk)
        pairs = [(j, survey.moment_ids.index(m.pk)) for j, m in enumerate(moments) if m.pk in survey.moment_ids]
        if rows_of.size == 0 or not pairs:
            continue
        target, source = (np.array(x) for x in zip(*pairs, strict=True))
        everyone = rows_of.size == n  # one wave: column copies instead of 2-D fancy indexes (4x faster)
        if everyone:
            for t, s in zip(target.tolist(), source.tolist(), strict=True):
                ratings[:, t] = stored[:, s]
            block = ratings[:, target]
        else:
            block = stored[np.ix_(rows_of, source)].astype(np.float64)
            ratings[np.ix_(rows_of, target)] = block
        has = ~np.isnan(block)
        if survey.pk in flagged:
            source_flags = np.minimum(source, stored_flags.shape[1] - 1)
            flags = stored_flags[np.ix_(rows_of, source_flags)]
            # NULL flag arrays (rows imported without flag columns) and short ones read as "has a rating".
            explicit = flag_present[rows_of][:, None] > source[None, :]
            has = np.where(explicit, flags, has)
        if everyone:
            experienced[:, target] = has
        else:
            experienced[np.ix_(rows_of, target)] = has
    segments = pd.DataFrame(
        {key: parsed.column(f"s{i}").to_pandas().astype("string") for i, key in enumerate(keys)},
        index=pd.RangeIndex(n),
    )
    return {
        "respondent_id": parsed.column("respondent_id").to_numpy(zero_copy_only=False) if with_ids else None,
        "survey_id": survey_id,
        "outcome": outcome,
        "ratings": ratings,
        "experienced": experienced,
        "segments": segments,
    }


def _ratings_generic(
    surveys: list, moments: list[Moment], segment_filter: dict[str, list[str]], *, with_ids: bool
) -> dict:
    """The SQLite path: ``values_list`` per wave (demo sizes), the same alignment and filter as on PostgreSQL."""
    from surveys.models import Response

    k = len(moments)
    parts = []
    for survey in surveys:
        rows = list(
            Response.objects.filter(survey=survey)
            .order_by("pk")
            .values_list("respondent_id", "outcome", "segments", "ratings", "experienced")
        )
        keep = [all((row[2] or {}).get(key) in values for key, values in segment_filter.items()) for row in rows]
        rows = [row for row, ok in zip(rows, keep, strict=True) if ok]
        width = len(survey.moment_ids)
        stored = np.full((len(rows), width), np.nan)
        flags = np.zeros((len(rows), width), dtype=bool)
        for i, row in enumerate(rows):
            values = [np.nan if v is None else v for v in (row[3] or [])][:width]
            stored[i, : len(values)] = values
            has = ~np.isnan(stored[i])
            if row[4] is not None:
                explicit = [bool(v) for v in row[4]][:width]
                has[: len(explicit)] = explicit
            flags[i] = has
        position = {moment_id: i for i, moment_id in enumerate(survey.moment_ids)}
        ratings = np.full((len(rows), k), np.nan)
        experienced = np.zeros((len(rows), k), dtype=bool)
        for j, moment in enumerate(moments):
            if moment.pk in position:
                ratings[:, j] = stored[:, position[moment.pk]]
                experienced[:, j] = flags[:, position[moment.pk]]
        parts.append(
            {
                "respondent_id": np.array([row[0] for row in rows], dtype=object),
                "survey_id": np.full(len(rows), survey.pk, dtype=np.int64),
                "outcome": np.array([np.nan if row[1] is None else row[1] for row in rows], dtype=np.float64),
                "ratings": ratings,
                "experienced": experienced,
                "segments": pd.DataFrame([row[2] or {} for row in rows], index=pd.RangeIndex(len(rows))),
            }
        )
    if not parts:
        return _empty_columns(k, with_ids=with_ids)
    segments = pd.concat([p["segments"] for p in parts], ignore_index=True)
    segments = segments.reindex(columns=sorted(segments.columns) if with_ids else []).astype("string")
    return {
        "respondent_id": np.concatenate([p["respondent_id"] for p in parts]) if with_ids else None,
        "survey_id": np.concatenate([p["survey_id"] for p in parts]),
        "outcome": np.concatenate([p["outcome"] for p in parts]),
        "ratings": np.vstack([p["ratings"] for p in parts]),
        "experienced": np.vstack([p["experienced"] for p in parts]),
        "segments": segments,
    }


# ------------------------------------------------------------------------------------------------ segments
def _survey_segment_values(survey) -> dict[str, list[str]]:
    """Distinct values per segment key of one wave, cached until the wave's next import (data_version)."""
    from surveys.models import Response

    cache_key = f"momentum:segments:{survey.pk}:{survey.data_version}"
    cached = cache.get(cache_key)
    if cached is not None:
        return cached
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
    result = {key: sorted(v) for key, v in sorted(values.items())}
    cache.set(cache_key, result, timeout=24 * 3600)
    return result


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


# ------------------------------------------------------------------------------------------------ analysis runs
def analysis_params_key(
    *,
    journey: Journey,
    survey_ids: Sequence[int] | None = None,
    segment_filter: Mapping[str, Sequence[str]] | None = None,
    method: str = "relative_weights",
    threshold_mode: str = "mean",
    fixed_satisfaction: float | None = None,
    fixed_impact: float | None = None,
    min_sample: int | None = None,
    bootstrap: int | None = None,
    seed: int = 0,
    surveys: Sequence | None = None,
    moment_ids: Sequence[int] | None = None,
) -> str:
    """sha256 of everything a run's numbers depend on: the journey, each chosen wave with its data version (a new
    import changes the key), the segment filter, method, thresholds, minimum sample, bootstrap size and seed.
    ``surveys``: the chosen waves when the caller has just loaded them (``journey_surveys``), ``moment_ids``: the
    journey's moments in position order (``journey_moment_rows``), each saving a query."""
    if surveys is None:
        surveys = journey_surveys(journey=journey, survey_ids=survey_ids)
    if threshold_mode != "fixed":
        fixed_satisfaction = fixed_impact = None
    payload = {
        "journey": journey.pk,
        "surveys": [[s.pk, s.data_version] for s in sorted(surveys, key=lambda s: s.pk)],
        "moments": list(journey.moments.order_by("position", "name", "pk").values_list("pk", flat=True))
        if moment_ids is None
        else list(moment_ids),
        "segment_filter": _clean_segment_filter(segment_filter),
        "method": method,
        "threshold_mode": threshold_mode,
        "fixed_satisfaction": None if fixed_satisfaction is None else float(fixed_satisfaction),
        "fixed_impact": None if fixed_impact is None else float(fixed_impact),
        "min_sample": settings.MOMENTUM_MIN_SAMPLE if min_sample is None else int(min_sample),
        "bootstrap": settings.MOMENTUM_BOOTSTRAP if bootstrap is None else int(bootstrap),
        "seed": int(seed),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def analysis_latest(
    *,
    journey: Journey,
    survey_ids: Sequence[int] | None = None,
    segment_filter: Mapping[str, Sequence[str]] | None = None,
    method: str = "relative_weights",
    threshold_mode: str = "mean",
    fixed_satisfaction: float | None = None,
    fixed_impact: float | None = None,
    current: bool = True,
    surveys: Sequence | None = None,
    moment_ids: Sequence[int] | None = None,
) -> AnalysisRun | None:
    """The newest finished (DONE) run of ``journey`` for these waves, filter and parameters, or None.

    ``current=True``: only a run of the waves' current data (same ``analysis_params_key``). ``current=False``:
    otherwise the newest DONE run with the same waves, filter, method and thresholds on older data, so a page can
    show the previous numbers while the new run computes. ``surveys`` and ``moment_ids``: see
    ``analysis_params_key``.
    """
    key = analysis_params_key(
        journey=journey,
        survey_ids=survey_ids,
        segment_filter=segment_filter,
        method=method,
        threshold_mode=threshold_mode,
        fixed_satisfaction=fixed_satisfaction,
        fixed_impact=fixed_impact,
        surveys=surveys,
        moment_ids=moment_ids,
    )
    done = AnalysisRun.objects.filter(journey=journey, status=RunStatus.DONE)
    run = done.filter(params_key=key).order_by("-finished_at", "-pk").first()
    if run is not None or current:
        return run
    wanted_surveys = sorted(s.pk for s in journey_surveys(journey=journey, survey_ids=survey_ids))
    wanted_filter = _clean_segment_filter(segment_filter)
    candidates = done.filter(method=method, threshold_mode=threshold_mode).order_by("-finished_at", "-pk")
    for candidate in candidates.prefetch_related("surveys")[:50]:
        if (
            sorted(s.pk for s in candidate.surveys.all()) == wanted_surveys
            and _clean_segment_filter(candidate.segment_filter) == wanted_filter
            and (
                threshold_mode != "fixed"
                or (candidate.fixed_satisfaction, candidate.fixed_impact) == (fixed_satisfaction, fixed_impact)
            )
        ):
            return candidate
    return None


def analysis_run_get(*, user: AbstractBaseUser | AnonymousUser, run_id: int) -> AnalysisRun | None:
    """A run of one of the user's organisations' journeys (None otherwise)."""
    return AnalysisRun.objects.filter(pk=run_id, journey__in=journeys_for_user(user)).select_related("journey").first()


def moment_results(*, run: AnalysisRun) -> QuerySet[MomentResult]:
    """The run's results in priority (rank) order, with their moments."""
    return MomentResult.objects.filter(run=run).select_related("moment").order_by("rank", "moment__position")


def _result_number(value):
    return np.nan if value is None else value


def priorities_frame(*, run: AnalysisRun) -> pd.DataFrame:
    """The prioritised moment list with exactly the export columns of DESIGN section 5 (``EXPORT_COLUMNS``).

    One row per moment in rank order. Satisfaction and its interval on 0-100; impact in the run's impact unit
    (``run.summary["impact_unit"]``); reach 0-1; occurrence effect in NPS points (percentage points for binary
    outcomes); stability 0-1; NaN where a number is not available; flags ``;``-joined.
    """
    from .exports import EXPORT_COLUMNS

    rows = [
        {
            "rank": r.rank,
            "moment": r.moment.name,
            "stage": r.moment.stage,
            "quadrant": r.quadrant,
            "action": r.action,
            "satisfaction": _result_number(r.satisfaction),
            "satisfaction_low": _result_number(r.satisfaction_low),
            "satisfaction_high": _result_number(r.satisfaction_high),
            "impact": _result_number(r.impact),
            "impact_low": _result_number(r.impact_low),
            "impact_high": _result_number(r.impact_high),
            "reach": _result_number(r.reach),
            "n": r.n,
            "occurrence_effect": _result_number(r.occurrence_effect),
            "occurrence_low": _result_number(r.occurrence_low),
            "occurrence_high": _result_number(r.occurrence_high),
            "stability": _result_number(r.stability),
            "flags": ";".join(r.flags),
        }
        for r in moment_results(run=run)
    ]
    frame = pd.DataFrame(rows, columns=list(EXPORT_COLUMNS))
    numeric = [c for c in EXPORT_COLUMNS if c not in ("moment", "stage", "quadrant", "action", "flags", "rank", "n")]
    frame[numeric] = frame[numeric].astype("float64")
    frame[["rank", "n"]] = frame[["rank", "n"]].astype("int64")
    for column in ("moment", "stage", "quadrant", "action", "flags"):
        frame[column] = frame[column].astype("str")
    return frame


def priorities_meta(*, run: AnalysisRun) -> dict:
    """What an export states beside the table: journey, waves, filter, method, thresholds, n, outcome with interval."""
    summary = run.summary or {}
    return {
        "journey": run.journey.name,
        "run_id": run.pk,
        "surveys": [s.name for s in run.surveys.order_by("period_start", "created_at", "pk")],
        "segment_filter": run.segment_filter or {},
        "method": summary.get("method", run.method),
        "method_note": summary.get("method_note", ""),
        "impact_unit": summary.get("impact_unit", ""),
        "threshold_mode": run.threshold_mode,
        "threshold_satisfaction": summary.get("threshold_satisfaction"),
        "threshold_impact": summary.get("threshold_impact"),
        "min_sample": run.min_sample,
        "bootstrap": summary.get("bootstrap", run.bootstrap),
        "n": summary.get("n"),
        "outcome_type": summary.get("outcome_type", "nps"),
        "outcome": summary.get("outcome"),
        "outcome_low": summary.get("outcome_low"),
        "outcome_high": summary.get("outcome_high"),
        "computed_at": run.finished_at.isoformat() if run.finished_at else None,
        "generated_at": timezone.now().isoformat(timespec="seconds"),
    }


def survey_ids_by_name(*, journey: Journey, names: Sequence[str]) -> list[int]:
    """Ids of the journey's waves called ``names`` (in that order); ``LookupError`` naming the unknown ones."""
    from surveys.models import Survey

    by_name = dict(Survey.objects.filter(journey=journey, name__in=list(names)).values_list("name", "pk"))
    missing = [name for name in names if name not in by_name]
    if missing:
        known = ", ".join(Survey.objects.filter(journey=journey).values_list("name", flat=True)) or "none"
        raise LookupError(f"No wave {', '.join(map(repr, missing))} in journey {journey.slug!r} (waves: {known}).")
    return [by_name[name] for name in names]


# ------------------------------------------------------------------------------------------------ moment detail
def _outcome_stats(y: np.ndarray, outcome_type: str) -> dict:
    """n, outcome and its 95% interval: NPS (adjusted Wald, Rocks 2016), rate in % or mean (``outcome_summary``)."""
    from .analysis.nps import outcome_summary

    y = y[np.isfinite(y)]
    stats = outcome_summary(y, outcome_type)
    return {
        "n": int(y.size),
        "outcome": _plain(stats["outcome"]),
        "outcome_low": _plain(stats["outcome_low"]),
        "outcome_high": _plain(stats["outcome_high"]),
    }


def _plain(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if np.isfinite(value) else None


def _mean_interval(values: np.ndarray) -> tuple[float | None, float | None, float | None]:
    from .analysis.nps import mean_interval

    values = values[np.isfinite(values)]
    if values.size == 0:
        return None, None, None
    mean, low, high = mean_interval(values.sum(), ((values - values.mean()) ** 2).sum(), values.size)
    return _plain(mean), _plain(low), _plain(high)


def moment_detail_data(
    *,
    journey: Journey,
    moment: Moment,
    survey_ids: Sequence[int] | None = None,
    segment_filter: Mapping[str, Sequence[str]] | None = None,
) -> dict:
    """Everything the moment detail page charts, as plain numbers (DESIGN section 6). Keys:

    - ``moment``: {id, name, slug, stage, is_brand_moment}; ``outcome_type``; ``scale`` [min, max] of the histogram
      levels (the waves' scale; 0-100 when the chosen waves differ);
    - ``summary``: {respondents, experienced, reach (0-1), satisfaction (0-100) with satisfaction_low/high (Student-t
      95%)};
    - ``distribution``: DataFrame level (on the original scale), count, share (0-1 of the experiencers);
    - ``outcome_by_level``: DataFrame level, n, outcome, outcome_low, outcome_high (NPS points with the adjusted-Wald
      interval for nps; % for binary; mean for numeric) of the experiencers who gave that rating;
    - ``occurrence``: {experienced: {n, outcome, outcome_low, outcome_high}, not_experienced: {...}, effect,
      effect_low, effect_high, pain_point, min_sample} (effect None unless both groups reach the minimum sample);
    - ``trend``: DataFrame per wave (period order): survey_id, survey, period_start, n, reach, satisfaction,
      satisfaction_low, satisfaction_high, impact, impact_low, impact_high, quadrant, run_id; impact and quadrant
      come from that wave's latest current default run (None when it has not been computed);
    - ``segments``: DataFrame segment, value, respondents, experienced, reach, satisfaction, satisfaction_low,
      satisfaction_high, outcome (of that segment's experiencers); groups below the minimum sample keep their
      counts but no satisfaction.
    """
    from .analysis.nps import occurrence_effect

    frame = journey_ratings_frame(journey=journey, survey_ids=survey_ids, segment_filter=segment_filter, with_ids=True)
    index = next((j for j, m in enumerate(frame.moments) if m.pk == moment.pk), None)
    if index is None:
        raise ValueError(f"{moment} is not a moment of {journey}.")
    min_n = settings.MOMENTUM_MIN_SAMPLE
    has_outcome = np.isfinite(frame.outcome)
    y = frame.outcome[has_outcome]
    ratings = frame.ratings[has_outcome, index]
    experienced = frame.experienced[has_outcome, index]
    rated = experienced & np.isfinite(ratings)
    survey_of = frame.survey_id[has_outcome]
    segments = frame.segments.loc[has_outcome].reset_index(drop=True)

    # Back to the original scale, wave by wave (waves may use different scales).
    scales = {frame.scales[s] for s in np.unique(survey_of)} if len(survey_of) else {frame.scale}
    if len(scales) == 1:
        low, high = scales.pop()
        levels = np.full(ratings.shape, np.nan)
        levels[rated] = np.rint(low + ratings[rated] / 100.0 * (high - low))
        all_levels = np.arange(low, high + 1) if float(high - low).is_integer() and high - low <= 20 else None
        scale = [low, high]
    else:  # mixed scales: bins of 10 on 0-100
        levels = np.full(ratings.shape, np.nan)
        levels[rated] = np.minimum(np.floor(ratings[rated] / 10.0) * 10.0, 90.0)
        all_levels = np.arange(0.0, 100.0, 10.0)
        scale = [0.0, 100.0]
    observed = levels[rated]
    if all_levels is None:
        all_levels = np.unique(observed)
    counts = np.array([(observed == level).sum() for level in all_levels], dtype=np.int64)
    distribution = pd.DataFrame(
        {
            "level": all_levels.astype(float),
            "count": counts,
            "share": counts / counts.sum() if counts.sum() else np.zeros(len(counts)),
        }
    )
    by_level = []
    for level in all_levels:
        stats = _outcome_stats(y[rated & (levels == level)], frame.outcome_type)
        by_level.append({"level": float(level)} | stats)
    outcome_by_level = pd.DataFrame(by_level, columns=["level", "n", "outcome", "outcome_low", "outcome_high"])

    effect, effect_low, effect_high = (
        _plain(v[0]) for v in occurrence_effect(y, experienced[:, None], frame.outcome_type, min_n)
    )
    occurrence = {
        "experienced": _outcome_stats(y[experienced], frame.outcome_type),
        "not_experienced": _outcome_stats(y[~experienced], frame.outcome_type),
        "effect": effect,
        "effect_low": effect_low,
        "effect_high": effect_high,
        "pain_point": effect_high is not None and effect_high < 0,
        "min_sample": min_n,
    }

    trend_rows = []
    for survey in journey_surveys(journey=journey, survey_ids=survey_ids):
        mask = survey_of == survey.pk
        in_wave = rated & mask
        sat, sat_low, sat_high = _mean_interval(ratings[in_wave]) if in_wave.sum() >= min_n else (None,) * 3
        run = analysis_latest(journey=journey, survey_ids=[survey.pk], segment_filter=segment_filter)
        result = MomentResult.objects.filter(run=run, moment=moment).first() if run is not None else None
        trend_rows.append(
            {
                "survey_id": survey.pk,
                "survey": survey.name,
                "period_start": survey.period_start,
                "n": int(in_wave.sum()),
                "reach": _plain(experienced[mask].mean()) if mask.any() else None,
                "satisfaction": sat,
                "satisfaction_low": sat_low,
                "satisfaction_high": sat_high,
                "impact": result.impact if result else None,
                "impact_low": result.impact_low if result else None,
                "impact_high": result.impact_high if result else None,
                "quadrant": result.quadrant if result else None,
                "run_id": run.pk if run else None,
            }
        )
    trend = pd.DataFrame(
        trend_rows,
        columns=[
            "survey_id",
            "survey",
            "period_start",
            "n",
            "reach",
            "satisfaction",
            "satisfaction_low",
            "satisfaction_high",
            "impact",
            "impact_low",
            "impact_high",
            "quadrant",
            "run_id",
        ],
    )

    segment_rows = []
    for key in segments.columns:
        values = segments[key]
        for value in sorted(values.dropna().unique()):
            in_group = (values == value).fillna(False).to_numpy(dtype=bool)
            group_rated = rated & in_group
            enough = group_rated.sum() >= min_n
            sat, sat_low, sat_high = _mean_interval(ratings[group_rated]) if enough else (None,) * 3
            segment_rows.append(
                {
                    "segment": key,
                    "value": str(value),
                    "respondents": int(in_group.sum()),
                    "experienced": int((experienced & in_group).sum()),
                    "reach": _plain(experienced[in_group].mean()) if in_group.any() else None,
                    "satisfaction": sat,
                    "satisfaction_low": sat_low,
                    "satisfaction_high": sat_high,
                    "outcome": _outcome_stats(y[experienced & in_group], frame.outcome_type)["outcome"]
                    if (experienced & in_group).sum() >= min_n
                    else None,
                }
            )
    segment_frame = pd.DataFrame(
        segment_rows,
        columns=[
            "segment",
            "value",
            "respondents",
            "experienced",
            "reach",
            "satisfaction",
            "satisfaction_low",
            "satisfaction_high",
            "outcome",
        ],
    )
    sat, sat_low, sat_high = _mean_interval(ratings[rated])
    return {
        "moment": {
            "id": moment.pk,
            "name": moment.name,
            "slug": moment.slug,
            "stage": moment.stage,
            "is_brand_moment": moment.is_brand_moment,
        },
        "outcome_type": frame.outcome_type,
        "scale": scale,
        "summary": {
            "respondents": int(len(y)),
            "experienced": int(experienced.sum()),
            "reach": _plain(experienced.mean()) if len(y) else None,
            "satisfaction": sat,
            "satisfaction_low": sat_low,
            "satisfaction_high": sat_high,
        },
        "distribution": distribution,
        "outcome_by_level": outcome_by_level,
        "occurrence": occurrence,
        "trend": trend,
        "segments": segment_frame,
    }
