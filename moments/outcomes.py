"""A journey's outcomes as the analysis pages, the API, the CLI and the exports see them (issue 11).

The outcomes themselves (names, types, which is primary) are the ``surveys`` app's: ``surveys.selectors.
journey_outcomes`` (primary first). Here: choosing one by name (``outcome_choose``: the filter's ``?outcome=``, the
CLI's ``--outcome``), and the words that name an outcome on a page (the KPI header, axis titles, the what-if unit).

A run's outcome is stored as ``AnalysisRun.outcome``: "" for the journey's primary outcome (the default view, the
run asked after an import), else the outcome's name as the journey spells it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext

from journeys.models import Journey


@dataclass(frozen=True)
class OutcomeChoice:
    """One outcome of a journey as the pages list it: name, type (nps / binary / numeric), unit label, whether it is
    the primary one, and ``value``: what the filter stores for it ("" for the primary)."""

    name: str
    type: str
    unit: str = ""
    primary: bool = False

    @property
    def value(self) -> str:
        return "" if self.primary else self.name


def outcome_key(name: str) -> str:
    """Names match ignoring case and runs of whitespace (``surveys.outcomes.outcome_key``)."""
    from surveys.outcomes import outcome_key as surveys_outcome_key

    return surveys_outcome_key(name)


def journey_outcome_choices(*, journey: Journey, surveys: Sequence | None = None) -> list[OutcomeChoice]:
    """The journey's outcomes, primary first (``surveys.selectors.journey_outcomes``); empty without a wave.
    ``surveys``: all the journey's waves in wave order when the caller has loaded them (saves the query)."""
    if surveys is None:
        from surveys.selectors import journey_outcomes

        outcomes = journey_outcomes(journey=journey)
    else:
        from surveys.outcomes import outcomes_journey

        outcomes = outcomes_journey([s.outcome_list for s in surveys])
    return [
        OutcomeChoice(name=o.name, type=o.type, unit=getattr(o, "unit", "") or "", primary=i == 0)
        for i, o in enumerate(outcomes)
    ]


class UnknownOutcome(ValueError):
    """An outcome name the journey does not have."""


def outcome_choose(choices: Sequence[OutcomeChoice], name: str | None) -> OutcomeChoice | None:
    """The outcome called ``name`` (None / "": the primary one; None when the journey has no outcome yet).
    Raises ``UnknownOutcome`` naming the journey's outcomes."""
    if not name or not str(name).strip():
        return choices[0] if choices else None
    wanted = outcome_key(name)
    for choice in choices:
        if outcome_key(choice.name) == wanted:
            return choice
    known = ", ".join(c.name for c in choices) or "none yet"
    raise UnknownOutcome(f"Unknown outcome {str(name).strip()!r}: this journey's outcomes are {known}.")


# ------------------------------------------------------------------------------------------------ words
def summary_outcome_name(summary: Mapping) -> str:
    """The outcome's name of a run's summary ("NPS" for runs made before outcomes had names)."""
    name = (summary or {}).get("outcome_name")
    if name:
        return str(name)
    kind = (summary or {}).get("outcome_type") or "nps"
    return "NPS" if kind == "nps" else gettext("Outcome")


def outcome_points_unit(summary: Mapping) -> str:
    """The unit of the what-if and the occurrence effect, naming the outcome, in the active language:
    "NPS points", "percentage points of Retention", "Effort points"."""
    kind = (summary or {}).get("outcome_type") or "nps"
    name = summary_outcome_name(summary)
    if kind == "nps":
        if outcome_key(name) == "nps":
            return gettext("NPS points")
        return gettext("%(outcome)s points") % {"outcome": name}
    if kind == "binary":
        return gettext("percentage points of %(outcome)s") % {"outcome": name}
    unit = (summary or {}).get("outcome_unit") or ""
    return unit or gettext("%(outcome)s points") % {"outcome": name}


def outcome_value_label(summary: Mapping) -> str:
    """The KPI header's title: "NPS", "Retention rate", "Effort (mean)"."""
    kind = (summary or {}).get("outcome_type") or "nps"
    name = summary_outcome_name(summary)
    if kind == "nps":
        return name
    if kind == "binary":
        return gettext("%(outcome)s rate") % {"outcome": name}
    return gettext("%(outcome)s (mean)") % {"outcome": name}


def outcome_type_label(kind: str) -> str:
    return {"nps": gettext("NPS (0-10)"), "binary": gettext("yes / no"), "numeric": gettext("number")}.get(kind, kind)


# ------------------------------------------------------------------------------------------------ side by side
HIGH_IMPACT = ("raise", "amplify")
LOW_IMPACT = ("improve", "reduce")


@dataclass(frozen=True)
class OutcomeDifference:
    """Moments that drive ``drives`` (a high-impact quadrant there: raise or amplify) but not ``not_on`` (a
    low-impact quadrant there: improve or reduce), in the order given."""

    drives: str
    not_on: str
    moments: tuple[str, ...]


def outcome_differences(
    outcomes: Sequence[str], quadrants: Mapping[str, Mapping[str, str]]
) -> tuple[list[OutcomeDifference], list[tuple[str, dict[str, str]]]]:
    """Where the outcomes disagree, for the side-by-side view's sentences. Pure.

    ``outcomes``: names in display order; ``quadrants``: {moment name: {outcome name: quadrant}} in the moments'
    order (outcomes without a finished run absent). Returns (1) for each ordered pair of outcomes (A, B) with
    moments placed high on impact for A and low for B: ``OutcomeDifference(A, B, moments)``; (2) the other moments
    whose quadrant differs between outcomes (e.g. raise for one, amplify for another: the same impact level, another
    side of the satisfaction threshold), as (moment, {outcome: quadrant}). ``insufficient_data`` is no quadrant.
    """
    differences = []
    explained: set[str] = set()
    for a in outcomes:
        for b in outcomes:
            if a == b:
                continue
            names = tuple(
                moment for moment, by in quadrants.items() if by.get(a) in HIGH_IMPACT and by.get(b) in LOW_IMPACT
            )
            if names:
                differences.append(OutcomeDifference(drives=a, not_on=b, moments=names))
                explained.update(names)
    others = []
    for moment, by in quadrants.items():
        placed = {o: q for o, q in by.items() if q in HIGH_IMPACT + LOW_IMPACT}
        if moment not in explained and len(set(placed.values())) > 1:
            others.append((moment, {o: placed[o] for o in outcomes if o in placed}))
    return differences, others
