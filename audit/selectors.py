"""Reads of the audit log for one organisation's admins."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from .models import AuditEvent


def audit_events(
    *, organisation_id: int, action: str | None = None, since: date | None = None, until: date | None = None
) -> QuerySet[AuditEvent]:
    """The organisation's records, newest first; ``since``/``until`` are whole days (inclusive) in the current
    time zone."""
    events = AuditEvent.objects.filter(organisation_id=organisation_id)
    if action:
        events = events.filter(action=action)
    tz = timezone.get_current_timezone()
    if since:
        events = events.filter(created_at__gte=datetime.combine(since, time.min, tzinfo=tz))
    if until:
        events = events.filter(created_at__lt=datetime.combine(until + timedelta(days=1), time.min, tzinfo=tz))
    return events.order_by("-created_at", "-pk")
