"""Row-error reports of uploads, stored as CSV files next to the uploads (``UPLOAD_ROOT/<org>/reports/``), never
in the upload row the status page polls (issue 16: a file of 3M bad cells stored a 70 MB report in the row, loaded
again by every 0.5 s poll).

A report keeps the first ``MOMENTUM_ERROR_REPORT_MAX_ROWS`` bad cells; the upload's ``error_count`` and
``rows_invalid`` keep the totals. ``errors.csv`` streams the file. Reports made before this change are still read
from ``Upload.error_report``.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest

from ..ingest import ERROR_COLUMNS
from ..models import Upload

STREAM_BLOCK = 64 * 1024


def report_path(relative: str) -> Path:
    return Path(settings.UPLOAD_ROOT) / relative


class ReportWriter:
    """Writes the bad cells of one import to a new report file, the first ``limit`` of them; counts them all."""

    def __init__(self, organisation_id: int, limit: int | None = None) -> None:
        self.limit = settings.MOMENTUM_ERROR_REPORT_MAX_ROWS if limit is None else limit
        self.relative = f"{organisation_id}/reports/{uuid.uuid4().hex}.csv"
        self.count = 0
        self.kept = 0
        self._fh: io.TextIOWrapper | None = None

    def add(self, errors: pd.DataFrame) -> None:
        self.count += len(errors)
        room = self.limit - self.kept
        if room <= 0 or errors.empty:
            return
        if self._fh is None:
            path = report_path(self.relative)
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = path.open("x", encoding="utf-8", newline="")
            csv.writer(self._fh, lineterminator="\n").writerow(ERROR_COLUMNS)
        part = errors.head(room)
        part[ERROR_COLUMNS].to_csv(self._fh, header=False, index=False, lineterminator="\n")
        self.kept += len(part)

    def close(self) -> str:
        """The report's relative path ("" when nothing was written)."""
        if self._fh is None:
            return ""
        self._fh.close()
        return self.relative


def report_exists(upload: Upload) -> bool:
    return bool(upload.error_report_file or upload.error_report)


def report_read(*, upload: Upload, limit: int | None = None) -> pd.DataFrame:
    """The first ``limit`` row errors (line, column, value, reason) of ``upload``'s report."""
    if upload.error_report_file and report_path(upload.error_report_file).is_file():
        source: object = report_path(upload.error_report_file)
    elif upload.error_report:
        source = io.StringIO(upload.error_report)
    else:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in ERROR_COLUMNS})
    frame = pd.read_csv(source, dtype=str, keep_default_na=False, nrows=limit)
    return frame.astype({"line": "int64"})


def report_stream(*, upload: Upload) -> Iterator[bytes]:
    """The report's bytes, a block at a time (``errors.csv``)."""
    if upload.error_report_file and report_path(upload.error_report_file).is_file():
        with report_path(upload.error_report_file).open("rb") as fh:
            while block := fh.read(STREAM_BLOCK):
                yield block
    elif upload.error_report:
        text = upload.error_report.encode()
        for start in range(0, len(text), STREAM_BLOCK):
            yield text[start : start + STREAM_BLOCK]


def report_replace(*, upload_id: int, errors: pd.DataFrame, removed: int) -> None:
    """Writes ``errors`` as the upload's report (privacy: the erased ids removed), in a new file; the old one is
    deleted after commit."""
    upload = Upload.objects.get(pk=upload_id)
    writer = ReportWriter(upload.organisation_id, limit=len(errors) + 1)
    writer.add(errors)
    relative = writer.close()
    Upload.objects.filter(pk=upload_id).update(
        error_report_file=relative, error_report="", error_count=Greatest(F("error_count") - removed, 0)
    )
    report_delete_on_commit(upload.error_report_file)


def report_delete_on_commit(relative: str) -> None:
    if relative:
        path = report_path(relative)
        transaction.on_commit(lambda: path.unlink(missing_ok=True))
