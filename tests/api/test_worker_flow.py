"""The 202 flow through the real Celery worker and Redis: request -> 202 -> poll the run -> 200 in priority order."""

import csv
import io
import time

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from moments.exports import EXPORT_COLUMNS
from tests.factories import journey_with_planted_quadrants

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _poll(client, url: str, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        body = client.get(url).json()
        seen.append(body["status"])
        if body["status"] in ("done", "failed"):
            return body | {"seen": seen}
        time.sleep(0.2)
    pytest.fail(f"the run did not finish within {timeout} s (statuses seen: {sorted(set(seen))})")


def test_analysis_is_queued_computed_by_the_worker_and_then_served(celery_worker, organisation, analyst, settings):
    settings.MOMENTUM_BOOTSTRAP = 20  # stored on the run row, which is what the worker reads
    journey = journey_with_planted_quadrants(organisation)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=analyst).key}")
    url = f"/api/journeys/{journey.pk}/analysis/?method=relative_weights&segment.region=North&segment.region=South"

    first = client.get(url)
    assert first.status_code == 202, first.content
    run = first.json()["run"]
    assert run["status"] in ("queued", "running")
    assert first["Location"] == run["url"]

    polled = _poll(client, run["url"])
    assert polled["status"] == "done", polled["message"]
    assert polled["progress"] == 1.0
    assert [m["rank"] for m in polled["moments"]] == [1, 2, 3, 4]

    done = client.get(url)
    assert done.status_code == 200
    body = done.json()
    assert body["run"]["id"] == run["id"]
    assert body["summary"]["n"] == 400
    assert [m["quadrant"] for m in body["moments"]] == ["raise", "amplify", "improve", "reduce"]
    assert [m["slug"] for m in body["moments"]] == ["billing", "installation", "welcome-pack", "app-login"]

    export = client.get(url.replace("/analysis/", "/priorities/") + "&format=csv")
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[0] == list(EXPORT_COLUMNS)
    assert [r[1] for r in rows[1:]] == ["Billing", "Installation", "Welcome Pack", "App Login"]


def test_priorities_export_queues_too_and_a_failure_is_reported(celery_worker, organisation, manager, settings):
    settings.MOMENTUM_BOOTSTRAP = 20
    journey = journey_with_planted_quadrants(organisation, n=120)
    client = APIClient()
    client.force_authenticate(manager)
    url = f"/api/journeys/{journey.pk}/priorities/?export=json&segment.region=Nowhere"
    queued = client.get(url)
    assert queued.status_code == 202
    polled = _poll(client, queued["Location"])
    assert polled["status"] == "failed"
    assert "No responses" in polled["message"]
    assert polled["summary"] is None and polled["moments"] == []
