"""read_table on the real exports under ../shared/data (FORMATS.md, SOURCE.md)."""

import pytest

from surveys.ingest import read_table

CASES = [
    # path, format, encoding, delimiter, header_rows, columns, rows
    ("exports/qualtrics/qualtRics_sample.csv", "qualtrics", "utf-8", ",", 3, 20, 1),
    (
        "exports/qualtrics/QualtricsTools_No_Basis_for_Evaluation_Insights.csv",
        "qualtrics_insights",
        "utf-8",
        ",",
        3,
        49,
        15,
    ),
    ("exports/surveymonkey/StarWars.csv", "surveymonkey", "cp1252", ",", 2, 38, 1186),
    # SOURCE.md says 72 responses; the file holds 71 records + a blank line (pandas.read_csv agrees)
    ("exports/limesurvey/new_results_survey.csv", "limesurvey", "utf-8", ",", 1, 148, 71),
    ("exports/typeform/osmi_mental_health_in_tech_2018.csv", "typeform", "utf-8", ",", 1, 123, 417),
    ("exports/googleforms/osmi_mental_health_in_tech_2014.csv", "googleforms", "utf-8", ",", 1, 27, 1260),
    ("exports/excel_semicolon_de/results-survey.csv", "csv", "utf-8-sig", ";", 2, 38, 45),
    ("airline/test.csv", "csv", "utf-8", ",", 1, 25, 25976),
    ("corp_reputation/corporate_reputation_data.csv", "csv", "utf-8", ";", 1, 46, 344),
    ("ecsi_mobi/mobi.csv", "csv", "utf-8", ",", 1, 24, 250),
]


@pytest.mark.parametrize(("rel", "fmt", "encoding", "delimiter", "header_rows", "ncols", "nrows"), CASES)
def test_real_export_layout(data_dir, rel, fmt, encoding, delimiter, header_rows, ncols, nrows):
    table = read_table(data_dir / rel)
    assert (table.format, table.encoding, table.delimiter) == (fmt, encoding, delimiter)
    assert table.header_rows == header_rows
    assert table.first_data_line == header_rows + 1
    assert len(table.columns) == ncols
    assert len(set(table.columns)) == ncols
    assert table.decimal == "."
    chunks = list(table.iter_chunks(chunksize=500))
    assert sum(len(c) for c in chunks) == nrows
    first = chunks[0]
    assert list(first.columns) == table.columns
    assert first.index[0] == header_rows + 1
    assert not table.malformed


def test_limesurvey_row_count_matches_source(data_dir):
    # the trailing blank line is skipped
    table = read_table(data_dir / "exports/limesurvey/new_results_survey.csv")
    assert table.columns[0] == "id. Response ID"
    frame = table.preview(3)
    assert frame.iloc[0, 0] == "21"
    assert list(frame.index) == [2, 3, 4]


def test_qualtrics_labels_are_question_text(data_dir):
    table = read_table(data_dir / "exports/qualtrics/qualtRics_sample.csv")
    assert table.columns[:2] == ["StartDate", "EndDate"]
    assert table.labels["Q1"] == "This is a multiple choice question."
    assert table.labels["StartDate"] == "Anfangsdatum"
    row = table.preview(5)
    assert len(row) == 1
    assert row.loc[4, "ResponseId"] == "R_2YPOQ602ER1jkf1"
    assert row.loc[4, "Q2"] == "Hello World!"


def test_qualtrics_insights_negative_choice_columns(data_dir):
    table = read_table(data_dir / "exports/qualtrics/QualtricsTools_No_Basis_for_Evaluation_Insights.csv")
    assert "Q2_-1" in table.columns
    assert table.labels["Q1"] == "Indicate how you feel about squash"
    assert table.preview(1).loc[4, "ResponseID"] == "R_ebopwASnJ6p0KSp"


def test_surveymonkey_keys_and_labels(data_dir):
    table = read_table(data_dir / "exports/surveymonkey/StarWars.csv")
    assert table.columns[0] == "RespondentID"
    assert "Han Solo" in table.columns
    assert table.labels["Han Solo"].startswith("Please state whether you view the following characters")
    # the multi-select and the ranking share choice labels: the second gets a suffix
    assert "Star Wars: Episode I  The Phantom Menace (2)" in table.columns
    assert "Do you consider yourself to be a fan of the Expanded Universe?Œæ" in table.columns  # cp1252 mojibake
    frame = table.preview(2)
    assert frame.loc[3, "RespondentID"] == "3292879998"
    assert frame.loc[3, "Boba Fett"] == "Unfamiliar (N/A)"


def test_typeform_repeated_headers_are_unique(data_dir):
    table = read_table(data_dir / "exports/typeform/osmi_mental_health_in_tech_2018.csv")
    assert table.columns[0] == "#"
    assert table.columns[-3:] == ["Start Date (UTC)", "Submit Date (UTC)", "Network ID"]
    assert any(c.endswith(" (3)") for c in table.columns)


def test_excel_grouped_header(data_dir):
    table = read_table(data_dir / "exports/excel_semicolon_de/results-survey.csv")
    assert table.columns[0] == "Maschinenbau"
    assert table.labels["Maschinenbau"] == "Welchen fachlichen Hintergrund haben Sie? - Maschinenbau"
    assert table.preview(1).iloc[0, 0] == "Ja"


def test_airline_chunks_have_line_numbers(data_dir):
    table = read_table(data_dir / "airline/test.csv")
    assert table.columns[:2] == ["column 1", "id"]
    lines = [chunk.index.to_numpy() for chunk in table.iter_chunks(chunksize=10_000)]
    assert [len(x) for x in lines] == [10_000, 10_000, 5_976]
    assert lines[0][0] == 2
    assert lines[-1][-1] == 25_977
