"""Exports: exact columns, unrounded numbers, a readable workbook with its About sheet, formulas never live."""

import csv
import io
import json

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moments.exports import EXPORT_COLUMNS, escape_text, priorities_csv, priorities_json, priorities_xlsx

META = {
    "journey": "Broadband",
    "surveys": ["2026 Q1", "2026 Q2"],
    "segment_filter": {"region": ["North"]},
    "method": "relative_weights",
    "impact_unit": "% of R^2, signed",
    "threshold_mode": "mean",
    "threshold_satisfaction": 66.6565,
    "threshold_impact": 9.0909,
    "min_sample": 30,
    "bootstrap": 200,
    "n": 6000,
    "outcome_type": "nps",
    "outcome": 10.3833,
    "outcome_low": 8.2124,
    "outcome_high": 12.5438,
    "computed_at": "2026-11-22T23:40:55+00:00",
    "generated_at": "2026-11-22T23:41:55+00:00",
}


def frame(moment_names=("Service call", "Store visit")) -> pd.DataFrame:
    rows = []
    for i, name in enumerate(moment_names):
        rows.append(
            {
                "rank": i + 1,
                "moment": name,
                "stage": "Get help",
                "quadrant": "raise" if i == 0 else "insufficient_data",
                "action": "Moment of truth that disappoints: raise satisfaction first.",
                "satisfaction": 40.96642471434477 if i == 0 else np.nan,
                "satisfaction_low": 40.311849496800384 if i == 0 else np.nan,
                "satisfaction_high": 41.749288080835996 if i == 0 else np.nan,
                "impact": 12.18210013660706 if i == 0 else np.nan,
                "impact_low": 6.894847884754039 if i == 0 else np.nan,
                "impact_high": 20.571101363537398 if i == 0 else np.nan,
                "reach": 0.3993333333333333,
                "n": 2396,
                "occurrence_effect": -17.054849290859448 if i == 0 else np.nan,
                "occurrence_low": -21.83479243021489 if i == 0 else np.nan,
                "occurrence_high": -12.274906151504005 if i == 0 else np.nan,
                "stability": 0.62 if i == 0 else np.nan,
                "flags": "uncertain;pain_point" if i == 0 else "insufficient_data",
            }
        )
    return pd.DataFrame(rows, columns=list(EXPORT_COLUMNS))


def test_csv_has_the_exact_columns_and_unrounded_numbers():
    data = priorities_csv(frame(), META)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == EXPORT_COLUMNS == (
        "rank", "moment", "stage", "quadrant", "action", "satisfaction", "satisfaction_low", "satisfaction_high",
        "impact", "impact_low", "impact_high", "reach", "n", "occurrence_effect", "occurrence_low",
        "occurrence_high", "stability", "flags",
    )  # fmt: skip
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["satisfaction"] == "40.96642471434477" and float(first["satisfaction"]) == 40.96642471434477
    assert first["occurrence_effect"] == "-17.054849290859448"  # a number: never escaped
    assert first["rank"] == "1" and first["n"] == "2396"
    second = dict(zip(rows[0], rows[2], strict=True))
    assert second["satisfaction"] == "" and second["flags"] == "insufficient_data"


def test_json_has_meta_columns_and_null_for_missing():
    payload = json.loads(priorities_json(frame(), META))
    assert payload["columns"] == list(EXPORT_COLUMNS)
    assert list(payload["moments"][0]) == list(EXPORT_COLUMNS)
    assert payload["moments"][0]["impact"] == 12.18210013660706
    assert payload["moments"][1]["impact"] is None
    assert payload["meta"]["n"] == 6000 and payload["meta"]["segment_filter"] == {"region": ["North"]}


def test_xlsx_reads_back_with_formats_and_an_about_sheet():
    book = openpyxl.load_workbook(io.BytesIO(priorities_xlsx(frame(), META)))
    assert book.sheetnames == ["Priorities", "About"]
    sheet = book["Priorities"]
    assert tuple(c.value for c in sheet[1]) == EXPORT_COLUMNS
    assert sheet.freeze_panes == "A2"
    assert sheet["F2"].value == pytest.approx(40.96642471434477, abs=0) and sheet["F2"].number_format == "0.0"
    assert sheet["L2"].number_format == "0.0%"
    assert sheet["F3"].value is None
    assert sheet.column_dimensions["E"].width > 40
    assert len(sheet.conditional_formatting) >= 1
    about = {row[0]: row[1] for row in book["About"].iter_rows(min_row=2, values_only=True)}
    assert about["Impact method"] == "relative_weights"
    assert about["Respondents (n)"] == "6000"
    assert about["Segment filter"] == "region = North"
    assert "10.4" in about["NPS"] and "8.2" in about["NPS"] and "12.5" in about["NPS"]
    assert about["Thresholds"].startswith("mean")
    assert about["Generated"].startswith("2026-11-22")


def test_escape_text():
    assert escape_text("=1+1") == "'=1+1"
    assert escape_text("Service call") == "Service call"
    assert escape_text("") == ""


DANGEROUS = st.tuples(st.sampled_from(["=", "+", "-", "@", "\t", "\r"]), st.text(max_size=30)).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=DANGEROUS, stage=DANGEROUS)
def test_text_that_could_be_a_formula_is_escaped_in_csv_and_xlsx(name, stage):
    data = frame(moment_names=(name,))
    data["stage"] = stage
    rows = list(csv.reader(io.StringIO(priorities_csv(data).decode("utf-8-sig"), newline="")))
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["moment"] == "'" + name and record["stage"] == "'" + stage
    book = openpyxl.load_workbook(io.BytesIO(priorities_xlsx(data, META | {"journey": name})))
    sheet = book["Priorities"]
    for cell in (sheet["B2"], sheet["C2"]):
        assert cell.data_type == "s" and str(cell.value).startswith("'")
    assert str(book["About"]["B2"].value).startswith("'")
