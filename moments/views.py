from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from .selectors import journey_get


@login_required
def dashboard(request: HttpRequest, journey_id: int) -> HttpResponse:
    journey = journey_get(user=request.user, journey_id=journey_id)
    if journey is None:
        raise Http404("No such journey.")
    return render(request, "moments/dashboard.html", {"journey": journey, "moments": journey.moments.all()})


@login_required
def journey_create(request: HttpRequest) -> HttpResponse:
    raise Http404("Journey management is not available yet.")
