"""One moment's detail statistics: its rating distribution, the outcome by rating level, the occurrence comparison,
its satisfaction per wave and per segment (DESIGN section 6, moment detail). Pure: arrays in, a dataclass out.

Inputs, one entry per respondent who gave an outcome:
- ``outcome``: the outcome (likelihood to recommend 0-10 for nps, 0/1 for binary, the number for numeric);
- ``ratings``: this moment's satisfaction on 0-100 (NaN = not rated); ``experienced``: bool;
- ``survey_id``: the respondent's wave; ``segments``: one str column per segment key (<NA> = no value);
- ``scales``: wave id -> (min, max) of its original rating scale.

Intervals: satisfaction means use the Student-t 95% interval (``nps.mean_interval``); outcomes use
``nps.outcome_summary`` (NPS adjusted Wald, Rocks 2016; Agresti-Coull rates; t for means); the occurrence effect
uses ``nps.occurrence_effect``. A group below ``min_n`` keeps its counts but gets no satisfaction (noise).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .nps import mean_interval, occurrence_effect, outcome_summary

TREND_COLUMNS = ["survey_id", "n", "reach", "satisfaction", "satisfaction_low", "satisfaction_high"]
SEGMENT_COLUMNS = [
    "segment",
    "value",
    "respondents",
    "experienced",
    "reach",
    "satisfaction",
    "satisfaction_low",
    "satisfaction_high",
    "outcome",
]
# Mixed scales are binned on 0-100 in tens; a single scale is shown level by level when it has at most this many.
MAX_LEVELS = 20


@dataclass
class MomentDetail:
    """scale: [min, max] of the histogram levels (the waves' scale, or [0, 100] when the waves differ);
    summary: respondents, experienced, reach (0-1), satisfaction (0-100) with satisfaction_low / _high;
    distribution: level (original scale), count, share (0-1 of the raters);
    outcome_by_level: level, n, outcome, outcome_low, outcome_high of the raters who gave that level;
    occurrence: experienced / not_experienced {n, outcome, outcome_low, outcome_high}, effect, effect_low,
    effect_high (None unless both groups reach min_n), min_sample (whether it is a pain point is the run's call:
    it takes the false-discovery control over every moment, which one moment's page cannot);
    trend: ``TREND_COLUMNS``, one row per wave of ``waves`` in that order;
    segments: ``SEGMENT_COLUMNS``, one row per segment value."""

    scale: list[float]
    summary: dict
    distribution: pd.DataFrame
    outcome_by_level: pd.DataFrame
    occurrence: dict
    trend: pd.DataFrame
    segments: pd.DataFrame


def _plain(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if np.isfinite(value) else None


def satisfaction_interval(values: np.ndarray) -> tuple[float | None, float | None, float | None]:
    """Mean of the finite ``values`` with its Student-t 95% interval (None where there is nothing to say)."""
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None, None, None
    mean, low, high = mean_interval(values.sum(), ((values - values.mean()) ** 2).sum(), values.size)
    return _plain(mean), _plain(low), _plain(high)


def outcome_stats(y: np.ndarray, outcome_type: str) -> dict:
    """n, outcome and its 95% interval of the finite ``y`` (``outcome_summary``)."""
    y = y[np.isfinite(y)]
    stats = outcome_summary(y, outcome_type)
    return {"n": int(y.size)} | {k: _plain(stats[k]) for k in ("outcome", "outcome_low", "outcome_high")}


def rating_levels(
    ratings: np.ndarray, rated: np.ndarray, survey_id: np.ndarray, scales: dict, default_scale: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """Each rating back on its original scale (NaN where not rated), every level to show, and the scale.

    One scale among the respondents' waves: levels ``rint(min + rating / 100 * (max - min))``, all integer levels
    of the scale when it has at most ``MAX_LEVELS + 1`` (else those observed). Mixed scales: bins of ten on 0-100.
    """
    present = {scales[s] for s in np.unique(survey_id)} if len(survey_id) else {default_scale}
    levels = np.full(ratings.shape, np.nan)
    if len(present) == 1:
        low, high = present.pop()
        levels[rated] = np.rint(low + ratings[rated] / 100.0 * (high - low))
        span = high - low
        shown = np.arange(low, high + 1) if float(span).is_integer() and span <= MAX_LEVELS else None
        scale = [float(low), float(high)]
    else:
        levels[rated] = np.minimum(np.floor(ratings[rated] / 10.0) * 10.0, 90.0)
        shown = np.arange(0.0, 100.0, 10.0)
        scale = [0.0, 100.0]
    if shown is None:
        shown = np.unique(levels[rated])
    return levels, shown.astype(float), scale


def _distribution(levels: np.ndarray, rated: np.ndarray, shown: np.ndarray) -> pd.DataFrame:
    observed = levels[rated]
    counts = np.array([(observed == level).sum() for level in shown], dtype=np.int64)
    total = counts.sum()
    return pd.DataFrame({"level": shown, "count": counts, "share": counts / total if total else np.zeros(len(counts))})


def _outcome_by_level(y, levels, rated, shown, outcome_type) -> pd.DataFrame:
    rows = [{"level": float(level)} | outcome_stats(y[rated & (levels == level)], outcome_type) for level in shown]
    return pd.DataFrame(rows, columns=["level", "n", "outcome", "outcome_low", "outcome_high"])


def _occurrence(y, experienced, outcome_type, min_n) -> dict:
    effect, low, high = (_plain(v[0]) for v in occurrence_effect(y, experienced[:, None], outcome_type, min_n))
    return {
        "experienced": outcome_stats(y[experienced], outcome_type),
        "not_experienced": outcome_stats(y[~experienced], outcome_type),
        "effect": effect,
        "effect_low": low,
        "effect_high": high,
        "min_sample": min_n,
    }


def _trend(ratings, experienced, rated, survey_id, waves, min_n) -> pd.DataFrame:
    rows = []
    for wave in waves:
        in_wave = survey_id == wave
        rated_in_wave = rated & in_wave
        n = int(rated_in_wave.sum())
        sat = satisfaction_interval(ratings[rated_in_wave]) if n >= min_n else (None, None, None)
        reach = _plain(experienced[in_wave].mean()) if in_wave.any() else None
        rows.append(dict(zip(TREND_COLUMNS, [wave, n, reach, *sat], strict=True)))
    return pd.DataFrame(rows, columns=TREND_COLUMNS)


def _segments(y, ratings, experienced, rated, segments: pd.DataFrame, outcome_type, min_n) -> pd.DataFrame:
    rows = []
    for key in segments.columns:
        values = segments[key]
        for value in sorted(values.dropna().unique()):
            group = (values == value).fillna(False).to_numpy(dtype=bool)
            group_rated = rated & group
            group_experienced = experienced & group
            enough = group_rated.sum() >= min_n
            sat = satisfaction_interval(ratings[group_rated]) if enough else (None, None, None)
            outcome = outcome_stats(y[group_experienced], outcome_type)["outcome"]
            rows.append(
                {
                    "segment": key,
                    "value": str(value),
                    "respondents": int(group.sum()),
                    "experienced": int(group_experienced.sum()),
                    "reach": _plain(experienced[group].mean()) if group.any() else None,
                    "satisfaction": sat[0],
                    "satisfaction_low": sat[1],
                    "satisfaction_high": sat[2],
                    "outcome": outcome if group_experienced.sum() >= min_n else None,
                }
            )
    return pd.DataFrame(rows, columns=SEGMENT_COLUMNS)


def moment_detail_stats(
    *,
    outcome: np.ndarray,
    ratings: np.ndarray,
    experienced: np.ndarray,
    survey_id: np.ndarray,
    segments: pd.DataFrame,
    outcome_type: str,
    scales: dict,
    default_scale: tuple[float, float] = (1.0, 10.0),
    chosen: Sequence[int] | None = None,
    waves: Sequence[int] = (),
    min_n: int = 30,
) -> MomentDetail:
    """The detail statistics of one moment (see the module docstring for the inputs).

    Steps: keep respondents with an outcome; the trend runs over every wave of ``waves`` (whatever is chosen);
    everything else over the respondents of the ``chosen`` waves (all when None): levels on the original scale,
    distribution, outcome per level, occurrence comparison, per-segment satisfaction and the overall summary.
    """
    has_outcome = np.isfinite(outcome)
    y, ratings, experienced = outcome[has_outcome], ratings[has_outcome], experienced[has_outcome].astype(bool)
    survey_id = survey_id[has_outcome]
    segments = segments.loc[has_outcome].reset_index(drop=True)
    rated = experienced & np.isfinite(ratings)
    trend = _trend(ratings, experienced, rated, survey_id, waves, min_n)

    keep = np.isin(survey_id, list(chosen)) if chosen is not None else np.ones(len(y), dtype=bool)
    y, ratings, experienced, rated, survey_id = y[keep], ratings[keep], experienced[keep], rated[keep], survey_id[keep]
    segments = segments.loc[keep].reset_index(drop=True)
    levels, shown, scale = rating_levels(ratings, rated, survey_id, scales, default_scale)
    sat = satisfaction_interval(ratings[rated])
    return MomentDetail(
        scale=scale,
        summary={
            "respondents": int(len(y)),
            "experienced": int(experienced.sum()),
            "reach": _plain(experienced.mean()) if len(y) else None,
            "satisfaction": sat[0],
            "satisfaction_low": sat[1],
            "satisfaction_high": sat[2],
        },
        distribution=_distribution(levels, rated, shown),
        outcome_by_level=_outcome_by_level(y, levels, rated, shown, outcome_type),
        occurrence=_occurrence(y, experienced, outcome_type, min_n),
        trend=trend,
        segments=_segments(y, ratings, experienced, rated, segments, outcome_type, min_n),
    )
