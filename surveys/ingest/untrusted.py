"""What is done with an uploaded (untrusted) file: the work that runs in the worker's child process.

``file_detect``: read the layout, keep a snapshot (``table_snapshot``) and propose a mapping: the first saved
mapping that fits the file, else ``propose_mapping``. ``file_validated_chunks``: the validated chunks of the
import. Both take plain data (paths, JSON, numbers) and are run through ``surveys.ingest.sandbox.in_child`` by the
services, so a file that exhausts memory or crashes a C reader ends in that child. Pure: no Django.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from surveys.ingest.errors import IngestError
from surveys.ingest.mapping import Mapping
from surveys.ingest.proposal import propose_mapping
from surveys.ingest.snapshot import table_snapshot
from surveys.ingest.table import read_table
from surveys.ingest.validate import ValidatedChunk, validate_chunks


def file_detect(
    path: Path,
    filename: str,
    max_columns: int,
    max_field_bytes: int,
    saved: list[tuple[dict, str]],
    moments: dict[str, list[str]],
) -> dict:
    """{"snapshot", "mapping", "proposal"} of the file at ``path``. ``saved``: (mapping JSON, where it comes from)
    in order of preference (the wave's own, then the journey's other waves); ``moments``: the journey's moments
    and their aliases, for the automatic proposal."""
    table = read_table(path, filename=filename, max_columns=max_columns, max_field_bytes=max_field_bytes)
    snapshot = table_snapshot(table)
    for saved_json, source in saved:
        if not saved_json:
            continue
        try:
            mapping = Mapping.from_json(saved_json)
        except IngestError:
            continue
        if not mapping.check_columns(table):
            proposal = {"confident": True, "reasons": [f"the mapping saved by {source}"]}
            return {"snapshot": snapshot, "mapping": mapping.to_json(), "proposal": proposal}
    proposed = propose_mapping(table, moments=moments)
    proposal = {"confident": proposed.confident, "reasons": proposed.reasons}
    return {"snapshot": snapshot, "mapping": proposed.mapping.to_json(), "proposal": proposal}


def file_validated_chunks(
    path: Path, filename: str, max_columns: int, max_field_bytes: int, mapping_json: dict, chunksize: int
) -> Iterator[ValidatedChunk]:
    """The import's validated chunks of the file at ``path`` under ``mapping_json``."""
    table = read_table(path, filename=filename, max_columns=max_columns, max_field_bytes=max_field_bytes)
    yield from validate_chunks(table, Mapping.from_json(mapping_json), chunksize=chunksize)
