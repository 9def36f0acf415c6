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
