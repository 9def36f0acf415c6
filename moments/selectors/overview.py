"""The home page's journeys: their counts and, where analysed, the outcome and top priority of the view a user
opens first, in a fixed number of queries whatever the number of journeys."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from journeys.models import Journey, Moment
from journeys.selectors import journeys_for_user

from ..labels import DEFAULT_METHOD, DEFAULT_THRESHOLD
from ..models import AnalysisRun, MomentResult, Quadrant, RunStatus
from .waves import _clean_segment_filter, journeys_surveys, wave_default


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
    return (
        journeys_for_user(user)
        .select_related("organisation")
        .annotate(
            moment_count=Coalesce(Subquery(moments), 0),
            wave_count=Coalesce(Subquery(waves), 0),
            respondent_count=Coalesce(Subquery(respondents), 0),
        )
    )


def journeys_latest_summaries(*, journeys: list[Journey]) -> dict[int, dict | None]:
    """Per journey id: {wave, summary, top} of the newest finished default run (default method and thresholds, no
    segment filter, the primary outcome) of its default wave (``wave_default``: the latest wave with responses), on
    the wave's current data or older; None when there is none. Four queries for any number of journeys."""
    waves = {
        pk: wave_default(surveys) for pk, surveys in journeys_surveys(journey_ids=[j.pk for j in journeys]).items()
    }
    wanted = {pk: wave for pk, wave in waves.items() if wave is not None}
    through = AnalysisRun.surveys.through.objects.filter(analysisrun_id=OuterRef("pk"))
    runs = (
        AnalysisRun.objects.filter(
            journey_id__in=list(wanted),
            status=RunStatus.DONE,
            method=DEFAULT_METHOD,
            threshold_mode=DEFAULT_THRESHOLD,
            outcome="",  # the primary outcome's
            surveys__in=[w.pk for w in wanted.values()],
        )
        .annotate(
            wave_count=Subquery(through.values("analysisrun_id").annotate(c=Count("*")).values("c")),
            wave_id=Subquery(through.values("survey_id")[:1]),
        )
        .filter(wave_count=1)
        .order_by("-finished_at", "-pk")
    )
    chosen: dict[int, AnalysisRun] = {}
    for run in runs:
        wave = wanted[run.journey_id]
        if run.journey_id not in chosen and run.wave_id == wave.pk and not _clean_segment_filter(run.segment_filter):
            chosen[run.journey_id] = run
    tops: dict[int, MomentResult] = {}
    results = MomentResult.objects.filter(run__in=list(chosen.values())).exclude(quadrant=Quadrant.INSUFFICIENT)
    for result in results.select_related("moment").order_by("rank", "moment__position"):
        tops.setdefault(result.run_id, result)
    return {
        j.pk: {"wave": wanted[j.pk].name, "summary": chosen[j.pk].summary or {}, "top": tops.get(chosen[j.pk].pk)}
        if j.pk in chosen
        else None
        for j in journeys
    }


def journeys_with_moment_counts(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Journey]:
    """The user's journeys (``journeys_for_user``) with ``moment_count``, by name (the journeys API)."""
    return journeys_for_user(user).annotate(moment_count=Count("moments")).order_by("name", "pk")


def moments_for_user(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Moment]:
    """Moments of the user's journeys (none for an anonymous user), with their journey (the moments API)."""
    return Moment.objects.filter(journey__in=journeys_for_user(user)).select_related("journey")


def organisations_administered(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet:
    """The user's organisations where the user is an admin (the home page links to their members)."""
    from cxapp.models import Role
    from cxapp.selectors import organisation_ids_with_role, organisations_for_user

    return organisations_for_user(user).filter(pk__in=organisation_ids_with_role(user, Role.ADMIN))
