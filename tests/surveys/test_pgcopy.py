"""The binary COPY codec round-trips without a database: NULLs, empty arrays, NaN, large values, text."""

import json
import math
import struct

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from surveys import pgcopy


def _responses(n_moments: int = 3, **overrides) -> dict:
    frame = pd.DataFrame(
        {
            "respondent_id": ["r1", "ünïcødé-€", "x" * 300],
            "submitted_at": pd.to_datetime(
                ["2024-03-01T12:30:00.123456Z", None, "1999-12-31T23:59:59.000000Z"], utc=True
            ),
        }
    )
    segments = pd.DataFrame({"region": ["North", None, 'Zuid "quoted"'], "plan": ["a", "b", None]}, dtype="string")
    ratings = np.array([[0.0, 100.0, np.nan], [np.nan, np.nan, np.nan], [3.4028235e38, -1.5, 55.5]])[:, :n_moments]
    outcomes = np.array([[10.0], [np.nan], [1e308]])
    args = {"survey_id": 2**40 + 7, "frame": frame, "segments": segments, "ratings": ratings, "experienced": None,
            "outcomes": outcomes}  # fmt: skip
    return args | overrides


def _decoded(payload: bytes) -> list[dict]:
    """The responses rows as Python values, read by the plain reader."""
    out = []
    for fields in pgcopy.rows_split(payload):
        survey, respondent, stamp, segments, ratings, experienced, weight, outcomes = fields
        assert segments[:1] == b"\x01"  # jsonb version byte
        out.append(
            {
                "survey_id": struct.unpack(">q", survey)[0],
                "respondent_id": respondent.decode(),
                "submitted_us": None if stamp is None else struct.unpack(">q", stamp)[0] + pgcopy.PG_EPOCH_US,
                "outcomes": pgcopy.array_elements(outcomes),
                "segments": json.loads(segments[1:].decode()),
                "ratings": pgcopy.array_elements(ratings),
                "experienced": None if experienced is None else pgcopy.array_elements(experienced),
                "weight": None if weight is None else struct.unpack(">d", weight)[0],
            }
        )
    return out


def test_responses_round_trip_with_nulls_text_and_large_values():
    args = _responses()
    rows = _decoded(pgcopy.responses_payload(**args))

    assert [r["survey_id"] for r in rows] == [2**40 + 7] * 3
    assert [r["respondent_id"] for r in rows] == ["r1", "ünïcødé-€", "x" * 300]
    expected_us = args["frame"]["submitted_at"].dt.as_unit("us").astype("int64").tolist()
    assert rows[0]["submitted_us"] == expected_us[0]
    assert rows[1]["submitted_us"] is None  # NaT -> NULL
    assert rows[2]["submitted_us"] == expected_us[2]  # before the PostgreSQL epoch: negative on the wire
    assert [r["outcomes"] for r in rows] == [(pgcopy.OID_FLOAT8, [v]) for v in (10.0, None, 1e308)]  # NaN -> NULL
    assert [r["segments"] for r in rows] == [
        {"region": "North", "plan": "a"},
        {"plan": "b"},  # missing values are left out
        {"region": 'Zuid "quoted"'},
    ]
    oid, first = rows[0]["ratings"]
    assert oid == pgcopy.OID_FLOAT4
    assert first == [0.0, 100.0, None]  # NaN rating -> NULL element
    assert rows[1]["ratings"] == (pgcopy.OID_FLOAT4, [None, None, None])
    assert rows[2]["ratings"][1][0] == pytest.approx(3.4028235e38, rel=1e-7)  # float32 max survives
    assert rows[2]["ratings"][1][1:] == [-1.5, 55.5]
    assert all(r["experienced"] is None for r in rows)
    assert all(r["weight"] is None for r in rows)  # unweighted: a NULL weight column


def test_responses_round_trip_with_weights():
    weight = np.array([0.25, np.nan, 1e-300])
    rows = _decoded(pgcopy.responses_payload(**_responses(weight=weight)))
    assert [r["weight"] for r in rows] == [0.25, None, 1e-300]  # NaN -> NULL
    assert [r["outcomes"][1] for r in rows] == [[10.0], [None], [1e308]]  # the field after it is where it was
    assert [r["ratings"][1][1] for r in rows] == [100.0, None, -1.5]


def test_responses_with_no_moments_write_empty_arrays_and_flags_round_trip():
    flags = np.zeros((3, 0), dtype=bool)
    rows = _decoded(pgcopy.responses_payload(**_responses(0, experienced=flags)))
    assert [r["ratings"] for r in rows] == [(pgcopy.OID_FLOAT4, [])] * 3
    assert [r["experienced"] for r in rows] == [(pgcopy.OID_BOOL, [])] * 3

    flags = np.array([[True, False, True], [False, False, False], [True, True, True]])
    rows = _decoded(pgcopy.responses_payload(**_responses(3, experienced=flags)))
    assert [r["experienced"][1] for r in rows] == flags.tolist()


def test_several_outcomes_and_none_round_trip():
    outcomes = np.array([[9.0, 1.0, -2.5], [np.nan, 0.0, np.nan], [np.nan, np.nan, np.nan]])
    rows = _decoded(pgcopy.responses_payload(**_responses(outcomes=outcomes)))
    assert [r["outcomes"][1] for r in rows] == [[9.0, 1.0, -2.5], [None, 0.0, None], [None, None, None]]
    rows = _decoded(pgcopy.responses_payload(**_responses(outcomes=None)))
    assert [r["outcomes"] for r in rows] == [(pgcopy.OID_FLOAT8, [])] * 3


def test_responses_without_segments_write_an_empty_object():
    args = _responses(segments=pd.DataFrame(index=range(3)))
    assert [r["segments"] for r in _decoded(pgcopy.responses_payload(**args))] == [{}, {}, {}]


def test_ratings_rows_round_trip_with_nan_and_large_values():
    ids = np.array([1, 2**62, 3], dtype=np.int64)
    survey_ids = np.array([5, 5, 2**33], dtype=np.int64)
    outcome = np.array([np.nan, -1e300, 7.0])
    ratings = np.array([[np.nan, 0.0], [3.4e38, -3.4e38], [12.5, np.nan]], dtype=np.float32)

    rows = pgcopy.ratings_rows_decode(pgcopy.ratings_rows_encode(ids, survey_ids, outcome, ratings), 2)

    assert rows["id"].tolist() == ids.tolist()
    assert rows["survey_id"].tolist() == survey_ids.tolist()
    np.testing.assert_array_equal(rows["outcome"], outcome)  # NaN == NaN here
    np.testing.assert_array_equal(rows["elements"]["value"], ratings)
    assert math.isnan(rows["elements"]["value"][0, 0])


def test_ratings_rows_of_empty_arrays_and_of_no_rows():
    ids = np.array([4, 9], dtype=np.int64)
    rows = pgcopy.ratings_rows_decode(pgcopy.ratings_rows_encode(ids, ids, np.zeros(2), np.empty((2, 0))), 0)
    assert rows["id"].tolist() == [4, 9]
    assert "elements" not in rows.dtype.names

    empty = pgcopy.ratings_rows_encode(np.empty(0), np.empty(0), np.empty(0), np.empty((0, 3)))
    assert empty == pgcopy.COPY_HEADER + pgcopy.COPY_TRAILER
    assert len(pgcopy.ratings_rows_decode(empty, 3)) == 0


def test_ratings_rows_round_trip_with_weights():
    ids = np.array([3, 4, 5], dtype=np.int64)
    weight = np.array([1.5, np.nan, 1e-12])
    ratings = np.array([[10.0], [np.nan], [90.0]], dtype=np.float32)
    payload = pgcopy.ratings_rows_encode(ids, ids, np.array([9.0, 0.0, 6.0]), ratings, weight)

    rows = pgcopy.ratings_rows_decode(payload, 1, weighted=True)

    np.testing.assert_array_equal(rows["weight"], weight)
    np.testing.assert_array_equal(rows["outcome"], [9.0, 0.0, 6.0])
    np.testing.assert_array_equal(rows["elements"]["value"], ratings)
    (first, *_) = pgcopy.rows_split(payload)
    assert struct.unpack(">d", first[3])[0] == 1.5  # the weight is the fourth field, before the array
    with pytest.raises(pgcopy.CopyFormatError):
        pgcopy.ratings_rows_decode(payload, 1)  # read without the weight field: refused, not shifted
    unweighted = pgcopy.ratings_rows_encode(ids, ids, np.zeros(3), ratings)
    with pytest.raises(pgcopy.CopyFormatError):
        pgcopy.ratings_rows_decode(unweighted, 1, weighted=True)


def test_the_plain_reader_agrees_with_the_fast_one():
    ratings = np.array([[1.0, np.nan, 3.0]], dtype=np.float32)
    payload = pgcopy.ratings_rows_encode(np.array([11]), np.array([22]), np.array([0.5]), ratings)
    (fields,) = pgcopy.rows_split(payload)
    assert struct.unpack(">q", fields[0])[0] == 11
    assert struct.unpack(">q", fields[1])[0] == 22
    assert struct.unpack(">d", fields[2])[0] == 0.5
    oid, elements = pgcopy.array_elements(fields[3])
    assert oid == pgcopy.OID_FLOAT4
    assert elements[0] == 1.0 and math.isnan(elements[1]) and elements[2] == 3.0


def test_a_stream_in_another_layout_is_refused():
    good = pgcopy.ratings_rows_encode(np.array([1]), np.array([1]), np.array([1.0]), np.ones((1, 2)))
    with pytest.raises(pgcopy.CopyFormatError, match="header"):
        pgcopy.ratings_rows_decode(b"NOTCOPY" + good[7:], 2)
    with pytest.raises(pgcopy.CopyFormatError, match="layout"):
        pgcopy.ratings_rows_decode(good, 3)  # wider arrays than the stream has
    # another layout (the responses rows: 8 fields, NULL outcomes of length -1) is refused, not read as garbage
    responses = pgcopy.responses_payload(**_responses())
    with pytest.raises(pgcopy.CopyFormatError):
        pgcopy.ratings_rows_decode(responses, 3)


def test_text_arrays_of_a_csv_copy_become_a_matrix():
    column = pa.chunked_array([["1,,3", None, "", "2.5"]])
    matrix = pgcopy.text_array_matrix(column, pa.float32())
    np.testing.assert_array_equal(
        matrix, np.array([[1, np.nan, 3], [np.nan] * 3, [np.nan] * 3, [2.5, np.nan, np.nan]], dtype=np.float32)
    )
    flags = pgcopy.text_array_matrix(pa.chunked_array([["t,f", "f", None]]), pa.bool_())
    assert flags.tolist() == [[True, False], [False, False], [False, False]]
    assert pgcopy.text_array_matrix(pa.chunked_array([pa.array([], pa.string())]), pa.bool_()).shape == (0, 0)
