"""read_table on small files written into tmp_path: encodings, delimiters, XLSX, SPSS, broken files."""

import datetime as dt

import pandas as pd
import pytest

from surveys.ingest import IngestError, read_table
from tests.surveys.ingest.conftest import write

SIMPLE = "id;Überall;score\n1;Käse;4,5\n2;Brötchen;3,0\n"


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"), ("cp1252", "cp1252")],
)
def test_encodings(tmp_path, encoding, expected):
    table = read_table(write(tmp_path, "a.csv", SIMPLE, encoding))
    assert table.encoding == expected
    assert table.columns == ["id", "Überall", "score"]
    frame = table.preview()
    assert frame["Überall"].tolist() == ["Käse", "Brötchen"]
    assert frame.index.tolist() == [2, 3]


def test_decimal_comma_detected_for_semicolon_files(tmp_path):
    table = read_table(write(tmp_path, "a.csv", SIMPLE))
    assert (table.delimiter, table.decimal) == (";", ",")


def test_decimal_point_kept_when_points_present(tmp_path):
    table = read_table(write(tmp_path, "a.csv", "a;b\n1,5;2.5\n"))
    assert table.decimal == "."


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters(tmp_path, delimiter):
    # a comma inside the quoted question text must not win
    header = delimiter.join(['"Hello, world, again"', "b", "c"])
    table = read_table(write(tmp_path, "a.csv", f"{header}\n1{delimiter}2{delimiter}3\n"))
    assert table.delimiter == delimiter
    assert table.columns == ["Hello, world, again", "b", "c"]


def test_bytes_undefined_in_cp1252_are_replaced_and_flagged(tmp_path):
    # 0x81 is undefined in cp1252: it is read as U+FFFD (validation reports the cell), é is still é
    table = read_table(write(tmp_path, "a.csv", b"a,b\n\x81x,\xe9\n"))
    assert (table.encoding, table.lossy) == ("cp1252", True)
    assert table.preview().values.tolist() == [["\ufffdx", "é"]]


def test_a_utf8_file_with_a_damaged_byte_stays_utf8(tmp_path):
    body = b"a,b\n" + "Zürich,Genève\n".encode() * 3 + b"Z\xfcrich,Gen\xe8ve\n"
    table = read_table(write(tmp_path, "a.csv", body))
    assert (table.encoding, table.lossy) == ("utf-8", True)
    assert table.preview()["a"].tolist() == ["Zürich", "Zürich", "Zürich", "Z\ufffdrich"]


def test_undecodable_byte_at_the_end_is_found(tmp_path):
    body = "a,b\n" + "1,2\n" * 400_000 + "3,caf\xe9\n"
    table = read_table(write(tmp_path, "a.csv", body, "cp1252"))
    assert table.encoding == "cp1252"
    last = list(table.iter_chunks())[-1]
    assert last["b"].iloc[-1] == "café"


def test_duplicate_and_empty_headers(tmp_path):
    table = read_table(write(tmp_path, "a.csv", ",Q1,Q1,Q1 (2),Q1\n0,1,2,3,4\n"))
    assert table.columns == ["column 1", "Q1", "Q1 (3)", "Q1 (2)", "Q1 (4)"]


def test_qualtrics_legacy_two_rows_trailing_comma(tmp_path):
    head = ",".join(f"V{i}" for i in range(1, 11)) + ",Q1,Q2,\n"
    labels = (
        "ResponseID,ResponseSet,Name,ExternalDataReference,EmailAddress,IPAddress,Status,"
        "StartDate,EndDate,Finished,How likely?,Why?,\n"
    )
    row = "R_1,Default,,,,1.2.3.4,0,2016-01-01 10:00:00,2016-01-01 10:05:00,1,9,Good,\n"
    table = read_table(write(tmp_path, "legacy.csv", head + labels + row, "utf-8-sig"))
    assert table.format == "qualtrics_legacy"
    assert table.header_rows == 2
    assert table.columns[-2:] == ["Q1", "Q2"]
    assert table.labels["V1"] == "ResponseID"
    frame = table.preview()
    assert frame.loc[3, "Q1"] == "9"
    assert frame.shape == (1, 12)


def test_qualtrics_timezone_from_import_ids(tmp_path):
    text = (
        "StartDate,ResponseId,Q1\nStart Date,Response ID,How likely\n"
        '"{""ImportId"":""startDate"",""timeZone"":""America/Denver""}","{""ImportId"":""_recordId""}",'
        '"{""ImportId"":""QID1""}"\n2024-01-01 10:00:00,R_1,9\n'
    )
    table = read_table(write(tmp_path, "q.csv", text))
    assert table.format == "qualtrics"
    assert table.column_meta["StartDate"] == {"timezone": "America/Denver"}


def test_multiline_quoted_cells_count_as_one_line(tmp_path):
    text = 'id,"long\nquestion"\n1,"a\nb\nc"\n2,x\n3,y\n'
    table = read_table(write(tmp_path, "a.csv", text))
    assert table.columns == ["id", "long\nquestion"]
    frame = table.preview()
    assert frame.index.tolist() == [2, 3, 4]
    assert frame["id"].tolist() == ["1", "2", "3"]


def test_ragged_rows_are_padded_or_marked(tmp_path):
    text = "a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12,,\n13,14,15\n"
    table = read_table(write(tmp_path, "a.csv", text))
    frame = pd.concat(list(table.iter_chunks()))
    assert frame.index.tolist() == [2, 3, 4, 5, 6]
    assert frame.loc[3].tolist() == ["4", "5", ""]
    assert frame.loc[4].tolist() == ["6", "7", "8"]
    assert frame.loc[5].tolist() == ["10", "11", "12"]
    assert table.malformed == {4: "row has 4 fields, expected 3"}


def test_nul_bytes_are_kept_in_cells(tmp_path):
    table = read_table(write(tmp_path, "a.csv", b"a,b\x00\n1,x\x00y\n"))
    assert table.columns == ["a", "b"]
    assert table.preview()["b"].tolist() == ["x\x00y"]


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"\n\n  \n", "no header"), (b",,,\n1,2,3,4\n", "no header")],
)
def test_unusable_files(tmp_path, content, message):
    with pytest.raises(IngestError, match=message):
        read_table(write(tmp_path, "a.csv", content))


def test_too_many_columns(tmp_path):
    header = ",".join(f"c{i}" for i in range(50))
    with pytest.raises(IngestError, match="50 columns; the limit is 20"):
        read_table(write(tmp_path, "a.csv", header + "\n"), max_columns=20)


def test_field_larger_than_limit(tmp_path):
    path = write(tmp_path, "a.csv", "a,b\n1," + "x" * 300_000 + "\n" + "2,3\n")
    table = read_table(path, max_field_bytes=10_000)
    assert table.columns == ["a", "b"]
    with pytest.raises(IngestError, match="larger than 10,000 bytes"):
        list(table.iter_chunks())


def test_header_only_file_has_no_rows(tmp_path):
    table = read_table(write(tmp_path, "a.csv", "a,b\n"))
    assert list(table.iter_chunks()) == []
    assert table.preview().shape == (0, 2)


def test_xlsx(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["ResponseId", "RecordedDate", "Q1", "Q1", "Check-in"])
    sheet.append(
        [
            "R_1",
            dt.datetime(2024, 3, 14, 10, 33, 12),  # noqa: DTZ001 - Excel cells are naive
            9,
            1.5,
            "Neutral (4)",
        ]
    )
    sheet.append(["R_2", 45000.5, 10, None, 5])
    book.save(tmp_path / "s.xlsx")
    table = read_table(tmp_path / "s.xlsx")
    assert (table.format, table.encoding, table.delimiter) == ("excel", None, None)
    assert table.columns == ["ResponseId", "RecordedDate", "Q1", "Q1 (2)", "Check-in"]
    frame = table.preview()
    assert frame.index.tolist() == [2, 3]
    assert frame.loc[2].tolist() == ["R_1", "2024-03-14 10:33:12", "9", "1.5", "Neutral (4)"]
    assert frame.loc[3].tolist() == ["R_2", "45000.5", "10", "", "5"]


def test_xlsx_detected_by_content_without_suffix(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.append(["a", "b"])
    book.active.append([1, 2])
    book.save(tmp_path / "s.xlsx")
    (tmp_path / "s.xlsx").rename(tmp_path / "upload")
    assert read_table(tmp_path / "upload").format == "excel"


def test_broken_xlsx(tmp_path):
    with pytest.raises(IngestError, match="Excel"):
        read_table(write(tmp_path, "a.xlsx", b"PK\x03\x04garbage"))


def test_spss_value_labels(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    frame = pd.DataFrame({"resp": ["a1", "a2", "a3"], "checkin": [1.0, 3.0, 9.0], "ltr": [10.0, 7.0, float("nan")]})
    path = tmp_path / "s.sav"
    pyreadstat.write_sav(
        frame,
        str(path),
        column_labels=["Respondent", "Satisfaction with check-in", "Likely to recommend"],
        variable_value_labels={
            "checkin": {1.0: "Very dissatisfied", 3.0: "Neutral", 5.0: "Very satisfied", 9.0: "Not applicable"}
        },
    )
    table = read_table(path)
    assert table.format == "spss"
    assert table.columns == ["resp", "checkin", "ltr"]
    assert table.labels["checkin"] == "Satisfaction with check-in"
    assert table.value_labels["checkin"] == {
        "1": "Very dissatisfied",
        "3": "Neutral",
        "5": "Very satisfied",
        "9": "Not applicable",
    }
    preview = table.preview()
    assert preview["checkin"].tolist() == ["1", "3", "9"]
    assert preview["ltr"].tolist() == ["10", "7", ""]
    assert preview.index.tolist() == [2, 3, 4]


def test_broken_sav(tmp_path):
    with pytest.raises(IngestError, match="SPSS"):
        read_table(write(tmp_path, "a.sav", b"$FL2 not really"))
