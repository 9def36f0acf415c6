"""The analysis filter of ``analyse`` and ``export_priorities``: flags -> ``filters.AnalysisFilter`` -> the run."""

from django.core.management.base import CommandError
from django.utils.translation import gettext

from journeys.selectors import journey_by_slug
from moments.filters import (
    METHODS,
    THRESHOLDS,
    AnalysisFilter,
    analysis_run_for_filter,
    default_filter,
    outcome_value,
)
from moments.labels import DEFAULT_METHOD, DEFAULT_THRESHOLD, METHOD_LABELS
from moments.models import AnalysisRun, RunStatus
from moments.outcomes import UnknownOutcome
from moments.selectors import journey_surveys, survey_ids_by_name
from moments.services import analysis_run_compute


def add_analysis_arguments(parser) -> None:
    parser.add_argument("--journey", required=True, help="Journey slug.")
    parser.add_argument(
        "--survey",
        "--wave",
        dest="survey",
        action="append",
        default=None,
        metavar="NAME",
        help="Wave name (repeat for several; default: the latest wave with responses, as on the dashboard).",
    )
    parser.add_argument("--organisation", default=None, help="Organisation slug, where several have the journey.")
    parser.add_argument(
        "--method",
        choices=METHODS,
        default=DEFAULT_METHOD,
        help="Impact method: " + "; ".join(f"{m} = {label}" for m, label in METHOD_LABELS.items()) + ".",
    )
    parser.add_argument(
        "--outcome",
        default=None,
        metavar="NAME",
        help="Outcome the impact is measured on, by name (default: the journey's primary outcome).",
    )
    parser.add_argument("--threshold", choices=THRESHOLDS, default=DEFAULT_THRESHOLD, help="Quadrant thresholds.")
    parser.add_argument("--fixed-satisfaction", type=float, default=None, help="Satisfaction target (0-100).")
    parser.add_argument("--fixed-impact", type=float, default=None, help="Impact target (impact unit).")
    parser.add_argument(
        "--segment",
        action="append",
        default=None,
        metavar="KEY=VALUE",
        help="Segment filter, e.g. --segment region=North (repeat; values of one key are alternatives).",
    )


def filter_for_options(options: dict):
    """(journey, ``AnalysisFilter``, waves) of the command's flags; CommandError naming what is wrong."""
    try:
        journey = journey_by_slug(slug=options["journey"], organisation_slug=options["organisation"])
        surveys = journey_surveys(journey=journey)
        if options["survey"]:
            survey_ids = survey_ids_by_name(journey=journey, names=options["survey"])
        else:
            survey_ids = default_filter(journey, surveys=surveys).survey_ids
        outcome = outcome_value(journey, options.get("outcome"))
    except LookupError as exc:
        raise CommandError(str(exc)) from exc
    except UnknownOutcome as exc:
        raise CommandError(str(exc)) from exc
    if options["threshold"] == "fixed" and (options["fixed_satisfaction"] is None or options["fixed_impact"] is None):
        raise CommandError(gettext("--threshold fixed needs --fixed-satisfaction and --fixed-impact."))
    segment_filter: dict[str, list[str]] = {}
    for item in options["segment"] or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CommandError(gettext("--segment expects KEY=VALUE, got %(item)s.") % {"item": repr(item)})
        segment_filter.setdefault(key.strip(), []).append(value.strip())
    analysis_filter = AnalysisFilter.make(
        survey_ids=survey_ids,
        segment_filter=segment_filter,
        method=options["method"],
        threshold_mode=options["threshold"],
        fixed_satisfaction=options["fixed_satisfaction"],
        fixed_impact=options["fixed_impact"],
        outcome=outcome,
    )
    return journey, analysis_filter, surveys


def run_for_options(options: dict, echo=None) -> AnalysisRun:
    """Finds or computes (synchronously, in this process) the run the options describe; CommandError on failure."""
    journey, analysis_filter, surveys = filter_for_options(options)
    try:
        run = analysis_run_for_filter(journey=journey, analysis_filter=analysis_filter, enqueue=False, surveys=surveys)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    if run.status in (RunStatus.QUEUED, RunStatus.RUNNING):
        # Computes it here, or (when a worker holds it) does nothing and reports the worker's state.
        run = analysis_run_compute(run_id=run.pk, echo=echo)
    if run.status == RunStatus.RUNNING:
        raise CommandError(
            gettext("Analysis %(run)s is being computed by a worker (%(share)s); try again shortly.")
            % {"run": run.pk, "share": f"{run.progress:.0%}"}
        )
    if run.status == RunStatus.FAILED:
        raise CommandError(gettext("Analysis %(run)s failed: %(message)s") % {"run": run.pk, "message": run.message})
    return run
