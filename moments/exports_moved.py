"""What moved as a file (DESIGN section 5, ``explain_change``): one row per moment, a ``remainder`` row and a
``change`` row, as CSV or JSON.

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

from .analysis.moved import MOVED_COLUMNS
from .exports import _json_safe, escape_text

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


MOVED_FORMATS = {
    "csv": (moved_csv, "text/csv; charset=utf-8"),
    "json": (moved_json, "application/json"),
}


def moved_export(fmt: str, result: Mapping) -> tuple[bytes, str]:
    write, content_type = MOVED_FORMATS[fmt]
    return write(result), content_type
