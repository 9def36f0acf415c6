"""Background jobs of the moments app: they take ids, call one service, and let the service record the outcome."""

from celery import shared_task

from cxapp.jobs import JOB_TASK_OPTIONS

from . import services


@shared_task(name="moments.compute_analysis", **JOB_TASK_OPTIONS)
def compute_analysis(run_id: int) -> None:
    """Computes ``AnalysisRun`` ``run_id`` (safe to run twice: the service claims the row first)."""
    services.analysis_run_compute(run_id=run_id)


@shared_task(name="moments.sweep_stale_runs", ignore_result=True)
def sweep_stale_runs() -> int:
    """Re-sends analysis runs whose worker died or whose queue message was lost (``cxapp.jobs`` sweeper)."""
    return services.analysis_runs_sweep_stale()


@shared_task(name="moments.compute_moved", ignore_result=True, acks_late=True)
def compute_moved(*, journey_id: int, before: dict, after: dict, segment_filter: dict, outcome: str | None) -> None:
    """Computes and caches one "what moved" comparison (``services_moved``; safe to run twice: same key)."""
    from .services_moved import moved_task_run

    moved_task_run(journey_id=journey_id, before=before, after=after, segment_filter=segment_filter, outcome=outcome)
