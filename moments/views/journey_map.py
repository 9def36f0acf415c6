"""The journey at a glance: one column per stage, moments in position order, coloured by quadrant."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_GET

from journeys.selectors import journey_moments

from ..models import QUADRANT_ACTIONS, Quadrant
from ._common import ViewState, can_edit, is_done, journey_or_404, results_rows

STAGE_ORDER_FALLBACK = gettext_noop("Other")


@login_required
@require_GET
def journey_map(request: HttpRequest, journey_id: int) -> HttpResponse:
    journey = journey_or_404(request, journey_id)
    state = ViewState(request, journey)
    results = {}
    if is_done(state.run):
        results = {r["moment_id"]: r for r in results_rows(state.run, journey, state.query)}
    stages: dict[str, list] = {}
    for moment in journey_moments(journey=journey):
        stages.setdefault(moment.stage or gettext(STAGE_ORDER_FALLBACK), []).append(
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
            "can_edit": can_edit(request.user, journey),
            "quadrant_actions": {q.value: QUADRANT_ACTIONS[q] for q in Quadrant},
        },
    )
