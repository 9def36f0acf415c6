"""The stored files of uploads: written under UPLOAD_ROOT by the app's own names (read only by the worker, in a
child process: ``surveys.services.reading``)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.conf import settings

from cxapp.models import Organisation

from ..ingest import IngestError
from ..models import Upload

logger = logging.getLogger(__name__)

UPLOAD_EXTENSIONS = {".csv", ".txt", ".tsv", ".tab", ".xlsx", ".xlsm", ".sav", ".zsav"}


def upload_path(upload: Upload) -> Path:
    return Path(settings.UPLOAD_ROOT) / upload.file_path


def _size_text(size: int) -> str:
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= factor:
            return f"{size / factor:.3g} {unit}"
    return f"{size} bytes"


def file_store(*, organisation: Organisation, source: Iterable[bytes], original_name: str) -> tuple[str, int]:
    """Streams ``source`` to ``UPLOAD_ROOT/<org>/<uuid>.<ext>`` (never the user's name); returns (relative path,
    size). Stops at ``UPLOAD_MAX_BYTES`` and leaves no partial file behind."""
    suffix = Path(original_name).suffix.lower()
    if suffix not in UPLOAD_EXTENSIONS:
        suffix = ".csv" if not suffix else ".dat"
    relative = f"{organisation.pk}/{uuid.uuid4().hex}{suffix}"
    target = Path(settings.UPLOAD_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    limit = settings.UPLOAD_MAX_BYTES
    size = 0
    try:
        with target.open("xb") as out:
            for block in source:
                size += len(block)
                if size > limit:
                    raise IngestError(
                        f"The file is larger than the limit of {_size_text(limit)}: split it, or remove "
                        "columns that are not needed, and upload again."
                    )
                out.write(block)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    if size == 0:
        target.unlink(missing_ok=True)
        raise IngestError("The file is empty.")
    return relative, size


def file_blocks(path: Path, size: int = 1024 * 1024) -> Iterator[bytes]:
    with path.open("rb") as fh:
        while block := fh.read(size):
            yield block
