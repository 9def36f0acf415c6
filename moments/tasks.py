"""Background jobs of the moments app: they take ids, call one service, and let the service record the outcome."""

from celery import shared_task
from django.db import OperationalError

from . import services


@shared_task(
    name="moments.compute_analysis",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=(OperationalError,),  # the database went away: worth another try; anything else is recorded
    retry_backoff=True,
    retry_kwargs={"max_retries": 3},
)
def compute_analysis(run_id: int) -> None:
    """Computes ``AnalysisRun`` ``run_id`` (safe to run twice: the service claims the row first)."""
    services.analysis_run_compute(run_id=run_id)


@shared_task(name="moments.sweep_stale_runs", ignore_result=True)
def sweep_stale_runs() -> int:
    """Re-enqueues analysis runs whose worker died or whose queue message was lost."""
    return services.analysis_runs_sweep_stale()
