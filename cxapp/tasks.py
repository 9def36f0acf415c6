from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

WORKER_HEARTBEAT_KEY = "momentum:worker-heartbeat"


@shared_task(name="cxapp.worker_heartbeat", ignore_result=True)
def worker_heartbeat() -> None:
    """Records that a worker is consuming the queue; /healthz reports its age."""
    cache.set(WORKER_HEARTBEAT_KEY, timezone.now().isoformat(), timeout=24 * 3600)
