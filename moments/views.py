"""HTML pages of a journey: quadrant dashboard, run status, exports, report, moment detail, journey map, management.

Views are thin: the filter form turns the query string into analysis parameters, ``services.analysis_request``
returns the run (reusing finished work), selectors read its results, ``charts`` builds the figures and templates
embed them as JSON (``json_script``; the CSP forbids inline scripts).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math

import pandas as pd
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from cxapp.models import Role
from cxapp.selectors import EDIT_ROLES, membership_get, organisation_ids_with_role, organisations_for_user
from journeys.models import Journey, Moment
from journeys.selectors import journey_for_user, journey_moment_rows

from . import charts, exports, selectors, services
from .forms import SEGMENT_PREFIX, DashboardFilterForm
from .models import QUADRANT_ACTIONS, AnalysisRun, Quadrant, RunStatus

EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
METHOD_LABELS = {
    "relative_weights": "Relative weights (Johnson 2000)",
    "shapley": "Shapley / LMG decomposition",
    "correlation": "Correlation (Pearson r)",
}
FIGURE_CACHE_SECONDS = 24 * 3600
THRESHOLD_LABELS = {"mean": "mean of the placed moments", "median": "median of the placed moments", "fixed": "fixed"}


# ---------------------------------------------------------------------------------------------------- helpers
def _journey_or_404(request: HttpRequest, journey_id: int) -> Journey:
    journey = journey_for_user(user=request.user, journey=journey_id)
    if journey is None:  # another organisation's journey does not exist, as far as this user knows
        raise Http404("No such journey.")
    return journey


def _can_edit(user, journey: Journey) -> bool:
    membership = membership_get(user=user, organisation_id=journey.organisation_id)
    return membership is not None and membership.can_edit


def _require_edit(request: HttpRequest, journey: Journey) -> None:
    if not _can_edit(request.user, journey):
        raise PermissionDenied("Only analysts and admins can change journeys.")


class ViewState:
    """The dashboard state of one request: filter form, analysis run (and comparison run), query string."""

    def __init__(self, request: HttpRequest, journey: Journey):
        self.journey = journey
        surveys = selectors.journey_surveys(journey=journey)
        self.surveys = surveys
        self.moment_rows = journey_moment_rows(journey=journey)
        segments = selectors.segment_values(journey=journey, surveys=surveys)
        self.form = DashboardFilterForm(request.GET or None, surveys=surveys, segments=segments)
        self.params = self.form.params()
        if self.params["segment_filter"]:
            self.params["segment_filter"] = {k: [v] for k, v in self.params["segment_filter"].items()}
        self.error = ""
        self.run = None
        if surveys:  # a journey without waves has nothing to analyse: the page says how to start instead
            try:
                self.run = self._run(request, self.params)
            except ValueError as exc:
                self.error = str(exc)
        self.compare_run = None
        compare_id = self.form.compare_wave_id()
        if self.run is not None and compare_id and compare_id not in self.params["survey_ids"]:
            compare_params = self.params | {"survey_ids": [compare_id]}
            try:
                self.compare_run = self._run(request, compare_params)
            except ValueError:
                self.compare_run = None
        self.query = request.GET.urlencode()

    def _run(self, request: HttpRequest, params: dict) -> AnalysisRun:
        """The finished run for ``params`` found from what the page has already loaded (one query, no transaction),
        else ``services.analysis_request`` (which validates, and queues a run when there is none)."""
        chosen = [s for s in self.surveys if s.pk in params["survey_ids"]]
        if len(chosen) == len(set(params["survey_ids"])):
            run = selectors.analysis_latest(
                journey=self.journey,
                surveys=chosen,
                moment_ids=[row[0] for row in self.moment_rows],
                **params,
            )
            if run is not None:
                return run
        return services.analysis_request(journey=self.journey, user=request.user, **params)

    @property
    def pending_run(self) -> AnalysisRun | None:
        """The first run the page is still waiting for, if any."""
        for run in (self.run, self.compare_run):
            if run is not None and not run.is_finished:
                return run
        return None

    @property
    def waves_label(self) -> str:
        names = [s.name for s in self.surveys if s.pk in self.params["survey_ids"]]
        return " + ".join(names) if names else "no waves"

    @property
    def segments_label(self) -> str:
        segment_filter = self.params["segment_filter"] or {}
        return ", ".join(f"{k}: {', '.join(v)}" for k, v in segment_filter.items()) or "all customers"


def _finite(value) -> float | None:
    if value is None:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _results_rows(run: AnalysisRun, journey: Journey, query: str) -> list[dict]:
    """One dict per moment in rank order: every number of the run, the moment's links and flags."""
    suffix = f"?{query}" if query else ""
    rows = []
    for result in selectors.moment_results(run=run):
        row = {
            "result": result,
            "moment_id": result.moment_id,
            "moment": result.moment.name,
            "stage": result.moment.stage,
            "position": result.moment.position,
            "rank": result.rank,
            "quadrant": result.quadrant,
            "quadrant_label": Quadrant(result.quadrant).label,
            "action": result.action,
            "flags": result.flags,
            "url": reverse("moments:moment_detail", args=[journey.pk, result.moment_id]) + suffix,
        }
        for field in (
            "satisfaction", "satisfaction_low", "satisfaction_high", "impact", "impact_low", "impact_high", "reach",
            "occurrence_effect", "occurrence_low", "occurrence_high", "stability", "what_if", "what_if_low",
            "what_if_high", "top_box", "correlation",
        ):  # fmt: skip
            row[field] = _finite(getattr(result, field))
        row["n"] = result.n
        rows.append(row)
    return rows


def _frame(rows: list[dict]) -> pd.DataFrame:
    columns = [c for c in (rows[0] if rows else {"moment_id": 0}) if c != "result"]
    return pd.DataFrame([{c: r[c] for c in columns} for r in rows], columns=columns)


def _confidence(stability: float | None) -> tuple[str, str]:
    """Words for a stability share, and a CSS modifier."""
    if stability is None:
        return "not measured", "unknown"
    if stability >= 0.9:
        return "high confidence", "high"
    if stability >= 0.8:
        return "fair confidence", "fair"
    return "uncertain", "low"


def _summary_context(run: AnalysisRun) -> dict:
    summary = run.summary or {}
    outcome_type = summary.get("outcome_type", "nps")
    shares = [summary.get(k) for k in ("promoters", "passives", "detractors")]
    return {
        "summary": summary,
        "outcome_label": {"nps": "NPS", "binary": "Outcome rate", "numeric": "Outcome"}.get(outcome_type, "Outcome"),
        "outcome_unit": {"nps": "", "binary": "%", "numeric": ""}.get(outcome_type, ""),
        "what_if_unit": summary.get("what_if_unit") or "NPS points",
        "ppd": [round(100 * s, 1) for s in shares] if all(s is not None for s in shares) else None,
        "method_label": METHOD_LABELS.get(summary.get("method", run.method), run.method),
        "threshold_label": THRESHOLD_LABELS.get(run.threshold_mode, run.threshold_mode),
    }


def _previous_positions(compare_run: AnalysisRun | None) -> pd.DataFrame | None:
    if compare_run is None or compare_run.status != RunStatus.DONE:
        return None
    placed = [
        {"moment_id": r.moment_id, "satisfaction": r.satisfaction, "impact": r.impact}
        for r in selectors.moment_results(run=compare_run)
        if not r.is_insufficient and r.satisfaction is not None and r.impact is not None
    ]
    return pd.DataFrame(placed, columns=["moment_id", "satisfaction", "impact"])


def _quadrant_figure_json(frame: pd.DataFrame, summary: dict, *, previous, previous_label: str) -> dict:
    """The quadrant figure as JSON, cached under a digest of everything it is drawn from.

    Building it through ``plotly.graph_objs`` validates every property and took ~60% of the dashboard's CPU
    (bench/FINDINGS.md), while the inputs are a few dozen numbers: any change of a result, a moment name or the
    comparison gives another digest, so a cached figure is never stale. The cache is only a shortcut: when it is
    unavailable the figure is built as before.
    """
    inputs = json.dumps(
        [
            frame.to_dict("records"),
            summary,
            None if previous is None else previous.to_dict("records"),
            previous_label,
        ],
        sort_keys=True,
        default=str,
    )
    key = "moments:quadrant-figure:" + hashlib.sha256(inputs.encode()).hexdigest()
    try:
        figure = cache.get(key)
    except Exception:  # noqa: BLE001 - a cache outage must not break the page
        figure = None
    if figure is None:
        figure = charts.figure_json(
            charts.quadrant_figure(frame, summary, previous=previous, previous_label=previous_label)
        )
        with contextlib.suppress(Exception):
            cache.set(key, figure, timeout=FIGURE_CACHE_SECONDS)
    return figure


def _results_view_build(run: AnalysisRun, state: ViewState, compare_name: str) -> tuple[list[dict], dict]:
    """The table rows (with the comparison's changes) and the quadrant figure of a DONE run."""
    rows = _results_rows(run, state.journey, state.query)
    changes = {}
    if state.compare_run is not None and state.compare_run.status == RunStatus.DONE:
        compared = services.analysis_compare(run_before=state.compare_run, run_after=run)
        changes = {int(r.moment_id): r for r in compared.itertuples()}
    for row in rows:
        del row["result"]  # the model instance: the page only reads the plain numbers
        row["confidence"], row["confidence_class"] = _confidence(row["stability"])
        change = changes.get(row["moment_id"])
        row["change"] = _finite(change.satisfaction_change) if change is not None else None
        row["change_significant"] = bool(change.significant) if change is not None else False
        row["moved_from"] = change.quadrant_before if change is not None and change.moved else None
    figure = _quadrant_figure_json(
        _frame(rows),
        run.summary or {},
        previous=_previous_positions(state.compare_run),
        previous_label=f"Position in {compare_name}",
    )
    return rows, figure


def _results_view(run: AnalysisRun, state: ViewState, compare_name: str) -> tuple[list[dict], dict]:
    """``_results_view_build``, cached: a DONE run's numbers never change (bench/FINDINGS.md section 4).

    The key holds the run and the comparison run (both found through the user's journey, so never another
    organisation's), the query string (the rows' links), the comparison wave's name and the moments' current names,
    stages, positions and brand flags (``ViewState.moment_rows``), so an edit of a moment shows at once.
    """
    comparison = state.compare_run
    inputs = [
        run.pk,
        [comparison.pk, comparison.status] if comparison is not None else None,
        state.query,
        compare_name,
        state.moment_rows,
    ]
    key = "moments:dashboard-results:" + hashlib.sha256(json.dumps(inputs).encode()).hexdigest()
    try:
        cached = cache.get(key)
    except Exception:  # noqa: BLE001 - a cache outage must not break the page
        cached = None
    if cached is None:
        cached = _results_view_build(run, state, compare_name)
        with contextlib.suppress(Exception):
            cache.set(key, cached, timeout=FIGURE_CACHE_SECONDS)
    return cached


def _dashboard_context(request: HttpRequest, journey: Journey) -> dict:
    state = ViewState(request, journey)
    context = {
        "journey": journey,
        "state": state,
        "form": state.form,
        "segment_fields": [state.form[SEGMENT_PREFIX + name] for name in state.form.segment_names],
        "run": state.run,
        "can_edit": _can_edit(request.user, journey),
        "query": state.query,
    }
    run = state.run
    if run is None or run.status != RunStatus.DONE or state.pending_run is not None:
        return context
    compare_name = next((s.name for s in state.surveys if s.pk == state.form.compare_wave_id()), "")
    rows, figure = _results_view(run, state, compare_name)
    placed = [r for r in rows if r["quadrant"] != Quadrant.INSUFFICIENT]
    context |= _summary_context(run)
    context |= {
        "rows": rows,
        "placed": placed,
        "insufficient": [r for r in rows if r["quadrant"] == Quadrant.INSUFFICIENT],
        "top": placed[:3],
        "pain_points": [r for r in rows if "pain_point" in r["flags"]],
        "figure": figure,
        "compare_run": state.compare_run,
        "compare_name": compare_name,
        "quadrant_actions": {q.value: QUADRANT_ACTIONS[q] for q in Quadrant},
    }
    return context


# ---------------------------------------------------------------------------------------------------- pages
@login_required
@require_GET
def dashboard(request: HttpRequest, journey_id: int) -> HttpResponse:
    """The quadrant map, KPI header, top priorities and the prioritised table for the filters in the URL."""
    journey = _journey_or_404(request, journey_id)
    return render(request, "moments/dashboard.html", _dashboard_context(request, journey))


@login_required
@require_GET
def report(request: HttpRequest, journey_id: int) -> HttpResponse:
    """The dashboard's chart and table on one printable page (print CSS; the browser saves it as PDF)."""
    journey = _journey_or_404(request, journey_id)
    return render(request, "moments/report.html", _dashboard_context(request, journey))


@login_required
@require_GET
def run_status(request: HttpRequest, journey_id: int, run_id: int) -> JsonResponse:
    """Status of an analysis run, polled by the progress bar."""
    journey = _journey_or_404(request, journey_id)
    run = get_object_or_404(AnalysisRun, pk=run_id, journey=journey)
    return JsonResponse(
        {
            "id": run.pk,
            "status": run.status,
            "progress": round(run.progress or 0.0, 3),
            "message": run.message,
            "finished": run.is_finished,
        }
    )


@login_required
@require_GET
def export(request: HttpRequest, journey_id: int, fmt: str) -> HttpResponse:
    """The prioritised list of the current view as CSV, XLSX or JSON (same query string as the dashboard)."""
    if fmt not in EXPORT_TYPES:
        raise Http404("Unknown export format.")
    journey = _journey_or_404(request, journey_id)
    state = ViewState(request, journey)
    run = state.run
    if run is None or run.status != RunStatus.DONE:
        message = state.error or (run.message if run is not None and run.message else "")
        status = 409 if run is not None and run.status == RunStatus.FAILED or run is None else 202
        text = message or "The analysis for this view is still computing; try again in a moment."
        return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
    frame = selectors.priorities_frame(run=run)
    meta = selectors.priorities_meta(run=run)
    body = {"csv": exports.priorities_csv, "xlsx": exports.priorities_xlsx, "json": exports.priorities_json}[fmt](
        frame, meta
    )
    if isinstance(body, dict):
        import json

        body = json.dumps(body).encode()
    response = HttpResponse(body, content_type=EXPORT_TYPES[fmt])
    waves = slugify("-".join(s.name for s in run.surveys.all())) or "all-waves"
    response["Content-Disposition"] = f'attachment; filename="{journey.slug}-priorities-{waves}.{fmt}"'
    return response


@login_required
@require_GET
def moment_detail(request: HttpRequest, journey_id: int, moment_id: int) -> HttpResponse:
    """One moment: its numbers with intervals, quadrant and action, what-if, and five charts of its ratings."""
    journey = _journey_or_404(request, journey_id)
    moment = get_object_or_404(Moment, pk=moment_id, journey=journey)
    state = ViewState(request, journey)
    context = {
        "journey": journey,
        "moment": moment,
        "state": state,
        "query": state.query,
        "run": state.run,
        "can_edit": _can_edit(request.user, journey),
    }
    if state.run is not None and state.run.status == RunStatus.DONE:
        result = next((r for r in _results_rows(state.run, journey, state.query) if r["moment_id"] == moment.pk), None)
        if result is not None:
            result["confidence"], result["confidence_class"] = _confidence(result["stability"])
        context |= _summary_context(state.run)
        context["result"] = result
        context["total"] = len(selectors.moment_results(run=state.run))
    context["figures"] = _detail_figures(journey, moment, state, context)
    return render(request, "moments/moment_detail.html", context)


def _detail_figures(journey: Journey, moment: Moment, state: ViewState, context: dict) -> dict:
    """The detail charts from ``selectors.moment_detail_data`` (only those with something to draw)."""
    try:
        data = selectors.moment_detail_data(
            journey=journey,
            moment=moment,
            survey_ids=state.params["survey_ids"],
            segment_filter=state.params["segment_filter"],
        )
    except ValueError:
        return {}
    context["detail"] = data
    outcome_label = context.get("outcome_label", "NPS")
    result = context.get("result") or {}
    summary = context.get("summary") or {}
    figures = {}
    distribution = data.get("distribution")
    if distribution is not None and distribution["count"].sum() > 0:
        threshold = _finite(summary.get("threshold_satisfaction"))
        scale = data.get("scale") or summary.get("scale")
        level = None
        if threshold is not None and scale:
            level = scale[0] + threshold / 100 * (scale[1] - scale[0])
        figures["distribution"] = charts.figure_json(charts.distribution_figure(distribution, threshold_level=level))
    by_level = data.get("outcome_by_level")
    if by_level is not None and (by_level["n"] > 0).any():
        figures["by_level"] = charts.figure_json(charts.outcome_by_level_figure(by_level, outcome_label=outcome_label))
    occurrence = data.get("occurrence") or {}
    groups = [
        {"group": label, **occurrence[key]}
        for key, label in (("experienced", "Experienced it"), ("not_experienced", "Did not"))
        if occurrence.get(key) and occurrence[key].get("n")
    ]
    if groups:
        frame = pd.DataFrame(groups, columns=["group", "n", "outcome", "outcome_low", "outcome_high"])
        pain = "pain_point" in (result.get("flags") or []) or bool(occurrence.get("pain_point"))
        figures["occurrence"] = charts.figure_json(
            charts.occurrence_figure(frame.astype({"outcome": float}), outcome_label=outcome_label, pain_point=pain)
        )
    trend = data.get("trend")
    if len(state.surveys) > len(state.params["survey_ids"]):
        # The trend always spans every wave, whatever waves the rest of the page is filtered to.
        trend = selectors.moment_detail_data(
            journey=journey, moment=moment, survey_ids=None, segment_filter=state.params["segment_filter"]
        )["trend"]
    if trend is not None and trend["satisfaction"].notna().any():
        trend = trend.rename(columns={"survey": "wave"}).astype(
            {"satisfaction": float, "satisfaction_low": float, "satisfaction_high": float}
        )
        figures["trend"] = charts.figure_json(charts.trend_figure(trend))
    segments = data.get("segments")
    if segments is not None and len(segments) and segments["satisfaction"].notna().any():
        segments = segments[segments["satisfaction"].notna()].rename(columns={"experienced": "n"})
        figures["segments"] = charts.figure_json(
            charts.segment_figure(
                segments.astype({"satisfaction": float, "satisfaction_low": float, "satisfaction_high": float})
            )
        )
    return figures


STAGE_ORDER_FALLBACK = "Other"


@login_required
@require_GET
def journey_map(request: HttpRequest, journey_id: int) -> HttpResponse:
    """The journey at a glance: one column per stage, moments in position order, coloured by quadrant."""
    journey = _journey_or_404(request, journey_id)
    state = ViewState(request, journey)
    results = {}
    if state.run is not None and state.run.status == RunStatus.DONE:
        results = {r["moment_id"]: r for r in _results_rows(state.run, journey, state.query)}
    stages: dict[str, list] = {}
    for moment in journey.moments.order_by("position", "name"):
        stages.setdefault(moment.stage or STAGE_ORDER_FALLBACK, []).append(
            {"moment": moment, "result": results.get(moment.pk)}
        )
    return render(
        request,
        "moments/journey_map.html",
        {
            "journey": journey,
            "state": state,
            "run": state.run,
            "query": state.query,
            "stages": stages,
            "can_edit": _can_edit(request.user, journey),
            "quadrant_actions": {q.value: QUADRANT_ACTIONS[q] for q in Quadrant},
        },
    )


# ---------------------------------------------------------------------------------------------------- home
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The journeys of the user's organisations, with their counts and, where analysed, NPS and top priority."""
    journeys = list(selectors.journeys_overview(user=request.user))
    edit_ids = organisation_ids_with_role(request.user, *EDIT_ROLES)
    for journey in journeys:
        journey.latest = journey_latest_summary(journey=journey)
        journey.can_edit = journey.organisation_id in edit_ids
    admin_of = organisations_for_user(request.user).filter(pk__in=organisation_ids_with_role(request.user, Role.ADMIN))
    return render(
        request, "home.html", {"journeys": journeys, "can_edit": bool(edit_ids), "admin_organisations": admin_of}
    )


def journey_latest_summary(*, journey: Journey) -> dict | None:
    """NPS and the top priority of the journey's latest wave in its default analysis, if it has been computed."""
    surveys = selectors.journey_surveys(journey=journey)
    if not surveys:
        return None
    run = selectors.analysis_latest(journey=journey, survey_ids=[surveys[-1].pk], current=False)
    if run is None:
        return None
    top = selectors.moment_results(run=run).exclude(quadrant="insufficient_data").first()
    return {"wave": surveys[-1].name, "summary": run.summary or {}, "top": top}
