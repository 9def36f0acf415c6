"""The dashboard filter's select and number fields, rendered with the values of the parsed filter.

The query string is read by ``moments.filters.filter_parse`` (one parser for the pages and the API); this form only
draws the controls. The wave and segment checkboxes are drawn by the template from ``ViewState``.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .filters import AnalysisFilter
from .labels import METHOD_CHOICES, THRESHOLD_CHOICES


class DashboardFilterForm(forms.Form):
    compare = forms.ChoiceField(label=_("Compare with"), required=False)
    method = forms.ChoiceField(label=_("Impact method"), choices=METHOD_CHOICES, required=False)
    threshold = forms.ChoiceField(label=_("Thresholds"), choices=THRESHOLD_CHOICES, required=False)
    fixed_satisfaction = forms.FloatField(
        label=_("Satisfaction target"), required=False, min_value=0, max_value=100, help_text="0-100"
    )
    fixed_impact = forms.FloatField(label=_("Impact target"), required=False)

    def __init__(self, analysis_filter: AnalysisFilter, *, compare_id: int | None, surveys):
        super().__init__(
            initial={
                "compare": str(compare_id) if compare_id else "",
                "method": analysis_filter.method,
                "threshold": analysis_filter.threshold_mode,
                "fixed_satisfaction": analysis_filter.fixed_satisfaction,
                "fixed_impact": analysis_filter.fixed_impact,
            }
        )
        self.fields["method"].choices = [(value, gettext(label)) for value, label in METHOD_CHOICES]
        self.fields["threshold"].choices = [(value, gettext(label)) for value, label in THRESHOLD_CHOICES]
        self.fields["compare"].choices = [("", gettext("No comparison")), *[(str(s.pk), s.name) for s in surveys]]
