"""A table's snapshot: its layout and first rows as JSON, stored on the upload (``Upload.layout``) where the file
is read (the worker's child process), so that the mapping page and the mapping check never open the file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from surveys.ingest.table import LINE, RawTable, _empty_frame

SNAPSHOT_ROWS = 2000
SNAPSHOT_CELLS = 200_000  # fewer rows for a wide file: the snapshot is stored on the upload row
SNAPSHOT_CELL_CHARS = 200


def table_snapshot(table: RawTable, rows: int = SNAPSHOT_ROWS) -> dict:
    """What the mapping page and the mapping check need of a table, as JSON: its layout and its first rows (at
    most ``SNAPSHOT_CELLS`` cells, each cut to ``SNAPSHOT_CELL_CHARS`` characters). Made where the file is read
    (the worker's child process); ``table_from_snapshot`` rebuilds the table without opening the file."""
    rows = max(1, min(rows, SNAPSHOT_CELLS // max(len(table.columns), 1)))
    sample = table.preview(rows)
    cut = sample.apply(lambda column: column.astype(str).str.slice(0, SNAPSHOT_CELL_CHARS)) if len(sample) else sample
    return _json_text_safe(
        {
            "format": table.format,
            "encoding": table.encoding,
            "delimiter": table.delimiter,
            "decimal": table.decimal,
            "columns": list(table.columns),
            "labels": dict(table.labels),
            "header_rows": table.header_rows,
            "first_data_line": table.first_data_line,
            "value_labels": table.value_labels,
            "column_meta": table.column_meta,
            "questions": table.questions,
            "lossy": table.lossy,
            "preview": {"lines": [int(x) for x in sample.index], "rows": cut.to_numpy().tolist()},
        }
    )


def _json_text_safe(value):
    """PostgreSQL's jsonb cannot hold a NUL character: shown as the four characters \\x00 (as in the report)."""
    if isinstance(value, str):
        return value.replace("\x00", "\\x00")
    if isinstance(value, dict):
        return {_json_text_safe(k): _json_text_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_text_safe(v) for v in value]
    return value


def table_from_snapshot(path: str | Path, snapshot: dict, *, max_field_bytes: int = 1_000_000) -> RawTable:
    """The table ``table_snapshot`` described; ``preview`` answers from the stored rows. Reading its chunks opens
    the file (done only in the worker's child process)."""
    columns = list(snapshot["columns"])
    preview = snapshot.get("preview") or {}
    frame = pd.DataFrame(preview.get("rows") or [], columns=columns, dtype=object)
    if frame.empty:
        frame = _empty_frame(columns)
    else:
        frame.index = pd.Index(preview.get("lines") or [], dtype="int64", name=LINE)
    return RawTable(
        path=Path(path),
        format=snapshot["format"],
        encoding=snapshot.get("encoding"),
        delimiter=snapshot.get("delimiter"),
        decimal=snapshot.get("decimal", "."),
        columns=columns,
        labels=dict(snapshot.get("labels") or {}),
        header_rows=int(snapshot.get("header_rows", 1)),
        first_data_line=int(snapshot.get("first_data_line", 2)),
        value_labels=dict(snapshot.get("value_labels") or {}),
        column_meta=dict(snapshot.get("column_meta") or {}),
        questions=dict(snapshot.get("questions") or {}),
        max_field_bytes=max_field_bytes,
        lossy=bool(snapshot.get("lossy")),
        _stored_preview=frame,
    )
