"""An analysis requested in a committed transaction is computed by the real Celery worker."""

import time

import numpy as np
import pytest

from moments.models import AnalysisRun, RunStatus
from moments.services import analysis_request
from tests.factories import journey_with_moments, random_wave_data, wave_with_responses

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_worker_computes_a_requested_run_with_progress(celery_worker, organisation):
    rng = np.random.default_rng(1)
    journey = journey_with_moments(organisation, ["a", "b", "c", "d"])
    ratings, ltr = random_wave_data(rng, 2000, 4)
    wave_with_responses(journey, "W1", ["a", "b", "c", "d"], ratings, ltr)
    run = analysis_request(journey=journey)  # enqueued on commit (autocommit here)
    deadline = time.monotonic() + 90
    seen_running = False
    while time.monotonic() < deadline:
        run = AnalysisRun.objects.get(pk=run.pk)
        seen_running |= run.status == RunStatus.RUNNING
        if run.is_finished:
            break
        time.sleep(0.1)
    assert run.status == RunStatus.DONE, f"{run.status}: {run.message} (worker log {celery_worker.log_path})"
    assert run.results.count() == 4 and run.progress == 1.0 and run.heartbeat_at is not None
    assert run.summary["n"] == 2000
    assert analysis_request(journey=journey).pk == run.pk  # reused, not recomputed
