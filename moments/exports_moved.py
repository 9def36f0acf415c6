"""What moved as a file (DESIGN section 5, ``explain_change``): one row per moment, a ``remainder`` row and a
``change`` row, as CSV, JSON or XLSX (a "What moved" sheet and an "About" sheet).

The columns start with DESIGN's stable names (``moment, contribution, contribution_low, contribution_high,
satisfaction_change, satisfaction_change_low, satisfaction_change_high, reach_change, significant``) and go on with
the numbers behind them. The ``remainder`` row carries the remainder and its bootstrap interval in the contribution
columns, the ``change`` row the outcome's change and its interval: contributions + remainder = change.
CSV: UTF-8 with BOM, numbers unrounded (shortest round-trip repr), empty = not available, text that a spreadsheet
could read as a formula escaped (``exports.escape_text``). A separate table from the priorities export
(``exports.PRIORITIES_FORMATS``): different rows and columns.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping

import xlsxwriter

from . import exports_words as xw  # the words of the XLSX file in the active language
from .analysis.moved import MOVED_COLUMNS
from .exports import _json_safe, escape_text
from .words import moved_sentence_text

MOVED_EXPORT_COLUMNS = ("moment", "stage", *MOVED_COLUMNS[1:])


def moved_rows(result: Mapping) -> list[dict]:
    """The export's rows of a ``services_moved.moved_compute`` result: moments, then remainder, then change."""
    summary = result["summary"]
    rows = [{c: row.get(c) for c in MOVED_EXPORT_COLUMNS} | {"moment": row["name"]} for row in result["moments"]]
    blank = dict.fromkeys(MOVED_EXPORT_COLUMNS)
    rows.append(
        blank
        | {
            "moment": "remainder",
            "contribution": summary["remainder"],
            "contribution_low": summary["remainder_low"],
            "contribution_high": summary["remainder_high"],
        }
    )
    rows.append(
        blank
        | {
            "moment": "change",
            "contribution": summary["change"],
            "contribution_low": summary["change_low"],
            "contribution_high": summary["change_high"],
        }
    )
    return rows


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return escape_text(value)
    return str(value)


def moved_csv(result: Mapping) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(MOVED_EXPORT_COLUMNS)
    for row in moved_rows(result):
        writer.writerow([_cell(row[c]) for c in MOVED_EXPORT_COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def moved_json(result: Mapping) -> bytes:
    """``{"before", "after", "summary", "columns", "moments": [...], "remainder": {...}, "change": {...}}``."""
    rows = moved_rows(result)
    payload = {
        "before": result["before"],
        "after": result["after"],
        "summary": result["summary"],
        "columns": list(MOVED_EXPORT_COLUMNS),
        "moments": rows[:-2],
        "remainder": rows[-2],
        "change": rows[-1],
    }
    return json.dumps(_json_safe(payload), ensure_ascii=False, indent=2, allow_nan=False).encode("utf-8")


def moved_xlsx(result: Mapping) -> bytes:
    """Workbook with a "What moved" sheet (the CSV's table: header styled and frozen, numbers unformatted-exact,
    text written as strings only, escaped as in the CSV) and an "About" sheet (periods, n, the change, the sentence,
    the model)."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "nan_inf_to_errors": False}
    )
    header = workbook.add_format({"bold": True, "bg_color": "#1F3A5F", "font_color": "#FFFFFF", "border": 1})
    number = workbook.add_format({"num_format": "0.00"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    sheet = workbook.add_worksheet(xw.xlsx_sheet("What moved"))
    for col, column in enumerate(MOVED_EXPORT_COLUMNS):
        sheet.write_string(0, col, xw.xlsx_heading(column), header)
        sheet.set_column(col, col, 24 if column in ("moment", "stage") else 14)
    rows = moved_rows(result)
    for r, row in enumerate(rows, start=1):
        for col, column in enumerate(MOVED_EXPORT_COLUMNS):
            value = row[column]
            if value is None:
                sheet.write_blank(r, col, None)
            elif isinstance(value, bool):
                sheet.write_boolean(r, col, value)
            elif isinstance(value, str):
                sheet.write_string(r, col, escape_text(xw.moved_row_label(value) if column == "moment" else value))
            else:
                sheet.write_number(r, col, value, number)
    sheet.freeze_panes(1, 1)
    summary = result["summary"]
    about = workbook.add_worksheet(xw.xlsx_sheet("About"))
    about.set_column(0, 0, 22)
    about.set_column(1, 1, 100, wrap)
    facts = [
        ("From", str(result["before"]["label"])),
        ("To", str(result["after"]["label"])),
        ("Outcome", str(summary["outcome_name"])),
        ("Respondents", f"{summary['n_before']} and {summary['n_after']}"),
        ("Change", f"{summary['change']} (95% interval {summary['change_low']} to {summary['change_high']})"),
        ("In words", str(summary["sentence"])),
        ("Model", str(summary["model"])),
        ("Bootstrap", f"{summary['bootstrap']} resamples, seed {summary['seed']}; FDR q = {summary['fdr_q']}"),
    ]
    about.write_string(0, 0, xw.xlsx_sheet("Field"), header)
    about.write_string(0, 1, xw.xlsx_sheet("Value"), header)
    for r, (label, value) in enumerate(xw.moved_about_rows(facts, result, moved_sentence_text(result)), start=1):
        about.write_string(r, 0, label)
        about.write_string(r, 1, escape_text(value))
    workbook.close()
    return buffer.getvalue()


MOVED_FORMATS = {
    "csv": (moved_csv, "text/csv; charset=utf-8"),
    "json": (moved_json, "application/json"),
    "xlsx": (moved_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def moved_export(fmt: str, result: Mapping) -> tuple[bytes, str]:
    write, content_type = MOVED_FORMATS[fmt]
    return write(result), content_type
