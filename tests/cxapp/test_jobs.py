"""The one job protocol (cxapp.jobs) as uploads and analysis runs use it: one sweeper rule, broker outages
recorded on the row, progress written at most every PROGRESS_EVERY_SECONDS."""

from datetime import timedelta

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerOperationalError

from cxapp.jobs import MAX_ATTEMPTS, PROGRESS_EVERY_SECONDS, JobProgress, JobStatus
from moments.models import AnalysisRun
from moments.services import RUN_JOB, analysis_runs_sweep_stale
from surveys import services
from tests.factories import AnalysisRunFactory, JourneyFactory, SurveyFactory, UploadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(organisation):
    journey = JourneyFactory(organisation=organisation, name="Broadband", slug="broadband")
    return SurveyFactory(journey=journey, name="W1")


@pytest.fixture
def sent(monkeypatch):
    """The ids each job task was sent, instead of sending them."""
    sent = {"upload": [], "run": []}
    monkeypatch.setattr("pipeline.tasks.ingest_upload.delay", sent["upload"].append)
    monkeypatch.setattr("moments.tasks.compute_analysis.delay", sent["run"].append)
    return sent


def _upload(survey, status, heartbeat_at):
    return UploadFactory(organisation=survey.journey.organisation, journey=survey.journey,
                         survey_name=survey.name, survey=survey, file_path="x.csv",
                         original_name="x.csv", status=status, heartbeat_at=heartbeat_at)  # fmt: skip


def _run(survey, status, heartbeat_at, key):
    return AnalysisRunFactory(journey=survey.journey, params_key=key, status=status, heartbeat_at=heartbeat_at)


def test_one_sweeper_rule_for_uploads_and_runs(survey, sent, settings):
    stale = timezone.now() - timedelta(seconds=settings.MOMENTUM_STALE_AFTER_SECONDS + 5)
    fresh = timezone.now()
    jobs = {}
    for kind, make in (("upload", _upload), ("run", _run)):
        args = () if kind == "upload" else ("k",)
        jobs[kind] = {
            "lost message": make(survey, JobStatus.QUEUED, stale, *args),
            "dead worker": make(survey, JobStatus.RUNNING, stale, *args),
            "waiting": make(survey, JobStatus.QUEUED, fresh, *args),
            "working": make(survey, JobStatus.RUNNING, fresh, *args),
            "finished": make(survey, JobStatus.DONE, stale, *args),
        }

    assert sorted(services.jobs_sweep_stale()) == sorted(j.pk for j in list(jobs["upload"].values())[:2])
    assert analysis_runs_sweep_stale() == 2

    for kind in ("upload", "run"):
        resent = [jobs[kind]["lost message"].pk, jobs[kind]["dead worker"].pk]
        assert sorted(sent[kind]) == sorted(resent), kind
        model = type(jobs[kind]["waiting"])
        # both back to QUEUED with a fresh heartbeat, so the next claim takes them and the re-sends are spaced
        assert set(model.objects.filter(pk__in=resent).values_list("status", flat=True)) == {JobStatus.QUEUED}
        assert model.objects.get(pk=jobs[kind]["working"].pk).status == JobStatus.RUNNING
    assert services.jobs_sweep_stale() == [] and analysis_runs_sweep_stale() == 0


def test_a_job_never_sent_is_swept_once_its_row_is_older_than_the_stale_delay(survey, sent, settings):
    old = timezone.now() - timedelta(seconds=settings.MOMENTUM_STALE_AFTER_SECONDS + 5)
    new = _run(survey, JobStatus.QUEUED, None, "new")
    lost = _run(survey, JobStatus.QUEUED, None, "lost")
    AnalysisRun.objects.filter(pk=lost.pk).update(created_at=old)

    assert analysis_runs_sweep_stale() == 1
    assert sent["run"] == [lost.pk] and new.pk not in sent["run"]


def test_a_broker_outage_while_sweeping_is_written_on_the_row_not_raised(survey, monkeypatch, settings):
    def down(_job_id):
        raise BrokerOperationalError("Error 111 connecting to redis. Connection refused.")

    monkeypatch.setattr("moments.tasks.compute_analysis.delay", down)
    stale = timezone.now() - timedelta(seconds=settings.MOMENTUM_STALE_AFTER_SECONDS + 5)
    run = _run(survey, JobStatus.QUEUED, stale, "k")

    assert analysis_runs_sweep_stale() == 1  # tried, and no exception out of the beat task
    run.refresh_from_db()
    assert (run.status, run.message) == (JobStatus.QUEUED, RUN_JOB.queue_down_message)

    monkeypatch.setattr("moments.tasks.compute_analysis.delay", lambda _job_id: None)  # the broker is back
    AnalysisRun.objects.filter(pk=run.pk).update(heartbeat_at=stale)
    assert analysis_runs_sweep_stale() == 1
    run.refresh_from_db()
    assert run.message == RUN_JOB.queued_message


def test_progress_is_written_at_most_every_half_second_unless_forced(survey, monkeypatch):
    run = _run(survey, JobStatus.RUNNING, None, "k")
    heard = []
    clock = [1000.0]
    monkeypatch.setattr("cxapp.jobs.time.monotonic", lambda: clock[0])
    progress = JobProgress(AnalysisRun, run.pk, lambda fraction, message: heard.append((fraction, message)))

    progress.report(0.1, force=True)
    progress.report(0.2)  # too soon: heard, not written
    stored = AnalysisRun.objects.get(pk=run.pk)
    assert stored.progress == pytest.approx(0.1) and stored.heartbeat_at is not None
    clock[0] += PROGRESS_EVERY_SECONDS
    progress.report(1.5, "almost")  # clamped to 1
    progress.close()

    stored = AnalysisRun.objects.get(pk=run.pk)
    assert (stored.progress, stored.message) == (1.0, "almost")
    assert heard == [(0.1, ""), (0.2, ""), (1.0, "almost")]


def test_max_attempts_is_the_one_the_tasks_retry_up_to():
    from moments.tasks import compute_analysis

    # every execution claims the row once: the first one plus the retries make MAX_ATTEMPTS claims
    assert compute_analysis.max_retries + 1 == MAX_ATTEMPTS
