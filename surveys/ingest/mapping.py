"""The column mapping (DESIGN section 5 JSON form); its automatic proposal is ``surveys.ingest.proposal``."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from surveys.ingest.errors import IngestError
from surveys.outcomes import default_outcome_name, outcome_key

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

    def to_json(self) -> dict[str, Any]:
        return {"column": self.column, "type": self.type, "positive": list(self.positive)}


@dataclass
class Mapping:
    """Which column holds what. Moment, experienced and segment keys are names; values are column keys.

    Outcomes: the single ``outcome`` / ``outcome_type`` / ``outcome_positive`` keys (one outcome, named ``NPS`` for
    type nps, else after its column), and/or ``outcomes``, several named ones: ``{NAME: {"column": COL, "type":
    "nps"|"binary"|"numeric", "positive": [VALUES]}}``. ``outcome_columns()`` lists them all, the single one first.
    """

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
    # several named outcomes beside (or instead of) the single one, in order
    outcomes: dict[str, OutcomeColumn] = field(default_factory=dict)

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
        named = _outcomes_parse(data.get("outcomes"), problems)
        outcome = column("outcome", False)
        if data.get("outcome") in (None, "") and not data.get("outcomes"):
            problems.append("'outcome' is required (or 'outcomes': several named outcomes)")
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
        if outcome and outcome_type in OUTCOME_TYPES:
            single = default_outcome_name(type=outcome_type, column=outcome)
            if any(outcome_key(name) == outcome_key(single) for name in named):
                problems.append(
                    f"the single outcome '{outcome}' is named “{single}” and 'outcomes' has that name too: give "
                    "each outcome its own name"
                )
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
            outcomes=named,
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
            **({"outcomes": {name: spec.to_json() for name, spec in self.outcomes.items()}} if self.outcomes else {}),
        }

    def outcome_columns(self) -> list[OutcomeColumn]:
        """The mapped outcomes in order: the single ``outcome`` keys first (named ``NPS`` for type nps, else after
        the column), then ``outcomes``."""
        out = []
        if self.outcome:
            name = default_outcome_name(type=self.outcome_type, column=self.outcome)
            positive = tuple(self.outcome_positive) if self.outcome_type == "binary" else ()
            out.append(OutcomeColumn(name=name, column=self.outcome, type=self.outcome_type, positive=positive))
        return out + list(self.outcomes.values())

    def used_columns(self) -> list[str]:
        """Every mapped column once, in a stable order."""
        cols = [self.respondent_id, self.submitted_at, *(o.column for o in self.outcome_columns())]
        cols += list(self.moments.values())
        cols += [*self.experienced.values(), *self.segments.values(), self.weight]
        return list(dict.fromkeys(c for c in cols if c))

    def check_columns(self, table: RawTable) -> list[str]:
        """Problems that stop validation: unknown columns (with the closest match), wrong outcome settings."""
        problems = []
        known = set(table.columns)
        roles = [("respondent_id", self.respondent_id), ("submitted_at", self.submitted_at), ("outcome", self.outcome)]
        roles += [(f"outcome '{name}'", spec.column) for name, spec in self.outcomes.items()]
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
        outcome_cols = [o.column for o in self.outcome_columns()]
        for col in dict.fromkeys(outcome_cols):
            if col in self.moments.values():
                problems.append(f"column '{col}' is both the outcome and a moment")
            if outcome_cols.count(col) > 1:
                problems.append(f"column '{col}' is mapped to two outcomes")
        if self.weight and self.weight in (*outcome_cols, *self.moments.values()):
            problems.append(f"column '{self.weight}' is both the weight and the outcome or a moment")
        stray = sorted(set(self.experienced) - set(self.moments))
        if stray:
            problems.append(f"experienced flags for unknown moment(s): {', '.join(stray)}")
        return problems


def _outcomes_parse(value: object, problems: list[str]) -> dict[str, OutcomeColumn]:
    """The ``outcomes`` key: ``{NAME: {"column": COL, "type": T, "positive": [VALUES]}}`` (type nps when left out;
    ``positive`` only for binary). Names are trimmed (runs of spaces made one) and unique ignoring case."""
    if value is None or value == {}:
        return {}
    example = '{"Retention": {"column": "Q7", "type": "binary", "positive": ["Yes"]}}'
    if not isinstance(value, dict):
        problems.append(f"'outcomes' must map outcome names to {{column, type, positive}}, e.g. {example}")
        return {}
    out: dict[str, OutcomeColumn] = {}
    seen: set[str] = set()
    for raw_name, spec in value.items():
        name = " ".join(str(raw_name).split())[:100] if isinstance(raw_name, str) else ""
        if not name:
            problems.append("'outcomes' has an empty outcome name")
            continue
        if outcome_key(name) in seen:
            problems.append(f"'outcomes' names “{name}” twice")
            continue
        seen.add(outcome_key(name))
        if not isinstance(spec, dict):
            problems.append(f"'outcomes' of '{name}' must be {{column, type, positive}}, e.g. {example}")
            continue
        stray = sorted(set(spec) - {"column", "type", "positive"})
        if stray:
            problems.append(f"'outcomes' of '{name}' has unknown key(s) {', '.join(map(repr, stray))}")
        column = spec.get("column")
        if not isinstance(column, str) or not column:
            problems.append(f"'outcomes' of '{name}' needs a 'column' (a column name)")
            continue
        kind = spec.get("type", "nps")
        if kind not in OUTCOME_TYPES:
            problems.append(f"'outcomes' of '{name}': 'type' must be one of {', '.join(OUTCOME_TYPES)}, not {kind!r}")
            continue
        positive = spec.get("positive") or []
        if not isinstance(positive, list) or not all(
            isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in positive
        ):
            problems.append(f"'outcomes' of '{name}': 'positive' must be a list of values")
            continue
        if positive and kind != "binary":
            problems.append(f"'outcomes' of '{name}': 'positive' applies only to type 'binary'")
            continue
        out[name] = OutcomeColumn(name=name, column=column, type=kind, positive=tuple(_code_text(v) for v in positive))
    return out


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
