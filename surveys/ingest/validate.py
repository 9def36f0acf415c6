"""validate_chunks: check every mapped cell, vectorised, and hand back clean arrays plus a complete error list.

Rules (DESIGN section 4):
- respondent id: required and unique in the file ("duplicate respondent id, first seen on line N", reported on every
  occurrence after the first, across chunks). Without a mapped id column the spreadsheet line number is the id.
- submitted_at: empty -> NaT; otherwise ISO, US M/D/YYYY [H:MM[:SS] [AM/PM]], D-M-YYYY / DD.MM.YYYY / D/M/YYYY
  (the family is chosen once per column on the first chunk, see values.date_family_choose), Excel serials in XLSX.
  Naive times are UTC unless the Qualtrics ImportId row names a time zone.
- outcomes (each of mapping.outcome_columns(), checked the same way): "nps" needs an integer 0-10; "binary" gives
  1 for its positive values, 0 for any other non-empty value (without positive values: 1/0, yes/no, true/false,
  ja/nee, ja/nein are inferred); "numeric" any number. An empty or N/A outcome is an error ("missing outcome")
  where the row answers none of its outcomes (with one outcome: whenever it is empty); a row that answers some of
  several outcomes keeps the others as missing (NaN). mapping.not_applicable codes count as N/A for outcomes too,
  except 0-10 for an NPS outcome.
- ratings: numbers after reading labelled codes ("Neutral (4)"), SPSS value labels and decimal commas; empty, N/A
  markers and mapping.not_applicable codes -> NaN; non-numbers and values outside the scale are errors. Rescaled
  to 0-100 as (x - min) / (max - min) * 100.
- answer labels: mapping.labels[moment] maps a moment's answer labels to codes ("Very favorably" -> 5).
- scale, one per moment: mapping.scales[moment], else mapping.scale, else the SPSS value-label codes of its column
  (else of all moment columns; N/A labels excluded), else detected on the first chunk (scales.scales_detect): the
  scale its header announces ("Checkout rating (1-5)"), else the smallest standard scale (1-5, 1-7, 1-10, 0-5,
  0-10) holding its values, else the observed range; a moment whose values leave the other moments' usual scale in
  at most 1% of its cells takes that scale. Fixed after the first chunk; a value outside its moment's scale is a
  row error, never a reason to stretch the scale. ValidatedChunk.scale is the most common of them (the survey's
  scale).
- experienced flags: yes/no/1/0 (any other non-empty text = yes, as multi-select exports write the label); an empty
  flag, or an unmapped flag, means "has a rating".
- weight (optional, mapping.weight): a finite number > 0 (decimal comma as the file's); an empty, zero, negative,
  infinite or non-numeric weight is an error ("missing weight", "weight is not a number", "weight must be > 0").
  N/A markers and mapping.not_applicable do not apply: a survey weight has no "not applicable".
- a NUL byte in a mapped cell, bytes the file's encoding cannot decode (read as U+FFFD, see table.py), or a row
  with more fields than the header, is an error.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from surveys.ingest import scales as S
from surveys.ingest import values as V
from surveys.ingest.errors import IngestError
from surveys.ingest.mapping import Mapping, OutcomeColumn
from surveys.ingest.table import RawTable

ERROR_COLUMNS = ["line", "column", "value", "reason"]
STANDARD_SCALES = S.STANDARD_SCALES
MAX_VALUE_CHARS = 200


# The longest respondent id a response can hold (``surveys.Response.respondent_id``); a longer one is a row error.
MAX_RESPONDENT_ID_CHARS = 200


class RowError(NamedTuple):
    """One bad cell; ValidatedChunk.errors has one row of these per bad cell."""

    line: int
    column: str
    value: str
    reason: str


@dataclass
class ValidatedChunk:
    """Good rows of one chunk as arrays, plus the errors found in it. Ratings are on 0-100."""

    lines: np.ndarray
    respondent_id: np.ndarray
    submitted_at: np.ndarray
    outcome: np.ndarray
    ratings: np.ndarray
    experienced: np.ndarray | None
    segments: pd.DataFrame
    errors: pd.DataFrame
    bad_lines: np.ndarray
    scale: tuple[float, float] = (0.0, 100.0)
    moments: list[str] = field(default_factory=list)
    scales: list[tuple[float, float]] = field(default_factory=list)  # one per moment, in `moments` order
    weight: np.ndarray | None = None  # float64 survey weights (> 0) when mapping.weight, else None
    # every outcome of mapping.outcome_columns() by name (NaN = missing); ``outcome`` is the first of them
    outcomes: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def row_errors(self) -> list[RowError]:
        return [RowError(*row) for row in self.errors.itertuples(index=False)]


class _Errors:
    def __init__(self, lines: np.ndarray) -> None:
        self.lines = lines
        self.parts: list[pd.DataFrame] = []
        self.bad = np.zeros(len(lines), dtype=bool)

    def add(self, mask: np.ndarray, column: str, raw: pd.Series | str, reason: str | np.ndarray) -> None:
        if not mask.any():
            return
        self.bad |= mask
        value = raw[mask].to_numpy(dtype=object) if isinstance(raw, pd.Series) else np.full(mask.sum(), raw, object)
        self.parts.append(
            pd.DataFrame(
                {
                    "line": self.lines[mask],
                    "column": column,
                    "value": pd.Series(value, dtype=object).astype(str).str.slice(0, MAX_VALUE_CHARS).to_numpy(),
                    "reason": reason[mask] if isinstance(reason, np.ndarray) else reason,
                }
            )
        )

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame({c: pd.Series([], dtype="int64" if c == "line" else object) for c in ERROR_COLUMNS})
        out = pd.concat(self.parts, ignore_index=True)
        return out.sort_values("line", kind="stable", ignore_index=True)


@dataclass
class _State:
    """What must stay fixed across chunks."""

    seen_ids: list[tuple[pa.Array, np.ndarray]] = field(default_factory=list)  # ids and first lines per chunk
    date_family: str | None = None
    scales: dict[str, tuple[float, float]] = field(default_factory=dict)  # per moment name, once known
    positives: dict[str, frozenset[str]] = field(default_factory=dict)  # per binary outcome name, once known


def validate_chunks(table: RawTable, mapping: Mapping, *, chunksize: int = 200_000) -> Iterator[ValidatedChunk]:
    """Validate `table` against `mapping`, one chunk at a time. Raises IngestError when the mapping does not fit."""
    problems = mapping.check_columns(table)
    if problems:
        raise IngestError("The mapping does not fit the file: " + "; ".join(problems))
    state = _State()
    fixed = tuple(map(float, mapping.scale)) if mapping.scale else None
    labelled = _scale_from_labels(table, mapping, list(mapping.moments.values()))
    for name, column in mapping.moments.items():
        scale = mapping.scales.get(name) or fixed or _scale_from_labels(table, mapping, [column]) or labelled
        if scale:
            state.scales[name] = (float(scale[0]), float(scale[1]))
    for spec in mapping.outcome_columns():
        if spec.type == "binary" and spec.positive:
            state.positives[spec.name] = frozenset(v.strip().lower() for v in spec.positive)
    for chunk in table.iter_chunks(chunksize=chunksize):
        yield _chunk_validate(table, mapping, chunk, state)


def _scale_from_labels(table: RawTable, mapping: Mapping, columns: list[str]) -> tuple[float, float] | None:
    codes: list[float] = []
    for column in columns:
        for code, label in table.value_labels.get(column, {}).items():
            if V._is_number(code) and not V.NA_MARKERS.search(label) and code not in mapping.not_applicable:
                codes.append(float(code))
    return (min(codes), max(codes)) if len(codes) >= 2 else None


scale_standard = S.scale_standard


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    return V.text_clean(frame[column])


def _chunk_validate(table: RawTable, mapping: Mapping, frame: pd.DataFrame, state: _State) -> ValidatedChunk:
    lines = frame.index.to_numpy(dtype=np.int64)
    n = len(lines)
    errors = _Errors(lines)
    na_values = frozenset(str(v).strip() for v in mapping.not_applicable)

    for column in mapping.used_columns():
        raw = frame[column]
        errors.add(raw.str.contains("\x00", regex=False).to_numpy(dtype=bool, na_value=False), column, raw,
                   "NUL byte in cell")  # fmt: skip
        if table.lossy:  # bytes the file's encoding cannot decode were read as U+FFFD
            errors.add(raw.str.contains("\ufffd", regex=False).to_numpy(dtype=bool, na_value=False), column, raw,
                       f"bytes that are not valid {table.encoding} text")  # fmt: skip
    if table.malformed:
        malformed = np.isin(lines, list(table.malformed))
        reasons = np.array([table.malformed.get(int(x), "") for x in lines[malformed]], dtype=object)
        full = np.empty(n, dtype=object)
        full[malformed] = reasons
        errors.add(malformed, "", "", full)

    # respondent id
    if mapping.respondent_id:
        ids = _text(frame, mapping.respondent_id)
        errors.add((ids == "").to_numpy(), mapping.respondent_id, ids, "missing respondent id")
        too_long = (ids.str.len() > MAX_RESPONDENT_ID_CHARS).to_numpy()
        errors.add(
            too_long, mapping.respondent_id, ids, f"respondent id longer than {MAX_RESPONDENT_ID_CHARS} characters"
        )
        _duplicates(ids, lines, mapping.respondent_id, errors, state)
        respondent_id = ids.to_numpy(dtype=object)
    else:
        respondent_id = lines.astype(str).astype(object)

    # date
    submitted_at = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    if mapping.submitted_at:
        text = _text(frame, mapping.submitted_at)
        if state.date_family is None:
            sample = text[text != ""].head(5000)
            if not sample.empty:
                state.date_family = V.date_family_choose(sample, allow_serial=table.format == "excel")
        if state.date_family is not None:
            tz = table.column_meta.get(mapping.submitted_at, {}).get("timezone")
            submitted_at, bad = V.dates_parse(text, state.date_family, tz)
            errors.add(bad, mapping.submitted_at, text, "unparseable date")

    outcomes = _outcomes(table, mapping, frame, state, errors, na_values)
    outcome = next(iter(outcomes.values())) if outcomes else np.full(n, np.nan)
    weight = _weight(table, mapping, frame, errors)

    # ratings
    k = len(mapping.moments)
    # one contiguous row per moment while parsing (column writes into an n x k array are strided)
    ratings = np.full((k, n), np.nan, dtype=np.float64)
    columns = list(mapping.moments.values())
    names_all = list(mapping.moments)
    for j, column in enumerate(columns):
        p = V.numbers_parse(
            frame[column],
            decimal=table.decimal,
            na_values=na_values,
            value_labels=table.value_labels.get(column),
            labels=mapping.labels.get(names_all[j]),
        )
        errors.add(p.status == V.BAD, column, frame[column], "not a number")
        ratings[j] = p.values
    names = list(mapping.moments)
    if k and len(state.scales) < k:
        # detected once, on the first chunk, for the moments the mapping leaves open
        hints = {name: S.scale_hint(column, table.labels.get(column)) for name, column in mapping.moments.items()}
        detected, _ = S.scales_detect({name: ratings[j] for j, name in enumerate(names)}, hints)
        for name in names:
            if name not in state.scales and name in detected:
                state.scales[name] = detected[name]
    scales = [state.scales.get(name, (0.0, 100.0)) for name in names]
    scaled_rows = np.empty((k, n), dtype=np.float32)
    for j, column in enumerate(columns):
        low, high = scales[j]
        outside = (ratings[j] < low) | (ratings[j] > high)
        errors.add(outside, column, frame[column], f"out of scale {_num(low)}-{_num(high)}")
        scaled_rows[j] = (ratings[j] - low) * (100.0 / (high - low))
    scaled = scaled_rows.T
    usual = Counter(scales).most_common(1)[0][0] if scales else (0.0, 100.0)

    experienced = None
    if mapping.experienced:
        has_rating = np.isfinite(scaled)
        experienced = has_rating.copy()
        moment_index = {name: j for j, name in enumerate(mapping.moments)}
        for name, column in mapping.experienced.items():
            flag = V.flags_parse(_text(frame, column))
            j = moment_index[name]
            experienced[:, j] = np.where(np.isnan(flag), has_rating[:, j], flag == 1.0)

    segments = pd.DataFrame(
        {name: _text(frame, column).replace("", np.nan).to_numpy(dtype=object) for name, column in
         mapping.segments.items()},
        index=pd.RangeIndex(n),
    )  # fmt: skip

    good = ~errors.bad
    return ValidatedChunk(
        lines=lines[good],
        respondent_id=respondent_id[good],
        submitted_at=submitted_at[good],
        outcome=outcome[good],
        outcomes={name: values[good] for name, values in outcomes.items()},
        ratings=scaled[good],
        experienced=experienced[good] if experienced is not None else None,
        segments=segments[good].reset_index(drop=True),
        errors=errors.frame(),
        bad_lines=np.unique(lines[errors.bad]),
        scale=usual,
        moments=list(mapping.moments),
        scales=scales,
        weight=weight[good] if weight is not None else None,
    )


def _weight(table: RawTable, mapping: Mapping, frame: pd.DataFrame, errors: _Errors) -> np.ndarray | None:
    """The survey weights of a chunk (NaN on bad rows): parsed once per distinct text, like every number here."""
    if not mapping.weight:
        return None
    column = mapping.weight
    raw = frame[column]
    codes, uniques = pd.factorize(V.text_clean(raw), use_na_sentinel=True)
    text = pd.Series(np.asarray(uniques, dtype=object), dtype="str")
    if table.decimal == ",":
        text = text.str.replace(",", ".", regex=False)
    distinct = pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    empty = np.append((text == "").to_numpy(dtype=bool), True)[codes]  # code -1 (a missing cell) is empty
    values = np.append(distinct, np.nan)[codes]
    errors.add(empty, column, raw, "missing weight")
    errors.add(~empty & np.isnan(values), column, raw, "weight is not a number")
    with np.errstate(invalid="ignore"):
        errors.add(~np.isnan(values) & ~((values > 0) & np.isfinite(values)), column, raw, "weight must be > 0")
    return values


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _duplicates(ids: pd.Series, lines: np.ndarray, column: str, errors: _Errors, state: _State) -> None:
    """Every occurrence after the first, within this chunk and against earlier chunks.

    Hash-based: factorize the chunk's ids, look the distinct ones up in each earlier chunk's ids (pyarrow index_in,
    no Python string objects).
    """
    present = (ids != "").to_numpy(dtype=bool)
    codes, uniques = pd.factorize(ids)
    _, first_index = np.unique(codes, return_index=True)
    first_line = lines[first_index]  # per distinct id, its first line in this chunk
    distinct = pa.array(np.asarray(uniques, dtype=object) if not hasattr(uniques, "__arrow_array__") else uniques)
    distinct = distinct.cast(pa.large_string())
    earlier = np.full(len(distinct), -1, dtype=np.int64)
    for seen, seen_lines in state.seen_ids:
        position = pc.index_in(distinct, value_set=seen).to_numpy(zero_copy_only=False)
        position = np.nan_to_num(position.astype("float64"), nan=-1).astype(np.int64)
        hit = (position >= 0) & (earlier < 0)
        earlier[hit] = seen_lines[position[hit]]
    first_line = np.where(earlier >= 0, earlier, first_line)
    row_first = first_line[codes]
    dup = present & (row_first != lines)
    if dup.any():
        reasons = ("duplicate respondent id, first seen on line " + pd.Series(row_first[dup]).astype(str)).to_numpy(
            dtype=object
        )
        full = np.empty(len(ids), dtype=object)
        full[dup] = reasons
        errors.add(dup, column, ids, full)
    new = earlier < 0
    state.seen_ids.append((distinct.filter(pa.array(new)), first_line[new]))


def _outcomes(
    table: RawTable, mapping: Mapping, frame: pd.DataFrame, state: _State, errors: _Errors, na_values: frozenset
) -> dict[str, np.ndarray]:
    """Every mapped outcome's values by name; "missing outcome" where a row answers none of them."""
    specs = mapping.outcome_columns()
    parsed = {spec.name: _outcome(table, spec, frame, state, errors, na_values) for spec in specs}
    if specs:
        missing_all = np.logical_and.reduce([missing for _, missing in parsed.values()])
        for spec in specs:
            errors.add(missing_all & parsed[spec.name][1], spec.column, frame[spec.column], "missing outcome")
    return {name: values for name, (values, _) in parsed.items()}


def _outcome(
    table: RawTable, spec: OutcomeColumn, frame: pd.DataFrame, state: _State, errors: _Errors, na_values: frozenset
) -> tuple[np.ndarray, np.ndarray]:
    """One outcome's values (NaN where missing) and where it is missing; bad values are row errors."""
    column = spec.column
    raw = frame[column]
    text = V.text_clean(raw)
    n = len(text)
    if spec.type == "binary":
        lower = text.str.lower()
        empty = ((text == "") | text.str.contains(V.NA_MARKERS) | text.isin(na_values)).to_numpy(bool)
        if spec.name not in state.positives:
            state.positives[spec.name] = _positives_infer(lower[~empty], spec)
        values = np.where(empty, np.nan, lower.isin(state.positives[spec.name]).to_numpy().astype(np.float64))
        return values, empty
    if spec.type == "nps":
        # "not_applicable": ["0"] is meant for the ratings; an LTR of 0 is a valid answer
        na_values = frozenset(v for v in na_values if v not in {str(i) for i in range(11)})
    p = V.numbers_parse(raw, decimal=table.decimal, na_values=na_values, value_labels=table.value_labels.get(column))
    values = p.values
    errors.add(p.status == V.BAD, column, raw, "outcome is not a number")
    if spec.type == "nps":
        wrong = (p.status == V.OK) & ~((values >= 0) & (values <= 10) & (np.mod(values, 1) == 0))
        errors.add(wrong, column, raw, "outcome must be an integer 0-10")
    missing = np.asarray(p.status == V.NA, dtype=bool)
    return (values if n else np.zeros(0)), missing


def _positives_infer(observed: pd.Series, spec: OutcomeColumn) -> frozenset[str]:
    """Positive value of an unconfigured binary outcome, from the values seen in the first chunk."""
    seen = set(observed.unique().tolist())
    pairs = (("1", "0"), ("yes", "no"), ("true", "false"), ("ja", "nee"), ("ja", "nein"), ("y", "n"), ("j", "n"))
    for positive, negative in pairs:
        if seen <= {positive, negative}:
            return frozenset({positive})
    shown = ", ".join(sorted(map(str, seen))[:10])
    raise IngestError(
        f"The binary outcome “{spec.name}” (column '{spec.column}') needs its positive values ('outcome_positive', "
        f"or 'positive' in 'outcomes'): which of these values count as positive? {shown}"
    )
