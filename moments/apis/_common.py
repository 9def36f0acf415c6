"""What the API views share: the answers documented for a foreign or read-only request, the journey of the URL."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse

from journeys.models import Journey
from journeys.selectors import journey_for_user

NOT_FOUND = OpenApiResponse(description="Not found, or not in one of your organisations.")
FORBIDDEN = OpenApiResponse(description="Your role in the organisation is read-only (viewer).")


def journey_or_404(request, journey_id: int) -> Journey:
    """The user's journey of the URL; another organisation's id answers 404 like one that does not exist."""
    journey = journey_for_user(user=request.user, journey=journey_id)
    if journey is None:
        raise Http404
    return journey
