"""Forms of the upload pages: choosing where a file goes, and the column mapping step."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from surveys.ingest import IngestError, RawTable
from surveys.ingest.columns import column_names
from surveys.ingest.mapping import OUTCOME_TYPES
from surveys.outcomes import default_outcome_name, outcome_key

ROLE_IGNORE, ROLE_MOMENT, ROLE_EXPERIENCED, ROLE_SEGMENT = "ignore", "moment", "experienced", "segment"
ROLES = [
    (ROLE_IGNORE, _("Ignore")),
    (ROLE_MOMENT, _("Moment (rating)")),
    (ROLE_EXPERIENCED, _("Experienced flag of moment")),
    (ROLE_SEGMENT, _("Segment")),
]
OUTCOME_TYPE_LABELS = {"nps": _("NPS (0-10)"), "binary": _("Binary (e.g. yes / no)"), "numeric": _("Numeric")}
# the outcome rows of the mapping page: the first row posts outcome, outcome_type, outcome_positive, outcome_name
# (the single outcome of the mapping), the others outcome-column-N, outcome-name-N, outcome-type-N,
# outcome-positive-N for N = 1 .. outcome_rows - 1; a row without a column is left out
OUTCOME_ROWS_MAX = 12


class UploadForm(forms.Form):
    journey = forms.TypedChoiceField(coerce=int, label=_("Journey"))
    survey = forms.CharField(
        max_length=200,
        label=_("Wave"),
        help_text=_("An existing wave of the journey, or a new name such as “2025 Q1”."),
    )
    file = forms.FileField(label=_("Survey export"), help_text=_("CSV, Excel (.xlsx) or SPSS (.sav)."))

    def __init__(self, *args, journeys, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["journey"].choices = [(j.pk, f"{j.name} ({j.organisation.name})") for j in journeys]


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


SCALE_TEXT = re.compile(r"^\s*(-?\d+(?:[.,]\d+)?)\s*(?:-|–|to|\.\.)\s*(-?\d+(?:[.,]\d+)?)\s*$")


def scale_text(scale) -> str:
    """[1.0, 5.0] -> "1-5" (the per-moment scale field)."""
    if not scale:
        return ""
    return "-".join(str(int(x)) if float(x).is_integer() else str(x) for x in scale)


def labels_text(labels: dict | None) -> str:
    """{"Very unfavorably": 1, ...} -> "Very unfavorably = 1; ..." in code order (the per-moment labels field)."""
    if not labels:
        return ""
    ordered = sorted(labels.items(), key=lambda item: item[1])
    return "; ".join(f"{label} = {int(code) if float(code).is_integer() else code}" for label, code in ordered)


def labels_parse(text: str, column: str) -> dict[str, float]:
    """ "Very unfavorably = 1; Somewhat unfavorably = 2" (or one per line) -> {label: code}."""
    out: dict[str, float] = {}
    for part in re.split(r"[;\n]", text):
        if not part.strip():
            continue
        label, sep, code = part.rpartition("=")
        try:
            value = float(code.strip().replace(",", "."))
        except ValueError:
            value = None
        if not sep or not label.strip() or value is None:
            raise IngestError(
                f"Answer labels of column '{column}': “{part.strip()}” is not LABEL = CODE "
                "(write e.g. “Very unfavorably = 1; Somewhat unfavorably = 2”)."
            )
        out[" ".join(label.split())] = value
    return out


def mapping_from_post(data, table: RawTable) -> dict:
    """The mapping JSON (DESIGN section 5) from the mapping form; column selects post column indexes.

    Raises IngestError when two columns are given the same moment or segment name (that would merge them: data
    loss) or a labels field cannot be read.
    """
    columns = table.columns
    defaults = column_names(table)

    def column(name: str) -> str | None:
        value = data.get(name, "")
        return columns[int(value)] if value.isdigit() and int(value) < len(columns) else None

    moments, experienced, segments = {}, {}, {}
    scales: dict = {}
    labels: dict = {}
    owner: dict[tuple[str, str], str] = {}
    for i, key in enumerate(columns):
        role = data.get(f"role-{i}", ROLE_IGNORE)
        name = " ".join(data.get(f"name-{i}", "").split()) or defaults[key]
        target = {ROLE_MOMENT: moments, ROLE_EXPERIENCED: experienced, ROLE_SEGMENT: segments}.get(role)
        if target is None:
            continue
        taken = owner.get((role, name.casefold()))
        if taken is not None:
            raise IngestError(
                f"Columns '{_cut(taken)}' and '{_cut(key)}' are both named “{name}”: give each its own name "
                "(two columns never become one moment or segment)."
            )
        owner[(role, name.casefold())] = key
        target[name] = key
        if role == ROLE_MOMENT:
            scale = data.get(f"scale-{i}", "").strip()
            if scale:
                match = SCALE_TEXT.match(scale)
                scales[name] = (
                    [float(match[1].replace(",", ".")), float(match[2].replace(",", "."))] if match else scale
                )
            text = data.get(f"labels-{i}", "").strip()
            if text:
                labels[name] = labels_parse(text, key)
    mapping: dict = {
        "respondent_id": column("respondent_id"),
        "submitted_at": column("submitted_at"),
        "outcome": column("outcome"),
        "outcome_type": data.get("outcome_type") if data.get("outcome_type") in OUTCOME_TYPES else "nps",
        "moments": moments,
        "experienced": experienced,
        "segments": segments,
        "not_applicable": _split(data.get("not_applicable", "")),
        "scales": scales,  # a text that is not MIN-MAX stays text: Mapping.from_json names the problem
        "labels": labels,
    }
    weight = column("weight")
    if weight:
        mapping["weight"] = weight
    if mapping["outcome_type"] == "binary":
        mapping["outcome_positive"] = _split(data.get("outcome_positive", ""))
    _outcomes_from_post(data, mapping, column)
    low, high = data.get("scale_min", "").strip(), data.get("scale_max", "").strip()
    if low or high:
        try:
            mapping["scale"] = [float(low), float(high)]
        except ValueError:
            mapping["scale"] = "invalid"  # Mapping.from_json names the problem
    return mapping


def _outcomes_from_post(data, mapping: dict, column) -> None:
    """The outcome rows of the page into ``mapping``: the first row stays the single ``outcome`` keys while its
    name is the one they mean (``NPS`` for nps, else the column); renamed, it becomes the first of ``outcomes``,
    followed by the other rows."""
    named: dict[str, dict] = {}
    first_name = " ".join(data.get("outcome_name", "").split())
    if mapping["outcome"] and first_name:
        usual = default_outcome_name(type=mapping["outcome_type"], column=mapping["outcome"])
        if outcome_key(first_name) != outcome_key(usual):
            named[first_name] = {
                "column": mapping.pop("outcome"),
                "type": mapping.pop("outcome_type"),
                "positive": mapping.pop("outcome_positive", []),
            }
    try:
        rows = min(int(data.get("outcome_rows", "1")), OUTCOME_ROWS_MAX)
    except ValueError:
        rows = 1
    for n in range(1, rows):
        col = column(f"outcome-column-{n}")
        if not col:
            continue
        kind = data.get(f"outcome-type-{n}") if data.get(f"outcome-type-{n}") in OUTCOME_TYPES else "nps"
        name = " ".join(data.get(f"outcome-name-{n}", "").split()) or default_outcome_name(type=kind, column=col)
        if any(outcome_key(name) == outcome_key(other) for other in named):
            raise IngestError(f"Two outcomes are both named “{name}”: give each its own name.")
        named[name] = {
            "column": col,
            "type": kind,
            "positive": _split(data.get(f"outcome-positive-{n}", "")) if kind == "binary" else [],
        }
    if named:
        mapping["outcomes"] = named


def _cut(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
