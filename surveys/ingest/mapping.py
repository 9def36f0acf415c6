"""The column mapping (DESIGN section 5 JSON form); its automatic proposal is ``surveys.ingest.proposal``."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from surveys.ingest.errors import IngestError
from surveys.outcomes import default_outcome_name

if TYPE_CHECKING:
    from surveys.ingest.table import RawTable

OUTCOME_TYPES = ("nps", "binary", "numeric")


@dataclass(frozen=True)
class OutcomeColumn:
    """One outcome of the mapping: its name, column, type and (binary) positive values."""

    name: str
    column: str
    type: str = "nps"
    positive: tuple[str, ...] = ()


@dataclass
class Mapping:
    """Which column holds what. Moment, experienced and segment keys are names; values are column keys."""

    respondent_id: str | None
    submitted_at: str | None
    outcome: str
    outcome_type: str = "nps"
    outcome_positive: list[str] = field(default_factory=list)
    scale: tuple[float, float] | None = None
    moments: dict[str, str] = field(default_factory=dict)
    experienced: dict[str, str] = field(default_factory=dict)
    segments: dict[str, str] = field(default_factory=dict)
    not_applicable: list[str] = field(default_factory=list)
    # per moment name: its scale [MIN, MAX] (else `scale`, else detected) and its answer labels -> codes
    scales: dict[str, tuple[float, float]] = field(default_factory=dict)
    labels: dict[str, dict[str, float]] = field(default_factory=dict)
    # column of survey weights (finite numbers > 0); None = unweighted
    weight: str | None = None

    @classmethod
    def from_json(cls, data: dict) -> Mapping:
        """Build from the JSON form; raises IngestError naming every problem at once."""
        if not isinstance(data, dict):
            raise IngestError("The mapping must be a JSON object.")
        problems: list[str] = []
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            problems.append(f"unknown key(s) {', '.join(map(repr, unknown))} (allowed: {', '.join(sorted(known))})")

        def column(key: str, required: bool) -> str | None:
            value = data.get(key)
            if value is None or value == "":
                if required:
                    problems.append(f"'{key}' is required")
                return None
            if not isinstance(value, str):
                problems.append(f"'{key}' must be a column name (a string)")
                return None
            return value

        def names(key: str) -> dict[str, str]:
            value = data.get(key, {}) or {}
            if not isinstance(value, dict) or not all(
                isinstance(k, str) and k.strip() and isinstance(v, str) and v for k, v in value.items()
            ):
                problems.append(f'\'{key}\' must map names to column names, e.g. {{"Check-in": "Q5"}}')
                return {}
            return dict(value)

        def texts(key: str) -> list[str]:
            value = data.get(key, []) or []
            if not isinstance(value, list) or not all(
                isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value
            ):
                problems.append(f"'{key}' must be a list of values")
                return []
            return [_code_text(v) for v in value]

        respondent_id = column("respondent_id", False)
        submitted_at = column("submitted_at", False)
        outcome = column("outcome", True)
        weight = column("weight", False)
        outcome_type = data.get("outcome_type", "nps")
        if outcome_type not in OUTCOME_TYPES:
            problems.append(f"'outcome_type' must be one of {', '.join(OUTCOME_TYPES)}, not {outcome_type!r}")
        scale = data.get("scale")
        if scale is not None:
            scale = _scale_parse(scale)
            if scale is None:
                problems.append("'scale' must be [MIN, MAX] with MIN < MAX, e.g. [1, 5]")
        moments, experienced, segments = names("moments"), names("experienced"), names("segments")
        stray = sorted(set(experienced) - set(moments))
        if stray:
            problems.append(f"'experienced' names moment(s) not in 'moments': {', '.join(stray)}")
        scales: dict[str, tuple[float, float]] = {}
        raw_scales = data.get("scales", {}) or {}
        if not isinstance(raw_scales, dict):
            problems.append("'scales' must map moment names to [MIN, MAX], e.g. {\"Check-in\": [1, 5]}")
            raw_scales = {}
        for name, value in raw_scales.items():
            parsed = _scale_parse(value)
            if parsed is None:
                problems.append(f"'scales' of '{name}' must be [MIN, MAX] with MIN < MAX, e.g. [1, 5]")
            else:
                scales[name] = parsed
        labels: dict[str, dict[str, float]] = {}
        raw_labels = data.get("labels", {}) or {}
        if not isinstance(raw_labels, dict):
            problems.append('\'labels\' must map moment names to {LABEL: CODE}, e.g. {"Food": {"Good": 4}}')
            raw_labels = {}
        for name, value in raw_labels.items():
            ok = isinstance(value, dict) and all(
                isinstance(k, str) and k.strip() and isinstance(v, (int, float)) and not isinstance(v, bool)
                for k, v in value.items()
            )
            if not ok:
                problems.append(f"'labels' of '{name}' must map answer labels to numbers, e.g. {{\"Good\": 4}}")
            else:
                labels[name] = {" ".join(k.split()): float(v) for k, v in value.items()}
        for key, names_given in (("scales", scales), ("labels", labels)):
            unknown_moments = sorted(set(names_given) - set(moments))
            if unknown_moments:
                problems.append(f"'{key}' names moment(s) not in 'moments': {', '.join(unknown_moments)}")
        positive = texts("outcome_positive")
        if positive and outcome_type != "binary":
            problems.append("'outcome_positive' applies only to outcome_type 'binary'")
        not_applicable = texts("not_applicable")
        if problems:
            raise IngestError("Invalid mapping: " + "; ".join(problems) + ".")
        return cls(
            respondent_id=respondent_id,
            submitted_at=submitted_at,
            outcome=outcome or "",
            outcome_type=outcome_type,
            outcome_positive=positive,
            scale=scale,
            moments=moments,
            experienced=experienced,
            segments=segments,
            not_applicable=not_applicable,
            scales=scales,
            labels=labels,
            weight=weight,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "respondent_id": self.respondent_id,
            "submitted_at": self.submitted_at,
            "outcome": self.outcome,
            "outcome_type": self.outcome_type,
            "outcome_positive": list(self.outcome_positive),
            "scale": list(self.scale) if self.scale else None,
            "moments": dict(self.moments),
            "experienced": dict(self.experienced),
            "segments": dict(self.segments),
            "not_applicable": list(self.not_applicable),
            "scales": {name: list(scale) for name, scale in self.scales.items()},
            "labels": {name: dict(codes) for name, codes in self.labels.items()},
            **({"weight": self.weight} if self.weight else {}),
        }

    def outcome_columns(self) -> list[OutcomeColumn]:
        """The mapped outcomes in order: the single ``outcome`` keys (named ``NPS`` for type nps, else after the
        column)."""
        if not self.outcome:
            return []
        name = default_outcome_name(type=self.outcome_type, column=self.outcome)
        positive = tuple(self.outcome_positive) if self.outcome_type == "binary" else ()
        return [OutcomeColumn(name=name, column=self.outcome, type=self.outcome_type, positive=positive)]

    def used_columns(self) -> list[str]:
        """Every mapped column once, in a stable order."""
        cols = [self.respondent_id, self.submitted_at, self.outcome, *self.moments.values()]
        cols += [*self.experienced.values(), *self.segments.values(), self.weight]
        return list(dict.fromkeys(c for c in cols if c))

    def check_columns(self, table: RawTable) -> list[str]:
        """Problems that stop validation: unknown columns (with the closest match), wrong outcome settings."""
        problems = []
        known = set(table.columns)
        roles = [("respondent_id", self.respondent_id), ("submitted_at", self.submitted_at), ("outcome", self.outcome)]
        roles += [(f"moment '{k}'", v) for k, v in self.moments.items()]
        roles += [(f"experienced flag '{k}'", v) for k, v in self.experienced.items()]
        roles += [(f"segment '{k}'", v) for k, v in self.segments.items()]
        roles += [("weight", self.weight)]
        for role, col in roles:
            if col and col not in known:
                near = difflib.get_close_matches(col, table.columns, n=1)
                hint = f" (did you mean '{near[0]}'?)" if near else ""
                problems.append(f"{role}: column '{col}' is not in the file{hint}")
        if self.outcome_type not in OUTCOME_TYPES:
            problems.append(f"unknown outcome_type {self.outcome_type!r}")
        if self.outcome in self.moments.values():
            problems.append(f"column '{self.outcome}' is both the outcome and a moment")
        if self.weight and self.weight in (self.outcome, *self.moments.values()):
            problems.append(f"column '{self.weight}' is both the weight and the outcome or a moment")
        stray = sorted(set(self.experienced) - set(self.moments))
        if stray:
            problems.append(f"experienced flags for unknown moment(s): {', '.join(stray)}")
        return problems


def _scale_parse(value: object) -> tuple[float, float] | None:
    ok = (
        isinstance(value, (list, tuple))
        and len(value) == 2
        and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in value)
        and value[0] < value[1]
    )
    return (float(value[0]), float(value[1])) if ok else None  # type: ignore[index]


def _code_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
