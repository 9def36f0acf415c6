"""The one exception of the ingest layer: a file-level problem the uploader can fix."""


class IngestError(Exception):
    """A file-level problem (unreadable file, no header, too many columns, bad mapping...).

    The message is user-facing: it says what is wrong with the file or mapping and, where possible, how to fix it.
    Row-level problems are never raised; they are reported as rows of ``ValidatedChunk.errors``.
    """
