"""Outcomes side by side (issue 11): one row per moment, one column per outcome, each cell the moment's quadrant and
impact with its interval on that outcome, and the moments whose quadrant differs between outcomes in words.

Every column needs the run of the view's filter on that outcome. A missing run is asked for through the usual
machinery (``filters.analysis_run_for_filter``: a QUEUED run for the worker, never computed in the request); the
page shows what is ready, a progress bar for the first run still computing (it reloads itself when that one is
done), and fills in column by column.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from journeys.models import Journey

from .. import selectors
from ..models import AnalysisRun, Quadrant, RunStatus
from ..outcomes import OutcomeChoice, outcome_differences, outcome_type_label, outcome_value_label
from ._common import ViewState, can_edit, finite, journey_or_404


@dataclass
class OutcomeColumn:
    """One outcome of the side-by-side view: its run for the view's filter (None with ``error``)."""

    outcome: OutcomeChoice
    run: AnalysisRun | None
    error: str = ""
    query: str = ""

    @property
    def done(self) -> bool:
        return self.run is not None and self.run.status == RunStatus.DONE

    @property
    def pending(self) -> bool:
        return self.run is not None and not self.run.is_finished

    @property
    def failed(self) -> bool:
        return self.run is not None and self.run.status == RunStatus.FAILED

    @property
    def summary(self) -> dict:
        return (self.run.summary or {}) if self.done else {}

    @property
    def label(self) -> str:
        return outcome_value_label(self.summary) if self.done else self.outcome.name

    @property
    def type_label(self) -> str:
        return outcome_type_label(self.outcome.type)

    @property
    def impact_digits(self) -> int:
        return 2 if self.summary.get("method") == "correlation" else 1


def outcome_columns(request: HttpRequest, state: ViewState) -> list[OutcomeColumn]:
    """The run of each of the journey's outcomes for the view's filter (the chosen outcome's is ``state.run``)."""
    columns = []
    for choice in state.outcomes:
        analysis_filter = state.filter.with_outcome(choice.value)
        if analysis_filter == state.filter:
            run, error = state.run, state.error
        else:
            run, error = state._run(request, analysis_filter)
        columns.append(
            OutcomeColumn(
                outcome=choice, run=run, error=error, query=analysis_filter.query(compare_id=state.compare_id)
            )
        )
    return columns


def _missing(column: OutcomeColumn) -> str:
    """Why a cell has no numbers, in words."""
    if column.failed:
        return gettext("failed")
    if column.pending:
        return gettext("computing…")
    if column.error:
        return gettext("not computed")
    return gettext("not analysed")


def side_by_side_rows(journey: Journey, state: ViewState, columns: list[OutcomeColumn]) -> list[dict]:
    """One dict per moment (position order): name, stage, link, and per outcome column its cell (quadrant, label,
    impact with interval, rank), or ``status`` saying why it has none (that outcome's run is not done);
    ``differs`` when the placed quadrants disagree."""
    results = {}
    for index, column in enumerate(columns):
        if column.done:
            results[index] = {r.moment_id: r for r in selectors.moment_results(run=column.run)}
    rows = []
    for moment_id, name, _slug, stage, _position, _brand in state.moment_rows:
        cells = []
        for index, column in enumerate(columns):
            result = results.get(index, {}).get(moment_id)
            if result is None:
                cells.append({"quadrant": None, "status": _missing(column)})
                continue
            cells.append(
                {
                    "status": "",
                    "quadrant": result.quadrant,
                    "quadrant_label": Quadrant(result.quadrant).label,
                    "impact": finite(result.impact),
                    "impact_low": finite(result.impact_low),
                    "impact_high": finite(result.impact_high),
                    "rank": result.rank,
                    "digits": column.impact_digits,
                    "url": reverse("moments:moment_detail", args=[journey.pk, moment_id])
                    + (f"?{column.query}" if column.query else ""),
                }
            )
        placed = {c["quadrant"] for c in cells if c["quadrant"] not in (None, Quadrant.INSUFFICIENT)}
        rows.append(
            {
                "moment_id": moment_id,
                "moment": name,
                "stage": stage,
                "cells": cells,
                "differs": len(placed) > 1,
                "url": reverse("moments:moment_detail", args=[journey.pk, moment_id])
                + (f"?{state.query}" if state.query else ""),
            }
        )
    return rows


def difference_sentences(columns: list[OutcomeColumn], rows: list[dict]) -> tuple[list[dict], list[dict], list[dict]]:
    """The disagreements in words: "Drives Retention, not NPS: first bill, contract renewal", one per ordered pair
    of outcomes; those with the primary outcome first (the headline), those between two other outcomes next, then
    the other moments whose quadrant differs."""
    names = [c.outcome.name for c in columns]
    quadrants = {
        row["moment"]: {names[i]: cell["quadrant"] for i, cell in enumerate(row["cells"]) if cell["quadrant"]}
        for row in rows
    }
    differences, others = outcome_differences(names, quadrants)
    primary = next((c.outcome.name for c in columns if c.outcome.primary), names[0] if names else "")
    sentences = [
        {
            "sentence": gettext("Drives %(outcome)s, not %(other)s") % {"outcome": d.drives, "other": d.not_on},
            "moments": ", ".join(d.moments),
            "primary": primary in (d.drives, d.not_on),
            "other_name": d.not_on if d.drives == primary else d.drives,
            "drives": d.drives,
        }
        for d in differences
    ]
    # Per other outcome: what drives it but not the primary outcome, then the reverse.
    order = {name: i for i, name in enumerate(names)}
    drives = sorted(
        (s for s in sentences if s["primary"]),
        key=lambda s: (order[s["other_name"]], s["drives"] == primary),
    )
    more = [s for s in sentences if not s["primary"]]
    other = [
        {
            "moment": moment,
            "quadrants": "; ".join(f"{Quadrant(q).label} ({outcome})" for outcome, q in by.items()),
        }
        for moment, by in others
    ]
    return drives, more, other


@login_required
@require_GET
def outcomes_side_by_side(request: HttpRequest, journey_id: int) -> HttpResponse:
    """Each moment's quadrant and impact per outcome, for the filter in the URL (its ``outcome`` is ignored here:
    every outcome is a column)."""
    journey = journey_or_404(request, journey_id)
    state = ViewState(request, journey)
    columns = outcome_columns(request, state) if state.surveys and not state.refused else []
    rows = side_by_side_rows(journey, state, columns)
    ready = sum(c.done for c in columns) > 1
    drives, more, others = difference_sentences(columns, rows) if ready else ([], [], [])
    pending = next((c for c in columns if c.pending), None)
    context = {
        "journey": journey,
        "state": state,
        "form": state.form,
        "query": state.query,
        "can_edit": can_edit(request.user, journey),
        "columns": columns,
        "rows": rows,
        "drives": drives,
        "more": more,
        "more_count": len(more) + len(others),
        "others": others,
        "pending": pending,
        "pending_names": [c.outcome.name for c in columns if c.pending],
        "done_count": sum(c.done for c in columns),
        "first_summary": next((c.summary for c in columns if c.done), {}),
        "action": reverse("moments:outcomes", args=[journey.pk]),
    }
    return render(request, "moments/outcomes.html", context)
