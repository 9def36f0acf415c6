"""Detection of encoding, delimiter, decimal mark, survey tool and header rows of a CSV export.

Everything here works on the first megabyte of the file (the "head"), except the encoding check, which streams the
whole file once because an undecodable byte can sit on the last line (SurveyMonkey exports, FORMATS.md).
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from surveys.ingest.errors import IngestError

HEAD_BYTES = 1 << 20
DELIMITERS = (",", ";", "\t", "|")

# Python's csv module refuses fields over 128 KiB by default; the caller's max_field_bytes is the real limit.
csv.field_size_limit(1 << 30)


def encoding_detect(path: Path) -> str:
    """Return a Python codec name: utf-8-sig, utf-16, utf-8, cp1252 or latin-1 (which never fails).

    Steps: BOM; UTF-16 without BOM (every other byte NUL); strict UTF-8 over the whole file; cp1252 over the whole
    file (it leaves five bytes undefined); latin-1.
    """
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:2048]
    if len(sample) >= 8:
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        half = len(sample) / 2
        if odd > 0.4 * half and even < 0.05 * half:
            return "utf-16-le"
        if even > 0.4 * half and odd < 0.05 * half:
            return "utf-16-be"
    for encoding in ("utf-8", "cp1252"):
        if _decodes(path, encoding):
            return encoding
    return "latin-1"


def encoding_detect_lossy(path: Path) -> tuple[str, bool]:
    """``encoding_detect``, telling damaged files apart: (codec name, whether some bytes cannot be decoded).

    A file that fails strict UTF-8 yet holds more valid multi-byte UTF-8 characters than invalid bytes is a UTF-8
    export with a few damaged bytes: it is read as UTF-8 with those bytes replaced (U+FFFD), so one bad byte does
    not turn every accented letter of the file into cp1252 mojibake. A file that is not cp1252 either (bytes
    0x81, 0x8D, 0x8F, 0x90, 0x9D) is read as cp1252 with those replaced, rather than as latin-1 control
    characters. Validation reports mapped cells holding a replaced byte as row errors.
    """
    encoding = encoding_detect(path)
    if encoding == "utf-8-sig" and not _decodes(path, encoding):
        return encoding, True
    if encoding != "latin-1" and not (encoding == "cp1252" and _utf8_mostly(path)):
        return encoding, False
    if _utf8_mostly(path):
        return "utf-8", True
    return "cp1252", True


def _utf8_mostly(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    size = chars = invalid = 0
    with path.open("rb") as fh:
        while block := fh.read(8 << 20):
            text = decoder.decode(block)
            size, chars, invalid = size + len(block), chars + len(text), invalid + text.count("\ufffd")
    text = decoder.decode(b"", final=True)
    chars, invalid = chars + len(text), invalid + text.count("\ufffd")
    # each valid multi-byte character is 2-4 bytes read as one character; an invalid byte is one U+FFFD
    multibyte_extra = size - chars
    return multibyte_extra > 0 and invalid <= multibyte_extra


LOSSY_PREFIX = "momentum-lossy-"


def lossy_codec(encoding: str) -> str:
    """The name of a codec that decodes ``encoding``, replacing undecodable bytes with U+FFFD (pyarrow's CSV
    reader decodes non-UTF-8 files through Python codecs, strictly, and takes no error handler)."""
    return LOSSY_PREFIX + encoding


def _lossy_search(name: str) -> codecs.CodecInfo | None:
    normal = name.replace("_", "-")
    if not normal.startswith(LOSSY_PREFIX):
        return None
    base = codecs.lookup(normal[len(LOSSY_PREFIX) :])
    return codecs.CodecInfo(
        name=LOSSY_PREFIX + base.name,
        encode=base.encode,
        decode=lambda data, errors="replace": base.decode(data, errors),
        incrementalencoder=base.incrementalencoder,
        incrementaldecoder=functools.partial(base.incrementaldecoder, errors="replace"),
        streamreader=base.streamreader,
        streamwriter=base.streamwriter,
    )


codecs.register(_lossy_search)


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as fh:
            while block := fh.read(8 << 20):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def head_text(path: Path, encoding: str) -> tuple[str, bool]:
    """Decoded first megabyte and whether it is the whole file."""
    with path.open("rb") as fh:
        raw = fh.read(HEAD_BYTES + 1)
    complete = len(raw) <= HEAD_BYTES
    raw = raw[:HEAD_BYTES]
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    text = decoder.decode(raw, final=complete)
    return text, complete


def delimiter_detect(text: str) -> str:
    """Count each candidate on the first record, outside quotes; ties go to ','.

    csv.Sniffer is unreliable on survey headers (commas inside quoted question text), hence the hand count.
    """
    counts = dict.fromkeys(DELIMITERS, 0)
    in_quotes = False
    for char in text:
        if char == '"':
            in_quotes = not in_quotes
        elif not in_quotes:
            if char in "\r\n":
                break
            if char in counts:
                counts[char] += 1
    best = max(DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] > 0 else ","


def records_parse(text: str, delimiter: str, complete: bool, limit: int = 2000) -> tuple[list[list[str]], list[int]]:
    """First `limit` records of the head and, for each, the physical line count consumed after it."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[list[str]] = []
    line_ends: list[int] = []
    try:
        for row in reader:
            records.append(row)
            line_ends.append(reader.line_num)
            if len(records) >= limit:
                break
    except csv.Error as exc:
        raise IngestError(f"The file could not be read as CSV: {exc}.") from exc
    if not complete and len(records) < limit and records:
        # the last record of a truncated head may be cut in the middle
        records.pop()
        line_ends.pop()
    return records, line_ends


NUMBER_COMMA = re.compile(r"^-?\d+,\d+$")
NUMBER_DOT = re.compile(r"^-?\d+\.\d+$")
THOUSANDS_COMMA = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")


def decimal_detect(rows: list[list[str]], delimiter: str) -> str:
    """',' when numeric-looking cells use a decimal comma and none uses a decimal point (never for ',' files)."""
    if delimiter == ",":
        return "."
    comma = dot = 0
    for row in rows[:1000]:
        for cell in row:
            cell = cell.strip()
            if NUMBER_DOT.match(cell):
                dot += 1
            elif NUMBER_COMMA.match(cell) and not THOUSANDS_COMMA.match(cell):
                comma += 1
    return "," if comma and not dot else "."


@dataclass
class HeaderLayout:
    format: str
    header_rows: int
    columns: list[str]
    labels: dict[str, str]
    drop_trailing: bool = False  # legacy Qualtrics: a trailing delimiter on every line
    meta: dict[str, dict] = field(default_factory=dict)  # e.g. Qualtrics timeZone per column
    questions: dict[str, str] = field(default_factory=dict)  # two-row headers: the question over each column


def _blank(cells: list[str]) -> bool:
    return all(not c.strip() for c in cells)


def layout_detect(records: list[list[str]], max_columns: int) -> HeaderLayout:
    """Survey tool and header rows from header signatures (FORMATS.md)."""
    if not records or _blank(records[0]):
        raise IngestError("The file has no header row (the first line is empty).")
    first = [c.replace("\x00", "").strip() for c in records[0]]
    if len(first) > max_columns:
        raise IngestError(f"The file has {len(first)} columns; the limit is {max_columns}.")
    second = records[1] if len(records) > 1 else []
    third = records[2] if len(records) > 2 else []

    drop_trailing = (
        len(first) > 1 and first[-1] == "" and all((len(r) == len(first) and not r[-1].strip()) for r in records[:3])
    )
    if drop_trailing:
        first = first[:-1]

    def row(cells: list[str]) -> list[str]:
        cells = [c.replace("\x00", "").strip() for c in cells[: len(first)]]
        return cells + [""] * (len(first) - len(cells))

    second_c, third_c = row(second), row(third)
    lower = [c.lower() for c in first]
    filled3 = [c for c in third_c if c]

    if filled3 and all(c.startswith('{"ImportId"') for c in filled3):
        return _qualtrics(first, second_c, third_c, "qualtrics", 3, drop_trailing)
    if filled3 and all(c.startswith("{'ImportId'") for c in filled3):
        return _qualtrics(first, second_c, third_c, "qualtrics_insights", 3, drop_trailing)
    if lower[:1] == ["v1"] and "v10" in lower:
        return _qualtrics(first, second_c, [], "qualtrics_legacy", 2, drop_trailing)

    generic = {"response", "open-ended response"}
    if second and any(c.lower() in generic for c in second_c):
        fmt = "surveymonkey" if any("respondent" in c for c in lower) else "csv"
        return _grouped(first, second_c, fmt, drop_trailing)
    if second and _looks_grouped(first, second_c):
        return _grouped(first, second_c, "csv", drop_trailing)

    fmt = "csv"
    if first[0] == "#" and any(c in ("network id", "submit date (utc)") for c in lower):
        fmt = "typeform"
    elif lower[0] == "timestamp":
        fmt = "googleforms"
    elif {"id", "submitdate"} <= {c.split(".")[0] for c in lower} or (
        "response id" in lower and "date submitted" in lower
    ):
        fmt = "limesurvey"
    columns = unique_keys(first)
    return HeaderLayout(fmt, 1, columns, dict(zip(columns, first, strict=True)), drop_trailing)


def _looks_grouped(first: list[str], second: list[str]) -> bool:
    """Row 1 holds a question over its first column only, row 2 the option labels (Excel/LimeSurvey re-save)."""
    empty = [i for i, c in enumerate(first) if not c]
    if len(first) < 4 or len(empty) < 0.25 * len(first):
        return False
    filled_below = sum(1 for i in empty if second[i])
    numeric = sum(1 for c in second if re.fullmatch(r"-?\d+([.,]\d+)?", c))
    return filled_below >= 0.8 * len(empty) and numeric < 0.2 * len(second)


def _grouped(first: list[str], second: list[str], fmt: str, drop_trailing: bool) -> HeaderLayout:
    """Two header rows: question text over the first column of each question, choice labels below.

    Key: the row-1 text where row 2 is generic ("Response") or empty, else the row-2 choice label, so a matrix row
    reads "Han Solo". Label: "question - choice".
    """
    generic = {"response", "open-ended response", ""}
    keys, labels, questions = [], [], []
    question = ""
    for i, (top, below) in enumerate(zip(first, second, strict=True)):
        question = top or question
        questions.append(question)
        if below.lower() in generic:
            keys.append(top or question or f"column {i + 1}")
            labels.append(question or top)
        else:
            keys.append(below)
            labels.append(f"{question} - {below}" if question else below)
    columns = unique_keys(keys)
    layout = HeaderLayout(fmt, 2, columns, dict(zip(columns, labels, strict=True)), drop_trailing)
    layout.questions = dict(zip(columns, questions, strict=True))
    return layout


def _qualtrics(
    first: list[str], second: list[str], third: list[str], fmt: str, header_rows: int, drop_trailing: bool
) -> HeaderLayout:
    columns = unique_keys(first)
    labels = {k: (second[i] or first[i]) for i, k in enumerate(columns)}
    meta: dict[str, dict] = {}
    for key, cell in zip(columns, third, strict=False):
        tz = re.search(r"""["']timeZone["']\s*:\s*["']([^"']+)["']""", cell)
        if tz:
            meta[key] = {"timezone": tz.group(1)}
    return HeaderLayout(fmt, header_rows, columns, labels, drop_trailing, meta)


def unique_keys(names: list[str]) -> list[str]:
    """Repeated or empty header names get a suffix: "Q1", "Q1 (2)"; an empty name becomes "column N"."""
    seen: dict[str, int] = {}
    taken = set(names)
    out = []
    for i, name in enumerate(names):
        name = name or f"column {i + 1}"
        if name in seen:
            n = seen[name] + 1
            while f"{name} ({n})" in taken:
                n += 1
            seen[name] = n
            name = f"{name} ({n})"
        else:
            seen[name] = 1
        taken.add(name)
        out.append(name)
    return out
