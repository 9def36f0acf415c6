"""Everything the moment detail page charts, read from the database once (``moment_detail_data``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
from django.conf import settings

from journeys.models import Journey, Moment

from ..analysis.detail import moment_detail_stats
from ..models import MomentResult
from .ratings import journey_ratings_frame
from .runs import analysis_params_key, analysis_runs_by_key
from .waves import journey_surveys

TREND_COLUMNS = [
    "survey_id",
    "survey",
    "period_start",
    "n",
    "reach",
    "satisfaction",
    "satisfaction_low",
    "satisfaction_high",
    "impact",
    "impact_low",
    "impact_high",
    "quadrant",
    "run_id",
]


def _trend_runs(
    *, journey: Journey, moment: Moment, surveys: list, segment_filter, outcome: str = ""
) -> dict[int, tuple]:
    """Per wave id: (run, result) of that wave's latest current default run for the segment filter, in three
    queries whatever the number of waves (the moments, the runs, their results for this moment)."""
    moment_ids = list(journey.moments.order_by("position", "name", "pk").values_list("pk", flat=True))
    keys = {
        s.pk: analysis_params_key(
            journey=journey, surveys=[s], segment_filter=segment_filter, moment_ids=moment_ids, outcome=outcome
        )
        for s in surveys
    }
    runs = analysis_runs_by_key(journey=journey, keys=list(keys.values()))
    results = {r.run_id: r for r in MomentResult.objects.filter(run__in=list(runs.values()), moment=moment)}
    return {pk: (runs[key], results.get(runs[key].pk)) if key in runs else (None, None) for pk, key in keys.items()}


def moment_detail_data(
    *,
    journey: Journey,
    moment: Moment,
    survey_ids: Sequence[int] | None = None,
    segment_filter: Mapping[str, Sequence[str]] | None = None,
    outcome: str = "",
) -> dict:
    """Everything the moment detail page charts, as plain numbers (DESIGN section 6). The ratings are read once,
    for every wave; the statistics are ``moments.analysis.detail.moment_detail_stats``. Keys:

    - ``moment``: {id, name, slug, stage, is_brand_moment}; ``outcome_type``; ``scale`` [min, max] of the histogram
      levels (the chosen waves' scale; 0-100 when they differ);
    - ``summary``, ``distribution``, ``outcome_by_level``, ``occurrence``, ``segments``: of the chosen waves
      (``survey_ids``, all when None), see ``MomentDetail``;
    - ``trend``: DataFrame per wave of the journey (period order, whatever is chosen): survey_id, survey,
      period_start, n, reach, satisfaction, satisfaction_low, satisfaction_high, impact, impact_low, impact_high,
      quadrant, run_id; impact and quadrant come from that wave's latest current default run (None when it has not
      been computed).

    ``outcome``: the outcome the numbers are of ("" = the journey's primary one), as ``AnalysisFilter.outcome``.
    """
    # Waves are matched by outcome name (surveys.outcomes): a wave without the outcome gives it as missing.
    surveys = journey_surveys(journey=journey)
    chosen = {"outcome": outcome} if outcome else {}  # the loader's default is the primary outcome
    frame = journey_ratings_frame(
        journey=journey, survey_ids=[s.pk for s in surveys], segment_filter=segment_filter, with_ids=True, **chosen
    )
    index = next((j for j, m in enumerate(frame.moments) if m.pk == moment.pk), None)
    if index is None:
        raise ValueError(f"{moment} is not a moment of {journey}.")
    stats = moment_detail_stats(
        outcome=frame.outcome,
        ratings=frame.ratings[:, index],
        experienced=frame.experienced[:, index],
        survey_id=frame.survey_id,
        segments=frame.segments,
        outcome_type=frame.outcome_type,
        scales=_moment_scales(surveys, moment, frame.scales),
        default_scale=frame.scale,
        chosen=None if survey_ids is None else list(survey_ids),
        waves=[s.pk for s in surveys],
        min_n=settings.MOMENTUM_MIN_SAMPLE,
    )
    runs = _trend_runs(journey=journey, moment=moment, surveys=surveys, segment_filter=segment_filter, outcome=outcome)
    trend = stats.trend.set_index("survey_id")
    rows = []
    for survey in surveys:
        run, result = runs[survey.pk]
        rows.append(
            {"survey_id": survey.pk, "survey": survey.name, "period_start": survey.period_start}
            | trend.loc[survey.pk].to_dict()
            | {
                "n": int(trend.loc[survey.pk, "n"]),
                "impact": result.impact if result else None,
                "impact_low": result.impact_low if result else None,
                "impact_high": result.impact_high if result else None,
                "quadrant": result.quadrant if result else None,
                "run_id": run.pk if run else None,
            }
        )
    return {
        "moment": {
            "id": moment.pk,
            "name": moment.name,
            "slug": moment.slug,
            "stage": moment.stage,
            "is_brand_moment": moment.is_brand_moment,
        },
        "outcome_type": frame.outcome_type,
        "scale": stats.scale,
        "weighted": getattr(frame, "weight", None) is not None,  # the charts below count each respondent once
        "summary": stats.summary,
        "distribution": stats.distribution,
        "outcome_by_level": stats.outcome_by_level,
        "occurrence": stats.occurrence,
        "trend": pd.DataFrame(rows, columns=TREND_COLUMNS),
        "segments": stats.segments,
    }


def _moment_scales(surveys, moment, scales: dict) -> dict:
    """Each wave's scale of THIS moment: the one its mapping gave the moment (``"scales"``: moments of one file
    may differ, a 1-5 item beside 0-10 ones), else the wave's scale; the histogram converts ratings back with it."""
    own = dict(scales)
    for survey in surveys:
        given = ((survey.mapping or {}).get("scales") or {}).get(moment.name)
        if given and len(given) == 2:
            own[survey.pk] = (float(given[0]), float(given[1]))
    return own
