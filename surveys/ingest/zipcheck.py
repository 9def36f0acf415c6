"""Refuse an XLSX that would expand to far more than any survey export before anything decompresses it.

An XLSX is a zip of XML parts. A zip bomb (a small file whose sheet expands to gigabytes) took a web worker to
6 GB before it was killed (issue 16). Python's ``zipfile``, which openpyxl reads through, never inflates a member
past the size its directory declares, so checking the declared sizes bounds what reading can produce:
1. at most ``MAX_MEMBERS`` parts;
2. the declared uncompressed total at most ``MAX_UNCOMPRESSED_BYTES``;
3. no part over ``RATIO_FLOOR_BYTES`` whose compression ratio exceeds ``MAX_RATIO`` (real sheets compress 5-30x,
   shared strings of very repetitive answers up to ~100x; bombs 1,000x and more).
Pure: no Django; the numbers are module constants so the reader and its tests share them.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

from surveys.ingest.errors import IngestError

MAX_MEMBERS = 10_000
MAX_UNCOMPRESSED_BYTES = 4 << 30  # 4 GB: far above a 1M x 25 sheet (~0.5 GB of XML)
MAX_RATIO = 250
RATIO_FLOOR_BYTES = 16 << 20  # small parts may compress as they like


def xlsx_check(path: Path) -> None:
    """Raises IngestError for a file whose zip directory promises a decompression bomb; returns otherwise
    (also for a file that is no zip at all: the reader then says it cannot open it)."""
    declared = _entries_declared(path)
    if declared > MAX_MEMBERS:
        # said by the end record, before the directory is parsed (a directory of millions of entries is itself
        # gigabytes of Python objects)
        raise IngestError(f"The Excel file has {declared:,} parts; a workbook has a few dozen. It was not opened.")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    if len(members) > MAX_MEMBERS:
        raise IngestError(f"The Excel file has {len(members):,} parts; a workbook has a few dozen. It was not opened.")
    total = sum(m.file_size for m in members)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise IngestError(
            f"The Excel file would expand to {total / (1 << 30):.1f} GB; the limit is "
            f"{MAX_UNCOMPRESSED_BYTES >> 30} GB. Save it as CSV, or split it. It was not opened."
        )
    for member in members:
        if member.file_size > RATIO_FLOOR_BYTES and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            ratio = member.file_size / max(member.compress_size, 1)
            raise IngestError(
                f"The Excel file looks like a zip bomb: its part {member.filename[:80]!r} expands {ratio:,.0f} times "
                f"(to {member.file_size / (1 << 20):,.0f} MB). It was not opened."
            )


def _entries_declared(path: Path) -> int:
    """The number of entries the zip's end record declares (0 when there is none)."""
    try:
        with path.open("rb") as fh:
            end = zipfile._EndRecData(fh)  # noqa: SLF001 - the stdlib's own end-record reader
    except (OSError, ValueError, EOFError, struct.error):
        return 0
    return int(end[zipfile._ECD_ENTRIES_TOTAL]) if end else 0  # noqa: SLF001
