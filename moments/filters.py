"""The analysis filter: which waves, which segment values, which impact method and thresholds.

Defined once (``AnalysisFilter``), parsed once (``filter_parse``) from one query dialect that the pages, the API
and the exports share, built by the CLI from its flags (``AnalysisFilter.make``), and answered by one
``analysis_run_for_filter``. The dialect (DESIGN section 5):

- ``wave=<id>`` (repeat for several; ``survey=<id>`` is the same, the API's first name for it);
- ``segment.<name>=<value>`` (repeat for several values of one segment: OR; different segments: AND;
  ``seg_<name>=<value>`` is the same, the dashboard's first name for it);
- ``method=relative_weights|shapley|correlation``, ``threshold=mean|median|fixed``, ``fixed_satisfaction=``
  (0-100) and ``fixed_impact=`` (both needed with ``threshold=fixed``);
- ``outcome=<name>``: the outcome the impact is measured on (issue 11; default the journey's primary outcome,
  matched ignoring case and runs of whitespace; an unknown name is an error on this field);
- ``compare=<wave id>``: a comparison wave (the pages).

Every field is read on its own: a bad value is an error on that field only (the API answers 400 naming it; a page
says so and uses that field's default), never a silent reset of the other fields. Without ``wave`` the filter
takes the default waves (``default_filter``: the latest wave with responses); ``wave=`` with no id is an empty
selection, refused.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from django.utils.text import slugify
from django.utils.translation import gettext

from journeys.models import Journey

from . import selectors, services
from .labels import DEFAULT_METHOD, DEFAULT_THRESHOLD, METHOD_CHOICES, THRESHOLD_CHOICES
from .models import AnalysisRun, RunStatus

WAVE = "wave"
WAVE_ALIASES = ("wave", "survey")
SEGMENT_PREFIX = "segment."
SEGMENT_PREFIX_ALIASES = ("segment.", "seg_")
MAX_WAVES = 100
MAX_ID = 2**63 - 1  # bigint primary keys: a larger number is a bad value, not an overflow in the database
METHODS = tuple(m for m, _ in METHOD_CHOICES)
THRESHOLDS = tuple(t for t, _ in THRESHOLD_CHOICES)


@dataclass(frozen=True)
class AnalysisFilter:
    """One analysis view. ``survey_ids``: the chosen waves, sorted (empty: nothing to analyse yet);
    ``segments``: ((name, (values...)), ...) sorted; fixed targets only with ``threshold_mode == "fixed"``;
    ``outcome``: the outcome's name as the journey spells it, "" for the primary outcome (``moments.outcomes``)."""

    survey_ids: tuple[int, ...] = ()
    segments: tuple[tuple[str, tuple[str, ...]], ...] = ()
    method: str = DEFAULT_METHOD
    threshold_mode: str = DEFAULT_THRESHOLD
    fixed_satisfaction: float | None = None
    fixed_impact: float | None = None
    outcome: str = ""

    @classmethod
    def make(
        cls,
        *,
        survey_ids: Iterable[int] = (),
        segment_filter: Mapping[str, Sequence[str]] | None = None,
        method: str = DEFAULT_METHOD,
        threshold_mode: str = DEFAULT_THRESHOLD,
        fixed_satisfaction: float | None = None,
        fixed_impact: float | None = None,
        outcome: str | None = "",
    ) -> AnalysisFilter:
        """The filter in its normal form (equal views compare equal), values as given (``filter_parse`` checks)."""
        clean = selectors._clean_segment_filter(segment_filter)
        fixed = threshold_mode == "fixed"
        return cls(
            survey_ids=tuple(sorted({int(pk) for pk in survey_ids})),
            segments=tuple((name, tuple(values)) for name, values in clean.items()),
            method=method,
            threshold_mode=threshold_mode,
            fixed_satisfaction=float(fixed_satisfaction) if fixed and fixed_satisfaction is not None else None,
            fixed_impact=float(fixed_impact) if fixed and fixed_impact is not None else None,
            outcome=(outcome or "").strip(),
        )

    @property
    def segment_filter(self) -> dict[str, list[str]]:
        return {name: list(values) for name, values in self.segments}

    def params(self) -> dict:
        """Keyword arguments of ``services.analysis_request`` and ``selectors.analysis_latest``."""
        return {
            "survey_ids": list(self.survey_ids),
            "segment_filter": self.segment_filter,
            "method": self.method,
            "threshold_mode": self.threshold_mode,
            "fixed_satisfaction": self.fixed_satisfaction,
            "fixed_impact": self.fixed_impact,
            "outcome": self.outcome,
        }

    def with_waves(self, survey_ids: Iterable[int]) -> AnalysisFilter:
        return replace(self, survey_ids=tuple(sorted({int(pk) for pk in survey_ids})))

    def with_outcome(self, outcome: str) -> AnalysisFilter:
        """The same view on another outcome ("" = the primary one)."""
        return replace(self, outcome=(outcome or "").strip())

    def query_items(self, *, compare_id: int | None = None) -> list[tuple[str, str]]:
        """The filter in the canonical dialect, defaults left out (a link to this view)."""
        items = [(WAVE, str(pk)) for pk in self.survey_ids]
        items += [(SEGMENT_PREFIX + name, value) for name, values in self.segments for value in values]
        if self.method != DEFAULT_METHOD:
            items.append(("method", self.method))
        if self.threshold_mode != DEFAULT_THRESHOLD:
            items.append(("threshold", self.threshold_mode))
        if self.threshold_mode == "fixed":
            items += [
                ("fixed_satisfaction", f"{self.fixed_satisfaction:.15g}"),
                ("fixed_impact", f"{self.fixed_impact:.15g}"),
            ]
        if self.outcome:
            items.append(("outcome", self.outcome))
        if compare_id:
            items.append(("compare", str(compare_id)))
        return items

    def query(self, *, compare_id: int | None = None) -> str:
        return urlencode(self.query_items(compare_id=compare_id))

    def slug(self, wave_names: Mapping[int, str], *, outcome_name: str = "") -> str:
        """A file-name part that tells two views apart: waves, the outcome (``outcome_name``: the chosen outcome's
        name, also for the primary one, so a download says what it measured), segment values, method and
        thresholds when not the default, e.g. ``2026-q2-retention-region-north-south-correlation``."""
        parts = [wave_names.get(pk, str(pk)) for pk in self.survey_ids] or ["no-waves"]
        if outcome_name or self.outcome:
            parts.append(outcome_name or self.outcome)
        parts += [f"{name}-{'-'.join(values)}" for name, values in self.segments]
        if self.method != DEFAULT_METHOD:
            parts.append(self.method)
        if self.threshold_mode == "fixed":
            parts.append(f"fixed-{self.fixed_satisfaction:g}-{self.fixed_impact:g}")
        elif self.threshold_mode != DEFAULT_THRESHOLD:
            parts.append(self.threshold_mode)
        return slugify("-".join(parts))[:150].strip("-") or "view"


@dataclass
class FilterParse:
    """What a query asked for: the filter (each bad field replaced by its default), the comparison wave, and the
    errors ``{parameter as the client spelt it: message}``. ``refused``: nothing should be computed (an empty wave
    selection)."""

    filter: AnalysisFilter
    compare_id: int | None = None
    errors: dict[str, str] = field(default_factory=dict)
    refused: bool = False


def default_filter(journey: Journey, *, surveys: Sequence | None = None) -> AnalysisFilter:
    """The view a user opens first, for the pages, the API and the CLI alike: the latest wave that has responses
    (``selectors.wave_default``), everyone, the default method and thresholds. No waves when none has responses.
    ``surveys``: the journey's waves when the caller has loaded them (``selectors.journey_surveys``)."""
    if surveys is None:
        surveys = selectors.journey_surveys(journey=journey)
    wave = selectors.wave_default(list(surveys))
    if wave is None:
        return AnalysisFilter(survey_ids=())
    return AnalysisFilter(survey_ids=(wave.pk,), outcome=_waves_outcome(surveys, (wave.pk,)))


def _waves_outcome(surveys: Sequence, survey_ids: Sequence[int]) -> str:
    """The outcome a view on ``survey_ids`` opens on when none is asked for: the journey's primary one ("") when
    those waves measure it, else the first of the journey's outcomes they do measure (a wave of another survey,
    e.g. a retention-only one, opens on its own outcome instead of failing for want of NPS)."""
    from surveys.outcomes import outcome_key

    from .outcomes import journey_outcome_choices

    chosen = set(survey_ids)
    measured = {o.key for s in surveys if s.pk in chosen for o in getattr(s, "outcome_list", ())}
    if not measured:
        return ""
    choices = journey_outcome_choices(journey=None, surveys=surveys)  # from the loaded waves: no query
    if not choices or outcome_key(choices[0].name) in measured:
        return ""
    return next((c.value for c in choices if outcome_key(c.name) in measured), "")


def _getlist(query, key: str) -> list[str]:
    if hasattr(query, "getlist"):
        return [str(v) for v in query.getlist(key)]
    value = query.get(key)
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]


def _ids(values: list[str]) -> list[int] | None:
    """The ids, or None if one is not a positive integer in range."""
    ids = []
    for value in values:
        value = value.strip()
        if not value.isdigit() or not 1 <= int(value) <= MAX_ID:
            return None
        ids.append(int(value))
    return ids


def _waves(query, known: set[int], errors: dict[str, str]) -> tuple[list[int] | None, bool]:
    """The chosen wave ids (None: not given, or bad) and whether the selection was explicitly empty."""
    used = [name for name in WAVE_ALIASES if name in query]
    if not used:
        return None, False
    name = used[0]
    values = [v for alias in used for v in _getlist(query, alias) if v.strip() != ""]
    if not values:
        errors[name] = gettext("Choose at least one wave.")
        return None, True
    ids = _ids(values)
    if ids is None:
        errors[name] = gettext("A wave is given by its id (a whole number).")
        return None, False
    if len(set(ids)) > MAX_WAVES:
        errors[name] = gettext("At most %(n)s waves.") % {"n": MAX_WAVES}
        return None, False
    unknown = sorted(set(ids) - known)
    if unknown:
        # The same answer for another journey's wave and one that does not exist.
        errors[name] = gettext("Not a wave of this journey: %(id)s.") % {"id": ", ".join(map(str, unknown))}
        return None, False
    return ids, False


def _segments(query, errors: dict[str, str]) -> dict[str, list[str]]:
    segments: dict[str, list[str]] = {}
    for key in query:
        prefix = next((p for p in SEGMENT_PREFIX_ALIASES if key.startswith(p)), None)
        if prefix is None:
            continue
        name = key[len(prefix) :]
        values = [v for v in _getlist(query, key) if v != ""]
        if not name:
            errors["segment"] = gettext("Name the segment: segment.<name>=<value>.")
            continue
        if values:
            segments.setdefault(name, []).extend(values)
    return segments


def _choice(query, name: str, choices: tuple[str, ...], default: str, errors: dict[str, str]) -> str:
    values = [v for v in _getlist(query, name) if v != ""]
    if not values:
        return default
    if values[-1] not in choices:
        errors[name] = gettext("%(value)s is not one of %(choices)s.") % {
            "value": repr(values[-1]),
            "choices": ", ".join(choices),
        }
        return default
    return values[-1]


def _number(query, name: str, errors: dict[str, str], *, low: float | None = None, high: float | None = None):
    values = [v for v in _getlist(query, name) if v.strip() != ""]
    if not values:
        return None
    try:
        number = float(values[-1])
    except ValueError:
        errors[name] = gettext("Enter a number.")
        return None
    if not math.isfinite(number) or (low is not None and number < low) or (high is not None and number > high):
        errors[name] = (
            gettext("Enter a number from %(low)s to %(high)s.") % {"low": f"{low:g}", "high": f"{high:g}"}
            if low is not None
            else gettext("Enter a finite number.")
        )
        return None
    return number


def _thresholds(query, errors: dict[str, str]) -> tuple[str, float | None, float | None]:
    mode = _choice(query, "threshold", THRESHOLDS, DEFAULT_THRESHOLD, errors)
    satisfaction = _number(query, "fixed_satisfaction", errors, low=0, high=100)
    impact = _number(query, "fixed_impact", errors)
    if mode == "fixed":
        missing = [n for n, v in (("fixed_satisfaction", satisfaction), ("fixed_impact", impact)) if v is None]
        for name in missing:
            errors.setdefault(name, "Fixed thresholds need both a satisfaction and an impact target.")
        if missing:
            return DEFAULT_THRESHOLD, None, None
    return mode, satisfaction, impact


def _outcome(query, journey: Journey, surveys: Sequence, errors: dict[str, str]) -> str:
    """The chosen outcome as the filter stores it ("" for the primary one); an unknown name is an error."""
    values = [v for v in _getlist(query, "outcome") if v.strip() != ""]
    if not values:
        return ""
    from .outcomes import UnknownOutcome, journey_outcome_choices, outcome_choose

    try:
        chosen = outcome_choose(journey_outcome_choices(journey=journey, surveys=surveys), values[-1])
    except UnknownOutcome as exc:
        errors["outcome"] = str(exc)
        return ""
    return chosen.value if chosen is not None else ""


def outcome_value(journey: Journey, name: str | None) -> str:
    """The filter's value for an outcome name given by the CLI or a caller: "" for the primary outcome, else the
    journey's spelling. Raises ``moments.outcomes.UnknownOutcome``."""
    from .outcomes import journey_outcome_choices, outcome_choose

    chosen = outcome_choose(journey_outcome_choices(journey=journey), name)
    return chosen.value if chosen is not None else ""


def filter_parse(query: Mapping, *, journey: Journey, surveys: Sequence | None = None) -> FilterParse:
    """Reads the filter of a page or API request (``request.GET`` / ``request.query_params``, or a dict of
    lists). ``surveys``: the journey's waves when the caller has loaded them. See the module docstring."""
    if surveys is None:
        surveys = selectors.journey_surveys(journey=journey)
    errors: dict[str, str] = {}
    known = {s.pk for s in surveys}
    wave_ids, empty = _waves(query, known, errors)
    segments = _segments(query, errors)
    method = _choice(query, "method", METHODS, DEFAULT_METHOD, errors)
    mode, satisfaction, impact = _thresholds(query, errors)
    outcome = _outcome(query, journey, surveys, errors)
    compare_ids = _ids([v for v in _getlist(query, "compare") if v.strip() != ""][-1:])
    if compare_ids is None or (compare_ids and compare_ids[0] not in known):
        errors["compare"] = gettext("Not a wave of this journey.")
        compare_ids = []
    survey_ids = wave_ids if wave_ids is not None else default_filter(journey, surveys=surveys).survey_ids
    if not any(v.strip() for v in _getlist(query, "outcome")):  # not asked for: one the chosen waves measure
        outcome = _waves_outcome(surveys, survey_ids)
    analysis_filter = AnalysisFilter.make(
        survey_ids=survey_ids,
        segment_filter=segments,
        method=method,
        threshold_mode=mode,
        fixed_satisfaction=satisfaction,
        fixed_impact=impact,
        outcome=outcome,
    )
    return FilterParse(analysis_filter, compare_ids[0] if compare_ids else None, errors, refused=empty)


class NothingToAnalyse(ValueError):
    """The filter has no waves: the journey has none yet, or none with responses."""


def nothing_to_analyse_message(surveys: Sequence) -> str:
    if not surveys:
        return "This journey has no waves yet: upload a survey export first."
    return "No wave of this journey has responses yet: upload a survey export (or fix the refused one) first."


def analysis_run_for_filter(
    *,
    journey: Journey,
    analysis_filter: AnalysisFilter,
    user=None,
    enqueue: bool = True,
    surveys: Sequence | None = None,
    moment_ids: Sequence[int] | None = None,
) -> AnalysisRun:
    """The run that answers ``analysis_filter``: the newest finished one on the waves' current data, else the run
    ``services.analysis_request`` returns (the queued or running one, or a new one). Where Celery is eager
    (CELERY_TASK_ALWAYS_EAGER) a new run was computed when the service's transaction committed: it is read again, so
    a run that failed says so at once instead of looking queued. ``enqueue=False`` leaves a new run QUEUED for the
    caller (the CLI computes it in its own process). ``surveys`` / ``moment_ids``: what the caller has already loaded.

    Raises ``NothingToAnalyse`` for a filter without waves, whose waves all have no responses, or of a journey
    without moments (``moment_ids`` empty; the message says why), and ValueError for parameters the service refuses.
    """
    if surveys is None:
        surveys = selectors.journey_surveys(journey=journey)
    if not analysis_filter.survey_ids:
        raise NothingToAnalyse(nothing_to_analyse_message(surveys))
    params = analysis_filter.params()
    chosen = [s for s in surveys if s.pk in set(analysis_filter.survey_ids)]
    if moment_ids is not None and not moment_ids:
        raise NothingToAnalyse(
            "This journey has no moments yet: add them (Manage moments) or import a file that maps them."
        )
    if chosen and not any(getattr(s, "has_responses", True) for s in chosen):
        # Known without computing anything: a run would only fail, and fail again on every visit.
        raise NothingToAnalyse(
            "; ".join(f"{s.name}: {selectors.wave_empty_reason(s)}" for s in chosen) + ". Choose a wave with responses."
        )
    if len(chosen) == len(analysis_filter.survey_ids):
        run = selectors.analysis_latest(journey=journey, surveys=chosen, moment_ids=moment_ids, **params)
        if run is not None:
            return run
    run = services.analysis_request(journey=journey, user=user, enqueue=enqueue, **params)
    if enqueue and run.status != RunStatus.DONE:
        run.refresh_from_db()
    return run
