"""PostgreSQL's binary COPY format, written and read vectorised (no Python loop over rows). Pure: no Django.

Format (https://www.postgresql.org/docs/current/sql-copy.html, "Binary Format"): an 11-byte signature, an int32
flags word and an int32 header-extension length, then per row an int16 field count and per field an int32 length
(-1 = NULL) followed by that many bytes, all big-endian; an int16 -1 ends the stream. Arrays are ``array_send``
output: ndim, has-null flag, element type oid, then per dimension its size and lower bound, then each element as
(int32 length, value).

- ``responses_payload`` writes the rows of the responses table (what ``surveys.services`` COPYs in);
- ``ratings_rows_decode`` reads the numbers the ratings loader COPYs out (``moments.selectors``): every row has the
  same byte layout there, so ``numpy.frombuffer`` reads the stream as one structured array;
- ``ratings_rows_encode`` writes that layout (the pair of the decoder: it states the layout once, and the tests
  round-trip through it without a database);
- ``text_array_matrix`` parses ``array_to_string(arr, ',', '')`` columns of a CSV COPY;
- ``rows_split`` is a plain (slow, obviously correct) reader of any binary COPY stream, for tests and debugging.
"""

from __future__ import annotations

import json
import struct

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
COPY_HEADER = COPY_SIGNATURE + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"  # no flags, no header extension
COPY_TRAILER = b"\xff\xff"
PG_EPOCH_US = 946_684_800_000_000  # 2000-01-01 in microseconds since 1970
OID_BOOL, OID_FLOAT4, OID_FLOAT8 = 16, 700, 701


class CopyFormatError(ValueError):
    """The bytes are not the binary COPY layout the reader expects."""


# ------------------------------------------------------------------------------------------------ writing


def _binary_array(data: np.ndarray, lengths: np.ndarray) -> pa.Array:
    """A large_binary array from the concatenated bytes of its values and each value's length."""
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return pa.Array.from_buffers(
        pa.large_binary(), len(lengths), [None, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(data))]
    )


def _packed(records: np.ndarray, keep: np.ndarray | None) -> pa.Array:
    """Rows of a packed (big-endian) structured array as binary values, minus the bytes ``keep`` drops."""
    raw = records.view(np.uint8).reshape(len(records), records.dtype.itemsize)
    if keep is None:
        return _binary_array(raw.reshape(-1), np.full(len(records), records.dtype.itemsize, dtype=np.int64))
    return _binary_array(raw[keep], keep.sum(axis=1, dtype=np.int64))


def _keep(records: np.ndarray) -> np.ndarray:
    return np.ones((len(records), records.dtype.itemsize), dtype=bool)


def _drop(keep: np.ndarray, dtype: np.dtype, name: str, rows: np.ndarray) -> None:
    """Drops the bytes of field ``name`` in ``rows`` (a NULL value: its length is written as -1)."""
    sub, offset = dtype.fields[name][:2]
    keep[rows, offset : offset + sub.itemsize] = False


def _array_field(values: np.ndarray, null: np.ndarray, oid: int, element: str) -> tuple[np.ndarray, np.ndarray]:
    """One ``T[]`` field per row (length word included), NULL elements where ``null``: (records, keep)."""
    n, k = values.shape
    size = np.dtype(element).itemsize
    if k == 0:
        dtype = np.dtype([("len", ">i4"), ("ndim", ">i4"), ("flags", ">i4"), ("oid", ">i4")])
        records = np.zeros(n, dtype=dtype)
        records["len"], records["oid"] = 12, oid
        return records, _keep(records)
    # on the wire each element is its length word, then its value (no value for a NULL element)
    dtype = np.dtype(
        [("len", ">i4"), ("ndim", ">i4"), ("flags", ">i4"), ("oid", ">i4"), ("dim", ">i4"), ("lbound", ">i4"),
         ("elements", [("elen", ">i4"), ("value", element)], (k,))]
    )  # fmt: skip
    records = np.zeros(n, dtype=dtype)
    nulls = null.sum(axis=1)
    records["len"] = 20 + k * 4 + (k - nulls) * size
    records["ndim"], records["oid"], records["dim"], records["lbound"] = 1, oid, k, 1
    records["flags"] = nulls > 0
    records["elements"]["elen"] = np.where(null, -1, size)
    records["elements"]["value"] = np.where(null, 0, values)
    keep = _keep(records)
    if nulls.any():
        elements = keep[:, 24:].reshape(n, k, 4 + size)
        elements[:, :, 4:] &= ~null[:, :, None]
    return records, keep


def responses_payload(
    survey_id: int,
    frame: pd.DataFrame,
    segments: pd.DataFrame,
    ratings: np.ndarray,
    experienced: np.ndarray | None,
    weight: np.ndarray | None = None,
    outcomes: np.ndarray | None = None,
) -> bytes:
    """COPY ... (FORMAT binary) data for (survey_id int8, respondent_id text, submitted_at timestamptz, segments
    jsonb, ratings real[], experienced bool[], weight float8, outcomes float8[]), the responses table's columns.

    Input: ``frame`` with columns respondent_id (str) and submitted_at (datetime, NaT = NULL); ``segments`` one
    str column per key (missing values left out of the JSON); ``ratings`` n x k float (NaN = a NULL element);
    ``experienced`` n x k bool, or None for a NULL column; ``weight`` n float survey weights (NaN = NULL), or None
    for a NULL column (unweighted); ``outcomes`` n x m float, one column per outcome of the wave (NaN = a NULL
    element; None: an empty array). Each part is a fixed-width numpy
    record per row (NULLs drop their bytes) or a pyarrow binary column, concatenated row by row by
    ``binary_join_element_wise``."""
    n = len(frame)
    respondent = pa.array(frame["respondent_id"].to_numpy(dtype=object), type=pa.large_string()).cast(pa.large_binary())
    head_dtype = np.dtype([("fields", ">i2"), ("lsurvey", ">i4"), ("survey", ">i8"), ("lrespondent", ">i4")])
    head = np.zeros(n, dtype=head_dtype)
    head["fields"], head["lsurvey"], head["survey"] = 8, 8, survey_id
    head["lrespondent"] = pc.binary_length(respondent).to_numpy()

    stamps = pd.to_datetime(frame["submitted_at"], utc=True)
    micros = stamps.dt.as_unit("us").to_numpy(dtype="datetime64[us]").view(np.int64)
    no_stamp = stamps.isna().to_numpy()
    segment_json = _segments_json(segments, n)
    middle_dtype = np.dtype([("lstamp", ">i4"), ("stamp", ">i8"), ("lsegments", ">i4"), ("version", "u1")])
    middle = np.zeros(n, dtype=middle_dtype)
    middle["lstamp"] = np.where(no_stamp, -1, 8)
    middle["stamp"] = np.where(no_stamp, 0, micros - PG_EPOCH_US)
    middle["lsegments"] = pc.binary_length(segment_json).to_numpy() + 1
    middle["version"] = 1
    middle_keep = _keep(middle)
    _drop(middle_keep, middle_dtype, "stamp", no_stamp)

    rating_records, rating_keep = _array_field(ratings, np.isnan(ratings), OID_FLOAT4, ">f4")
    parts = [
        _packed(head, None),
        respondent,
        _packed(middle, middle_keep),
        segment_json,
        _packed(rating_records, rating_keep),
    ]
    if experienced is None:
        parts.append(_binary_array(np.full(n * 4, 0xFF, dtype=np.uint8), np.full(n, 4, dtype=np.int64)))
    else:
        flags = np.asarray(experienced, dtype=bool)
        parts.append(_packed(*_array_field(flags, np.zeros_like(flags), OID_BOOL, "u1")))
    weight_dtype = np.dtype([("lweight", ">i4"), ("weight", ">f8")])
    weights = np.zeros(n, dtype=weight_dtype)
    no_weight = np.ones(n, dtype=bool) if weight is None else np.isnan(np.asarray(weight, dtype=np.float64))
    weights["lweight"] = np.where(no_weight, -1, 8)
    if weight is not None:
        weights["weight"] = np.where(no_weight, 0.0, weight)
    weight_keep = _keep(weights)
    _drop(weight_keep, weight_dtype, "weight", no_weight)
    parts.append(_packed(weights, weight_keep))
    values = np.empty((n, 0)) if outcomes is None else np.asarray(outcomes, dtype=np.float64).reshape(n, -1)
    parts.append(_packed(*_array_field(values, np.isnan(values), OID_FLOAT8, ">f8")))
    return _stream(parts, n)


def _stream(parts: list[pa.Array], n: int) -> bytes:
    """Header, the parts joined row by row, trailer."""
    if n == 0:
        return COPY_HEADER + COPY_TRAILER
    rows = pc.binary_join_element_wise(*parts, pa.scalar(b"", type=pa.large_binary()))
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int64)[rows.offset : rows.offset + n + 1]
    body = memoryview(rows.buffers()[2])[int(offsets[0]) : int(offsets[-1])]
    return b"".join((COPY_HEADER, body, COPY_TRAILER))


def _segments_json(segments: pd.DataFrame, n: int) -> pa.Array:
    """Each row's segments as JSON object text (missing values left out, as ``jsonb_strip_nulls``), written once
    per distinct combination of values and taken for each row."""
    if segments.columns.empty:
        return pa.array(np.full(n, b"{}", dtype=object), type=pa.large_binary())
    columns = []
    for name in segments.columns:
        codes, uniques = pd.factorize(segments[name], use_na_sentinel=True)
        columns.append((str(name), codes, np.asarray(uniques, dtype=object)))
    if np.prod([len(values) + 1.0 for _, _, values in columns]) < 2**62:
        key = np.zeros(n, dtype=np.int64)
        for _, codes, values in columns:  # mixed radix over the columns' codes (+1: missing is 0)
            key = key * (len(values) + 1) + codes + 1
        row_combo, _ = pd.factorize(key)
    else:
        row_combo, _ = pd.factorize(pd.MultiIndex.from_arrays([codes for _, codes, _ in columns]))
    first = np.unique(row_combo, return_index=True)[1]
    texts = []
    for row in first:
        obj = {name: str(values[codes[row]]) for name, codes, values in columns if codes[row] >= 0}
        texts.append(json.dumps(obj, ensure_ascii=False).encode())
    return pa.array(texts, type=pa.large_binary()).take(pa.array(row_combo))


# ------------------------------------------------------------------------------------------------ the ratings rows
def ratings_rows_dtype(width: int, *, weighted: bool = False) -> np.dtype:
    """Layout of one row of ``COPY (SELECT id::int8, survey_id::int8, outcome::float8, [weight::float8,]
    ratings::real[]) TO STDOUT (FORMAT binary)`` where every array has ``width`` elements and none is NULL (the
    loader pads the arrays and writes NaN for NULL; also for a NULL weight): int16 field count, then per field an
    int32 length and the value; the array is ndim, has-null flag, element type, dimension, lower bound, then
    (length, value) pairs. An empty array (``width`` 0) is ndim 0 and no dimension. ``weighted``: the survey
    weight column is in the stream (only when some response of the chosen waves carries one)."""
    fields = [
        ("nfields", ">i2"),
        ("id_len", ">i4"),
        ("id", ">i8"),
        ("survey_len", ">i4"),
        ("survey_id", ">i8"),
        ("outcome_len", ">i4"),
        ("outcome", ">f8"),
    ]
    if weighted:
        fields += [("weight_len", ">i4"), ("weight", ">f8")]
    fields.append(("array_len", ">i4"))
    if width:
        fields += [("ndim", ">i4"), ("hasnull", ">i4"), ("oid", ">i4"), ("dim", ">i4"), ("lbound", ">i4")]
        fields.append(("elements", [("len", ">i4"), ("value", ">f4")], (width,)))
    else:
        fields += [("ndim", ">i4"), ("hasnull", ">i4"), ("oid", ">i4")]
    return np.dtype(fields)


def ratings_rows_decode(raw: bytes | memoryview, width: int, *, weighted: bool = False) -> np.ndarray:
    """The rows of a ratings COPY (``ratings_rows_dtype(width, weighted=...)``) as one structured array, without
    copying.

    Fields ``id``, ``survey_id``, ``outcome``, ``weight`` when ``weighted`` (NaN where the loader replaced a NULL)
    and, when ``width``, ``elements["value"]`` (n x width big-endian
    float32, NaN where the loader replaced a NULL). Raises ``CopyFormatError`` when the signature, the header
    extension or a row's layout is not the expected one (a NULL field or array element would shift every byte).
    """
    raw = memoryview(raw)
    if raw[:11].tobytes() != COPY_SIGNATURE:
        raise CopyFormatError("unexpected COPY binary header")
    extension = struct.unpack(">i", raw[15:19])[0]
    header = 19 + extension
    dtype = ratings_rows_dtype(width, weighted=weighted)
    body = len(raw) - header - len(COPY_TRAILER)
    if body < 0 or body % dtype.itemsize or raw[len(raw) - 2 :].tobytes() != COPY_TRAILER:
        raise CopyFormatError("unexpected COPY binary row layout")
    n = body // dtype.itemsize
    rows = np.frombuffer(raw, dtype=dtype, count=n, offset=header)
    expected_len = 20 + 8 * width if width else 12
    if n and not (
        (rows["nfields"] == 4 + weighted).all()
        and (not weighted or (rows["weight_len"] == 8).all())
        and (rows["id_len"] == 8).all()
        and (rows["survey_len"] == 8).all()
        and (rows["outcome_len"] == 8).all()
        and (rows["array_len"] == expected_len).all()
    ):
        raise CopyFormatError("unexpected COPY binary row layout")
    if n and width and not (rows["elements"]["len"] == 4).all():
        raise CopyFormatError("a NULL array element in the ratings COPY (the loader writes NaN for NULL)")
    return rows


def ratings_rows_encode(
    ids: np.ndarray, survey_ids: np.ndarray, outcome: np.ndarray, ratings: np.ndarray, weight: np.ndarray | None = None
) -> bytes:
    """Writes the layout ``ratings_rows_decode`` reads (NaN stays NaN: no NULL anywhere), as PostgreSQL would;
    with the weight field when ``weight`` is given."""
    n, width = np.shape(ratings)
    weighted = weight is not None
    records = np.zeros(n, dtype=ratings_rows_dtype(width, weighted=weighted))
    records["nfields"], records["id_len"], records["survey_len"], records["outcome_len"] = 4 + weighted, 8, 8, 8
    records["id"], records["survey_id"], records["outcome"] = ids, survey_ids, outcome
    if weighted:
        records["weight_len"], records["weight"] = 8, weight
    records["array_len"] = 20 + 8 * width if width else 12
    records["oid"] = OID_FLOAT4
    if width:
        records["ndim"], records["dim"], records["lbound"] = 1, width, 1
        records["elements"]["len"] = 4
        records["elements"]["value"] = ratings
    return _stream([_packed(records, None)], n)


def text_array_matrix(column: pa.ChunkedArray | pa.Array, value_type: pa.DataType) -> np.ndarray:
    """Parses a column of ``array_to_string(arr, ',', '')`` texts (a CSV COPY) into an n x width matrix (width = the
    longest array; missing cells and NULL elements are null -> NaN / False), vectorised with pyarrow compute.
    ``value_type``: ``pa.bool_()`` (PostgreSQL writes ``t``/``f``) or a float type (read as float32)."""
    n = len(column)
    lists = pc.split_pattern(column.fill_null(""), ",")
    lengths = pc.list_value_length(lists).to_numpy(zero_copy_only=False).astype(np.int64)
    flat = pc.list_flatten(lists)
    flat = pc.if_else(pc.equal(flat, ""), pa.scalar(None, pa.string()), flat)
    if pa.types.is_boolean(value_type):
        values = pc.equal(flat, "t").fill_null(False).to_numpy(zero_copy_only=False)
        fill = False
    else:
        # Parsed as float32: the shortest text PostgreSQL writes for a real maps back to exactly the stored value.
        values = flat.cast(pa.float32()).to_numpy(zero_copy_only=False)
        fill = np.nan
    width = int(lengths.max()) if n else 0
    matrix = np.full((n, width), fill, dtype=values.dtype)
    if width:
        rows = np.repeat(np.arange(n), lengths)
        starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
        matrix[rows, np.arange(len(values)) - starts] = values
    return matrix


# ------------------------------------------------------------------------------------------------ plain reader
def rows_split(raw: bytes) -> list[list[bytes | None]]:
    """Every row of a binary COPY stream as its fields' bytes (None = NULL), read one field at a time."""
    if raw[:11] != COPY_SIGNATURE:
        raise CopyFormatError("unexpected COPY binary header")
    pos = 19 + struct.unpack_from(">i", raw, 15)[0]
    rows = []
    while True:
        (count,) = struct.unpack_from(">h", raw, pos)
        pos += 2
        if count == -1:
            if pos != len(raw):
                raise CopyFormatError("bytes after the COPY trailer")
            return rows
        row = []
        for _ in range(count):
            (length,) = struct.unpack_from(">i", raw, pos)
            pos += 4
            row.append(None if length == -1 else raw[pos : pos + length])
            pos += max(length, 0)
        rows.append(row)


_ELEMENT_FORMATS = {OID_BOOL: ">?", OID_FLOAT4: ">f", OID_FLOAT8: ">d"}


def array_elements(value: bytes) -> tuple[int, list]:
    """A one-dimensional (or empty) binary array value as (element oid, elements), None for a NULL element."""
    ndim, _, oid = struct.unpack_from(">iii", value, 0)
    if ndim == 0:
        return oid, []
    if ndim != 1:
        raise CopyFormatError(f"{ndim}-dimensional array")
    size, _ = struct.unpack_from(">ii", value, 12)
    form, pos, out = _ELEMENT_FORMATS[oid], 20, []
    for _ in range(size):
        (length,) = struct.unpack_from(">i", value, pos)
        pos += 4
        out.append(None if length == -1 else struct.unpack_from(form, value, pos)[0])
        pos += max(length, 0)
    return oid, out
