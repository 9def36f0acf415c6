"""The column mapping (DESIGN section 5 JSON form) and its automatic proposal."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from surveys.ingest import values as V
from surveys.ingest.errors import IngestError

if TYPE_CHECKING:
    from surveys.ingest.table import RawTable

OUTCOME_TYPES = ("nps", "binary", "numeric")


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
        }

    def used_columns(self) -> list[str]:
        """Every mapped column once, in a stable order."""
        cols = [self.respondent_id, self.submitted_at, self.outcome, *self.moments.values()]
        cols += [*self.experienced.values(), *self.segments.values()]
        return list(dict.fromkeys(c for c in cols if c))

    def check_columns(self, table: RawTable) -> list[str]:
        """Problems that stop validation: unknown columns (with the closest match), wrong outcome settings."""
        problems = []
        known = set(table.columns)
        roles = [("respondent_id", self.respondent_id), ("submitted_at", self.submitted_at), ("outcome", self.outcome)]
        roles += [(f"moment '{k}'", v) for k, v in self.moments.items()]
        roles += [(f"experienced flag '{k}'", v) for k, v in self.experienced.items()]
        roles += [(f"segment '{k}'", v) for k, v in self.segments.items()]
        for role, col in roles:
            if col and col not in known:
                near = difflib.get_close_matches(col, table.columns, n=1)
                hint = f" (did you mean '{near[0]}'?)" if near else ""
                problems.append(f"{role}: column '{col}' is not in the file{hint}")
        if self.outcome_type not in OUTCOME_TYPES:
            problems.append(f"unknown outcome_type {self.outcome_type!r}")
        if self.outcome in self.moments.values():
            problems.append(f"column '{self.outcome}' is both the outcome and a moment")
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


@dataclass
class MappingProposal:
    mapping: Mapping
    confident: bool
    reasons: list[str]


# --- proposal -----------------------------------------------------------------------------------------------------

ID_ALIASES = ["responseid", "response id", "respondent id", "respondentid", "#", "id", "record id"]
DATE_ALIASES = [
    "recordeddate", "recorded date", "submitdate", "date submitted", "submit date", "timestamp", "enddate",
    "end date", "completion time", "startdate", "start date", "date",
]  # fmt: skip
OUTCOME_ALIASES = [
    "likely to recommend", "net promoter", "nps", "ltr", "recommend", "recommendation", "weiterempfehlen",
    "aanbevelen", "recommander",
]  # fmt: skip
SATISFACTION_ALIASES = ["overall satisfaction", "customer satisfaction", "satisfaction"]
METADATA = {
    "status", "progress", "finished", "duration (in seconds)", "distributionchannel", "userlanguage",
    "locationlatitude", "locationlongitude", "locationaccuracy", "lastpage", "seed", "startlanguage",
    "responseset", "ipaddress", "network id", "response type",
}  # fmt: skip
POSITIVE_WORDS = ("satisfied", "yes", "promoter", "positive", "true", "1", "ja", "good")
NEGATIVE_HINTS = re.compile(r"\b(dis|not|un|neutral|no|nein|negative|detractor|bad)", re.IGNORECASE)


def text_normalise(text: str) -> str:
    """Lower case, no accents, markup or punctuation: "<strong>Über-all</strong>" -> "uber all"."""
    text = re.sub(r"<[^>]+>", " ", text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^0-9a-z#]+", " ", text.lower()).split())


def _matches(alias: str, key: str, label: str) -> float:
    """Score of an alias against a column: 4 exact key, 3 exact label, 2 all tokens in key, 1 in label."""
    a = text_normalise(alias)
    if not a:
        return 0.0
    k, lab = text_normalise(key), text_normalise(label)
    if a.replace(" ", "") == k.replace(" ", ""):
        return 4.0
    if a.replace(" ", "") == lab.replace(" ", ""):
        return 3.0
    tokens = a.split()
    if _contains(k, tokens):
        return 2.0
    if _contains(lab, tokens):
        return 1.0
    return 0.0


def _contains(text: str, tokens: list[str]) -> bool:
    words = text.split()
    if len(tokens) == 1:
        return tokens[0] in words
    return f" {' '.join(tokens)} " in f" {text} " or set(tokens) <= set(words)


def _best(table: RawTable, aliases: list[str], exclude: set[str]) -> tuple[str | None, str]:
    """Best column for an ordered alias list: earlier aliases and stronger matches win."""
    best: tuple[float, int, str] | None = None
    why = ""
    for rank, alias in enumerate(aliases):
        for position, column in enumerate(table.columns):
            if column in exclude:
                continue
            score = _matches(alias, column, table.labels.get(column, ""))
            if score <= 0:
                continue
            key = (score * 100 - rank, -position, column)
            if best is None or key > best:
                best, why = key, alias
    return (best[2], why) if best else (None, "")


@dataclass
class _ColumnProfile:
    numeric_share: float
    integral: bool
    low: float
    high: float
    distinct: int
    filled_share: float
    negatives: list[str]
    text_values: list[str]
    mean_length: float
    filled_count: int


def _profile(table: RawTable, sample: pd.DataFrame, column: str) -> _ColumnProfile:
    raw = sample[column]
    parsed = V.numbers_parse(raw, decimal=table.decimal, value_labels=table.value_labels.get(column))
    ok = parsed.status == V.OK
    filled = parsed.status != V.NA
    numbers = parsed.values[ok]
    share = ok.sum() / max(filled.sum(), 1)
    negatives = sorted({_code_text(float(x)) for x in numbers if x < 0})
    positive = numbers[numbers >= 0]
    text = V.text_clean(raw)
    return _ColumnProfile(
        numeric_share=float(share),
        integral=bool(positive.size and np.all(np.mod(positive, 1) == 0)),
        low=float(positive.min()) if positive.size else np.nan,
        high=float(positive.max()) if positive.size else np.nan,
        distinct=int(len(np.unique(positive))),
        filled_share=float(filled.mean()) if len(filled) else 0.0,
        negatives=negatives,
        text_values=text[text != ""].unique().tolist()[:50],
        mean_length=float(text.str.len().mean()) if len(text) else 0.0,
        filled_count=int(filled.sum()),
    )


def _date_like(sample: pd.Series) -> bool:
    if sample.empty or sample.str.len().min() < 6:
        return False
    family = V.date_family_choose(sample)
    return bool(V.dates_parse(sample, family)[1].mean() < 0.1)


def _short_label(table: RawTable, column: str) -> str:
    """The label when short, else the column key (for "question - choice" labels the key is the choice)."""
    label = table.labels.get(column) or column
    return label if len(label) <= 60 else column


def _rating_like(p: _ColumnProfile) -> bool:
    return (
        p.numeric_share >= 0.9
        and p.integral
        and p.filled_share >= 0.2
        and p.high <= 10
        and p.high - p.low >= 2
        and p.distinct >= 3
    )


def _is_metadata(table: RawTable, column: str) -> bool:
    low = column.lower()
    return (
        text_normalise(column).replace(" ", "") in {m.replace(" ", "").replace("(", "").replace(")", "") for m in
                                                   METADATA}
        or low in METADATA
        or bool(re.search(r"_(nps_group|do|text)$|topics$", low))
    )  # fmt: skip


def propose_mapping(table: RawTable, *, moments: dict[str, list[str]] | None = None) -> MappingProposal:
    """Guess the mapping from column names, labels and a sample of 2,000 rows.

    Steps: respondent id and date by alias (ID_ALIASES, DATE_ALIASES, earlier alias wins); outcome: a Qualtrics
    `Qn` with a `Qn_NPS_GROUP` sibling, else a recommend/NPS/LTR column, else an overall-satisfaction column;
    moments: the given names and aliases, or else every rating-like column (>= 90% integers within a span <= 10,
    at least 3 distinct values) named after its label; segments: short text columns with 2-12 values;
    not_applicable: negative codes seen in moment columns (Qualtrics -1/-2, SPSS-style -99).
    """
    moments = moments or {}
    reasons: list[str] = []
    sample = table.preview(2000)
    used: set[str] = set()

    respondent_id, alias = _best(table, ID_ALIASES, used)
    if respondent_id:
        used.add(respondent_id)
        reasons.append(f"respondent id: '{respondent_id}' (matches '{alias}')")
    else:
        reasons.append("respondent id: none found; line numbers will be used as ids")
    submitted_at, alias = _best(table, DATE_ALIASES, used)
    if submitted_at:
        used.add(submitted_at)
        reasons.append(f"date: '{submitted_at}' (matches '{alias}')")
    else:
        reasons.append("date: none found")

    profiles = {c: _profile(table, sample, c) for c in table.columns}
    outcome, outcome_type, positive = _outcome_propose(table, profiles, used, reasons)
    if outcome:
        used.add(outcome)

    chosen: dict[str, str] = {}
    if moments:
        for name, aliases in moments.items():
            column, alias = _best(table, [name, *aliases], used)
            if column:
                chosen[name] = column
                used.add(column)
                reasons.append(f"moment '{name}': '{column}' (matches '{alias}')")
            else:
                reasons.append(f"moment '{name}': no column matches {[name, *aliases]}")
    if not chosen:
        # No known moment matched (a new journey, or a survey that names its moments differently): propose the
        # rating-like columns as new moments rather than nothing, so the analyst edits instead of starting blank.
        names: set[str] = set()
        for column in table.columns:
            if column in used or _is_metadata(table, column) or not _rating_like(profiles[column]):
                continue
            name = _moment_name(_short_label(table, column), names)
            chosen[name] = column
            used.add(column)
        if chosen:
            reasons.append(f"moments: {len(chosen)} rating-like column(s) (integers on a small scale)")
        else:
            reasons.append("moments: no rating-like column found")

    not_applicable = sorted({code for c in chosen.values() for code in profiles[c].negatives}, key=float)
    if not_applicable:
        reasons.append(f"not applicable: codes {', '.join(not_applicable)} seen in moment columns")

    segments: dict[str, str] = {}
    for column in table.columns:
        p = profiles[column]
        if column in used or _is_metadata(table, column) or len(segments) >= 6:
            continue
        few = 2 <= len(p.text_values) <= min(12, max(2, p.filled_count // 2))
        if p.numeric_share < 0.5 and few and p.filled_share >= 0.5 and p.mean_length <= 40:
            if _date_like(V.text_clean(sample[column]).pipe(lambda t: t[t != ""]).head(200)):
                continue
            segments[_moment_name(_short_label(table, column), set(segments))] = column
    if segments:
        reasons.append(f"segments: {', '.join(segments)}")

    mapping = Mapping(
        respondent_id=respondent_id,
        submitted_at=submitted_at,
        outcome=outcome or "",
        outcome_type=outcome_type,
        outcome_positive=positive,
        moments=chosen,
        segments=segments,
        not_applicable=not_applicable,
    )
    confident = bool(outcome) and bool(chosen)
    return MappingProposal(mapping=mapping, confident=confident, reasons=reasons)


def _moment_name(label: str, taken: set[str]) -> str:
    name = " ".join(re.sub(r"<[^>]+>|[*_]{1,2}", " ", label).split())[:80] or "moment"
    base, n = name, 2
    while name in taken:
        name, n = f"{base} ({n})", n + 1
    taken.add(name)
    return name


def _outcome_propose(
    table: RawTable, profiles: dict[str, _ColumnProfile], used: set[str], reasons: list[str]
) -> tuple[str | None, str, list[str]]:
    for column in table.columns:
        if f"{column}_NPS_GROUP" in table.columns and column not in used:
            reasons.append(f"outcome: '{column}' (Qualtrics NPS question, has {column}_NPS_GROUP)")
            return column, "nps", []
    exclude = used | {c for c in table.columns if c.upper().endswith("_NPS_GROUP")}
    column, alias = _best(table, OUTCOME_ALIASES, exclude)
    source = "recommend"
    if column is None:
        column, alias = _best(table, SATISFACTION_ALIASES, exclude)
        source = "satisfaction"
    if column is None:
        reasons.append("outcome: no recommend / NPS / LTR / satisfaction column found")
        return None, "nps", []
    p = profiles[column]
    if p.numeric_share >= 0.9 and p.integral and p.high <= 10 and source == "recommend":
        kind, positive = "nps", []
    elif p.numeric_share >= 0.9:
        kind, positive = "numeric", []
    elif len(p.text_values) == 2:
        kind = "binary"
        positive = _positive_guess(p.text_values)
    else:
        kind, positive = "binary", []
    reasons.append(
        f"outcome: '{column}' as {kind} (matches '{alias}')" + (f", positive {positive}" if positive else "")
    )
    return column, kind, positive


def _positive_guess(values: list[str]) -> list[str]:
    for value in values:
        if text_normalise(value) in POSITIVE_WORDS:
            return [value]
    clean = [v for v in values if not NEGATIVE_HINTS.search(v)]
    return clean[:1] if len(clean) == 1 else []
