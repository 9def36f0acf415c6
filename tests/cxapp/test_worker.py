import time

import pytest
from django.core.cache import cache

from cxapp.tasks import WORKER_HEARTBEAT_KEY, worker_heartbeat

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_task_round_trips_through_the_real_worker_and_redis(celery_worker):
    cache.delete(WORKER_HEARTBEAT_KEY)
    worker_heartbeat.delay()
    deadline = time.monotonic() + 30
    while cache.get(WORKER_HEARTBEAT_KEY) is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert cache.get(WORKER_HEARTBEAT_KEY) is not None, "the worker did not run the task"


def test_healthz_reports_the_database_and_the_worker_heartbeat(client, celery_worker):
    cache.set(WORKER_HEARTBEAT_KEY, "2026-11-22T00:00:00+00:00")
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "queue": "ok", "worker_heartbeat": "2026-11-22T00:00:00+00:00"}


def test_healthz_degrades_instead_of_failing_when_redis_is_unreachable(client, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    # (Django's setting_changed handler rebuilds the cache connections from the overridden CACHES.)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "queue": "unreachable", "worker_heartbeat": None}
