"""What every page of a journey's analysis shares: the journey of the URL, the view state of the query string
(``ViewState``: the filter, the run that answers it, the comparison), and the words for a run's summary."""

from __future__ import annotations

import math

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from cxapp.selectors import membership_get
from journeys.models import Journey
from journeys.selectors import journey_for_user, journey_moment_rows

from .. import labels, selectors
from ..filters import WAVE_ALIASES, analysis_run_for_filter, filter_parse
from ..forms import DashboardFilterForm
from ..models import AnalysisRun, Quadrant, RunStatus
from ..outcomes import (
    OutcomeChoice,
    journey_outcome_choices,
    outcome_key,
    outcome_points_unit,
    outcome_type_label,
    outcome_value_label,
    summary_outcome_name,
)
from ..words import advice_text, cautions_text, occurrence_sentence_text


def journey_or_404(request: HttpRequest, journey_id: int) -> Journey:
    journey = journey_for_user(user=request.user, journey=journey_id)
    if journey is None:  # another organisation's journey does not exist, as far as this user knows
        raise Http404("No such journey.")
    return journey


def can_edit(user, journey: Journey) -> bool:
    membership = membership_get(user=user, organisation_id=journey.organisation_id)
    return membership is not None and membership.can_edit


def require_edit(request: HttpRequest, journey: Journey) -> None:
    if not can_edit(request.user, journey):
        raise PermissionDenied(gettext("Only analysts and admins can change journeys."))


FIELD_LABELS = {
    "wave": gettext_lazy("Waves"),
    "survey": gettext_lazy("Waves"),
    "segment": gettext_lazy("Segments"),
    "method": gettext_lazy("Impact method"),
    "threshold": gettext_lazy("Thresholds"),
    "fixed_satisfaction": gettext_lazy("Satisfaction target"),
    "fixed_impact": gettext_lazy("Impact target"),
    "compare": gettext_lazy("Compare with"),
    "outcome": gettext_lazy("Outcome"),
}


class ViewState:
    """The analysis view of one request: the filter parsed from the query string (``filters.filter_parse``: a bad
    field is reported and only that field falls back to its default), the run that answers it and the comparison
    run, or ``error`` saying why there is nothing to compute."""

    def __init__(self, request: HttpRequest, journey: Journey):
        self.journey = journey
        self.surveys = selectors.journey_surveys(journey=journey)
        self.moment_rows = journey_moment_rows(journey=journey)
        self.segments = selectors.segment_values(journey=journey, surveys=self.surveys)
        self.outcomes = journey_outcome_choices(journey=journey, surveys=self.surveys)
        parsed = filter_parse(request.GET, journey=journey, surveys=self.surveys)
        self.filter = parsed.filter
        self.params = self.filter.params()
        self.errors = parsed.errors
        self.compare_id = parsed.compare_id
        self.has_query = bool(request.GET)
        self.waves_given = any(name in request.GET for name in WAVE_ALIASES)
        self.query = self.filter.query(compare_id=self.compare_id)
        self.form = DashboardFilterForm(self.filter, compare_id=self.compare_id, surveys=self.surveys)
        self.error = ""
        self.refused = parsed.refused
        self.run = self.compare_run = None
        if parsed.refused:
            self.error = gettext("No wave is chosen: tick at least one wave and press Apply.")
        elif self.surveys:  # a journey without waves has nothing to analyse: the page says how to start instead
            self.run, self.error = self._run(request, self.filter)
        if self.run is not None and self.compare_id and self.compare_id not in self.filter.survey_ids:
            self.compare_run, _ = self._run(request, self.filter.with_waves([self.compare_id]))

    def _run(self, request: HttpRequest, analysis_filter) -> tuple[AnalysisRun | None, str]:
        try:
            run = analysis_run_for_filter(
                journey=self.journey,
                analysis_filter=analysis_filter,
                user=request.user,
                surveys=self.surveys,
                moment_ids=[row[0] for row in self.moment_rows],
            )
        except ValueError as exc:  # NothingToAnalyse, or parameters the service refuses
            return None, str(exc)
        return run, ""

    @property
    def outcome(self) -> OutcomeChoice | None:
        """The chosen outcome (the primary one by default; None when the journey has no wave yet)."""
        return next((o for o in self.outcomes if o.value == self.filter.outcome), None)

    def outcome_links(self, path: str = "") -> list[dict]:
        """The outcome selector: one link per outcome to this view on that outcome (every other filter kept),
        ``current`` for the chosen one. Empty with one outcome: the selector is only drawn with several."""
        if len(self.outcomes) < 2:
            return []
        chosen = self.outcome
        links = []
        for choice in self.outcomes:
            query = self.filter.with_outcome(choice.value).query(compare_id=self.compare_id)
            links.append(
                {
                    "name": choice.name,
                    "type_label": outcome_type_label(choice.type),
                    "primary": choice.primary,
                    "current": chosen is not None and choice.value == chosen.value,
                    "url": f"{path}?{query}" if query else (path or "?"),
                }
            )
        return links

    @property
    def outcome_choices(self) -> list[dict]:
        return self.outcome_links()

    @property
    def pending_run(self) -> AnalysisRun | None:
        """The first run the page is still waiting for, if any."""
        for run in (self.run, self.compare_run):
            if run is not None and not run.is_finished:
                return run
        return None

    @property
    def error_items(self) -> list[tuple[str, str]]:
        """(the field's label, the message) of each bad filter field."""
        return [(FIELD_LABELS.get(name, name), message) for name, message in self.errors.items()]

    @property
    def wave_names(self) -> dict[int, str]:
        return {s.pk: s.name for s in self.surveys}

    @property
    def waves_label(self) -> str:
        names = [s.name for s in self.surveys if s.pk in self.filter.survey_ids]
        return " + ".join(names) if names else gettext("no waves")

    @property
    def segments_label(self) -> str:
        return ", ".join(f"{k}: {', '.join(v)}" for k, v in self.filter.segments) or gettext("all customers")

    @property
    def compare_name(self) -> str:
        return self.wave_names.get(self.compare_id, "") if self.compare_id else ""

    @property
    def wave_choices(self) -> list[dict]:
        """The filter's wave checkboxes: each wave, whether it is chosen, and why it is empty if it is."""
        return [
            {
                "id": s.pk,
                "name": s.name,
                "checked": s.pk in self.filter.survey_ids and not self.refused,
                "empty_reason": selectors.wave_empty_reason(s),
            }
            for s in self.surveys
        ]

    @property
    def segment_choices(self) -> list[dict]:
        """One group of checkboxes per segment (several values of a segment are alternatives). A segment with more
        than ``MOMENTUM_SEGMENT_CHOICES_MAX`` values gets a search field instead (its chosen values stay ticked):
        200,000 checkboxes made a 20 MB page (issue 16)."""
        chosen = self.filter.segment_filter
        most = settings.MOMENTUM_SEGMENT_CHOICES_MAX
        choices = []
        for name, values in self.segments.items():
            ticked = chosen.get(name, [])
            search = len(values) > most
            shown = [v for v in values if v in ticked] if search else values
            choices.append(
                {
                    "name": name,
                    "field": f"segment.{name}",
                    "label": name.replace("_", " ").capitalize(),
                    "values": [{"value": v, "checked": v in ticked} for v in shown],
                    "search": search,
                    "count": len(values),
                }
            )
        return choices

    @property
    def default_note(self) -> str:
        """Why the default view is not the latest wave, when it is not (the latest waves have no responses)."""
        if self.waves_given or not self.surveys or self.surveys[-1].pk in self.filter.survey_ids:
            return ""
        empty = [s for s in self.surveys if not s.has_responses]
        if not empty or not self.filter.survey_ids:
            return ""
        reasons = "; ".join(f"{s.name}: {selectors.wave_empty_reason(s)}" for s in empty)
        return gettext("Showing %(waves)s, the latest wave with responses (%(reasons)s).") % {
            "waves": self.waves_label,
            "reasons": reasons,
        }


def finite(value) -> float | None:
    if value is None:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


RESULT_NUMBERS = (
    "satisfaction", "satisfaction_low", "satisfaction_high", "impact", "impact_low", "impact_high", "reach",
    "occurrence_effect", "occurrence_low", "occurrence_high", "stability", "what_if", "what_if_low",
    "what_if_high", "top_box", "correlation",
)  # fmt: skip


def results_rows(run: AnalysisRun, journey: Journey, query: str) -> list[dict]:
    """One dict per moment in rank order: every number of the run, the moment's link and flags."""
    suffix = f"?{query}" if query else ""
    # The action texts name the outcome when it is not NPS ("score -6 percentage points of Retention").
    named = summary_outcome_name(run.summary or {})
    points = None if outcome_key(named) == "nps" else outcome_points_unit(run.summary or {})
    rows = []
    for result in selectors.moment_results(run=run):
        result.run = run  # the run's summary (marks, rules) without a query per row
        advice = result.advice  # one advice: quadrant, flags and reach together, with its cautions
        row = {
            "moment_id": result.moment_id,
            "moment": result.moment.name,
            "stage": result.moment.stage,
            "position": result.moment.position,
            "rank": result.rank,
            "quadrant": result.quadrant,
            "quadrant_label": Quadrant(result.quadrant).label,
            "action": advice_text(
                advice,
                reach=result.reach,
                occurrence_effect=result.occurrence_effect,
                unit=(run.summary or {}).get("what_if_unit") or "NPS points",
                points=points,
            ),
            "cautions": cautions_text(
                advice,
                reach=result.reach,
                occurrence_effect=result.occurrence_effect,
                what_if=result.what_if,
                stability=result.stability,
                unit=(run.summary or {}).get("what_if_unit") or "NPS points",
            ),
            "occurrence_sentence": occurrence_sentence_text(result),
            "flags": result.flags,
            "url": reverse("moments:moment_detail", args=[journey.pk, result.moment_id]) + suffix,
        }
        row |= {name: finite(getattr(result, name)) for name in RESULT_NUMBERS}
        row["n"] = result.n
        row["confidence"], row["confidence_class"] = confidence(row["stability"])
        rows.append(row)
    return rows


def confidence(stability: float | None) -> tuple[str, str]:
    """Words for a stability share, and a CSS modifier."""
    if stability is None:
        return gettext("not measured"), "unknown"
    if stability >= 0.9:
        return gettext("high confidence"), "high"
    if stability >= 0.8:
        return gettext("fair confidence"), "fair"
    return gettext("uncertain"), "low"


def summary_context(run: AnalysisRun) -> dict:
    """The KPI header's words and numbers for a DONE run (labels from ``moments.labels``; the outcome named as the
    run's summary names it, ``moments.outcomes``)."""
    summary = run.summary or {}
    outcome_type = summary.get("outcome_type", "nps")
    shares = [summary.get(k) for k in ("promoters", "passives", "detractors")]
    return {
        "summary": summary,
        "outcome_name": summary_outcome_name(summary),
        "outcome_type": outcome_type or "nps",
        "outcome_label": outcome_value_label(summary),
        "outcome_unit": labels.outcome_unit(outcome_type),
        "outcome_signed": (outcome_type or "nps") == "nps",  # NPS runs -100..+100; a rate or a mean has no sign
        "what_if_unit": outcome_points_unit(summary),
        "ppd": [round(100 * s, 1) for s in shares] if all(s is not None for s in shares) else None,
        "method_label": gettext(labels.method_label(summary.get("method", run.method))),
        "threshold_label": gettext(labels.threshold_label(run.threshold_mode)),
        # An r is read to two decimals (0.48, not 0.5); shares of R^2 in % to one.
        "impact_digits": 2 if summary.get("method", run.method) == "correlation" else 1,
    }


def is_done(run: AnalysisRun | None) -> bool:
    return run is not None and run.status == RunStatus.DONE


def labels_unit(unit: str) -> str:
    """An outcome unit for people, in the active language ("NPS points" -> "NPS-punten")."""
    return gettext(unit)
