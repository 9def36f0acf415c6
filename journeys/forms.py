"""Forms of journey and moment management. They validate input; ``journeys.services`` does every write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cxapp.models import Organisation

from . import services
from .models import Journey, Moment
from .services import JourneyError


class AliasesField(forms.CharField):
    """Aliases typed as a comma-separated list, stored as a JSON list."""

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value

    def to_python(self, value):
        value = super().to_python(value)
        return [alias.strip() for alias in (value or "").split(",") if alias.strip()]


class ServiceForm(forms.Form):
    """A form whose ``save`` calls a service and turns its ``JourneyError`` into a field error."""

    def save_with(self, write, **kwargs):
        try:
            return write(**kwargs)
        except JourneyError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, str(exc))
            return None


class JourneyForm(ServiceForm):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), empty_label=None, label=_("Organisation")
    )
    name = forms.CharField(max_length=200, label=_("Name"))
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label=_("Description"))

    def __init__(self, data=None, *, organisations, instance: Journey | None = None):
        initial = {"name": instance.name, "description": instance.description} if instance else None
        super().__init__(data, initial=initial)
        self.instance = instance
        self.fields["organisation"].queryset = organisations
        if instance is not None or len(organisations) == 1:
            # The organisation of an existing journey never changes; with one choice there is nothing to ask.
            del self.fields["organisation"]
            self.organisation = instance.organisation if instance else organisations[0]

    def save(self) -> Journey | None:
        """The created or updated journey, or ``None`` with the service's error on the form."""
        data = self.cleaned_data
        if self.instance is not None:
            return self.save_with(
                services.journey_update, journey=self.instance, name=data["name"], description=data["description"]
            )
        organisation = data.get("organisation") or self.organisation
        return self.save_with(
            services.journey_create, organisation=organisation, name=data["name"], description=data["description"]
        )


class MomentForm(ServiceForm):
    name = forms.CharField(max_length=200, label=_("Name"))
    stage = forms.CharField(
        max_length=100, required=False, label=_("Stage"), help_text=Moment._meta.get_field("stage").help_text
    )
    position = forms.IntegerField(
        label=_("Order"), min_value=0, help_text=_("Order along the journey: lower comes first.")
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label=_("Description"))
    is_brand_moment = forms.BooleanField(
        label=_("Brand moment"), required=False, help_text=Moment._meta.get_field("is_brand_moment").help_text
    )
    aliases = AliasesField(
        required=False,
        label=_("Aliases"),
        help_text=_("Other names of this moment in survey exports, separated by commas. Used to match columns."),
    )

    def __init__(self, data=None, *, journey: Journey, instance: Moment | None = None, initial=None):
        if instance is not None:
            initial = {name: getattr(instance, name) for name in self.base_fields}
        super().__init__(data, initial=initial)
        self.journey = journey
        self.instance = instance
        self.fields["stage"].widget.attrs["list"] = "stage-options"

    def save(self) -> Moment | None:
        data = dict(self.cleaned_data)
        if self.instance is not None:
            return self.save_with(services.moment_update, moment=self.instance, **data)
        return self.save_with(services.moment_create, journey=self.journey, **data)
