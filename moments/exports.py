"""The prioritised moment list as CSV, XLSX and JSON (DESIGN section 5).

Pure: a DataFrame with ``EXPORT_COLUMNS`` (``selectors.priorities_frame``) and a meta dict
(``selectors.priorities_meta``) in, bytes out. Numbers are unrounded in CSV and JSON and formatted in XLSX.

Spreadsheet formula injection (OWASP "CSV Injection"): every *text* cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is prefixed with a single quote, in CSV and in XLSX, so a moment named
``=HYPERLINK(...)`` is shown, never evaluated. Numbers are written as numbers and left alone.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping

import pandas as pd
import xlsxwriter

from . import exports_words as xw  # the words of the XLSX file in the active language
from .labels import outcome_heading

EXPORT_COLUMNS = (
    "rank",
    "moment",
    "stage",
    "quadrant",
    "action",
    "satisfaction",
    "satisfaction_low",
    "satisfaction_high",
    "impact",
    "impact_low",
    "impact_high",
    "reach",
    "n",
    "occurrence_effect",
    "occurrence_low",
    "occurrence_high",
    "stability",
    "flags",
)
TEXT_COLUMNS = ("moment", "stage", "quadrant", "action", "flags")
INTEGER_COLUMNS = ("rank", "n")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# Quadrant fills (colour-blind safe, Okabe-Ito family, light tints so black text stays readable).
QUADRANT_FILLS = {
    "raise": "#FBE7DC",
    "amplify": "#DCF3EC",
    "improve": "#FDF1D8",
    "reduce": "#DCEBF7",
    "insufficient_data": "#DDDDDD",
}


def escape_text(value: str) -> str:
    """The text with a leading single quote when a spreadsheet could read it as a formula."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def _number(value) -> float | int | None:
    """Plain Python number, None for missing / NaN."""
    if value is None or pd.isna(value):
        return None
    if isinstance(value, bool):
        return int(value)
    if float(value).is_integer() and not isinstance(value, float):
        return int(value)
    value = float(value)
    return value if math.isfinite(value) else None


def _check(frame: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in EXPORT_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"priorities frame lacks columns {missing}")
    return frame[list(EXPORT_COLUMNS)]


def _records(frame: pd.DataFrame, *, escape: bool) -> list[dict]:
    """Rows as dicts of plain values (None for missing); text escaped when ``escape``."""
    records = []
    for row in frame.itertuples(index=False, name=None):
        record = {}
        for column, value in zip(EXPORT_COLUMNS, row, strict=True):
            if column in TEXT_COLUMNS:
                text = "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
                record[column] = escape_text(text) if escape else text
            elif column in INTEGER_COLUMNS:
                record[column] = None if pd.isna(value) else int(value)
            else:
                record[column] = _number(value)
        records.append(record)
    return records


def priorities_csv(frame: pd.DataFrame, meta: Mapping | None = None) -> bytes:
    """UTF-8 CSV (with BOM, so Excel reads accents right), header = ``EXPORT_COLUMNS``, numbers unrounded
    (shortest round-trip repr), empty cell = not available. ``meta`` is not written: a CSV has one table."""
    frame = _check(frame)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for record in _records(frame, escape=True):
        writer.writerow(
            [
                "" if record[c] is None else repr(record[c]) if isinstance(record[c], float) else record[c]
                for c in EXPORT_COLUMNS
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _json_safe(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def priorities_json(frame: pd.DataFrame, meta: Mapping | None = None) -> bytes:
    """``{"meta": {...}, "columns": EXPORT_COLUMNS, "moments": [{column: value}, ...]}``; numbers unrounded,
    null = not available. Text is not escaped: JSON is not opened by spreadsheets."""
    frame = _check(frame)
    payload = {
        "meta": _json_safe(dict(meta or {})),
        "columns": list(EXPORT_COLUMNS),
        "moments": _records(frame, escape=False),
    }
    return json.dumps(payload, ensure_ascii=False, indent=2, allow_nan=False).encode("utf-8")


# Number formats per column (XLSX only; the values stay unrounded in the cell).
_XLSX_FORMATS = {
    "rank": "0",
    "n": "#,##0",
    "satisfaction": "0.0",
    "satisfaction_low": "0.0",
    "satisfaction_high": "0.0",
    "impact": "0.00",
    "impact_low": "0.00",
    "impact_high": "0.00",
    "reach": "0.0%",
    "occurrence_effect": "+0.0;-0.0;0.0",
    "occurrence_low": "+0.0;-0.0;0.0",
    "occurrence_high": "+0.0;-0.0;0.0",
    "stability": "0%",
}
_XLSX_WIDTHS = {"rank": 6, "moment": 24, "stage": 16, "quadrant": 16, "action": 58, "n": 9, "flags": 30}


def _outcome_line(meta: Mapping) -> str:
    """The outcome the impact is measured on: "Retention (binary): impact on this outcome; primary outcome NPS"."""
    kind = meta.get("outcome_type", "nps")
    name = meta.get("outcome_name") or outcome_heading(kind)
    primary = " (the journey's primary outcome)" if meta.get("outcome_primary", True) else ""
    return f"{name}, type {kind}{primary}: impact, occurrence effect and what-if are measured on it"


def _about_rows(meta: Mapping) -> list[tuple[str, str]]:
    def fmt(value, digits=1):
        if value is None:
            return "-"
        if isinstance(value, float):
            return f"{value:.{digits}f}"
        return str(value)

    outcome_name = outcome_heading(meta.get("outcome_type", "nps"))
    if meta.get("outcome_name"):  # several outcomes (issue 11): the sheet names the one the impact is on
        kind, named = meta.get("outcome_type", "nps"), meta["outcome_name"]
        outcome_name = {"binary": f"{named} rate (%)", "numeric": f"{named} (mean)"}.get(kind, named)
    segment_filter = meta.get("segment_filter") or {}
    filters = "; ".join(f"{k} = {', '.join(map(str, v))}" for k, v in segment_filter.items()) or "none (everyone)"
    thresholds = (
        f"{meta.get('threshold_mode', 'mean')}: satisfaction {fmt(meta.get('threshold_satisfaction'))}, "
        f"impact {fmt(meta.get('threshold_impact'), 2)}"
    )
    rows = [
        ("Journey", fmt(meta.get("journey"))),
        ("Waves", ", ".join(meta.get("surveys") or []) or "-"),
        ("Segment filter", filters),
        ("Outcome", _outcome_line(meta)),
        ("Impact method", fmt(meta.get("method"))),
        ("Impact unit", fmt(meta.get("impact_unit"))),
        ("Thresholds", thresholds),
        ("Minimum sample", fmt(meta.get("min_sample"))),
        ("Bootstrap resamples", fmt(meta.get("bootstrap"))),
        ("Respondents (n)", fmt(meta.get("n"))),
        (
            outcome_name,
            f"{fmt(meta.get('outcome'))} (95% interval {fmt(meta.get('outcome_low'))} to "
            f"{fmt(meta.get('outcome_high'))})",
        ),
        ("Computed", fmt(meta.get("computed_at"))),
        ("Generated", fmt(meta.get("generated_at"))),
    ]
    if meta.get("method_note"):
        rows.insert(5, ("Method note", str(meta["method_note"])))
    rows.append(
        (
            "Reading the table",
            "satisfaction 0-100 (mean of the ratings rescaled from the survey scale); impact: share of the "
            "outcome's explained variance in %, signed (correlation: Pearson r); reach: share of respondents "
            "who experienced the moment; occurrence effect: outcome of those who experienced it minus those who "
            "did not; stability: share of bootstrap resamples in the same quadrant.",
        )
    )
    return rows


def priorities_xlsx(frame: pd.DataFrame, meta: Mapping | None = None) -> bytes:
    """Workbook with a "Priorities" sheet (styled header, frozen header row, autofilter, number formats, column
    widths, quadrant cells coloured) and an "About" sheet (method, thresholds, filters, n, outcome with its
    interval, dates). Text cells are written as strings only (never formulas) and escaped as in the CSV."""
    frame = _check(frame)
    meta = dict(meta or {})
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "nan_inf_to_errors": False}
    )
    header = workbook.add_format(
        {"bold": True, "bg_color": "#1F3A5F", "font_color": "#FFFFFF", "border": 1, "text_wrap": True}
    )
    formats = {column: workbook.add_format({"num_format": fmt}) for column, fmt in _XLSX_FORMATS.items()}
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})

    sheet = workbook.add_worksheet(xw.xlsx_sheet("Priorities"))
    for col, column in enumerate(EXPORT_COLUMNS):
        sheet.write_string(0, col, xw.xlsx_heading(column), header)
        sheet.set_column(col, col, _XLSX_WIDTHS.get(column, 12), formats.get(column))
    records = _records(frame, escape=True)
    for record in records:  # the words a person reads, in the active language (codes in English)
        record |= {
            "quadrant": xw.xlsx_quadrant(record["quadrant"]),
            "action": xw.xlsx_action(record["action"]),
            "flags": xw.xlsx_flags(record["flags"]),
        }
    for row, record in enumerate(records, start=1):
        for col, column in enumerate(EXPORT_COLUMNS):
            value = record[column]
            if value is None:
                sheet.write_blank(row, col, None, formats.get(column))
            elif column in TEXT_COLUMNS:
                sheet.write_string(row, col, value)
            else:
                sheet.write_number(row, col, value, formats.get(column))
    sheet.freeze_panes(1, 0)
    last_row = max(len(records), 1)
    sheet.autofilter(0, 0, last_row, len(EXPORT_COLUMNS) - 1)
    quadrant_col = EXPORT_COLUMNS.index("quadrant")
    for quadrant, colour in QUADRANT_FILLS.items():
        sheet.conditional_format(
            1,
            quadrant_col,
            last_row,
            quadrant_col,
            {
                "type": "cell",
                "criteria": "==",
                "value": f'"{xw.xlsx_quadrant(quadrant)}"',
                "format": workbook.add_format({"bg_color": colour}),
            },
        )

    about = workbook.add_worksheet(xw.xlsx_sheet("About"))
    about.set_column(0, 0, 22)
    about.set_column(1, 1, 90, wrap)
    about.write_string(0, 0, xw.xlsx_sheet("Field"), header)
    about.write_string(0, 1, xw.xlsx_sheet("Value"), header)
    for row, (label, value) in enumerate(xw.priorities_about_rows(_about_rows(meta), meta), start=1):
        about.write_string(row, 0, label)
        about.write_string(row, 1, escape_text(value))
    workbook.close()
    return buffer.getvalue()


PRIORITIES_FORMATS = {
    "csv": (priorities_csv, "text/csv; charset=utf-8"),
    "xlsx": (priorities_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "json": (priorities_json, "application/json"),
}


def priorities_export(fmt: str, frame: pd.DataFrame, meta: Mapping | None = None) -> tuple[bytes, str]:
    """The file of ``fmt`` (a key of ``PRIORITIES_FORMATS``) and its content type."""
    write, content_type = PRIORITIES_FORMATS[fmt]
    return write(frame, meta), content_type


def priorities_filename(journey_slug: str, view_slug: str, fmt: str) -> str:
    """``<journey>-priorities-<view>.<fmt>``: the view (``AnalysisFilter.slug``) tells two exports apart."""
    return f"{journey_slug}-priorities-{view_slug}.{fmt}"
