"""The dashboard's "What moved" section (issue 12): with a comparison chosen, the waterfall and its sentence.

Thin: the two periods come from the dashboard's own filter (the comparison wave, then the chosen waves, with the
segment filter) or from the section's own period selects (``moved_from`` / ``moved_to``: quarters or months of
``submitted_at``, offered where responses carry dates); ``services_moved.moved_get`` answers (cached; a large
comparison is computed in the worker and the section polls the API until it is ready); ``charts_moved`` draws the
figure.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from ..caching import cache_get_or_build
from ..charts_moved import FIGURE_VERSION, figure_json, moved_waterfall_figure
from ..selectors.moved import PeriodSpec, journey_months, period_parse
from ..services_moved import moved_get
from ..words import moved_message_text, moved_sentence_text
from ._common import ViewState

PERIOD_FROM, PERIOD_TO = "moved_from", "moved_to"


def period_options(journey) -> list[str]:
    """Quarters, then months, in which the journey's responses were submitted (what the period selects offer)."""
    months = journey_months(journey=journey)
    quarters = sorted({f"{m[:4]}-Q{(int(m[5:7]) - 1) // 3 + 1}" for m in months})
    return quarters + months


def moved_periods(state: ViewState, query) -> tuple[PeriodSpec, PeriodSpec] | str | None:
    """The two periods of the section: two date ranges (``moved_from`` / ``moved_to``), else the comparison wave
    and the chosen waves; a message when a date range is bad; None without a comparison."""
    first, second = (query.get(PERIOD_FROM) or "").strip(), (query.get(PERIOD_TO) or "").strip()
    if first or second:
        try:
            return period_parse(first), period_parse(second)
        except ValueError as error:
            return str(error)
    if not state.compare_id or state.compare_id in state.filter.survey_ids or not state.filter.survey_ids:
        return None
    before = PeriodSpec(survey_ids=(state.compare_id,), label=state.compare_name)
    after = PeriodSpec(survey_ids=tuple(state.filter.survey_ids), label=state.waves_label)
    return before, after


def moved_context(state: ViewState, query) -> dict:
    """``{"moved": {status, message, sentence, figure, result, api_url, csv_url, options, hidden, chosen}}``: the
    section's content; "idle" (only the period form) without a comparison."""
    journey = state.journey
    # Cached under the waves' data versions: a warm dashboard without a comparison costs no query for it.
    options = cache_get_or_build(
        "moments:moved-periods:",
        [journey.pk, [[s.pk, s.data_version] for s in state.surveys]],
        lambda: period_options(journey),
    )
    hidden = [(k, v) for k, v in state.filter.query_items(compare_id=state.compare_id)]
    chosen = {"from": query.get(PERIOD_FROM, ""), "to": query.get(PERIOD_TO, "")}
    base = {"options": options, "hidden": hidden, "chosen": chosen}
    periods = moved_periods(state, query)
    if periods is None:
        return {"moved": base | {"status": "idle"}} if options else {}
    if isinstance(periods, str):
        return {"moved": base | {"status": "failed", "message": moved_message_text(periods)}}
    before, after = periods
    if before.is_dates:
        items = [("from_period", before.label), ("to_period", after.label)]
    else:
        items = [("from", str(i)) for i in before.survey_ids] + [("to", str(i)) for i in after.survey_ids]
    items += [(f"segment.{name}", value) for name, values in state.filter.segments for value in values]
    if state.filter.outcome:
        items.append(("outcome", state.filter.outcome))
    api_url = reverse("api-journey-moved", args=[journey.pk]) + "?" + urlencode(items)
    answer = moved_get(
        journey=journey,
        before=before,
        after=after,
        segment_filter=state.filter.segment_filter,
        outcome=state.filter.outcome or None,
    )
    moved = base | {
        "status": answer.status,
        "message": moved_message_text(answer.message),
        "api_url": api_url,
        "csv_url": api_url + "&file=csv",
        "before_label": before.label,
        "after_label": after.label,
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
        moved |= {"sentence": moved_sentence_text(result), "figure": figure, "result": result}
    return {"moved": moved}
