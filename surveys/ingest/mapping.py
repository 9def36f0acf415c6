"""The column mapping (DESIGN section 5 JSON form) and its automatic proposal."""

from __future__ import annotations

import difflib
import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from surveys.ingest import scales as S
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
    "aanbevelen", "aanbeveelt", "aanraden", "recommander",
]  # fmt: skip
SATISFACTION_ALIASES = ["overall satisfaction", "customer satisfaction", "satisfaction"]
# last resort, a loyalty question: "Do you consider yourself to be a fan of ...?", "Would you buy again?"
LOYALTY_ALIASES = ["fan", "loyal", "loyalty", "buy again", "come back", "shop again", "fly again"]
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
    numbers: np.ndarray  # the sample's numbers, NaN where empty, N/A or text
    na_texts: list[str]  # not-applicable answers seen ("n.v.t.", "Unfamiliar (N/A)")


def _profile(table: RawTable, sample: pd.DataFrame, column: str) -> _ColumnProfile:
    raw = sample[column]
    parsed = V.numbers_parse(raw, decimal=table.decimal, value_labels=table.value_labels.get(column))
    ok = parsed.status == V.OK
    filled = parsed.status != V.NA
    numbers = parsed.values[ok]
    share = ok.sum() / max(filled.sum(), 1)
    negatives = sorted({_code_text(float(x)) for x in numbers if x < 0})
    # usual missing codes (99, 999) are not part of the scale
    positive = numbers[(numbers >= 0) & ~((numbers > 11) & np.isin(numbers, S.KNOWN_CODES))]
    text = V.text_clean(raw)
    filled_text = text[text != ""]
    na_texts = filled_text[filled_text.str.contains(V.NA_MARKERS)].unique().tolist()[:10]
    return _ColumnProfile(
        numeric_share=float(share),
        integral=bool(positive.size and np.all(np.mod(positive, 1) == 0)),
        low=float(positive.min()) if positive.size else np.nan,
        high=float(positive.max()) if positive.size else np.nan,
        distinct=int(len(np.unique(positive))),
        filled_share=float(filled.mean()) if len(filled) else 0.0,
        negatives=negatives,
        text_values=filled_text.unique().tolist()[:50],
        mean_length=float(text.str.len().mean()) if len(text) else 0.0,
        filled_count=int(filled.sum()),
        numbers=parsed.values,
        na_texts=na_texts,
    )


def _date_like(sample: pd.Series) -> bool:
    if sample.empty or sample.str.len().min() < 6:
        return False
    family = V.date_family_choose(sample)
    return bool(V.dates_parse(sample, family)[1].mean() < 0.1)


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


# gender, age, income, ... (English, Dutch, German): proposed as segments
DEMOGRAPHIC_WORDS = {
    "gender", "sex", "age", "agegroup", "income", "education", "region", "location", "household", "country",
    "state", "province", "city", "marital", "occupation", "employment", "class", "segment", "geslacht",
    "leeftijd", "leeftijdsgroep", "inkomen", "opleiding", "opleidingsniveau", "regio", "provincie", "huishouden",
    "woonplaats", "land", "gemeente", "geschlecht", "alter", "einkommen", "bildung", "bundesland",
}  # fmt: skip


def _demographic(table: RawTable, column: str) -> bool:
    for text in (column, table.labels.get(column, "")):
        words = text_normalise(text).split()
        if words and len(words) <= 5 and DEMOGRAPHIC_WORDS & set(words):
            return True
    return False


def question_groups(table: RawTable) -> list[list[str]]:
    """Adjacent columns of one question: the same question over them (two header rows), or long labels sharing
    their first 40 characters (one header row holding "question - choice" texts). Groups of one are left out."""
    groups: list[list[str]] = []
    current: list[str] = []
    previous_key = None
    for column in table.columns:
        question = table.questions.get(column)
        if question is None:
            label = table.labels.get(column) or column
            key = label[:40] if len(label) > 45 else None
        else:
            key = question or None
        if key is not None and key == previous_key:
            current.append(column)
        else:
            if len(current) > 1:
                groups.append(current)
            current = [column]
        previous_key = key
    if len(current) > 1:
        groups.append(current)
    return groups


def column_names(table: RawTable, columns: list[str] | None = None) -> dict[str, str]:
    """A short, distinct name for each column, e.g. to name the moment it becomes.

    The label when at most 60 characters; else the key when that is short (a two-row header's choice label);
    else, for texts over 100 characters that share their first 40 or more with a neighbouring column (six ranking
    columns headed by the same 185-character question), the part after what they share; else start and end joined
    by "…". Names that still repeat get " (2)", " (3)"; none is over 200 characters. Never two columns with one
    name: a merged column is data loss.
    """
    columns = list(table.columns if columns is None else columns)
    texts = {c: " ".join(re.sub(r"<[^>]+>|[*_]{1,2}", " ", table.labels.get(c) or c).split()) for c in columns}
    out: dict[str, str] = {}
    taken: set[str] = set()
    for position, column in enumerate(columns):
        text = texts[column] or "column"
        if len(text) > 60:
            key = " ".join(column.split())
            if len(key) <= 60 and key != text:
                text = key
            else:
                # the columns of one question stand side by side: compare with the neighbours only (2,000 columns)
                neighbours = [texts[c] for c in columns[max(0, position - 1) : position + 2] if c != column]
                shared = max((len(os.path.commonprefix([text, other])) for other in neighbours), default=0)
                # back to a word boundary: "...: staff" and "...: signage" share "...: s"
                while shared and text[shared - 1].isalnum() and shared < len(text) and text[shared].isalnum():
                    shared -= 1
                tail = text[shared:].strip(" -–:;,.?!()")
                if len(text) > 100 and shared >= 40 and 3 <= len(tail) <= 60:
                    text = tail
                else:
                    text = text[:40].rstrip() + " … " + text[-30:].lstrip()
        out[column] = _moment_name(text, taken)
    return out


def _moment_name(label: str, taken: set[str]) -> str:
    name = " ".join(label.split())[:190] or "moment"
    base, n = name, 2
    while name.casefold() in {t.casefold() for t in taken}:
        name, n = f"{base} ({n})", n + 1
    taken.add(name)
    return name


def propose_mapping(table: RawTable, *, moments: dict[str, list[str]] | None = None) -> MappingProposal:
    """Guess the mapping from column names, labels and a sample of 2,000 rows.

    Steps: respondent id and date by alias (ID_ALIASES, DATE_ALIASES, earlier alias wins); outcome: a Qualtrics
    `Qn` with a `Qn_NPS_GROUP` sibling, else a recommend/NPS/LTR column, else an overall-satisfaction column;
    rankings (a group of k columns of one question holding 1..k once each, scales.is_ranking) and multi-select
    columns (one option text or empty) are set aside; moments: the given names and aliases, or else every
    rating-like column (>= 90% integers within a span <= 10, at least 3 distinct values) and every column of
    ordered answer labels (scales.label_codes, codes 1..n shared by the columns of one label family), named after
    its label (column_names); not_applicable: codes proposed from the moments' data (scales.na_codes_propose:
    negative and 99-style codes, 0 on 1-5 items, codes above a gap, each used by many cells of many columns) and
    the N/A answers seen; scales: one per moment (scales.scales_detect on the sample without those codes, header
    hints first); segments: demographic columns (gender, age, income, ... DEMOGRAPHIC_WORDS) with at most 30
    values first, then other short text columns with 2-12 values, never free text, ids, dates or multi-selects.
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

    aside: set[str] = set()  # rankings and multi-selects: neither moments nor segments
    for group in question_groups(table):
        numeric = [c for c in group if profiles[c].numeric_share >= 0.9 and profiles[c].filled_count]
        if len(numeric) == len(group) and S.is_ranking(np.column_stack([profiles[c].numbers for c in group])):
            aside.update(group)
            reasons.append(
                f"ranking: {len(group)} columns of '{_cut(table.questions.get(group[0]) or table.labels[group[0]])}' "
                f"rank 1-{len(group)} once each: not ratings, left out"
            )
    multi = [c for c in table.columns if c not in aside and c not in used and _multi_select(table, c, profiles[c])]
    if multi:
        aside.update(multi)
        reasons.append(f"multi-select: {len(multi)} column(s) holding one option or nothing, left out")

    label_moments = _label_scales(table, profiles, used | aside)
    names_all = column_names(table)
    chosen: dict[str, str] = {}
    if moments:
        for name, aliases in moments.items():
            column, alias = _best(table, [name, *aliases], used | aside)
            if column:
                chosen[name] = column
                used.add(column)
                reasons.append(f"moment '{name}': '{column}' (matches '{alias}')")
            else:
                reasons.append(f"moment '{name}': no column matches {[name, *aliases]}")
    if not chosen:
        # No known moment matched (a new journey, or a survey that names its moments differently): propose the
        # rating-like columns as new moments rather than nothing, so the analyst edits instead of starting blank.
        for column in table.columns:
            if column in used or column in aside or _is_metadata(table, column):
                continue
            if _rating_like(profiles[column]) or column in label_moments:
                chosen[names_all[column]] = column
                used.add(column)
        rated = sum(1 for c in chosen.values() if c not in label_moments)
        labelled = len(chosen) - rated
        if chosen:
            parts = [f"{rated} rating-like column(s) (integers on a small scale)"] if rated else []
            parts += [f"{labelled} column(s) of ordered answer labels"] if labelled else []
            reasons.append("moments: " + " and ".join(parts))
        else:
            reasons.append(
                "moments: no rating column found (a rating column holds integers on a scale such as 1-5 or 0-10, "
                "or ordered answers such as “Very satisfied” … “Very dissatisfied”, with at least 3 different values)"
            )

    labels = {name: label_moments[c][0] for name, c in chosen.items() if c in label_moments}
    numeric_values = {name: profiles[c].numbers for name, c in chosen.items() if name not in labels}
    codes, na_reasons = S.na_codes_propose(numeric_values)
    reasons += na_reasons
    not_applicable = [S.number_text(c) for c in codes]
    na_texts = sorted({t for c in chosen.values() for t in profiles[c].na_texts})
    if na_texts:
        not_applicable += na_texts
        reasons.append(f"not applicable: answers {', '.join(repr(t) for t in na_texts)} seen in moment columns")

    hints = {
        name: _value_labels_scale(table, c, codes) or S.scale_hint(c, table.labels.get(c))
        for name, c in chosen.items()
        if name not in labels
    }
    cleaned = {name: np.where(np.isin(v, codes), np.nan, v) for name, v in numeric_values.items()}
    scales, scale_reasons = S.scales_detect(cleaned, hints)
    for name, column in chosen.items():
        if name in labels:
            scales[name] = (1.0, float(label_moments[column][1]))
    reasons += scale_reasons
    if scales:
        shown = Counter(f"{S.number_text(lo)}-{S.number_text(hi)}" for lo, hi in scales.values())
        reasons.append("scales: " + ", ".join(f"{span} ({n} moment{'s' if n > 1 else ''})" for span, n in
                                              shown.most_common()))  # fmt: skip

    segments = _segments_propose(table, sample, profiles, used | aside | set(label_moments), reasons)

    mapping = Mapping(
        respondent_id=respondent_id,
        submitted_at=submitted_at,
        outcome=outcome or "",
        outcome_type=outcome_type,
        outcome_positive=positive,
        moments=chosen,
        segments=segments,
        not_applicable=not_applicable,
        scales={name: scales[name] for name in chosen if name in scales},
        labels=labels,
    )
    confident = bool(outcome) and bool(chosen)
    if not outcome:
        reasons.append("missing: an outcome column (likelihood to recommend 0-10, overall satisfaction, or loyalty)")
    if not chosen:
        reasons.append("missing: moment columns (ratings of the steps of the journey)")
    return MappingProposal(mapping=mapping, confident=confident, reasons=reasons)


def _value_labels_scale(table: RawTable, column: str, na_codes: list[float]) -> tuple[float, float] | None:
    """The span of an SPSS column's labelled codes (N/A labels and codes left out), when it has two or more."""
    codes = [
        float(code)
        for code, label in table.value_labels.get(column, {}).items()
        if V._is_number(code) and not V.NA_MARKERS.search(label) and float(code) not in na_codes
    ]
    return (min(codes), max(codes)) if len(codes) >= 2 and min(codes) < max(codes) else None


def _cut(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _multi_select(table: RawTable, column: str, p: _ColumnProfile) -> bool:
    """A multi-select choice column: one distinct answer (the option's text, or 1 / X) and empty cells."""
    if p.filled_count == 0 or len(p.text_values) != 1 or p.filled_share >= 0.98:
        return False
    value = text_normalise(p.text_values[0])
    names = {text_normalise(column), text_normalise(table.labels.get(column, ""))}
    return value in names or any(value and value in n for n in names) or value in {"1", "x", "yes", "checked"}


def _label_scales(
    table: RawTable, profiles: dict[str, _ColumnProfile], exclude: set[str]
) -> dict[str, tuple[dict[str, float], int]]:
    """Columns of ordered answer labels -> (labels -> codes, number of levels).

    The columns of one label family (favorably, agree, satisfied, ...) share one code list built from all their
    labels, so that a column where nobody answered "Very unfavorably" still gets the same codes as the others.
    """
    candidates: dict[str, list[str]] = {}
    for column in table.columns:
        p = profiles[column]
        if column in exclude or p.numeric_share >= 0.5 or not p.text_values:
            continue
        answers = [t for t in p.text_values if not V.NA_MARKERS.search(t)]
        if 2 <= len(answers) <= 11 and all(S.label_score(t) for t in answers):
            candidates[column] = answers
    families: dict[str, list[str]] = {}
    for column, answers in candidates.items():
        families.setdefault(S.label_family(answers) or "", []).append(column)
    out: dict[str, tuple[dict[str, float], int]] = {}
    for columns in families.values():
        union = list(dict.fromkeys(t for c in columns for t in candidates[c]))
        codes = S.label_codes(union)
        if codes:
            for column in columns:
                out[column] = ({label: float(code) for label, code in codes.items()}, max(codes.values()))
    return out


def _segments_propose(
    table: RawTable, sample: pd.DataFrame, profiles: dict[str, _ColumnProfile], exclude: set[str], reasons: list[str]
) -> dict[str, str]:
    names = column_names(table)
    segments: dict[str, str] = {}
    skipped: list[str] = []
    others: list[str] = []
    for column in table.columns:
        p = profiles[column]
        if column in exclude or _is_metadata(table, column) or p.filled_share < 0.3:
            continue
        values = len(p.text_values)
        if _demographic(table, column):
            if 2 <= values <= 30 and p.mean_length <= 40:
                segments[names[column]] = column
            else:
                skipped.append(f"{names[column]} ({values}{'+' if values >= 50 else ''} values)")
            continue
        few = 2 <= values <= min(12, max(2, p.filled_count // 2))
        if p.numeric_share < 0.5 and few and p.filled_share >= 0.5 and p.mean_length <= 40:
            if _date_like(V.text_clean(sample[column]).pipe(lambda t: t[t != ""]).head(200)):
                continue
            others.append(column)
    for column in others[: max(0, 6 - len(segments))]:
        segments[names[column]] = column
    if segments:
        reasons.append(f"segments: {', '.join(segments)}")
    if skipped:
        reasons.append(f"not proposed as segments (too many values; group them first): {', '.join(skipped)}")
    return segments


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
        column, alias = _best(table, LOYALTY_ALIASES, exclude)
        source = "loyalty"
    if column is None:
        reasons.append("outcome: no recommend / NPS / LTR / satisfaction / loyalty column found")
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
    if p.filled_share < 0.98:
        reasons.append(
            f"outcome: {1 - p.filled_share:.0%} of the first rows have no answer in '{_cut(column)}': those rows are "
            "reported as “missing outcome” (tick “skip invalid rows” to import the others)"
        )
    return column, kind, positive


def _positive_guess(values: list[str]) -> list[str]:
    for value in values:
        if text_normalise(value) in POSITIVE_WORDS:
            return [value]
    clean = [v for v in values if not NEGATIVE_HINTS.search(v)]
    return clean[:1] if len(clean) == 1 else []
