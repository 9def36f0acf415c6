"""Analysis runs: reuse of identical requests, a new run after an import, compute, failure, stale recovery."""

from datetime import timedelta

import numpy as np
import pytest
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from moments.models import AnalysisRun, MomentResult, RunStatus
from moments.selectors import analysis_latest
from moments.services import analysis_compare, analysis_request, analysis_run_compute, analysis_runs_sweep_stale
from tests.factories import journey_with_moments, random_wave_data, wave_with_responses

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_bootstrap(settings):
    settings.MOMENTUM_BOOTSTRAP = 20


@pytest.fixture
def journey(organisation):
    rng = np.random.default_rng(11)
    journey = journey_with_moments(organisation, ["a", "b", "c"])
    ratings, ltr = random_wave_data(rng, 300, 3)
    wave_with_responses(journey, "W1", ["a", "b", "c"], ratings, ltr)
    ratings, ltr = random_wave_data(rng, 300, 3)
    wave_with_responses(journey, "W2", ["a", "b", "c"], ratings, ltr)
    return journey


def test_identical_requests_share_one_run_and_different_ones_do_not(journey, analyst):
    first = analysis_request(journey=journey, user=analyst)
    assert first.status == RunStatus.QUEUED and first.created_by == analyst
    assert analysis_request(journey=journey).pk == first.pk
    assert analysis_request(journey=journey, segment_filter={"region": []}).pk == first.pk  # empty filter = none
    w1 = journey.surveys.get(name="W1")
    assert analysis_request(journey=journey, survey_ids=[w1.pk]).pk != first.pk
    assert analysis_request(journey=journey, method="correlation").pk != first.pk
    assert analysis_request(journey=journey, threshold_mode="median").pk != first.pk
    fixed = analysis_request(journey=journey, threshold_mode="fixed", fixed_satisfaction=60, fixed_impact=20)
    assert fixed.pk != first.pk and fixed.fixed_satisfaction == 60


def test_a_done_run_is_reused_until_an_import_bumps_the_data_version(journey):
    run = analysis_run_compute(run_id=analysis_request(journey=journey, enqueue=False).pk)
    assert run.status == RunStatus.DONE
    assert analysis_request(journey=journey).pk == run.pk
    assert analysis_latest(journey=journey).pk == run.pk
    rng = np.random.default_rng(5)
    ratings, ltr = random_wave_data(rng, 50, 3)
    wave_with_responses(journey, "W2", ["a", "b", "c"], ratings, ltr, prefix="late")  # a new import into W2
    assert analysis_latest(journey=journey) is None
    assert analysis_latest(journey=journey, current=False).pk == run.pk  # the previous numbers, while recomputing
    again = analysis_request(journey=journey)
    assert again.pk != run.pk and again.status == RunStatus.QUEUED


def test_compute_stores_every_number_and_a_json_safe_summary(journey):
    run = analysis_run_compute(run_id=analysis_request(journey=journey, enqueue=False).pk)
    assert run.status == RunStatus.DONE and run.progress == 1.0 and run.finished_at is not None
    assert run.summary["n"] == 600 and run.summary["bootstrap"] == 20
    assert [s["name"] for s in run.summary["surveys"]] == ["W1", "W2"]
    results = list(MomentResult.objects.filter(run=run).order_by("rank"))
    assert [r.rank for r in results] == [1, 2, 3]
    assert all(r.satisfaction is not None and r.stability is not None for r in results)
    # Computing it again is a no-op: it is no longer claimable.
    assert analysis_run_compute(run_id=run.pk).finished_at == run.finished_at
    assert MomentResult.objects.filter(run=run).count() == 3


def test_a_run_without_responses_fails_with_a_clear_message(organisation):
    journey = journey_with_moments(organisation, ["a"], slug="empty")
    run = analysis_run_compute(run_id=analysis_request(journey=journey, enqueue=False).pk)
    assert run.status == RunStatus.FAILED and "import responses first" in run.message
    nobody = analysis_request(journey=journey, segment_filter={"region": ["Atlantis"]}, enqueue=False)
    assert analysis_run_compute(run_id=nobody.pk).status == RunStatus.FAILED


def test_shapley_above_fifteen_moments_falls_back_and_says_so(organisation):
    rng = np.random.default_rng(2)
    slugs = [f"m{j}" for j in range(16)]
    journey = journey_with_moments(organisation, slugs, slug="wide")
    ratings, ltr = random_wave_data(rng, 400, 16, reach=0.9)
    wave_with_responses(journey, "W1", slugs, ratings, ltr)
    run = analysis_run_compute(run_id=analysis_request(journey=journey, method="shapley", enqueue=False).pk)
    assert run.status == RunStatus.DONE
    assert run.summary["method"] == "relative_weights" and "Shapley" in run.message


def test_a_running_run_with_a_stale_heartbeat_is_reclaimed_and_a_fresh_one_is_not(journey, settings):
    run = analysis_request(journey=journey, enqueue=False)
    AnalysisRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, heartbeat_at=timezone.now())
    assert analysis_run_compute(run_id=run.pk).status == RunStatus.RUNNING  # someone else is on it
    old = timezone.now() - timedelta(seconds=settings.MOMENTUM_STALE_AFTER_SECONDS + 5)
    AnalysisRun.objects.filter(pk=run.pk).update(heartbeat_at=old)
    assert analysis_run_compute(run_id=run.pk).status == RunStatus.DONE


def test_a_run_that_keeps_killing_its_worker_is_abandoned_with_a_message(journey, settings):
    run = analysis_request(journey=journey, enqueue=False)
    old = timezone.now() - timedelta(seconds=settings.MOMENTUM_STALE_AFTER_SECONDS + 5)
    # Three claims already ended with the worker gone (the row stayed RUNNING with a dead heartbeat).
    AnalysisRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, heartbeat_at=old, attempts=3)
    run = analysis_run_compute(run_id=run.pk)
    assert run.status == RunStatus.FAILED
    assert "stopped its worker 3 times" in run.message
    assert not MomentResult.objects.filter(run=run).exists()


def test_a_run_deleted_after_it_was_queued_is_a_no_op_for_the_worker(journey):
    run = analysis_request(journey=journey, enqueue=False)
    AnalysisRun.objects.filter(pk=run.pk).delete()
    assert analysis_run_compute(run_id=run.pk) is None


def test_the_sweeper_reenqueues_stale_runs(journey, settings, monkeypatch):
    sent = []
    monkeypatch.setattr("moments.tasks.compute_analysis.delay", sent.append)
    stale = analysis_request(journey=journey, enqueue=False)
    old = timezone.now() - timedelta(seconds=settings.MOMENTUM_STALE_AFTER_SECONDS + 5)
    AnalysisRun.objects.filter(pk=stale.pk).update(status=RunStatus.RUNNING, heartbeat_at=old)
    fresh = analysis_request(journey=journey, method="correlation", enqueue=False)
    lost = analysis_request(journey=journey, method="shapley", enqueue=False)
    AnalysisRun.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(days=1))
    assert analysis_runs_sweep_stale() == 2
    assert sorted(sent) == sorted([stale.pk, lost.pk]) and fresh.pk not in sent
    assert AnalysisRun.objects.get(pk=stale.pk).status == RunStatus.QUEUED
    assert analysis_runs_sweep_stale() == 0  # re-sends are spaced
    assert analysis_run_compute(run_id=stale.pk).status == RunStatus.DONE


def test_compare_two_wave_runs(journey):
    w1, w2 = journey.surveys.order_by("name")
    before = analysis_run_compute(run_id=analysis_request(journey=journey, survey_ids=[w1.pk], enqueue=False).pk)
    after = analysis_run_compute(run_id=analysis_request(journey=journey, survey_ids=[w2.pk], enqueue=False).pk)
    compared = analysis_compare(run_before=before, run_after=after)
    assert set(compared["moment"]) == {"A", "B", "C"}
    assert {"moment_id", "satisfaction_change", "impact_change", "moved", "significant"} <= set(compared.columns)


def test_unknown_parameters_are_refused_before_anything_is_written(journey):
    with pytest.raises(ValueError, match="method"):
        analysis_request(journey=journey, method="magic")
    with pytest.raises(ValueError, match="fixed"):
        analysis_request(journey=journey, threshold_mode="fixed")
    assert not AnalysisRun.objects.exists()


def _failing_once(monkeypatch, target: str, error: Exception) -> None:
    """Makes ``target`` (a module attribute) raise ``error`` on its first call only."""
    module, name = target.rsplit(".", 1)
    original = getattr(__import__(module, fromlist=[name]), name)
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise error
        return original(*args, **kwargs)

    monkeypatch.setattr(target, flaky)


def test_a_database_error_while_storing_the_results_queues_the_run_for_the_retry(journey, monkeypatch):
    """Issue 10 item 8: the store was outside the retry, so the run stayed RUNNING (with a fresh heartbeat the
    retry could not claim) until the sweeper."""
    run = analysis_request(journey=journey, enqueue=False)
    _failing_once(monkeypatch, "moments.services._store", OperationalError("server closed the connection"))

    with pytest.raises(OperationalError):
        analysis_run_compute(run_id=run.pk)

    run.refresh_from_db()
    assert (run.status, run.attempts) == (RunStatus.QUEUED, 1)
    assert not MomentResult.objects.filter(run=run).exists()
    run = analysis_run_compute(run_id=run.pk)  # what the task's retry does
    assert (run.status, run.attempts, run.results.count()) == (RunStatus.DONE, 2, 3)


def test_an_interface_error_is_retried_like_the_ingest_does_not_recorded_as_a_failure(journey, monkeypatch):
    """Issue 10 item 8: InterfaceError (a connection already closed) failed the run where the ingest retries."""
    run = analysis_request(journey=journey, enqueue=False)
    _failing_once(monkeypatch, "moments.services.journey_ratings_frame", InterfaceError("connection already closed"))

    with pytest.raises(InterfaceError):
        analysis_run_compute(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED and not run.message
    assert analysis_run_compute(run_id=run.pk).status == RunStatus.DONE


def test_the_analysis_and_the_import_tasks_share_one_retry_policy():
    from moments.tasks import compute_analysis
    from pipeline.tasks import ingest_upload

    for task in (compute_analysis, ingest_upload):
        assert set(task.autoretry_for) == {OperationalError, InterfaceError}, task.name
        # fixed delays (3, 6 s), never jittered: jitter once spent every retry during PostgreSQL's crash recovery
        assert (task.retry_backoff, task.retry_jitter, task.max_retries) == (3, False, 2), task.name
        assert task.acks_late and task.reject_on_worker_lost, task.name
    assert (compute_analysis.name, ingest_upload.name) == ("moments.compute_analysis", "surveys.ingest_upload")
