"""The quadrant dashboard, its printable report, the run status it polls, and the export of its view.

Thin: ``ViewState`` parses the filter and finds the run (``filters.analysis_run_for_filter``), selectors read its
results, ``charts`` builds the figure (cached: a DONE run's numbers never change) and templates embed it as JSON
(``json_script``; the CSP forbids inline scripts).
"""

from __future__ import annotations

import pandas as pd
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from audit.models import AuditAction
from audit.services import audit_record
from journeys.models import Journey

from .. import charts, exports, selectors, services
from ..caching import cache_get_or_build
from ..filters import nothing_to_analyse_message
from ..models import QUADRANT_ACTIONS, AnalysisRun, Quadrant, RunStatus
from ..words import run_message_text
from ._common import ViewState, can_edit, finite, is_done, journey_or_404, results_rows, summary_context
from .moved import moved_context


def _previous_positions(compare_run: AnalysisRun | None) -> pd.DataFrame | None:
    if not is_done(compare_run):
        return None
    placed = [
        {"moment_id": r.moment_id, "satisfaction": r.satisfaction, "impact": r.impact}
        for r in selectors.moment_results(run=compare_run)
        if not r.is_insufficient and r.satisfaction is not None and r.impact is not None
    ]
    return pd.DataFrame(placed, columns=["moment_id", "satisfaction", "impact"])


def _results_view_build(run: AnalysisRun, state: ViewState) -> tuple[list[dict], dict]:
    """The table rows (with the comparison's changes) and the quadrant figure of a DONE run."""
    rows = results_rows(run, state.journey, state.query)
    changes = {}
    if is_done(state.compare_run):
        compared = services.analysis_compare(run_before=state.compare_run, run_after=run)
        changes = {int(r.moment_id): r for r in compared.itertuples()}
    for row in rows:
        change = changes.get(row["moment_id"])
        row["change"] = None if change is None else finite(change.satisfaction_change)
        row["change_significant"] = bool(change.significant) if change is not None else False
        row["moved_from"] = change.quadrant_before if change is not None and change.moved else None
    frame = pd.DataFrame(rows, columns=list(rows[0]) if rows else ["moment_id"])
    previous = _previous_positions(state.compare_run)
    previous_label = gettext("Position in %(wave)s") % {"wave": state.compare_name}
    # Building the figure through plotly.graph_objs validates every property: ~60% of the dashboard's CPU
    # (bench/FINDINGS.md), for a few dozen numbers. Cached under a digest of everything it is drawn from.
    figure = cache_get_or_build(
        "moments:quadrant-figure:",
        [
            frame.to_dict("records"),
            run.summary or {},
            None if previous is None else previous.to_dict("records"),
            previous_label,
        ],  # fmt: skip
        lambda: charts.figure_json(
            charts.quadrant_figure(frame, run.summary or {}, previous=previous, previous_label=previous_label)
        ),
    )
    return rows, figure


def _results_view(run: AnalysisRun, state: ViewState) -> tuple[list[dict], dict]:
    """``_results_view_build``, cached. The key holds the run and the comparison run (both found through the
    user's journey, so never another organisation's), the query string (the rows' links), the comparison wave's
    name and the moments' current names, stages, positions and brand flags (``ViewState.moment_rows``), so an edit
    of a moment shows at once."""
    comparison = state.compare_run
    inputs = [
        run.pk,
        [comparison.pk, comparison.status] if comparison is not None else None,
        state.query,
        state.compare_name,
        state.moment_rows,
    ]
    return cache_get_or_build("moments:dashboard-results:", inputs, lambda: _results_view_build(run, state))


def _comparison_context(run: AnalysisRun, state: ViewState) -> dict:
    """The outcome's change since the comparison wave, with its interval (``selectors.analysis_outcome_change``)."""
    if not is_done(state.compare_run):
        return {}
    change = selectors.analysis_outcome_change(before=state.compare_run.summary or {}, after=run.summary or {})
    return {"outcome_change": change} if change else {}


def side_by_side_url(state: ViewState) -> str:
    """The outcomes side by side view of this filter, when the journey has several outcomes ("" otherwise)."""
    if len(state.outcomes) < 2:
        return ""
    url = reverse("moments:outcomes", args=[state.journey.pk])
    return f"{url}?{state.query}" if state.query else url


def dashboard_context(request: HttpRequest, journey: Journey) -> dict:
    state = ViewState(request, journey)
    context = {
        "journey": journey,
        "state": state,
        "form": state.form,
        "run": state.run,
        "can_edit": can_edit(request.user, journey),
        "query": state.query,
        "side_by_side_url": side_by_side_url(state),
    }
    run = state.run
    if not is_done(run) or state.pending_run is not None:
        return context
    rows, figure = _results_view(run, state)
    placed = [r for r in rows if r["quadrant"] != Quadrant.INSUFFICIENT]
    context |= summary_context(run) | _comparison_context(run, state)
    context |= moved_context(state, request.GET)  # "What moved" with a comparison chosen (views/moved.py)
    context |= {
        "rows": rows,
        "placed": placed,
        "insufficient": [r for r in rows if r["quadrant"] == Quadrant.INSUFFICIENT],
        "top": placed[:3],
        "pain_points": [r for r in rows if "pain_point" in r["flags"]],
        "figure": figure,
        "compare_run": state.compare_run,
        "compare_name": state.compare_name,
        "quadrant_actions": {q.value: QUADRANT_ACTIONS[q] for q in Quadrant},
    }
    return context


@login_required
@require_GET
def dashboard(request: HttpRequest, journey_id: int) -> HttpResponse:
    """The quadrant map, KPI header, top priorities and the prioritised table for the filters in the URL."""
    journey = journey_or_404(request, journey_id)
    return render(request, "moments/dashboard.html", dashboard_context(request, journey))


@login_required
@require_GET
def report(request: HttpRequest, journey_id: int) -> HttpResponse:
    """The dashboard's chart and table on one printable page (print CSS; the browser saves it as PDF)."""
    journey = journey_or_404(request, journey_id)
    return render(request, "moments/report.html", dashboard_context(request, journey))


@login_required
@require_GET
def run_status(request: HttpRequest, journey_id: int, run_id: int) -> JsonResponse:
    """Status of an analysis run, polled by the progress bar (its message says why a failed run failed)."""
    journey = journey_or_404(request, journey_id)
    run = selectors.analysis_run_for_journey(journey=journey, run_id=run_id)
    if run is None:
        raise Http404("No such run.")
    return JsonResponse(
        {
            "id": run.pk,
            "status": run.status,
            "progress": round(run.progress or 0.0, 3),
            "message": run_message_text(run.message),
            "finished": run.is_finished,
        }
    )


def _plain(text: str, status: int) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


@login_required
@require_GET
def export(request: HttpRequest, journey_id: int, fmt: str) -> HttpResponse:
    """The prioritised list of the current view as CSV, XLSX or JSON (same query string as the dashboard), named
    after the journey and the view. 409 with the reason when there is nothing to export (no waves, no wave with
    responses, an empty wave selection, a failed run); 202 while the run computes."""
    if fmt not in exports.PRIORITIES_FORMATS:
        raise Http404("Unknown export format.")
    journey = journey_or_404(request, journey_id)
    state = ViewState(request, journey)
    run = state.run
    if not state.surveys:
        return _plain(nothing_to_analyse_message(state.surveys), 409)
    if state.error:
        return _plain(state.error, 409)
    if run.status == RunStatus.FAILED:
        return _plain(run.message or "The analysis for this view failed.", 409)
    if run.status != RunStatus.DONE:
        return _plain("The analysis for this view is still computing; try again in a moment.", 202)
    body, content_type = exports.priorities_export(
        fmt, selectors.priorities_frame(run=run), selectors.priorities_meta(run=run)
    )
    audit_record(
        action=AuditAction.EXPORT,
        organisation_id=journey.organisation_id,
        target=journey,
        details={"format": fmt, "run": run.pk},
    )
    response = HttpResponse(body, content_type=content_type)
    outcome_name = (run.summary or {}).get("outcome_name") or (state.outcome.name if state.outcome else "")
    view = state.filter.slug(state.wave_names, outcome_name=outcome_name)
    filename = exports.priorities_filename(journey.slug, view, fmt)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
