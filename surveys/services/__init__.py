"""Writes of the surveys app, one module per concern; the names other apps use are re-exported here.

- ``responses``: storing responses in bulk (binary COPY + upsert on PostgreSQL, ``surveys.pgcopy`` encodes);
- ``waves``: a wave (``Survey``) by name, its data version (an upload's new wave is created by its import);
- ``files``: the stored files of uploads;
- ``uploads``: ``upload_create`` -> ``upload_confirm`` (queues the job), the upload job kind, its sweeper;
- ``ingest_job``: the import job itself (``upload_ingest``), run by ``pipeline`` or the CLI.
"""

from ..ingest import IngestError  # what these services raise for the user to read
from .ingest_job import INGEST_CHUNK_ROWS, upload_ingest
from .reading import upload_read_now
from .responses import StoreCounts, responses_store, survey_moments_align
from .uploads import (
    QUEUE_DOWN_MESSAGE,
    UPLOAD_JOB,
    jobs_sweep_stale,
    upload_confirm,
    upload_create,
    upload_discard,
    upload_errors,
    upload_leftovers_remove,
    upload_name_clean,
    upload_table,
)
from .waves import survey_data_changed, survey_get_or_create, survey_name_clean, survey_outcomes_ensure

__all__ = [
    "INGEST_CHUNK_ROWS",
    "IngestError",
    "QUEUE_DOWN_MESSAGE",
    "UPLOAD_JOB",
    "StoreCounts",
    "jobs_sweep_stale",
    "responses_store",
    "survey_data_changed",
    "survey_get_or_create",
    "survey_moments_align",
    "survey_name_clean",
    "survey_outcomes_ensure",
    "upload_confirm",
    "upload_create",
    "upload_discard",
    "upload_errors",
    "upload_ingest",
    "upload_leftovers_remove",
    "upload_name_clean",
    "upload_read_now",
    "upload_table",
]
