"""A wave's named outcomes (issue 11; DESIGN section 2, "Several outcomes per response"). Pure: no Django.

A wave (``Survey.outcomes``) holds an ordered list of outcomes ``{"name", "type", "positive", "unit"}``; the
position of each is its index into every ``Response.outcomes`` array of the wave. A journey's outcomes are matched
by name across waves (``outcome_key``: case and runs of whitespace do not count); the **primary** outcome is the
first of type nps (in wave order, then position), else the first (``primary_outcome``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

OUTCOME_TYPES = ("nps", "binary", "numeric")


@dataclass(frozen=True)
class Outcome:
    """One named outcome: ``type`` nps (0-10), binary (0/1; ``positive``: the answers that count as 1) or
    numeric (the number); ``unit`` a label for a numeric one (may be empty)."""

    name: str
    type: str = "nps"
    unit: str = ""
    positive: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        name = " ".join(str(self.name).split())
        if not name:
            raise ValueError("An outcome needs a name.")
        if self.type not in OUTCOME_TYPES:
            raise ValueError(f"Unknown outcome type {self.type!r} (one of {', '.join(OUTCOME_TYPES)}).")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "positive", tuple(str(p) for p in self.positive))
        object.__setattr__(self, "unit", str(self.unit or ""))

    @property
    def key(self) -> str:
        return outcome_key(self.name)

    def to_json(self) -> dict:
        """The form stored in ``Survey.outcomes``."""
        return {"name": self.name, "type": self.type, "positive": list(self.positive), "unit": self.unit}

    @classmethod
    def from_json(cls, data: dict) -> Outcome:
        return cls(
            name=data.get("name") or "Outcome",
            type=data.get("type") or "nps",
            unit=data.get("unit") or "",
            positive=tuple(data.get("positive") or ()),
        )


def outcome_key(name: str) -> str:
    """What outcome names are matched by: case and runs of whitespace do not count (``"Cross-sell "`` is
    ``"cross-sell"``)."""
    return " ".join(str(name).split()).casefold()


def default_outcome_name(*, type: str, column: str | None) -> str:  # noqa: A002 - the mapping's word
    """The name of a mapping's single (old-style) outcome: ``NPS`` for type nps, else its column (or ``Outcome``)."""
    if type == "nps":
        return "NPS"
    name = " ".join((column or "").split())[:100]
    return name or "Outcome"


def primary_outcome(outcomes: Sequence[Outcome]) -> Outcome | None:
    """The first outcome of type nps, else the first; None for none."""
    for outcome in outcomes:
        if outcome.type == "nps":
            return outcome
    return outcomes[0] if outcomes else None


def outcomes_journey(waves: Iterable[Sequence[Outcome]]) -> list[Outcome]:
    """A journey's outcomes from its waves' (in wave order): one per name (the first appearance wins), the primary
    first, then the others in order of first appearance."""
    seen: dict[str, Outcome] = {}
    for outcomes in waves:
        for outcome in outcomes:
            seen.setdefault(outcome.key, outcome)
    ordered = list(seen.values())
    primary = primary_outcome(ordered)
    if primary is None:
        return []
    return [primary, *(o for o in ordered if o is not primary)]


def outcome_find(outcomes: Sequence[Outcome], name: str) -> Outcome | None:
    """The outcome called ``name`` (matched by ``outcome_key``), or None."""
    key = outcome_key(name)
    return next((o for o in outcomes if o.key == key), None)


def outcome_conflicts(existing: Sequence[Outcome], new: Sequence[Outcome]) -> list[str]:
    """Sentences for each of ``new`` whose name is taken by an outcome of another type in ``existing``."""
    problems = []
    for outcome in new:
        other = outcome_find(existing, outcome.name)
        if other is not None and other.type != outcome.type:
            problems.append(
                f"the outcome “{outcome.name}” is {outcome.type} in this file but {other.type} in the journey's "
                "other waves"
            )
    return problems


def outcomes_merged(existing: Sequence[Outcome], new: Sequence[Outcome]) -> list[Outcome]:
    """``existing`` with the outcomes of ``new`` it does not name yet appended (the list only grows). Type
    conflicts are the caller's to refuse first (``outcome_conflicts``)."""
    merged = list(existing)
    for outcome in new:
        if outcome_find(merged, outcome.name) is None:
            merged.append(outcome)
    return merged
