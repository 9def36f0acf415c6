"""Writes of the audit log: ``audit_record`` (append one row), ``audit_record_many``, ``audit_purge`` (retention)."""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .context import request_current
from .models import AuditEvent

logger = logging.getLogger(__name__)


def _actor_of(actor):
    if actor is None:
        request = request_current()
        actor = getattr(request, "user", None) if request is not None else None
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return actor


def _ip_of(ip: str | None) -> str | None:
    if ip is None:
        request = request_current()
        ip = request.META.get("REMOTE_ADDR") if request is not None else None
    try:
        return str(ipaddress.ip_address(ip)) if ip else None
    except ValueError:  # "unknown", a proxy's garbage: not an address
        return None


def _event(
    *, action: str, organisation_id: int | None, actor, actor_name: str, target, details: dict | None, ip: str | None
) -> AuditEvent:
    actor = _actor_of(actor)
    target_type = target_id = target_repr = ""
    if target is not None:
        target_type, target_id, target_repr = target._meta.model_name, str(target.pk), str(target)[:255]
    return AuditEvent(
        organisation_id=organisation_id,
        actor=actor,
        actor_name=(actor_name or (actor.get_username() if actor is not None else ""))[:150],
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_repr=target_repr,
        details=details or {},
        ip=_ip_of(ip),
    )


def audit_record(
    *,
    action: str,
    organisation_id: int | None,
    target=None,
    details: dict | None = None,
    actor=None,
    actor_name: str = "",
    ip: str | None = None,
) -> AuditEvent:
    """Appends one record. ``actor`` defaults to the user of the request being served (none in a worker or the
    CLI); ``target`` is a model instance whose type, id and name are kept as text (the record outlives it).
    ``details`` is JSON: counts and names, never the personal data an action removed."""
    event = _event(
        action=action,
        organisation_id=organisation_id,
        actor=actor,
        actor_name=actor_name,
        target=target,
        details=details,
        ip=ip,
    )
    event.save()
    return event


def audit_record_many(
    *,
    action: str,
    organisation_ids: Iterable[int | None],
    target=None,
    details: dict | None = None,
    actor=None,
    actor_name: str = "",
    ip: str | None = None,
) -> list[AuditEvent]:
    """The same record once per organisation (a login is shown to the admins of each of the user's
    organisations); one INSERT."""
    events = [
        _event(
            action=action,
            organisation_id=organisation_id,
            actor=actor,
            actor_name=actor_name,
            target=target,
            details=details,
            ip=ip,
        )
        for organisation_id in organisation_ids
    ]
    return AuditEvent.objects.bulk_create(events)


def audit_cutoff(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=settings.MOMENTUM_AUDIT_RETENTION_DAYS)


@transaction.atomic
def audit_purge(*, before: datetime | None = None) -> int:
    """Deletes the records older than ``MOMENTUM_AUDIT_RETENTION_DAYS`` (or ``before``): the only delete there is.
    On PostgreSQL the append-only trigger lets a delete through only inside this transaction's flag."""
    before = before or audit_cutoff()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL momentum.audit_purge = 'on'")
        cursor.execute(
            f"DELETE FROM {AuditEvent._meta.db_table} WHERE created_at < %s",  # noqa: S608  # nosec B608 - model table
            [before],
        )
        deleted = cursor.rowcount
    logger.info("audit log: %d records older than %s deleted", deleted, before.isoformat())
    return deleted
