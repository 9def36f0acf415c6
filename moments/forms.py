"""The dashboard filter form."""

from __future__ import annotations

from django import forms

METHOD_CHOICES = [
    ("relative_weights", "Relative weights"),
    ("shapley", "Shapley / LMG"),
    ("correlation", "Correlation"),
]
THRESHOLD_CHOICES = [("mean", "Mean"), ("median", "Median"), ("fixed", "Fixed targets")]
SEGMENT_PREFIX = "seg_"


class DashboardFilterForm(forms.Form):
    """The dashboard's state, read from the query string so that a view can be shared as a link.

    Segment fields are added per stored segment as ``seg_<name>`` (one value or all). Every field is optional; an
    invalid value falls back to the default rather than failing the page.
    """

    wave = forms.MultipleChoiceField(label="Waves", required=False)
    compare = forms.ChoiceField(label="Compare with", required=False)
    method = forms.ChoiceField(label="Impact method", choices=METHOD_CHOICES, required=False)
    threshold = forms.ChoiceField(label="Thresholds", choices=THRESHOLD_CHOICES, required=False)
    fixed_satisfaction = forms.FloatField(
        label="Satisfaction target", required=False, min_value=0, max_value=100, help_text="0-100"
    )
    fixed_impact = forms.FloatField(label="Impact target", required=False)

    def __init__(self, data, *, surveys, segments: dict[str, list[str]]):
        super().__init__(data)
        self.surveys = list(surveys)
        wave_choices = [(str(s.pk), s.name) for s in self.surveys]
        self.fields["wave"].choices = wave_choices
        self.fields["compare"].choices = [("", "No comparison"), *wave_choices]
        self.segment_names = list(segments)
        for name, values in segments.items():
            self.fields[SEGMENT_PREFIX + name] = forms.ChoiceField(
                label=name.replace("_", " ").capitalize(),
                choices=[("", "All"), *[(v, v) for v in values]],
                required=False,
            )

    @property
    def default_wave_ids(self) -> list[int]:
        # The latest wave: managers look at "now" first; pooling waves is one click away.
        return [self.surveys[-1].pk] if self.surveys else []

    def clean(self):
        data = super().clean()
        if data.get("threshold") == "fixed" and (
            data.get("fixed_satisfaction") is None or data.get("fixed_impact") is None
        ):
            self.add_error("fixed_impact", "Fixed thresholds need both a satisfaction and an impact target.")
        return data

    def params(self) -> dict:
        """Arguments of ``services.analysis_request`` (without journey and user), defaults where invalid."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        wave_ids = [int(w) for w in data.get("wave") or []] or self.default_wave_ids
        segment_filter = {
            name: data[SEGMENT_PREFIX + name] for name in self.segment_names if data.get(SEGMENT_PREFIX + name)
        }
        threshold = data.get("threshold") or "mean"
        params = {
            "survey_ids": wave_ids,
            "segment_filter": segment_filter or None,
            "method": data.get("method") or "relative_weights",
            "threshold_mode": threshold,
            "fixed_satisfaction": data.get("fixed_satisfaction") if threshold == "fixed" else None,
            "fixed_impact": data.get("fixed_impact") if threshold == "fixed" else None,
        }
        return params

    def compare_wave_id(self) -> int | None:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return int(data["compare"]) if data.get("compare") else None
