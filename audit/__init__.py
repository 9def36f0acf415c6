"""The audit log: an append-only record of who did what, in which organisation, and when (issue 16).

This app sits below every other one (``cxapp`` included: it names organisations and users by string references
only), so any layer can record into it. What is recorded: ``audit.models.AuditAction``.
"""
