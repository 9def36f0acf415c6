"""Forms of the data-protection pages."""

from django import forms

from audit.models import AuditAction

MAX_ID_FILE_BYTES = 10 * 1024 * 1024


class ErasureForm(forms.Form):
    respondent_ids = forms.CharField(
        label="Respondent ids",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="One per line, exactly as in the survey exports.",
    )
    id_file = forms.FileField(
        label="Or a file of ids", required=False, help_text="A text or CSV file, one id per line (first column)."
    )
    confirm = forms.BooleanField(
        label="I understand that these respondents' responses are deleted from every wave and cannot be restored.",
        required=True,
    )

    def clean_id_file(self):
        upload = self.cleaned_data.get("id_file")
        if upload is None:
            return ""
        if upload.size > MAX_ID_FILE_BYTES:
            raise forms.ValidationError("The file of ids is larger than 10 MB.")
        return upload.read().decode("utf-8-sig", errors="replace")


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label="Action", required=False, choices=[("", "All actions"), *AuditAction.choices])
    since = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))
