"""The dashboard's "What moved" section (issue 12): with a comparison wave chosen, the waterfall and its sentence.

Thin: the two periods come from the dashboard's own filter (the comparison wave, then the chosen waves, with the
segment filter), ``services_moved.moved_get`` answers (cached; a large comparison is computed in the worker and
the section polls the API until it is ready), ``charts_moved`` draws the figure.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from ..caching import cache_get_or_build
from ..charts_moved import FIGURE_VERSION, figure_json, moved_waterfall_figure
from ..selectors.moved import PeriodSpec
from ..services_moved import moved_get
from ._common import ViewState


def moved_periods(state: ViewState) -> tuple[PeriodSpec, PeriodSpec] | None:
    """(comparison wave, chosen waves) of the dashboard, or None without a comparison."""
    if not state.compare_id or state.compare_id in state.filter.survey_ids or not state.filter.survey_ids:
        return None
    before = PeriodSpec(survey_ids=(state.compare_id,), label=state.compare_name)
    after = PeriodSpec(survey_ids=tuple(state.filter.survey_ids), label=state.waves_label)
    return before, after


def moved_context(state: ViewState) -> dict:
    """``{"moved": {status, message, sentence, figure, result, api_url, csv_url}}`` or {} without a comparison."""
    periods = moved_periods(state)
    if periods is None:
        return {}
    before, after = periods
    journey = state.journey
    query = [("from", str(i)) for i in before.survey_ids] + [("to", str(i)) for i in after.survey_ids]
    query += [(f"segment.{name}", value) for name, values in state.filter.segments for value in values]
    api_url = reverse("api-journey-moved", args=[journey.pk]) + "?" + urlencode(query)
    answer = moved_get(journey=journey, before=before, after=after, segment_filter=state.filter.segment_filter)
    moved = {
        "status": answer.status,
        "message": answer.message,
        "api_url": api_url,
        "csv_url": api_url + "&file=csv",
    }
    if answer.status == "done":
        result = answer.result
        suffix = "?" + state.query if state.query else ""

        def moment_url(moment_id: int) -> str:
            return reverse("moments:moment_detail", args=[journey.pk, moment_id]) + suffix

        figure = cache_get_or_build(
            "moments:moved-figure:",
            [FIGURE_VERSION, result, suffix],
            lambda: figure_json(moved_waterfall_figure(result, moment_url=moment_url)),
        )
        moved |= {"sentence": result["summary"]["sentence"], "figure": figure, "result": result}
    return {"moved": moved}
