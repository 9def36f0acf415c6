"""Journey and moment management pages: validate with a form, write through ``journeys.services``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from cxapp.selectors import organisations_with_edit_role

from . import selectors, services
from .forms import JourneyForm, MomentForm
from .models import Journey, Moment


def _journey_for_edit(request: HttpRequest, journey_id: int) -> Journey:
    """The journey, 404 when the user cannot see it, 403 when they can see but not change it."""
    journey = selectors.journey_for_user(user=request.user, journey=journey_id, edit=True)
    if journey is not None:
        return journey
    if selectors.journey_for_user(user=request.user, journey=journey_id) is None:
        raise Http404("No such journey.")  # another organisation's journey does not exist, as far as this user knows
    raise PermissionDenied(gettext("Only analysts and admins can change journeys."))


def _moment_for_edit(request: HttpRequest, journey_id: int, moment_id: int) -> tuple[Journey, Moment]:
    journey = _journey_for_edit(request, journey_id)
    moment = selectors.journey_moments(journey=journey).filter(pk=moment_id).first()
    if moment is None:
        raise Http404(gettext("No such moment."))
    return journey, moment


@login_required
@require_http_methods(["GET", "POST"])
def journey_create(request: HttpRequest) -> HttpResponse:
    organisations = organisations_with_edit_role(request.user)
    if not organisations.exists():
        raise PermissionDenied(gettext("Only analysts and admins can create journeys."))
    form = JourneyForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid() and (journey := form.save()) is not None:
        messages.success(request, gettext("Journey “%(name)s” created. Add its moments next.") % {"name": journey.name})
        return redirect("journeys:journey_edit", journey_id=journey.pk)
    return render(request, "journeys/journey_form.html", {"form": form, "journey": None})


@login_required
@require_http_methods(["GET", "POST"])
def journey_edit(request: HttpRequest, journey_id: int) -> HttpResponse:
    """Journey name and description, and the list of its moments with add / edit / delete."""
    journey = _journey_for_edit(request, journey_id)
    form = JourneyForm(request.POST or None, instance=journey, organisations=organisations_with_edit_role(request.user))
    if request.method == "POST" and form.is_valid() and form.save() is not None:
        messages.success(request, gettext("Journey saved."))
        return redirect("journeys:journey_edit", journey_id=journey.pk)
    context = {"form": form, "journey": journey, "moments": selectors.journey_moments(journey=journey)}
    return render(request, "journeys/journey_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def journey_delete(request: HttpRequest, journey_id: int) -> HttpResponse:
    journey = _journey_for_edit(request, journey_id)
    if request.method == "POST":
        name = journey.name
        services.journey_delete(journey=journey)
        messages.success(request, gettext("Journey “%(name)s” deleted.") % {"name": name})
        return redirect("home")
    counts = selectors.journey_counts(journey=journey)
    return render(request, "journeys/confirm_delete.html", {"journey": journey, "object": journey, "counts": counts})


@login_required
@require_http_methods(["GET", "POST"])
def moment_create(request: HttpRequest, journey_id: int) -> HttpResponse:
    journey = _journey_for_edit(request, journey_id)
    initial = {"position": selectors.journey_next_position(journey=journey)}
    form = MomentForm(request.POST or None, journey=journey, initial=initial)
    if request.method == "POST" and form.is_valid() and (moment := form.save()) is not None:
        messages.success(request, gettext("Moment “%(name)s” added.") % {"name": moment.name})
        return redirect("journeys:journey_edit", journey_id=journey.pk)
    context = {"form": form, "journey": journey, "moment": None, "stages": selectors.journey_stages(journey=journey)}
    return render(request, "journeys/moment_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def moment_edit(request: HttpRequest, journey_id: int, moment_id: int) -> HttpResponse:
    journey, moment = _moment_for_edit(request, journey_id, moment_id)
    form = MomentForm(request.POST or None, instance=moment, journey=journey)
    if request.method == "POST" and form.is_valid() and form.save() is not None:
        messages.success(request, gettext("Moment “%(name)s” saved.") % {"name": moment.name})
        return redirect("journeys:journey_edit", journey_id=journey.pk)
    context = {"form": form, "journey": journey, "moment": moment, "stages": selectors.journey_stages(journey=journey)}
    return render(request, "journeys/moment_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def moment_delete(request: HttpRequest, journey_id: int, moment_id: int) -> HttpResponse:
    journey, moment = _moment_for_edit(request, journey_id, moment_id)
    if request.method == "POST":
        name = moment.name
        services.moment_delete(moment=moment)
        messages.success(request, gettext("Moment “%(name)s” deleted.") % {"name": name})
        return redirect("journeys:journey_edit", journey_id=journey.pk)
    return render(request, "journeys/confirm_delete.html", {"journey": journey, "object": moment, "moment": moment})
