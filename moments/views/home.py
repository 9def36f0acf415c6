"""The home page: the journeys of the user's organisations with their counts and, where analysed, the outcome and
top priority of the view a user opens first (a fixed number of queries for any number of journeys)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cxapp.selectors import EDIT_ROLES, organisation_ids_with_role

from .. import labels, selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    journeys = list(selectors.journeys_overview(user=request.user))
    latest = selectors.journeys_latest_summaries(journeys=journeys)
    edit_ids = organisation_ids_with_role(request.user, *EDIT_ROLES)
    for journey in journeys:
        journey.latest = latest[journey.pk]
        if journey.latest is not None:
            journey.latest["outcome_label"] = labels.outcome_label(journey.latest["summary"].get("outcome_type"))
        journey.can_edit = journey.organisation_id in edit_ids
    admin_of = selectors.organisations_administered(user=request.user)
    return render(
        request, "home.html", {"journeys": journeys, "can_edit": bool(edit_ids), "admin_organisations": admin_of}
    )
