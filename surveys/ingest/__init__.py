"""Pure ingest layer: read survey exports, propose and check a column mapping, validate rows.

No Django import here (see STYLE.md): services call these functions and store the results.

    table = read_table(path)                      # detect encoding, delimiter, tool, header rows
    proposal = propose_mapping(table)              # automatic mapping, confirmed by the analyst
    for chunk in validate_chunks(table, mapping):  # bounded memory, vectorised checks
        ...                                        # chunk.errors lists every bad cell
"""

from surveys.ingest.errors import IngestError
from surveys.ingest.mapping import Mapping
from surveys.ingest.proposal import MappingProposal, propose_mapping
from surveys.ingest.table import RawTable, read_table
from surveys.ingest.validate import ERROR_COLUMNS, RowError, ValidatedChunk, validate_chunks

__all__ = [
    "ERROR_COLUMNS",
    "IngestError",
    "Mapping",
    "MappingProposal",
    "RawTable",
    "RowError",
    "ValidatedChunk",
    "propose_mapping",
    "read_table",
    "validate_chunks",
]
