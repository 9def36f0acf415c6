"""Forms of the organisation members page."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from .models import Role


class MemberAddForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150, help_text=_("An existing user of Momentum."))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.VIEWER)

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if not get_user_model().objects.filter(username=username).exists():
            raise forms.ValidationError(_("No user with this username. Ask them to get an account first."))
        return username


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
