"""What moved (issue 12): load two periods, run the pure attribution, and keep the answer in the cache.

Where the work runs. The bootstrap refits the driver model in 200 resamples of both periods; measured on this
2-core machine (bench/moved.py --timing, other test suites running): 10,000 + 10,000 respondents take 0.7 s with
6 moments and 6 s with 25. So a request never computes a large comparison: ``moved_get`` answers from the cache,
computes inline only when the comparison is small (``INLINE_MAX_COST``, well under a second), and otherwise
enqueues ``moments.compute_moved`` (one task per key, deduplicated by a cache lock) and answers "computing"; the
page and the API poll. The cache key is a digest of every input (the waves' ``data_version``, the journey's
moments, the periods, the filter, the settings), so a cached answer is never stale, and losing the cache loses
nothing that cannot be recomputed (DESIGN section 3: Redis holds only queue messages and cache). The CLI computes
in its own process (``moved_compute``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.core.cache import cache

from journeys.models import Journey

from .analysis.moved import MovedParams, Period, moved_explain
from .labels import outcome_label
from .outcomes import UnknownOutcome, journey_outcome_choices, outcome_choose
from .selectors.moved import PeriodFrame, PeriodSpec, moved_period_frame
from .selectors.waves import _clean_segment_filter, journey_surveys

logger = logging.getLogger(__name__)

CACHE_SECONDS = 24 * 3600
LOCK_SECONDS = 15 * 60
ERROR_SECONDS = 60
# respondents x (2 k + 1)^2: the bootstrap's cost; 20,000 x 13^2 (6 moments) took 0.7 s.
INLINE_MAX_COST = 2_000_000


class MovedError(ValueError):
    """A comparison that cannot be made (an empty period, mixed outcome types, an unknown outcome): a user error."""


@dataclass
class MovedAnswer:
    """``moved_get``'s answer: status "done" (``result`` set), "computing" (enqueued or running) or "failed"
    (``message`` says why)."""

    status: str
    result: dict | None = None
    message: str = ""


def moved_params() -> MovedParams:
    """The settings' rules (minimum sample, resamples, false discovery rate) as ``MovedParams``."""
    return MovedParams(
        min_n=settings.MOMENTUM_MIN_SAMPLE,
        bootstrap=settings.MOMENTUM_BOOTSTRAP,
        fdr_q=settings.MOMENTUM_FDR_Q,
    )


def _period(part: PeriodFrame) -> Period:
    rows, frame = part.rows, part.frame
    # survey weights: ``RatingsFrame.weight`` once the weights work (issue on survey weights) is merged; None = 1 each
    weights = getattr(frame, "weight", None)
    return Period(
        ratings=frame.ratings[rows],
        outcome=frame.outcome[rows],
        experienced=frame.experienced[rows],
        weights=None if weights is None else np.asarray(weights)[rows],
    )


def _outcome_check(journey: Journey, outcome: str | None) -> str:
    """The chosen outcome's name as the journey spells it ("" for the primary one); an unknown name is an error
    that names the journey's outcomes (``moments.outcomes``)."""
    try:
        chosen = outcome_choose(journey_outcome_choices(journey=journey), outcome)
    except UnknownOutcome as error:
        raise MovedError(str(error)) from None
    return chosen.value if chosen is not None else ""


def _outcome_name(frame, outcome_type: str) -> str:
    return getattr(frame, "outcome_name", "") or outcome_label(outcome_type)


def moved_compute(
    *,
    journey: Journey,
    before: PeriodSpec,
    after: PeriodSpec,
    segment_filter: Mapping[str, Sequence[str]] | None = None,
    outcome: str | None = None,
    params: MovedParams | None = None,
) -> dict:
    """The JSON-ready decomposition of the change from ``before`` to ``after`` (``moved_explain``).

    Returns {"journey", "before", "after" (the periods: label, survey_ids, from, to), "summary" (MovedResult
    summary), "moments": [{moment_id, slug, name, stage, and every column of MOVED_COLUMNS}]}; moments that
    neither period asked about are left out. Raises MovedError for an empty period or mixed outcome types.
    """
    chosen = _outcome_check(journey, outcome)
    parts = []
    for spec in (before, after):
        try:
            part = moved_period_frame(journey=journey, spec=spec, segment_filter=segment_filter, outcome=chosen)
        except ValueError as error:  # mixed outcome types within a period
            raise MovedError(str(error)) from None
        if part.n < 2:
            raise MovedError(f"The period {spec.label or 'chosen'!r} has {part.n} responses: nothing to compare.")
        parts.append(part)
    if parts[0].frame.outcome_type != parts[1].frame.outcome_type:
        raise MovedError("The two periods have different outcome types; compare periods of one outcome.")
    outcome_type = parts[0].frame.outcome_type
    name = _outcome_name(parts[0].frame, outcome_type)
    moments = parts[0].frame.moments
    labels = [m.name for m in moments]
    try:
        result = moved_explain(
            _period(parts[0]),
            _period(parts[1]),
            labels,
            outcome_type=outcome_type,
            outcome_name=name,
            params=params or moved_params(),
        )
    except ValueError as error:
        raise MovedError(str(error)) from None
    rows = []
    for moment, row in zip(moments, result.moments.to_dict("records"), strict=True):
        if row["n_before"] == 0 and row["n_after"] == 0:
            continue
        rows.append(
            {"moment_id": moment.pk, "slug": moment.slug, "name": moment.name, "stage": moment.stage}
            | {key: _plain(value) for key, value in row.items()}
        )
    return {
        "journey": journey.pk,
        "before": before.as_json(),
        "after": after.as_json(),
        "summary": result.summary,
        "moments": rows,
    }


def _plain(value):
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    return value


def _spec_json(spec: PeriodSpec) -> dict:
    return {
        "survey_ids": list(spec.survey_ids),
        "start": spec.start.isoformat() if spec.start else None,
        "end": spec.end.isoformat() if spec.end else None,
        "label": spec.label,
    }


def _spec_load(data: Mapping) -> PeriodSpec:
    return PeriodSpec(
        survey_ids=tuple(int(i) for i in data["survey_ids"]),
        start=dt.date.fromisoformat(data["start"]) if data["start"] else None,
        end=dt.date.fromisoformat(data["end"]) if data["end"] else None,
        label=str(data["label"]),
    )


def moved_key(
    *,
    journey: Journey,
    before: PeriodSpec,
    after: PeriodSpec,
    segment_filter: Mapping[str, Sequence[str]] | None = None,
    outcome: str | None = None,
) -> str:
    """Cache key: a digest of every input the answer is built from (a changed wave or moment makes a new key)."""
    ids = sorted({*before.survey_ids, *after.survey_ids})
    surveys = journey_surveys(journey=journey, survey_ids=ids or None)
    if before.is_dates or after.is_dates:
        surveys = journey_surveys(journey=journey)
    params = moved_params()
    inputs = {
        "journey": journey.pk,
        "waves": [[s.pk, s.data_version, list(s.moment_ids)] for s in surveys],
        "moments": list(journey.moments.order_by("position", "name", "pk").values_list("pk", "name", "slug")),
        "before": _spec_json(before),
        "after": _spec_json(after),
        "segments": _clean_segment_filter(segment_filter),
        "outcome": (outcome or "").casefold(),
        "params": [params.min_n, params.bootstrap, params.seed, params.fdr_q, params.min_effect_nps],
        "version": 1,
    }
    digest = hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()
    return "moments:moved:" + digest


def _cost(*, journey: Journey, before: PeriodSpec, after: PeriodSpec) -> int:
    from surveys.models import Response

    ids = sorted({*before.survey_ids, *after.survey_ids})
    responses = Response.objects.filter(survey__journey=journey)
    if ids and not (before.is_dates or after.is_dates):
        responses = responses.filter(survey_id__in=ids)
    k = journey.moments.count()
    return responses.count() * (2 * k + 1) ** 2


def _cache_get(key: str):
    try:
        return cache.get(key)
    except Exception:  # noqa: BLE001 - a cache outage must not break the page
        return None


def _cache_set(key: str, value, timeout: int) -> None:
    try:
        cache.set(key, value, timeout=timeout)
    except Exception:  # noqa: BLE001
        logger.warning("what moved: could not cache %s", key)


def moved_get(
    *,
    journey: Journey,
    before: PeriodSpec,
    after: PeriodSpec,
    segment_filter: Mapping[str, Sequence[str]] | None = None,
    outcome: str | None = None,
    inline: bool | None = None,
) -> MovedAnswer:
    """The comparison for a page or the API: cached, computed inline when small, else enqueued (module docstring).

    inline: force (True) or forbid (False) the inline computation; None decides by size.
    """
    key = moved_key(journey=journey, before=before, after=after, segment_filter=segment_filter, outcome=outcome)
    cached = _cache_get(key)
    if cached is not None:
        if "error" in cached:
            return MovedAnswer("failed", message=cached["error"])
        return MovedAnswer("done", result=cached)
    if inline is None:
        inline = _cost(journey=journey, before=before, after=after) <= INLINE_MAX_COST
    if inline:
        try:
            result = moved_compute(
                journey=journey, before=before, after=after, segment_filter=segment_filter, outcome=outcome
            )
        except MovedError as error:
            return MovedAnswer("failed", message=str(error))
        _cache_set(key, result, CACHE_SECONDS)
        return MovedAnswer("done", result=result)
    from .tasks import compute_moved

    try:
        if cache.add(key + ":lock", 1, timeout=LOCK_SECONDS):
            compute_moved.delay(
                journey_id=journey.pk,
                before=_spec_json(before),
                after=_spec_json(after),
                segment_filter=_clean_segment_filter(segment_filter),
                outcome=outcome,
            )
    except Exception as error:  # noqa: BLE001 - broker or cache down: say so, the next request tries again
        logger.warning("what moved: could not enqueue %s: %s", key, error)
        return MovedAnswer("computing", message="The comparison could not be queued yet; it is retried shortly.")
    return MovedAnswer("computing", message="Computing what moved (bootstrap over both periods)...")


def moved_task_run(
    *, journey_id: int, before: Mapping, after: Mapping, segment_filter: Mapping, outcome: str | None
) -> None:
    """The task's work: compute and cache (a user error is cached briefly as the answer, never retried)."""
    journey = Journey.objects.filter(pk=journey_id).first()
    if journey is None:
        return
    spec_before, spec_after = _spec_load(before), _spec_load(after)
    key = moved_key(
        journey=journey, before=spec_before, after=spec_after, segment_filter=segment_filter, outcome=outcome
    )
    try:
        result = moved_compute(
            journey=journey, before=spec_before, after=spec_after, segment_filter=segment_filter, outcome=outcome
        )
    except MovedError as error:
        _cache_set(key, {"error": str(error)}, ERROR_SECONDS)
    else:
        _cache_set(key, result, CACHE_SECONDS)
    finally:
        try:
            cache.delete(key + ":lock")
        except Exception:  # noqa: BLE001
            logger.warning("what moved: could not release the lock of %s", key)
