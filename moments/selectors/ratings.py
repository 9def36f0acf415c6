"""A journey's ratings as one respondents x moments matrix (``journey_ratings_frame``), never as ORM objects
(DESIGN sections 3 and 8): PostgreSQL binary COPY on PostgreSQL, ``values_list`` on SQLite.

The COPY layout itself (header checks, the row dtype, the text-array parser) lives in the pure ``surveys.pgcopy``.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from django.db import connection

from journeys.models import Journey, Moment
from surveys.outcomes import Outcome, outcome_find, outcome_key
from surveys.pgcopy import ratings_rows_decode, text_array_matrix
from surveys.selectors import journey_outcomes

from .waves import _clean_segment_filter, _survey_segment_values, journey_surveys


@dataclass
class RatingsFrame:
    """A journey's respondents x moments matrix over the chosen waves (one row per response).

    respondent_id: n str (None unless loaded ``with_ids``); survey_id: n int64; outcome: n float64, the chosen
    outcome's values (likelihood to recommend 0-10 for nps, 0/1 for binary, the number for numeric; NaN = missing,
    also in a wave without that outcome); outcome_name, outcome_type, outcome_unit: the chosen outcome's (the
    journey's primary one unless asked by name); ratings: n x k float64,
    satisfaction on 0-100, NaN = not experienced / not rated; experienced: n x k bool (explicit flags where mapped,
    else "has a rating"); moments: the journey's k moments in position order (the columns); segments: n rows, one
    str column per segment key (<NA> where a respondent has no value; no columns unless loaded ``with_ids``);
    scale (min, max) of the waves (the first wave's scale when they differ; ``scales`` maps survey
    id -> scale for going back to the original scale); weight: n float64 survey weights (> 0), None when no
    response of the chosen waves carries a weight. Where the chosen waves mix weighted and unweighted responses
    (a wave imported without its weight column), the unweighted ones count with weight 1 and ``weight_note`` says
    how many they are (the analysis stores it in its summary; the dashboard shows it).
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
    weight: np.ndarray | None = None
    weight_note: str = ""
    outcome_name: str = "NPS"
    outcome_unit: str = ""

    @property
    def n(self) -> int:
        return len(self.outcome)


def journey_ratings_frame(
    *,
    journey: Journey,
    survey_ids: Sequence[int] | None = None,
    segment_filter: Mapping[str, Sequence[str]] | None = None,
    with_ids: bool = False,
    outcome: str | None = None,
) -> RatingsFrame:
    """Loads the ratings of ``journey`` (chosen waves, optional segment filter) into one matrix.

    ``outcome``: the name of the journey's outcome to load (matched ignoring case and runs of whitespace; None =
    the primary one, ``surveys.selectors.journey_outcomes``); an unknown name raises ``ValueError``. Each wave's
    value of it is taken from that wave's own position of the name in ``Survey.outcomes``.

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
    chosen = _outcome_choose(journey, outcome)
    positions = _outcome_positions(surveys, chosen)
    scales = {s.pk: (float(s.scale_min), float(s.scale_max)) for s in surveys}
    scale = scales[surveys[0].pk] if surveys else (1.0, 10.0)
    if not surveys:
        columns = _empty_columns(len(moments), with_ids=with_ids)
    elif connection.vendor == "postgresql":
        columns = _ratings_postgresql(surveys, moments, segment_filter, with_ids=with_ids, positions=positions)
    else:
        columns = _ratings_generic(surveys, moments, segment_filter, with_ids=with_ids, positions=positions)
    weight, weight_note = _weights_complete(columns.pop("weight"))
    return RatingsFrame(
        moments=moments,
        outcome_type=chosen.type,
        outcome_name=chosen.name,
        outcome_unit=chosen.unit,
        scale=scale,
        scales=scales,
        weight=weight,
        weight_note=weight_note,
        **columns,
    )


def _outcome_choose(journey: Journey, name: str | None) -> Outcome:
    """The journey's outcome called ``name`` (None: the primary); a journey without waves reads as NPS."""
    outcomes = journey_outcomes(journey=journey)
    if name is None or not str(name).strip():
        return outcomes[0] if outcomes else Outcome(name="NPS", type="nps")
    found = outcome_find(outcomes, name)
    if found is None:
        known = ", ".join(o.name for o in outcomes) or "none"
        raise ValueError(f"The journey has no outcome named “{' '.join(str(name).split())}” (its outcomes: {known}).")
    return found


def _outcome_positions(surveys: list, chosen: Outcome) -> dict[int, int]:
    """Survey id -> the array position (0-based) of ``chosen`` in that wave; waves without it are left out."""
    key = outcome_key(chosen.name)
    positions = {}
    for survey in surveys:
        keys = [outcome_key(o.get("name") or "") for o in survey.outcomes or []]
        if key in keys:
            positions[survey.pk] = keys.index(key)
    return positions


def _outcome_sql(positions: dict[int, int], survey_ids: Sequence[int]) -> str:
    """The chosen outcome as SQL: each wave's own array element (a CASE on survey_id), NaN where missing (a wave
    without it, a shorter array, a NULL element). Ids and positions are integers from the database, never user
    input."""
    if not positions:
        return "'NaN'::float8"
    if len(set(positions.values())) == 1 and set(positions) == set(survey_ids):
        return f"COALESCE(outcomes[{int(next(iter(positions.values()))) + 1}], 'NaN')::float8"
    cases = " ".join(f"WHEN {int(pk)} THEN outcomes[{int(p) + 1}]" for pk, p in positions.items())
    return f"COALESCE(CASE survey_id {cases} END, 'NaN')::float8"


def _weights_complete(weight: np.ndarray | None) -> tuple[np.ndarray | None, str]:
    """Missing weights (responses imported without a weight column, beside weighted ones) count as 1, said in
    words. Chosen over refusing: a wave imported once without its weights should not make the journey's analysis
    of several waves impossible, and weight 1 is what the unweighted analysis gives every respondent."""
    if weight is None:
        return None, ""
    missing = np.isnan(weight)
    if not missing.any():
        return weight, ""
    note = (
        f"{int(missing.sum()):,} of {len(weight):,} responses carry no survey weight (imported without a weight "
        "column): they count with weight 1."
    )
    return np.where(missing, 1.0, weight), note


def _empty_columns(k: int, *, with_ids: bool = True) -> dict:
    return {
        "respondent_id": np.array([], dtype=object) if with_ids else None,
        "survey_id": np.array([], dtype=np.int64),
        "outcome": np.array([], dtype=np.float64),
        "ratings": np.empty((0, k), dtype=np.float64),
        "experienced": np.empty((0, k), dtype=bool),
        "segments": pd.DataFrame(index=pd.RangeIndex(0)),
        "weight": None,
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
    surveys: list,
    moments: list[Moment],
    segment_filter: dict[str, list[str]],
    *,
    with_ids: bool,
    positions: dict[int, int] | None = None,
) -> dict:
    """One or two COPYs of every chosen wave, each parsed without a Python loop over respondents.

    1. The numbers, in PostgreSQL's binary COPY format: id, survey id, the chosen outcome (each wave's element of
       ``outcomes`` at ``positions[survey id]``; None: every wave's first) and the ratings array with NULL
       elements replaced by NaN (and padded to the widest wave when the waves differ in width), so every row has
       the same byte layout and ``numpy.frombuffer`` reads the whole stream as one structured array. Binary avoids
       PostgreSQL formatting 25 million floats as text, which dominated the text COPY (measured: 2x faster).
    2. Only when needed (``with_ids``, or explicit experienced flags in a wave): the text (id, respondent id, one
       column per segment key, the flags) as CSV into pyarrow.
    Both are aligned on the response id. Each wave's columns are then mapped from its ``moment_ids`` to the
    journey's moments.
    """
    k = len(moments)
    positions = {s.pk: 0 for s in surveys} if positions is None else positions
    keys = _segment_keys(surveys) if with_ids else []
    copied = _ratings_copy(surveys, keys, segment_filter, positions, with_ids=with_ids)
    ids, survey_id, outcome, weight, stored = _numbers_decode(copied)
    if len(ids) == 0:
        return _empty_columns(k, with_ids=with_ids) | {
            "segments": pd.DataFrame({key: pd.Series([], dtype="string") for key in keys})
        }
    parsed = None
    if copied.text is not None:
        parsed = _text_decode(copied.text, len(keys), with_ids=with_ids, flagged=bool(copied.flagged))
        text_ids = parsed.column("id").to_numpy()
        if not np.array_equal(text_ids, ids):
            # An import committed between the two COPYs: keep the respondents both saw.
            common, in_numbers, in_text = np.intersect1d(ids, text_ids, assume_unique=True, return_indices=True)
            ids, survey_id, outcome, stored = common, survey_id[in_numbers], outcome[in_numbers], stored[in_numbers]
            weight = None if weight is None else weight[in_numbers]
            parsed = parsed.take(pa.array(in_text))
    ratings, experienced = _moments_align(surveys, moments, survey_id, stored, copied, parsed)
    segments = pd.DataFrame(
        {key: parsed.column(f"s{i}").to_pandas().astype("string") for i, key in enumerate(keys)},
        index=pd.RangeIndex(len(ids)),
    )
    return {
        "respondent_id": parsed.column("respondent_id").to_numpy(zero_copy_only=False) if with_ids else None,
        "survey_id": survey_id,
        "outcome": outcome,
        "ratings": ratings,
        "experienced": experienced,
        "segments": segments,
        "weight": weight,
    }


@dataclass
class _Copied:
    """The streams of ``_ratings_copy`` and the facts their decoders need."""

    binary: io.BytesIO  # id, survey id, outcome[, weight], ratings padded to ``width`` (binary COPY)
    text: io.BytesIO | None  # id[, respondent id, segment values][, flags] (CSV COPY); None when not needed
    width: int  # elements per ratings array: the widest wave's
    flagged: set[int]  # waves with explicit experienced flags
    weighted: bool  # some response of the waves carries a weight


def _ratings_copy(
    surveys: list, keys: list[str], segment_filter: dict[str, list[str]], positions: dict[int, int], *, with_ids: bool
) -> _Copied:
    """Steps 1 and 2 of ``_ratings_postgresql``: which waves have flags / weights, then the COPYs themselves."""
    from surveys.models import Response

    table = Response._meta.db_table
    filter_sql, filter_params = _filter_sql(segment_filter)
    survey_pks = [s.pk for s in surveys]
    widths = {len(s.moment_ids) for s in surveys}
    width = max(widths)
    where = f"FROM {table} WHERE survey_id = ANY(%s){filter_sql}"
    with connection.cursor() as cursor:
        cursor.execute(
            # The table name is the model's own; values are parameters. One scan for both facts.
            f"SELECT survey_id, bool_or(experienced IS NOT NULL), bool_or(weight IS NOT NULL) FROM {table} "  # noqa: S608  # nosec B608
            "WHERE survey_id = ANY(%s) GROUP BY survey_id",
            [survey_pks],
        )
        facts = cursor.fetchall()
        flagged = {row[0] for row in facts if row[1]}
        weighted = any(row[2] for row in facts)
        weight_sql = "COALESCE(weight, 'NaN')::float8, " if weighted else ""
        numbers = cursor.mogrify(
            f"SELECT id::int8, survey_id::int8, {_outcome_sql(positions, survey_pks)}, {weight_sql}"
            f"{_ratings_padded_sql(width, widths)} {where}",
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
    return _Copied(binary=binary, text=text, width=width, flagged=flagged, weighted=weighted)


def _ratings_padded_sql(width: int, widths: set[int]) -> str:
    """The ratings array as SQL: NULL elements as NaN, padded to ``width`` so every row has the same byte layout."""
    if not width:
        return "'{}'::real[]"
    if len(widths) == 1:
        # Arrays shorter than the wave (an import before a moment was added) still need padding: only those.
        return (
            f"array_replace(CASE WHEN cardinality(ratings) = {width} THEN ratings "
            f"ELSE ratings || array_fill(NULL::real, ARRAY[{width} - cardinality(ratings)]) END, NULL, 'NaN')"
        )
    return f"array_replace(ratings || array_fill(NULL::real, ARRAY[{width} - cardinality(ratings)]), NULL, 'NaN')"


def _numbers_decode(copied: _Copied) -> tuple:
    """The binary COPY as arrays sorted by response id: ids, survey_id, outcome, weight (None), stored ratings."""
    width = copied.width
    rows = ratings_rows_decode(copied.binary.getbuffer(), width, weighted=copied.weighted)
    n = len(rows)
    ids = rows["id"].astype(np.int64)
    # A sequential scan returns a freshly imported wave in id order: then the gather by ``order`` is skipped.
    order = None if n < 2 or (ids[1:] > ids[:-1]).all() else np.argsort(ids, kind="stable")
    if order is not None:
        ids = ids[order]
    survey_id = rows["survey_id"].astype(np.int64) if order is None else rows["survey_id"][order].astype(np.int64)
    outcome = rows["outcome"].astype(np.float64) if order is None else rows["outcome"][order].astype(np.float64)
    weight = None
    if copied.weighted:
        weight = rows["weight"].astype(np.float64) if order is None else rows["weight"][order].astype(np.float64)
    # Big-endian float32 view of the elements; converted once, when copied into the journey's matrix.
    stored = rows["elements"]["value"] if width else np.empty((n, 0), np.float32)
    if order is not None:
        stored = stored[order]
    return ids, survey_id, outcome, weight, stored


def _text_decode(text: io.BytesIO, n_keys: int, *, with_ids: bool, flagged: bool) -> pa.Table:
    """The CSV COPY as a pyarrow table sorted by id: id, respondent_id, s0..s{n_keys-1}, experienced (as copied)."""
    text.seek(0)
    names = ["id", "respondent_id", *[f"s{i}" for i in range(n_keys)]] if with_ids else ["id"]
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
    return parsed.take(pc.sort_indices(parsed.column("id")))


def _moments_align(
    surveys: list, moments: list[Moment], survey_id: np.ndarray, stored: np.ndarray, copied: _Copied, parsed
) -> tuple[np.ndarray, np.ndarray]:
    """Each wave's columns mapped from its ``moment_ids`` to the journey's moments: ratings and experienced (n x k).

    Experienced is "has a rating" unless the wave has explicit flags (``parsed``'s experienced column).
    """
    k, n, flagged, width = len(moments), len(survey_id), copied.flagged, copied.width
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
    return ratings, experienced


def _ratings_generic(
    surveys: list,
    moments: list[Moment],
    segment_filter: dict[str, list[str]],
    *,
    with_ids: bool,
    positions: dict[int, int] | None = None,
) -> dict:
    """The SQLite path: ``values_list`` per wave (demo sizes), the same alignment and filter as on PostgreSQL."""
    from surveys.models import Response

    positions = {s.pk: 0 for s in surveys} if positions is None else positions
    k = len(moments)
    weighted = Response.objects.filter(survey__in=surveys, weight__isnull=False).exists()
    parts = []
    for survey in surveys:
        rows = list(
            Response.objects.filter(survey=survey)
            .order_by("pk")
            .values_list("respondent_id", "outcomes", "segments", "ratings", "experienced", "weight")
        )
        keep = [all((row[2] or {}).get(key) in values for key, values in segment_filter.items()) for row in rows]
        rows = [row for row, ok in zip(rows, keep, strict=True) if ok]
        width = len(survey.moment_ids)
        at = positions.get(survey.pk)  # the chosen outcome's position in this wave (None: not asked)
        outcome = [row[1][at] if at is not None and row[1] and len(row[1]) > at else None for row in rows]
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
                "outcome": np.array([np.nan if v is None else v for v in outcome], dtype=np.float64),
                "weight": np.array([np.nan if row[5] is None else row[5] for row in rows], dtype=np.float64),
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
        "weight": np.concatenate([p["weight"] for p in parts]) if weighted else None,
    }
