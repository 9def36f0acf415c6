"""Analysis runs: the key of what a run's numbers depend on, the run that answers a filter, a run's results, and
the change of the outcome between two runs."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from journeys.models import Journey
from journeys.selectors import journeys_for_user

from ..labels import DEFAULT_METHOD, DEFAULT_THRESHOLD
from ..models import AnalysisRun, MomentResult, RunStatus
from ..outcomes import outcome_key
from .waves import _clean_segment_filter, journey_surveys


def analysis_rules() -> dict:
    """The significance rules of every run (DESIGN section 2), from the settings, as ``AnalysisParams`` keywords:
    they are part of the params key, so changing a rule never answers from a run made under the old one."""
    minimum = settings.MOMENTUM_PAIN_MIN_EFFECT
    return {
        "fdr_q": float(settings.MOMENTUM_FDR_Q),
        "pain_min_nps": float(minimum["nps"]),
        "pain_min_binary": float(minimum["binary"]),
        "pain_min_sd": float(minimum["numeric_sd"]),
        "small_group_share": float(settings.MOMENTUM_SMALL_GROUP_SHARE),
    }


def analysis_params_key(
    *,
    journey: Journey,
    survey_ids: Sequence[int] | None = None,
    segment_filter: Mapping[str, Sequence[str]] | None = None,
    method: str = DEFAULT_METHOD,
    threshold_mode: str = DEFAULT_THRESHOLD,
    fixed_satisfaction: float | None = None,
    fixed_impact: float | None = None,
    min_sample: int | None = None,
    bootstrap: int | None = None,
    seed: int = 0,
    surveys: Sequence | None = None,
    moment_ids: Sequence[int] | None = None,
    outcome: str = "",
) -> str:
    """sha256 of everything a run's numbers depend on: the journey, each chosen wave with its data version (a new
    import changes the key), the segment filter, method, thresholds, minimum sample, bootstrap size and seed.
    ``surveys``: the chosen waves when the caller has just loaded them (``journey_surveys``), ``moment_ids``: the
    journey's moments in position order (``journey_moment_rows``), each saving a query. ``outcome``: the run's
    outcome ("" = the primary one; left out of the payload then, so runs made before outcomes had names keep
    their keys)."""
    if surveys is None:
        surveys = journey_surveys(journey=journey, survey_ids=survey_ids)
    if threshold_mode != "fixed":
        fixed_satisfaction = fixed_impact = None
    payload = {
        "journey": journey.pk,
        "surveys": [[s.pk, s.data_version] for s in sorted(surveys, key=lambda s: s.pk)],
        "moments": list(journey.moments.order_by("position", "name", "pk").values_list("pk", flat=True))
        if moment_ids is None
        else list(moment_ids),
        "segment_filter": _clean_segment_filter(segment_filter),
        "method": method,
        "threshold_mode": threshold_mode,
        "fixed_satisfaction": None if fixed_satisfaction is None else float(fixed_satisfaction),
        "fixed_impact": None if fixed_impact is None else float(fixed_impact),
        "min_sample": settings.MOMENTUM_MIN_SAMPLE if min_sample is None else int(min_sample),
        "bootstrap": settings.MOMENTUM_BOOTSTRAP if bootstrap is None else int(bootstrap),
        "seed": int(seed),
        "rules": analysis_rules(),
    }
    if outcome:
        payload["outcome"] = outcome_key(outcome)
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def analysis_latest(
    *,
    journey: Journey,
    survey_ids: Sequence[int] | None = None,
    segment_filter: Mapping[str, Sequence[str]] | None = None,
    method: str = DEFAULT_METHOD,
    threshold_mode: str = DEFAULT_THRESHOLD,
    fixed_satisfaction: float | None = None,
    fixed_impact: float | None = None,
    current: bool = True,
    surveys: Sequence | None = None,
    moment_ids: Sequence[int] | None = None,
    outcome: str = "",
) -> AnalysisRun | None:
    """The newest finished (DONE) run of ``journey`` for these waves, filter and parameters, or None.

    ``current=True``: only a run of the waves' current data (same ``analysis_params_key``). ``current=False``:
    otherwise the newest DONE run with the same waves, filter, method and thresholds on older data, so a page can
    show the previous numbers while the new run computes. ``surveys`` and ``moment_ids``: see
    ``analysis_params_key``.
    """
    key = analysis_params_key(
        journey=journey,
        survey_ids=survey_ids,
        segment_filter=segment_filter,
        method=method,
        threshold_mode=threshold_mode,
        fixed_satisfaction=fixed_satisfaction,
        fixed_impact=fixed_impact,
        surveys=surveys,
        moment_ids=moment_ids,
        outcome=outcome,
    )
    done = AnalysisRun.objects.filter(journey=journey, status=RunStatus.DONE)
    run = done.filter(params_key=key).order_by("-finished_at", "-pk").first()
    if run is not None or current:
        return run
    wanted_surveys = sorted(s.pk for s in journey_surveys(journey=journey, survey_ids=survey_ids))
    wanted_filter = _clean_segment_filter(segment_filter)
    candidates = done.filter(method=method, threshold_mode=threshold_mode, outcome=outcome or "")
    candidates = candidates.order_by("-finished_at", "-pk")
    for candidate in candidates.prefetch_related("surveys")[:50]:
        if (
            sorted(s.pk for s in candidate.surveys.all()) == wanted_surveys
            and _clean_segment_filter(candidate.segment_filter) == wanted_filter
            and (
                threshold_mode != "fixed"
                or (candidate.fixed_satisfaction, candidate.fixed_impact) == (fixed_satisfaction, fixed_impact)
            )
        ):
            return candidate
    return None


def analysis_run_get(*, user: AbstractBaseUser | AnonymousUser, run_id: int) -> AnalysisRun | None:
    """A run of one of the user's organisations' journeys (None otherwise)."""
    return AnalysisRun.objects.filter(pk=run_id, journey__in=journeys_for_user(user)).select_related("journey").first()


def moment_results(*, run: AnalysisRun) -> QuerySet[MomentResult]:
    """The run's results in priority (rank) order, with their moments."""
    return MomentResult.objects.filter(run=run).select_related("moment").order_by("rank", "moment__position")


def analysis_run_for_journey(*, journey: Journey, run_id: int) -> AnalysisRun | None:
    """A run of ``journey`` (None when the id is another journey's or does not exist)."""
    return AnalysisRun.objects.filter(pk=run_id, journey=journey).first()


def analysis_runs_by_key(*, journey: Journey, keys: Sequence[str]) -> dict[str, AnalysisRun]:
    """The newest DONE run of each ``analysis_params_key`` in ``keys`` (one query; keys without a run are absent)."""
    runs: dict[str, AnalysisRun] = {}
    done = AnalysisRun.objects.filter(journey=journey, status=RunStatus.DONE, params_key__in=list(set(keys)))
    for run in done.order_by("-finished_at", "-pk"):
        runs.setdefault(run.params_key, run)
    return runs


def analysis_outcome_change(*, before: Mapping, after: Mapping) -> dict | None:
    """The outcome's change between two runs' summaries with its 95% interval, the waves taken as independent
    samples: NPS points (``nps_difference``, Rocks 2016), percentage points for a rate (``rate_difference``, Agresti
    & Caffo 2000), else the mean's change with each standard error recovered from its interval. None when either
    summary lacks what it needs or their outcome types differ."""
    from ..analysis.nps import Z95, nps_difference, rate_difference

    kind = after.get("outcome_type", "nps")
    if before.get("outcome_type", "nps") != kind:
        return None
    n0, n1 = before.get("n"), after.get("n")
    if not n0 or not n1 or before.get("outcome") is None or after.get("outcome") is None:
        return None
    if kind == "nps" and all(s.get(k) is not None for s in (before, after) for k in ("promoters", "detractors")):
        change, low, high = nps_difference(
            after["promoters"] * n1,
            after["detractors"] * n1,
            n1,
            before["promoters"] * n0,
            before["detractors"] * n0,
            n0,
        )
    elif kind == "binary":
        change, low, high = rate_difference(after["outcome"] / 100 * n1, n1, before["outcome"] / 100 * n0, n0)
    elif all(s.get(k) is not None for s in (before, after) for k in ("outcome_low", "outcome_high")):
        se = [(s["outcome_high"] - s["outcome_low"]) / (2 * Z95) for s in (before, after)]
        change = after["outcome"] - before["outcome"]
        half = Z95 * (se[0] ** 2 + se[1] ** 2) ** 0.5
        low, high = change - half, change + half
    else:
        return None
    return {
        "before": float(before["outcome"]),
        "after": float(after["outcome"]),
        "change": float(change),
        "change_low": float(low),
        "change_high": float(high),
        "significant": bool(low > 0 or high < 0),
    }
