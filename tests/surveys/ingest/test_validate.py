"""validate_chunks: every bad cell reported with line, column, value and reason; good rows as arrays."""

import numpy as np
import pandas as pd
import pytest

from surveys.ingest import ERROR_COLUMNS, IngestError, Mapping, read_table, validate_chunks
from tests.surveys.ingest.conftest import write


def run(table, mapping, chunksize=200_000):
    chunks = list(validate_chunks(table, mapping, chunksize=chunksize))
    errors = pd.concat([c.errors for c in chunks], ignore_index=True) if chunks else pd.DataFrame()
    return chunks, errors


def mapping(**kw):
    base = {"respondent_id": "id", "submitted_at": None, "outcome": "ltr", "moments": {"Check-in": "m1", "Food": "m2"}}
    return Mapping.from_json({**base, **kw})


def test_exactly_three_bad_rows(tmp_path):
    rows = ["id,ltr,m1,m2"] + [f"r{i},{i % 11},{1 + i % 5},{1 + (i * 3) % 5}" for i in range(1, 41)]
    rows[10] = "r10,11,3,3"  # outcome out of 0-10, line 11
    rows[20] = "r20,7,abc,3"  # non-numeric rating, line 21
    rows[30] = "r30,7,3,6"  # rating out of scale, line 31
    table = read_table(write(tmp_path, "s.csv", "\n".join(rows) + "\n"))
    chunks, errors = run(table, mapping(scale=[1, 5]))
    assert list(errors.columns) == ERROR_COLUMNS
    assert errors.values.tolist() == [
        [11, "ltr", "11", "outcome must be an integer 0-10"],
        [21, "m1", "abc", "not a number"],
        [31, "m2", "6", "out of scale 1-5"],
    ]
    (chunk,) = chunks
    assert chunk.bad_lines.tolist() == [11, 21, 31]
    assert len(chunk.lines) == 37
    assert 11 not in chunk.lines
    assert chunk.ratings.shape == (37, 2)
    assert chunk.ratings.dtype == np.float32
    assert chunk.moments == ["Check-in", "Food"]


def test_rescaling_labels_and_not_applicable(tmp_path):
    text = (
        "id,ltr,m1,m2\n"
        "a,10,Very satisfied (5),1\n"
        'b,0,"Neutral (4)",N/A\n'
        "c,5,Unfamiliar (N/A),-99\n"
        "d,6,Not Applicable (8),n.v.t.\n"
        "e,7,(3) so-so,\n"
    )
    table = read_table(write(tmp_path, "s.csv", text))
    (chunk,), errors = run(table, mapping(scale=[1, 5], not_applicable=["-99"]))
    assert errors.empty
    np.testing.assert_allclose(chunk.ratings[:, 0], [100, 75, np.nan, np.nan, 50])
    np.testing.assert_allclose(chunk.ratings[:, 1], [0, np.nan, np.nan, np.nan, np.nan])
    assert chunk.outcome.tolist() == [10, 0, 5, 6, 7]
    assert chunk.respondent_id.tolist() == ["a", "b", "c", "d", "e"]


def test_decimal_comma_ratings(tmp_path):
    table = read_table(write(tmp_path, "s.csv", "id;ltr;m1;m2\na;9;4,5;1\nb;8;2,0;3\n"))
    assert table.decimal == ","
    (chunk,), errors = run(table, mapping(scale=[1, 5]))
    assert errors.empty
    np.testing.assert_allclose(chunk.ratings[:, 0], [87.5, 25.0])


def test_duplicates_within_and_across_chunks(tmp_path):
    ids = ["a", "b", "a", "c", "b", "d", "a", "", "e", "c"]
    text = "id,ltr,m1,m2\n" + "".join(f"{i},9,3,3\n" for i in ids)
    table = read_table(write(tmp_path, "s.csv", text))
    chunks, errors = run(table, mapping(scale=[1, 5]), chunksize=3)
    assert len(chunks) == 4
    assert errors.values.tolist() == [
        [4, "id", "a", "duplicate respondent id, first seen on line 2"],
        [6, "id", "b", "duplicate respondent id, first seen on line 3"],
        [8, "id", "a", "duplicate respondent id, first seen on line 2"],
        [9, "id", "", "missing respondent id"],
        [11, "id", "c", "duplicate respondent id, first seen on line 5"],
    ]
    good = np.concatenate([c.respondent_id for c in chunks]).tolist()
    assert good == ["a", "b", "c", "d", "e"]


def test_line_number_is_the_id_without_id_column(tmp_path):
    table = read_table(write(tmp_path, "s.csv", "ltr,m1,m2\n9,3,3\n8,2,2\n"))
    (chunk,), _ = run(table, mapping(respondent_id=None, scale=[1, 5]))
    assert chunk.respondent_id.tolist() == ["2", "3"]


def test_missing_and_bad_outcome(tmp_path):
    text = "id,ltr,m1,m2\na,,3,3\nb,N/A,3,3\nc,7.5,3,3\nd,x,3,3\ne,9,3,3\n"
    table = read_table(write(tmp_path, "s.csv", text))
    (chunk,), errors = run(table, mapping(scale=[1, 5]))
    assert errors[["line", "reason"]].values.tolist() == [
        [2, "missing outcome"],
        [3, "missing outcome"],
        [4, "outcome must be an integer 0-10"],
        [5, "outcome is not a number"],
    ]
    assert chunk.lines.tolist() == [6]


def test_numeric_outcome_accepts_any_number(tmp_path):
    table = read_table(write(tmp_path, "s.csv", "id,ltr,m1,m2\na,7.5,3,3\nb,-2,3,3\n"))
    (chunk,), errors = run(table, mapping(scale=[1, 5], outcome_type="numeric"))
    assert errors.empty
    assert chunk.outcome.tolist() == [7.5, -2.0]


@pytest.mark.parametrize(
    ("values", "positive", "expected"),
    [
        (["Yes", "no", "YES"], [], [1, 0, 1]),
        (["1", "0", "0"], [], [1, 0, 0]),
        (["satisfied", "neutral or dissatisfied", "satisfied"], ["satisfied"], [1, 0, 1]),
    ],
)
def test_binary_outcome(tmp_path, values, positive, expected):
    text = "id,ltr,m1,m2\n" + "".join(f"r{i},{v},3,3\n" for i, v in enumerate(values))
    table = read_table(write(tmp_path, "s.csv", text))
    (chunk,), errors = run(table, mapping(scale=[1, 5], outcome_type="binary", outcome_positive=positive))
    assert errors.empty
    assert chunk.outcome.tolist() == expected


def test_binary_outcome_without_positive_and_unclear_values(tmp_path):
    table = read_table(write(tmp_path, "s.csv", "id,ltr,m1,m2\na,good,3,3\nb,bad,3,3\n"))
    with pytest.raises(IngestError, match="outcome_positive"):
        run(table, mapping(scale=[1, 5], outcome_type="binary"))


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        (["2024-03-14 10:33:12", "2024-03-15T08:00:00Z"], ["2024-03-14T10:33:12", "2024-03-15T08:00:00"]),
        (["8/27/2014 11:29:31", "12/1/2014 9:05:00"], ["2014-08-27T11:29:31", "2014-12-01T09:05:00"]),
        (["3/4/2024 1:05:00 PM", "3/5/2024 11:00:00 AM"], ["2024-03-04T13:05:00", "2024-03-05T11:00:00"]),
        (["3/4/2024 10:00", "14/3/2024 10:00"], ["2024-04-03T10:00:00", "2024-03-14T10:00:00"]),  # day-first
        (["14-3-2024 10:33:12", "1-4-2024 09:00:00"], ["2024-03-14T10:33:12", "2024-04-01T09:00:00"]),
        (["14.03.2024", "01.04.2024"], ["2024-03-14T00:00:00", "2024-04-01T00:00:00"]),
    ],
)
def test_dates(tmp_path, dates, expected):
    text = "id,when,ltr,m1,m2\n" + "".join(f"r{i},{d},9,3,3\n" for i, d in enumerate(dates))
    table = read_table(write(tmp_path, "s.csv", text))
    (chunk,), errors = run(table, mapping(scale=[1, 5], submitted_at="when"))
    assert errors.empty
    assert chunk.submitted_at.dtype == np.dtype("datetime64[ns]")
    assert chunk.submitted_at.astype("datetime64[s]").astype(str).tolist() == expected


def test_bad_and_empty_dates(tmp_path):
    text = "id,when,ltr,m1,m2\na,2024-03-14 10:00:00,9,3,3\nb,,9,3,3\nc,yesterday,9,3,3\nd,2024-02-30 10:00:00,9,3,3\n"
    table = read_table(write(tmp_path, "s.csv", text))
    (chunk,), errors = run(table, mapping(scale=[1, 5], submitted_at="when"))
    assert errors[["line", "value", "reason"]].values.tolist() == [
        [4, "yesterday", "unparseable date"],
        [5, "2024-02-30 10:00:00", "unparseable date"],
    ]
    assert np.isnat(chunk.submitted_at[1])


def test_qualtrics_timezone_applied(tmp_path):
    text = (
        "RecordedDate,ResponseId,Q1,Q2\nRecorded,Response ID,How likely,Check-in\n"
        '"{""ImportId"":""recordedDate"",""timeZone"":""America/Denver""}","{""ImportId"":""_recordId""}",'
        '"{""ImportId"":""QID1""}","{""ImportId"":""QID2""}"\n2024-01-01 10:00:00,R_1,9,4\n'
    )
    table = read_table(write(tmp_path, "q.csv", text))
    m = Mapping.from_json(
        {"respondent_id": "ResponseId", "submitted_at": "RecordedDate", "outcome": "Q1", "moments": {"Check-in": "Q2"}}
    )
    (chunk,), errors = run(table, m)
    assert errors.empty
    assert str(chunk.submitted_at[0]) == "2024-01-01T17:00:00.000000000"


def test_nul_byte_cell_is_a_row_error(tmp_path):
    table = read_table(write(tmp_path, "s.csv", b"id,ltr,m1,m2\na,9,3,3\nb,9,3\x00,3\nc,9,3,3\n"))
    (chunk,), errors = run(table, mapping(scale=[1, 5]))
    assert errors[["line", "column", "reason"]].values.tolist()[0] == [3, "m1", "NUL byte in cell"]
    assert chunk.bad_lines.tolist() == [3]
    assert chunk.lines.tolist() == [2, 4]


def test_long_row_is_a_row_error(tmp_path):
    table = read_table(write(tmp_path, "s.csv", "id,ltr,m1,m2\na,9,3,3\nb,9,3,3,extra\nc,9,3\n"))
    (chunk,), errors = run(table, mapping(scale=[1, 5]))
    assert errors.values.tolist() == [[3, "", "", "row has 5 fields, expected 4"]]
    np.testing.assert_allclose(chunk.ratings[:, 1], [50, np.nan])  # short row padded: m2 empty


def test_scale_inferred(tmp_path):
    text = "id,ltr,m1,m2\n" + "".join(f"r{i},9,{1 + i % 6},{2 + i % 3}\n" for i in range(30))
    table = read_table(write(tmp_path, "s.csv", text))
    (chunk,), errors = run(table, mapping())
    assert errors.empty
    assert chunk.scale == (1.0, 7.0)
    assert np.nanmin(chunk.ratings) == 0.0


def test_experienced_flags(tmp_path):
    text = "id,ltr,m1,m2,used\na,9,3,3,yes\nb,9,,4,no\nc,9,5,,\nd,9,,,\n"
    table = read_table(write(tmp_path, "s.csv", text))
    (chunk,), errors = run(table, mapping(scale=[1, 5], experienced={"Check-in": "used"}))
    assert errors.empty
    assert chunk.experienced.tolist() == [[True, True], [False, True], [True, False], [False, False]]


def test_segments(tmp_path):
    text = "id,ltr,m1,m2,Class\na,9,3,3, Eco \nb,9,3,3,\n"
    table = read_table(write(tmp_path, "s.csv", text))
    (chunk,), _ = run(table, mapping(scale=[1, 5], segments={"Class": "Class"}))
    assert chunk.segments["Class"].tolist()[0] == "Eco"
    assert pd.isna(chunk.segments["Class"].tolist()[1])


def test_unknown_column_in_mapping(tmp_path):
    table = read_table(write(tmp_path, "s.csv", "id,ltr,m1,m2\na,9,3,3\n"))
    with pytest.raises(IngestError, match="column 'm3' is not in the file"):
        run(table, mapping(moments={"Check-in": "m3"}))


def test_spss_labels_and_scale(tmp_path):
    import pyreadstat

    frame = pd.DataFrame({"resp": ["a1", "a2", "a3"], "checkin": [1.0, 3.0, 9.0], "ltr": [10.0, 7.0, 0.0]})
    path = tmp_path / "s.sav"
    labels = {1.0: "Very dissatisfied", 3.0: "Neutral", 5.0: "Very satisfied", 9.0: "Not applicable"}
    pyreadstat.write_sav(frame, str(path), variable_value_labels={"checkin": labels})
    table = read_table(path)
    m = Mapping.from_json(
        {"respondent_id": "resp", "submitted_at": None, "outcome": "ltr", "moments": {"Check-in": "checkin"}}
    )
    (chunk,), errors = run(table, m)
    assert errors.empty
    assert chunk.scale == (1.0, 5.0)
    np.testing.assert_allclose(chunk.ratings[:, 0], [0, 50, np.nan])


def test_xlsx_serial_dates(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    for row in (["id", "when", "ltr", "m1", "m2"], ["a", 45000.5, 9, 3, 3], ["b", 45001, 8, 4, 4]):
        book.active.append(row)
    book.save(tmp_path / "s.xlsx")
    (chunk,), errors = run(read_table(tmp_path / "s.xlsx"), mapping(scale=[1, 5], submitted_at="when"))
    assert errors.empty
    assert chunk.submitted_at.astype("datetime64[s]").astype(str).tolist() == [
        "2023-03-15T12:00:00",
        "2023-03-16T00:00:00",
    ]


def test_airline_real_file(data_dir):
    table = read_table(data_dir / "airline/test.csv")
    items = table.columns[8:22]
    m = Mapping.from_json(
        {
            "respondent_id": "id",
            "submitted_at": None,
            "outcome": "satisfaction",
            "outcome_type": "binary",
            "outcome_positive": ["satisfied"],
            "moments": {c: c for c in items},
            "segments": {"Class": "Class", "Type of Travel": "Type of Travel"},
            "not_applicable": ["0"],
        }
    )
    chunks, errors = run(table, m, chunksize=10_000)
    assert errors.empty
    assert sum(len(c.lines) for c in chunks) == 25_976
    assert chunks[0].scale == (1.0, 5.0)
    outcome = np.concatenate([c.outcome for c in chunks])
    assert set(np.unique(outcome)) == {0.0, 1.0}
    ratings = np.concatenate([c.ratings for c in chunks])
    assert ratings.shape == (25_976, 14)
    assert np.isnan(ratings).sum() > 0  # the zeros are "not applicable"
    assert np.nanmin(ratings) == 0 and np.nanmax(ratings) == 100


def test_corp_reputation_real_file(data_dir):
    table = read_table(data_dir / "corp_reputation/corporate_reputation_data.csv")
    qual = [f"qual_{i}" for i in range(1, 9)]
    m = Mapping.from_json(
        {
            "respondent_id": None,
            "submitted_at": None,
            "outcome": "cusl_1",
            "outcome_type": "numeric",
            "moments": {c: c for c in qual},
            "segments": {"provider": "serviceprovider"},
            "not_applicable": [-99],
        }
    )
    chunks, errors = run(table, m)
    # -99 is "missing" for the outcome too: those rows are reported, not guessed
    assert set(errors["reason"]) <= {"missing outcome"}
    assert len(errors) == 3
    assert sum(len(c.lines) for c in chunks) == 344 - 3
    assert chunks[0].scale == (1.0, 7.0)
