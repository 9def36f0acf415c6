"""A finished run as the export's table (DESIGN section 5 columns) and what an export states beside it."""

from __future__ import annotations

import numpy as np
import pandas as pd
from django.utils import timezone

from ..models import AnalysisRun
from .runs import moment_results
from .waves import WAVE_ORDER


def _result_number(value):
    return np.nan if value is None else value


def priorities_frame(*, run: AnalysisRun) -> pd.DataFrame:
    """The prioritised moment list with exactly the export columns of DESIGN section 5 (``EXPORT_COLUMNS``).

    One row per moment in rank order. Satisfaction and its interval on 0-100; impact in the run's impact unit
    (``run.summary["impact_unit"]``); reach 0-1; occurrence effect in NPS points (percentage points for binary
    outcomes); stability 0-1; NaN where a number is not available; flags ``;``-joined.
    """
    from ..exports import EXPORT_COLUMNS

    rows = [
        {
            "rank": r.rank,
            "moment": r.moment.name,
            "stage": r.moment.stage,
            "quadrant": r.quadrant,
            "action": r.action,
            "satisfaction": _result_number(r.satisfaction),
            "satisfaction_low": _result_number(r.satisfaction_low),
            "satisfaction_high": _result_number(r.satisfaction_high),
            "impact": _result_number(r.impact),
            "impact_low": _result_number(r.impact_low),
            "impact_high": _result_number(r.impact_high),
            "reach": _result_number(r.reach),
            "n": r.n,
            "occurrence_effect": _result_number(r.occurrence_effect),
            "occurrence_low": _result_number(r.occurrence_low),
            "occurrence_high": _result_number(r.occurrence_high),
            "stability": _result_number(r.stability),
            "flags": ";".join(r.flags),
        }
        for r in moment_results(run=run)
    ]
    frame = pd.DataFrame(rows, columns=list(EXPORT_COLUMNS))
    numeric = [c for c in EXPORT_COLUMNS if c not in ("moment", "stage", "quadrant", "action", "flags", "rank", "n")]
    frame[numeric] = frame[numeric].astype("float64")
    frame[["rank", "n"]] = frame[["rank", "n"]].astype("int64")
    for column in ("moment", "stage", "quadrant", "action", "flags"):
        frame[column] = frame[column].astype("str")
    return frame


def priorities_meta(*, run: AnalysisRun) -> dict:
    """What an export states beside the table: journey, waves, filter, method, thresholds, n, outcome with interval."""
    summary = run.summary or {}
    return {
        "journey": run.journey.name,
        "run_id": run.pk,
        "surveys": [s.name for s in run.surveys.order_by(*WAVE_ORDER)],
        "segment_filter": run.segment_filter or {},
        "method": summary.get("method", run.method),
        "method_note": summary.get("method_note", ""),
        "impact_unit": summary.get("impact_unit", ""),
        "threshold_mode": run.threshold_mode,
        "threshold_satisfaction": summary.get("threshold_satisfaction"),
        "threshold_impact": summary.get("threshold_impact"),
        "min_sample": run.min_sample,
        "bootstrap": summary.get("bootstrap", run.bootstrap),
        "n": summary.get("n"),
        "outcome_type": summary.get("outcome_type", "nps"),
        "outcome_name": summary.get("outcome_name") or ("NPS" if summary.get("outcome_type", "nps") == "nps" else ""),
        "outcome_primary": summary.get("outcome_primary", not run.outcome),
        "outcome": summary.get("outcome"),
        "outcome_low": summary.get("outcome_low"),
        "outcome_high": summary.get("outcome_high"),
        "computed_at": run.finished_at.isoformat() if run.finished_at else None,
        "generated_at": timezone.now().isoformat(timespec="seconds"),
    }
