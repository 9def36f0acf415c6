"""Reads of journeys, moments and analysis results, always scoped to the user's organisations."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from cxapp.selectors import organisations_for_user

from .models import Journey, Moment


def journeys_for_user(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Journey]:
    return Journey.objects.filter(organisation__in=organisations_for_user(user)).select_related("organisation")


def journeys_overview(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Journey]:
    """Journeys annotated with their number of moments, waves and respondents (three subqueries, one query)."""
    from surveys.models import Response, Survey

    moments = Moment.objects.filter(journey=OuterRef("pk")).values("journey").annotate(c=Count("id")).values("c")
    waves = Survey.objects.filter(journey=OuterRef("pk")).values("journey").annotate(c=Count("id")).values("c")
    respondents = (
        Response.objects.filter(survey__journey=OuterRef("pk"))
        .values("survey__journey")
        .annotate(c=Count("id"))
        .values("c")
    )
    return journeys_for_user(user).annotate(
        moment_count=Coalesce(Subquery(moments), 0),
        wave_count=Coalesce(Subquery(waves), 0),
        respondent_count=Coalesce(Subquery(respondents), 0),
    )


def journey_get(*, user: AbstractBaseUser | AnonymousUser, journey_id: int) -> Journey | None:
    return journeys_for_user(user).filter(pk=journey_id).first()
