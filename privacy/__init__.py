"""Data protection across the apps (issue 16, docs/PRIVACY.md): erasure of respondents (``erase_respondent``) and
the pages and API through which an organisation's admins erase respondents and read their audit log.

It sits above ``moments`` (erasure removes responses, then invalidates and re-requests the analyses that used
them), below ``pipeline``. Retention of uploaded files is owned by ``surveys.retention``; the log by ``audit``.
"""
