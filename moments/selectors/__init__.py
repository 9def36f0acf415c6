"""Reads of analysis data; user-facing reads are scoped to the user's organisations. One module per concern:

- ``waves``: a journey's waves in one defined order, their segment values, the default wave;
- ``ratings``: the respondents x moments matrix (``journey_ratings_frame``);
- ``runs``: run keys, the run that answers a filter, results, the outcome's change between two runs;
- ``priorities``: a run as the export's table and meta;
- ``detail``: the moment detail page's data;
- ``overview``: the home page's journeys and their latest summaries.
"""

from .detail import moment_detail_data
from .overview import (
    journeys_latest_summaries,
    journeys_overview,
    journeys_with_moment_counts,
    moments_for_user,
    organisations_administered,
)
from .priorities import priorities_frame, priorities_meta
from .ratings import RatingsFrame, journey_ratings_frame
from .runs import (
    analysis_latest,
    analysis_outcome_change,
    analysis_params_key,
    analysis_rules,
    analysis_run_for_journey,
    analysis_run_get,
    analysis_runs_by_key,
    moment_results,
)
from .waves import (
    WAVE_ORDER,
    _clean_segment_filter,
    journey_surveys,
    journeys_surveys,
    segment_values,
    survey_ids_by_name,
    wave_default,
    wave_empty_reason,
)

__all__ = [
    "WAVE_ORDER",
    "RatingsFrame",
    "_clean_segment_filter",
    "analysis_latest",
    "analysis_outcome_change",
    "analysis_params_key",
    "analysis_rules",
    "analysis_run_for_journey",
    "analysis_run_get",
    "analysis_runs_by_key",
    "journey_ratings_frame",
    "journey_surveys",
    "journeys_latest_summaries",
    "journeys_overview",
    "journeys_surveys",
    "journeys_with_moment_counts",
    "moments_for_user",
    "organisations_administered",
    "moment_detail_data",
    "moment_results",
    "priorities_frame",
    "priorities_meta",
    "segment_values",
    "survey_ids_by_name",
    "wave_default",
    "wave_empty_reason",
]
