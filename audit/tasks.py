from celery import shared_task

from .services import audit_purge


@shared_task(name="audit.purge_expired", ignore_result=True)
def purge_expired() -> int:
    """Beat (daily): deletes audit records older than ``MOMENTUM_AUDIT_RETENTION_DAYS``."""
    return audit_purge()
