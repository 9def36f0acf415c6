"""read_table: open a survey export (CSV, XLSX, SPSS .sav) and stream its data as string frames.

Line numbers are spreadsheet line numbers: the first header row is line 1, so the first data row is
``header_rows + 1``. A quoted cell spanning several physical lines counts as one line (as in a spreadsheet);
blank lines in a CSV are skipped and not counted.

NUL bytes: kept in the cell text; validation reports a mapped cell containing one as a row error (the row is kept
in the report, excluded from the good rows). NUL bytes in header names are dropped.

Size caps (a hostile or broken file must fail fast, with bounded memory): at most ``max_columns`` columns; no cell
over ``max_field_bytes``; no CSV record over ``max_row_bytes`` (8 MB, or 8 cells' worth when larger). A quote that is
never closed turns the rest of the file into one cell: ``_row_sizes_check`` scans the raw bytes (numpy, a few MB at
a time) before pyarrow reads anything, and names the line where the runaway record starts.

Undecodable bytes: a file that is UTF-8 except for a few invalid bytes (a damaged export) is read as UTF-8 with
each invalid byte replaced by U+FFFD, and validation reports the mapped cells that hold one as row errors, instead
of reading the whole file as cp1252 and garbling every accented letter.

Ragged CSV rows: a short row is padded with empty cells; a long row whose extra cells are empty is cut; a long
row with non-empty extra cells is cut and reported by validation as a row error ("row has N fields, expected M").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from surveys.ingest import sniff
from surveys.ingest.errors import IngestError
from surveys.ingest.zipcheck import xlsx_check

LINE = "__line__"


@dataclass
class RawTable:
    """A survey export whose layout is known; data is read lazily, chunk by chunk, as strings."""

    path: Path
    format: str
    encoding: str | None
    delimiter: str | None
    decimal: str
    columns: list[str]
    labels: dict[str, str]
    header_rows: int
    first_data_line: int
    value_labels: dict[str, dict] = field(default_factory=dict)
    column_meta: dict[str, dict] = field(default_factory=dict)  # e.g. {"StartDate": {"timezone": "America/Denver"}}
    questions: dict[str, str] = field(default_factory=dict)  # two-row headers: the question over each column
    max_field_bytes: int = 1_000_000
    # the file has bytes its encoding cannot decode: they were replaced with U+FFFD (validation reports them)
    lossy: bool = False
    # CSV reader state
    _skip_physical: int = field(default=0, repr=False)
    _drop_trailing: bool = field(default=False, repr=False)
    # line -> reason, for rows that the reader had to repair (filled while iterating)
    malformed: dict[int, str] = field(default_factory=dict, repr=False)
    # the first rows, when the table was rebuilt from a snapshot (the file is not opened again for them)
    _stored_preview: pd.DataFrame | None = field(default=None, repr=False)

    def preview(self, n: int = 10) -> pd.DataFrame:
        """First n data rows as strings; the index holds spreadsheet line numbers. A table rebuilt from its
        snapshot (``table_from_snapshot``) answers from the rows the snapshot kept, without opening the file."""
        if self._stored_preview is not None:
            return self._stored_preview.head(n)
        frames, total = [], 0
        for chunk in self.iter_chunks(chunksize=max(n, 1)):
            frames.append(chunk.head(n - total))
            total += len(frames[-1])
            if total >= n:
                break
        if not frames:
            return _empty_frame(self.columns)
        return pd.concat(frames) if len(frames) > 1 else frames[0]

    def iter_chunks(self, chunksize: int = 200_000) -> Iterator[pd.DataFrame]:
        """All data rows as string frames (missing cell = ""), columns = self.columns.

        The index (named "__line__") holds spreadsheet line numbers. Memory stays bounded by the chunk size plus
        one CSV block.
        """
        if self.format == "excel":
            yield from _xlsx_chunks(self, chunksize)
        elif self.format == "spss":
            yield from _sav_chunks(self, chunksize)
        else:
            yield from _rechunk(_csv_chunks(self), chunksize)


def _empty_frame(columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    frame.index = pd.Index([], dtype="int64", name=LINE)
    return frame


def read_table(
    path: str | Path, *, filename: str | None = None, max_columns: int = 2000, max_field_bytes: int = 1_000_000
) -> RawTable:
    """Detect the layout of a survey export. `filename` (the uploaded name) decides the file type when the stored
    path has no meaningful suffix. Raises IngestError for a file that cannot be used at all."""
    path = Path(path)
    if not path.is_file():
        raise IngestError(f"File not found: {path.name}.")
    suffix = Path(filename or path.name).suffix.lower()
    with path.open("rb") as fh:
        magic = fh.read(8)
    if not magic:
        raise IngestError("The file is empty.")
    if suffix in (".xlsx", ".xlsm") or (magic.startswith(b"PK\x03\x04") and suffix not in (".csv", ".txt")):
        return _xlsx_open(path, max_columns, max_field_bytes)
    if suffix in (".sav", ".zsav") or magic.startswith(b"$FL2") or magic.startswith(b"$FL3"):
        return _sav_open(path, max_columns, max_field_bytes)
    if suffix in (".xls",):
        raise IngestError("Old Excel .xls files are not supported: save the sheet as .xlsx or CSV.")
    return _csv_open(path, max_columns, max_field_bytes)


# --- CSV ----------------------------------------------------------------------------------------------------------


ROW_SCAN_BLOCK = 4 << 20


def max_row_bytes(max_field_bytes: int) -> int:
    return max(8 << 20, 8 * max_field_bytes)


def _row_sizes_check(path: Path, encoding: str, limit: int) -> None:
    """Raises IngestError when a CSV record (a row, quoted line breaks included) is longer than ``limit`` bytes.

    Steps, per block of raw bytes: positions of quotes and of line ends (CR or LF); a line end closes a record when
    an even number of quotes precede it (quote parity carried over from earlier blocks; a doubled quote inside a
    quoted cell counts twice and so changes nothing); the distance between record ends is the record's length.
    Memory: one block and its position arrays. Skipped for UTF-16, where a byte 0x22 need not be a quote.
    """
    if encoding.lower().replace("_", "-").startswith("utf-16"):
        return
    odd_quotes = 0
    offset = row_start = lines_before = 0
    row_start_line = 1
    with path.open("rb") as fh:
        while block := fh.read(ROW_SCAN_BLOCK):
            data = np.frombuffer(block, dtype=np.uint8)
            quotes = np.flatnonzero(data == 0x22)
            newlines = np.flatnonzero(data == 0x0A)
            ends = np.flatnonzero((data == 0x0A) | (data == 0x0D))
            record_ends = ends[((np.searchsorted(quotes, ends) + odd_quotes) & 1) == 0]
            if len(record_ends):
                absolute = record_ends + offset
                starts = np.concatenate(([row_start], absolute[:-1] + 1))
                too_long = np.flatnonzero(absolute - starts > limit)
                if len(too_long):
                    i = int(too_long[0])
                    before = lines_before + int(np.searchsorted(newlines, starts[i] - offset))
                    _row_too_long(row_start_line if i == 0 else before + 1, limit)
                row_start = int(absolute[-1]) + 1
                row_start_line = lines_before + int(np.searchsorted(newlines, record_ends[-1] + 1)) + 1
            odd_quotes = (odd_quotes + len(quotes)) & 1
            lines_before += len(newlines)
            offset += len(block)
            if offset - row_start > limit:
                _row_too_long(row_start_line, limit)


def _row_too_long(line: int, limit: int) -> None:
    raise IngestError(
        f"The row starting on line {line:,} is larger than {limit / (1 << 20):.0f} MB, most likely because a quote "
        '(") opened there is never closed; the file cannot be imported. Check that line in a text editor.'
    )


def _csv_open(path: Path, max_columns: int, max_field_bytes: int) -> RawTable:
    encoding, lossy = sniff.encoding_detect_lossy(path)
    _row_sizes_check(path, encoding, max_row_bytes(max_field_bytes))
    text, complete = sniff.head_text(path, encoding)
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise IngestError("The file has no header row (it is empty or blank).")
    delimiter = sniff.delimiter_detect(text)
    records, line_ends = sniff.records_parse(text, delimiter, complete)
    if not records:
        raise IngestError("The first line is longer than 1 MB: this does not look like a CSV survey export.")
    # blank physical lines before the header belong to no record; drop them
    while records and not records[0]:
        records.pop(0)
    layout = sniff.layout_detect(records, max_columns)
    header_rows = min(layout.header_rows, len(records))
    skip = line_ends[header_rows - 1 + (len(line_ends) - len(records))] if records else 0
    table = RawTable(
        path=path,
        format=layout.format,
        encoding=encoding,
        delimiter=delimiter,
        decimal=sniff.decimal_detect(records[header_rows:], delimiter),
        columns=layout.columns,
        labels=layout.labels,
        header_rows=header_rows,
        first_data_line=header_rows + 1,
        column_meta=layout.meta,
        questions=layout.questions,
        max_field_bytes=max_field_bytes,
        lossy=lossy,
        _skip_physical=skip,
        _drop_trailing=layout.drop_trailing,
    )
    return table


def _arrow_encoding(encoding: str, lossy: bool = False) -> str:
    if lossy:
        return sniff.lossy_codec(encoding)
    return "utf8" if encoding in ("utf-8", "utf-8-sig") else encoding


def _csv_chunks(table: RawTable) -> Iterator[pd.DataFrame]:
    """Stream with pyarrow (multi-threaded C++ parser); rows of the wrong width are repaired in Python."""
    ncols = len(table.columns) + (1 if table._drop_trailing else 0)
    names = [f"c{i}" for i in range(ncols)]
    skipped: dict[int, list[str]] = {}  # line -> repaired cells
    offset = table.header_rows - table._skip_physical
    delimiter = table.delimiter or ","
    table.malformed.clear()

    def on_invalid(row: pa.csv.InvalidRow) -> str:  # type: ignore[name-defined]
        line = (row.number if row.number is not None and row.number >= 0 else -1) + offset
        cells = next(csv.reader(io.StringIO(row.text, newline=""), delimiter=delimiter), [])
        width = len(table.columns)
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            table.malformed[line] = f"row has {len(cells)} fields, expected {width}"
        skipped[line] = (cells + [""] * width)[:width]
        return "skip"

    # twice the longest record _row_sizes_check lets through: pyarrow never needs to grow a block
    block = 2 * max_row_bytes(table.max_field_bytes)
    try:
        reader = pacsv.open_csv(
            table.path,
            read_options=pacsv.ReadOptions(
                column_names=names,
                skip_rows=table._skip_physical,
                block_size=block,
                use_threads=False,  # keeps InvalidRow.number known, so repaired rows get their line back
                encoding=_arrow_encoding(table.encoding or "utf-8", table.lossy),
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=True, invalid_row_handler=on_invalid
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                null_values=[],
            ),
        )
        next_line = table.first_data_line
        for batch in reader:
            n = batch.num_rows
            _field_sizes_check(batch, table.max_field_bytes)
            if table._drop_trailing:
                batch = batch.select(names[:-1])
            frame = batch.to_pandas()
            frame.columns = table.columns
            pending = sorted(k for k in skipped if k >= next_line)
            candidates = np.arange(next_line, next_line + n + len(pending), dtype=np.int64)
            lines = candidates[~np.isin(candidates, pending)][:n]
            last = int(lines[-1]) if n else next_line - 1
            frame.index = pd.Index(lines, name=LINE)
            here = [k for k in pending if k <= last]
            if here:
                frame = _with_repaired(frame, {k: skipped.pop(k) for k in here}, table.columns)
            if len(frame):
                yield frame
            next_line = last + 1
        if skipped:
            yield _with_repaired(_empty_frame(table.columns), skipped, table.columns)
    except (pa.ArrowInvalid, pa.ArrowException) as exc:
        message = str(exc)
        if "straddling" in message or "block" in message:
            raise IngestError(
                f"A row or cell is larger than {table.max_field_bytes:,} bytes; the file cannot be imported."
            ) from exc
        raise IngestError(f"The file could not be read as CSV: {message.splitlines()[0][:200]}") from exc
    except UnicodeDecodeError as exc:
        raise IngestError(f"The file is not valid {table.encoding} text: {exc.reason}.") from exc


def _field_sizes_check(batch: pa.RecordBatch, limit: int) -> None:
    for column in batch.columns:
        if len(column) and (pc.max(pc.binary_length(column)).as_py() or 0) > limit:
            raise IngestError(f"A cell is larger than {limit:,} bytes; the file cannot be imported.")


def _with_repaired(frame: pd.DataFrame, rows: dict[int, list[str]], columns: list[str]) -> pd.DataFrame:
    extra = pd.DataFrame(list(rows.values()), columns=columns, index=pd.Index(list(rows), name=LINE), dtype=object)
    out = pd.concat([frame.astype(object), extra]) if len(frame) else extra
    return out.sort_index(kind="stable")


def _rechunk(frames: Iterator[pd.DataFrame], chunksize: int) -> Iterator[pd.DataFrame]:
    """Cut or merge frames to at most `chunksize` rows (merging only small pieces)."""
    buffer: list[pd.DataFrame] = []
    size = 0
    for frame in frames:
        start = 0
        while start < len(frame):
            take = frame.iloc[start : start + chunksize - size]
            buffer.append(take)
            size += len(take)
            start += len(take)
            if size >= chunksize:
                yield pd.concat(buffer) if len(buffer) > 1 else buffer[0]
                buffer, size = [], 0
    if buffer:
        yield pd.concat(buffer) if len(buffer) > 1 else buffer[0]


# --- XLSX ---------------------------------------------------------------------------------------------------------


def _cell_text(value: object) -> str:
    """Excel cell -> string; dates as ISO (so Excel serial dates need no special case later)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _sheet_size_bounded(self) -> None:
    """openpyxl's read-only sheet looks for its ``<dimension>`` with "end" events, so a sheet without one (a hostile
    or hand-made file) is parsed whole when it is opened: a million-row sheet took 8 s per opening. This reads only
    up to the start of ``<sheetData>``; the answer is the same (no dimension: none)."""
    from openpyxl.worksheet._reader import DATA_TAG, DIMENSION_TAG
    from openpyxl.worksheet.dimensions import SheetDimension
    from openpyxl.xml.functions import iterparse

    source = self._get_source()
    try:
        for _event, element in iterparse(source, events=("start",)):
            if element.tag == DIMENSION_TAG:
                bounds = SheetDimension.from_tree(element).boundaries
                self._min_column, self._min_row, self._max_column, self._max_row = bounds
                return
            if element.tag == DATA_TAG:
                return
    finally:
        source.close()


def _xlsx_rows(path: Path) -> Iterator[list[str]]:
    import openpyxl
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    ReadOnlyWorksheet._get_size = _sheet_size_bounded  # see its doc
    xlsx_check(path)  # declared sizes and ratios, before anything is inflated
    fh = path.open("rb")  # a file object, so that openpyxl does not insist on the .xlsx suffix
    try:
        # data_only: formulas are read as the values Excel cached, never evaluated; keep_links=False: external
        # workbooks are neither loaded nor followed
        book = openpyxl.load_workbook(fh, read_only=True, data_only=True, keep_links=False)
    except MemoryError:
        fh.close()
        raise  # the child process's memory ceiling (surveys.ingest.sandbox) says it
    except Exception as exc:
        fh.close()  # openpyxl raises zipfile, KeyError, XML errors... on a damaged file
        raise IngestError(f"The Excel file could not be opened: {type(exc).__name__}.") from exc
    try:
        sheet = book.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield [_cell_text(v) for v in row]
    except MemoryError:
        raise
    except Exception as exc:
        raise IngestError(f"The Excel file could not be read: {type(exc).__name__}.") from exc
    finally:
        book.close()
        fh.close()


def _xlsx_open(path: Path, max_columns: int, max_field_bytes: int) -> RawTable:
    head: list[list[str]] = []
    for row in _xlsx_rows(path):
        head.append(row)
        if len(head) >= 200:
            break
    while head and sniff._blank(head[0]):
        head.pop(0)
    layout = sniff.layout_detect(head, max_columns)
    return RawTable(
        path=path,
        format="excel",
        encoding=None,
        delimiter=None,
        decimal=".",
        columns=layout.columns,
        labels=layout.labels,
        header_rows=layout.header_rows,
        first_data_line=layout.header_rows + 1,
        column_meta=layout.meta,
        questions=layout.questions,
        max_field_bytes=max_field_bytes,
    )


def _xlsx_chunks(table: RawTable, chunksize: int) -> Iterator[pd.DataFrame]:
    width = len(table.columns)
    rows: list[list[str]] = []
    lines: list[int] = []
    line = 0
    started = False
    for row in _xlsx_rows(table.path):
        if not started:
            if sniff._blank(row):
                continue  # blank rows above the header are not part of the table
            started = True
        line += 1
        if line <= table.header_rows or sniff._blank(row):
            continue
        if len(row) > width and any(c.strip() for c in row[width:]):
            table.malformed[line] = f"row has {len(row)} cells, expected {width}"
        rows.append((row + [""] * width)[:width])
        lines.append(line)
        if len(rows) >= chunksize:
            yield _frame(rows, lines, table.columns)
            rows, lines = [], []
    if rows:
        yield _frame(rows, lines, table.columns)


def _frame(rows: list[list[str]], lines: list[int], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns, index=pd.Index(lines, dtype="int64", name=LINE), dtype=object)


# --- SPSS ---------------------------------------------------------------------------------------------------------


def _sav_header_check(path: Path, max_columns: int) -> None:
    """Refuses an SPSS file whose header declares counts its size cannot hold, before readstat reads it: more value
    slots per case than ``max_columns`` variables can have (a 32,767-byte string takes 4,096 slots), or more cases
    than the file has bytes for (an uncompressed case takes 8 bytes a slot, a bytecode-compressed one at least one
    byte a slot; zlib-compressed .zsav: at most 1,000 times that)."""
    with path.open("rb") as fh:
        head = fh.read(176)
    if len(head) < 176 or head[:4] not in (b"$FL2", b"$FL3"):
        return  # readstat says what is wrong
    order = "<" if struct.unpack("<i", head[64:68])[0] in (2, 3) else ">"
    case_size, compression, _weight, cases = struct.unpack(order + "iiii", head[68:84])
    if case_size > max_columns * 4096:
        raise IngestError(
            f"The SPSS file's header declares {case_size:,} values per case, more than {max_columns:,} variables can "
            "have; the file is damaged. It was not read."
        )
    if cases > 0 and case_size > 0:
        per_case = {0: 8 * case_size, 1: case_size}.get(compression, case_size / 1000)
        if cases * per_case > path.stat().st_size:
            raise IngestError(
                f"The SPSS file's header declares {cases:,} cases, more than its {path.stat().st_size:,} bytes can "
                "hold; the file is damaged or cut short. It was not read."
            )


def _sav_open(path: Path, max_columns: int, max_field_bytes: int) -> RawTable:
    import pyreadstat

    _sav_header_check(path, max_columns)
    try:
        _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
    except MemoryError:
        raise
    except Exception as exc:  # pyreadstat.ReadstatError and friends
        raise IngestError(f"The SPSS file could not be read: {exc}.") from exc
    columns = list(meta.column_names)
    if not columns:
        raise IngestError("The SPSS file has no variables.")
    if len(columns) > max_columns:
        raise IngestError(f"The file has {len(columns)} columns; the limit is {max_columns}.")
    labels = {c: (meta.column_names_to_labels.get(c) or c) for c in columns}
    value_labels = {
        c: {_code_text(k): str(v) for k, v in meta.variable_value_labels.get(c, {}).items()}
        for c in columns
        if meta.variable_value_labels.get(c)
    }
    return RawTable(
        path=path,
        format="spss",
        encoding=meta.file_encoding,
        delimiter=None,
        decimal=".",
        columns=columns,
        labels=labels,
        header_rows=1,
        first_data_line=2,
        value_labels=value_labels,
        max_field_bytes=max_field_bytes,
    )


def _code_text(value: object) -> str:
    return _cell_text(value)


def _sav_chunks(table: RawTable, chunksize: int) -> Iterator[pd.DataFrame]:
    """Codes, not labels (value labels are in table.value_labels); SPSS dates come out as ISO text."""
    import pyreadstat

    line = table.first_data_line
    try:
        chunks = pyreadstat.read_file_in_chunks(pyreadstat.read_sav, str(table.path), chunksize=chunksize)
        for df, _meta in chunks:
            out = pd.DataFrame(index=pd.RangeIndex(line, line + len(df), name=LINE))
            for column in table.columns:
                out[column] = _series_text(df[column]).to_numpy()
            out.index = pd.Index(np.arange(line, line + len(df), dtype=np.int64), name=LINE)
            line += len(df)
            yield out
    except (IngestError, MemoryError):
        raise
    except Exception as exc:
        raise IngestError(f"The SPSS file could not be read: {exc}.") from exc


def _series_text(series: pd.Series) -> pd.Series:
    """Vectorised value -> text: integral floats without '.0', NaN as ''."""
    if pd.api.types.is_numeric_dtype(series):
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        integral = np.isfinite(values) & (np.mod(values, 1) == 0) & (np.abs(values) < 1e15)
        text = pd.Series(values).astype(str)
        as_int = pd.Series(np.where(integral, values, 0).astype(np.int64)).astype(str)
        text = text.where(~integral, as_int)
        return text.where(~np.isnan(values), "")
    if pd.api.types.is_datetime64_any_dtype(series):
        return series.dt.strftime("%Y-%m-%d %H:%M:%S").fillna("")
    return series.map(lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v)) else _cell_text(v))
