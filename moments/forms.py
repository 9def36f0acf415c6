"""Forms of the dashboard filters and of journey / moment management."""

from __future__ import annotations

from django import forms
from django.utils.text import slugify

from cxapp.models import Organisation

from .models import Journey, Moment

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


class AliasesField(forms.CharField):
    """Aliases typed as a comma-separated list, stored as a JSON list."""

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value

    def to_python(self, value):
        value = super().to_python(value)
        seen: list[str] = []
        for alias in (value or "").split(","):
            alias = alias.strip()
            if alias and alias.lower() not in {s.lower() for s in seen}:
                seen.append(alias)
        return seen


class JourneyForm(forms.ModelForm):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), empty_label=None)

    class Meta:
        model = Journey
        fields = ["organisation", "name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        if not self.instance.pk and len(organisations) == 1:
            self.instance.organisation = organisations[0]
        if self.instance.pk or len(organisations) == 1:
            # The organisation of an existing journey never changes; with one choice there is nothing to ask.
            del self.fields["organisation"]

    def clean(self):
        data = super().clean()
        organisation = data.get("organisation") or getattr(self.instance, "organisation", None)
        name = (data.get("name") or "").strip()
        if organisation is not None and name:
            slug = slugify(name)[:80] or "journey"
            clash = Journey.objects.filter(organisation=organisation, slug=slug).exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error("name", "Your organisation already has a journey with this name.")
        return data

    def save(self, commit=True):
        journey = super().save(commit=False)
        if not journey.slug:
            journey.slug = slugify(journey.name)[:80] or "journey"
        if commit:
            journey.save()
        return journey


class MomentForm(forms.ModelForm):
    aliases = AliasesField(
        required=False,
        help_text="Other names of this moment in survey exports, separated by commas. Used to match columns.",
    )

    class Meta:
        model = Moment
        fields = ["name", "stage", "position", "description", "is_brand_moment", "aliases"]
        labels = {"is_brand_moment": "Brand moment", "position": "Order"}
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"position": "Order along the journey: lower comes first."}

    def __init__(self, *args, journey: Journey, stages: list[str] | None = None, **kwargs):
        self.journey = journey
        super().__init__(*args, **kwargs)
        self.fields["stage"].widget.attrs["list"] = "stage-options"
        self.stages = stages or []

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        slug = slugify(name)[:80] or "moment"
        clash = Moment.objects.filter(journey=self.journey, slug=slug).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("This journey already has a moment with this name.")
        return name

    def save(self, commit=True):
        moment = super().save(commit=False)
        moment.journey = self.journey
        moment.slug = slugify(moment.name)[:80] or "moment"
        if commit:
            moment.save()
        return moment
