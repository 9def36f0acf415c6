"""Forms of the data-protection pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from audit.models import AuditAction

MAX_ID_FILE_BYTES = 10 * 1024 * 1024


class ErasureForm(forms.Form):
    respondent_ids = forms.CharField(
        label=_("Respondent ids"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One per line, exactly as in the survey exports."),
    )
    id_file = forms.FileField(
        label=_("Or a file of ids"), required=False, help_text=_("A text or CSV file, one id per line (first column).")
    )
    confirm = forms.BooleanField(
        label=_("I understand that these respondents' responses are deleted from every wave and cannot be restored."),
        required=True,
    )

    def clean_id_file(self):
        upload = self.cleaned_data.get("id_file")
        if upload is None:
            return ""
        if upload.size > MAX_ID_FILE_BYTES:
            raise forms.ValidationError(_("The file of ids is larger than 10 MB."))
        return upload.read().decode("utf-8-sig", errors="replace")


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("All actions")), *AuditAction.choices]
    )
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
