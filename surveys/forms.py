"""Forms of the upload pages: choosing where a file goes, and the column mapping step."""

from __future__ import annotations

from django import forms

from surveys.ingest import RawTable
from surveys.ingest.mapping import OUTCOME_TYPES

ROLE_IGNORE, ROLE_MOMENT, ROLE_EXPERIENCED, ROLE_SEGMENT = "ignore", "moment", "experienced", "segment"
ROLES = [
    (ROLE_IGNORE, "Ignore"),
    (ROLE_MOMENT, "Moment (rating)"),
    (ROLE_EXPERIENCED, "Experienced flag of moment"),
    (ROLE_SEGMENT, "Segment"),
]
OUTCOME_TYPE_LABELS = {"nps": "NPS (0-10)", "binary": "Binary (e.g. yes / no)", "numeric": "Numeric"}


class UploadForm(forms.Form):
    journey = forms.TypedChoiceField(coerce=int, label="Journey")
    survey = forms.CharField(
        max_length=200,
        label="Wave",
        help_text="An existing wave of the journey, or a new name such as “2025 Q1”.",
    )
    file = forms.FileField(label="Survey export", help_text="CSV, Excel (.xlsx) or SPSS (.sav).")

    def __init__(self, *args, journeys, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["journey"].choices = [(j.pk, f"{j.name} ({j.organisation.name})") for j in journeys]


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def mapping_from_post(data, table: RawTable) -> dict:
    """The mapping JSON (DESIGN section 5) from the mapping form; column selects post column indexes."""
    columns = table.columns

    def column(name: str) -> str | None:
        value = data.get(name, "")
        return columns[int(value)] if value.isdigit() and int(value) < len(columns) else None

    moments, experienced, segments = {}, {}, {}
    for i, key in enumerate(columns):
        role = data.get(f"role-{i}", ROLE_IGNORE)
        name = " ".join(data.get(f"name-{i}", "").split()) or table.labels.get(key) or key
        if role == ROLE_MOMENT:
            moments[name] = key
        elif role == ROLE_EXPERIENCED:
            experienced[name] = key
        elif role == ROLE_SEGMENT:
            segments[name] = key
    mapping: dict = {
        "respondent_id": column("respondent_id"),
        "submitted_at": column("submitted_at"),
        "outcome": column("outcome"),
        "outcome_type": data.get("outcome_type") if data.get("outcome_type") in OUTCOME_TYPES else "nps",
        "moments": moments,
        "experienced": experienced,
        "segments": segments,
        "not_applicable": _split(data.get("not_applicable", "")),
    }
    if mapping["outcome_type"] == "binary":
        mapping["outcome_positive"] = _split(data.get("outcome_positive", ""))
    low, high = data.get("scale_min", "").strip(), data.get("scale_max", "").strip()
    if low or high:
        try:
            mapping["scale"] = [float(low), float(high)]
        except ValueError:
            mapping["scale"] = "invalid"  # Mapping.from_json names the problem
    return mapping
