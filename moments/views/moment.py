"""One moment's page: its numbers with intervals, quadrant and action, what-if, and five charts of its ratings.

The ratings are read once (``selectors.moment_detail_data`` loads every wave and the pure
``analysis.detail.moment_detail_stats`` splits the chosen waves from the trend over all of them).
"""

from __future__ import annotations

import pandas as pd
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from journeys.models import Journey, Moment
from journeys.selectors import moment_for_user

from .. import charts, selectors
from ..models import Quadrant
from ..outcomes import outcome_type_label
from ._common import ViewState, can_edit, finite, is_done, journey_or_404, results_rows, summary_context
from .dashboard import side_by_side_url


@login_required
@require_GET
def moment_detail(request: HttpRequest, journey_id: int, moment_id: int) -> HttpResponse:
    journey = journey_or_404(request, journey_id)
    moment = moment_for_user(user=request.user, moment_id=moment_id)
    if moment is None or moment.journey_id != journey.pk:
        raise Http404("No such moment.")
    state = ViewState(request, journey)
    context = {
        "journey": journey,
        "moment": moment,
        "state": state,
        "query": state.query,
        "run": state.run,
        "can_edit": can_edit(request.user, journey),
    }
    if is_done(state.run):
        rows = results_rows(state.run, journey, state.query)
        context |= summary_context(state.run)
        context["result"] = next((r for r in rows if r["moment_id"] == moment.pk), None)
        context["total"] = len(rows)
    context |= {"outcome_comparison": _outcome_comparison(moment, state), "side_by_side_url": side_by_side_url(state)}
    context["figures"] = _detail_figures(journey, moment, state, context)
    return render(request, "moments/moment_detail.html", context)


def _outcome_comparison(moment: Moment, state: ViewState) -> list[dict]:
    """The moment's quadrant and impact on each of the journey's outcomes (this view's filter otherwise), from the
    runs that are already finished: a page never waits for an analysis (the side-by-side view asks for missing
    ones). Empty with one outcome."""
    if len(state.outcomes) < 2 or not state.filter.survey_ids:
        return []
    moment_ids = [row[0] for row in state.moment_rows]
    chosen = [s for s in state.surveys if s.pk in set(state.filter.survey_ids)]
    rows = []
    for choice in state.outcomes:
        analysis_filter = state.filter.with_outcome(choice.value)
        run = selectors.analysis_latest(
            journey=state.journey, surveys=chosen, moment_ids=moment_ids, **analysis_filter.params()
        )
        result = None
        if run is not None:
            result = selectors.moment_results(run=run).filter(moment_id=moment.pk).first()
        query = analysis_filter.query(compare_id=state.compare_id)
        rows.append(
            {
                "name": choice.name,
                "type_label": outcome_type_label(choice.type),
                "current": choice.value == state.filter.outcome,
                "url": f"?{query}" if query else "?",
                "done": result is not None,
                "quadrant": result.quadrant if result else None,
                "quadrant_label": Quadrant(result.quadrant).label if result else "",
                "impact": finite(result.impact) if result else None,
                "impact_low": finite(result.impact_low) if result else None,
                "impact_high": finite(result.impact_high) if result else None,
                "digits": 2 if run is not None and (run.summary or {}).get("method") == "correlation" else 1,
                "unit": (run.summary or {}).get("impact_unit", "") if run is not None else "",
            }
        )
    return rows


def _figure(build, *args, **kwargs) -> dict:
    return charts.figure_json(build(*args, **kwargs))


def _detail_figures(journey: Journey, moment: Moment, state: ViewState, context: dict) -> dict:
    """The detail charts (only those with something to draw); the trend spans every wave."""
    if not state.filter.survey_ids:
        return {}
    try:
        data = selectors.moment_detail_data(
            journey=journey,
            moment=moment,
            survey_ids=state.params["survey_ids"],
            segment_filter=state.filter.segment_filter,
            outcome=state.filter.outcome,
        )
    except ValueError:
        return {}
    context["detail"] = data
    outcome_label = context.get("outcome_label", "NPS")
    summary = context.get("summary") or {}
    figures = {}
    distribution = data["distribution"]
    if distribution["count"].sum() > 0:
        threshold, scale = finite(summary.get("threshold_satisfaction")), data["scale"]
        level = scale[0] + threshold / 100 * (scale[1] - scale[0]) if threshold is not None else None
        figures["distribution"] = _figure(charts.distribution_figure, distribution, threshold_level=level)
    by_level = data["outcome_by_level"]
    if (by_level["n"] > 0).any():
        figures["by_level"] = _figure(charts.outcome_by_level_figure, by_level, outcome_label=outcome_label)
    occurrence = data["occurrence"]
    groups = [
        {"group": label, **occurrence[key]}
        for key, label in (("experienced", gettext("Experienced it")), ("not_experienced", gettext("Did not")))
        if occurrence[key].get("n")
    ]
    if groups:
        frame = pd.DataFrame(groups, columns=["group", "n", "outcome", "outcome_low", "outcome_high"])
        result = context.get("result") or {}
        pain = "pain_point" in (result.get("flags") or [])  # the run's mark: BH over the moments + minimum effect
        figures["occurrence"] = _figure(
            charts.occurrence_figure, frame.astype({"outcome": float}), outcome_label=outcome_label, pain_point=pain
        )
    numbers = {"satisfaction": float, "satisfaction_low": float, "satisfaction_high": float}
    trend = data["trend"]
    if trend["satisfaction"].notna().any():
        figures["trend"] = _figure(charts.trend_figure, trend.rename(columns={"survey": "wave"}).astype(numbers))
    segments = data["segments"]
    if len(segments) and segments["satisfaction"].notna().any():
        segments = segments[segments["satisfaction"].notna()].rename(columns={"experienced": "n"})
        figures["segments"] = _figure(charts.segment_figure, segments.astype(numbers))
    return figures
