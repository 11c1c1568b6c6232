from django import forms
from django.db import models

from apps.lti.models import Platform


def _https_by_default(field: models.Field, **kwargs) -> forms.Field:
    """A URL typed without a scheme is an https one (LMS endpoints always are)."""
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class PlatformForm(forms.ModelForm):
    """Deployment ids are typed one per line (or comma-separated), as LMSs show them."""

    deployment_ids_text = forms.CharField(
        label="Deployment ids",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line. Canvas shows it in the app's settings; Moodle on the tool's details.",
    )

    class Meta:
        model = Platform
        formfield_callback = _https_by_default
        fields = ["name", "issuer", "client_id", "auth_login_url", "auth_token_url", "auth_audience", "key_set_url"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["deployment_ids_text"].initial = "\n".join(self.instance.deployment_ids)

    def clean_deployment_ids_text(self) -> list[str]:
        raw = self.cleaned_data["deployment_ids_text"].replace(",", "\n")
        ids = list(dict.fromkeys(line.strip() for line in raw.splitlines() if line.strip()))
        if not ids:
            raise forms.ValidationError("Give at least one deployment id: launches from any other are refused.")
        return ids

    def save(self, commit: bool = True) -> Platform:
        self.instance.deployment_ids = self.cleaned_data["deployment_ids_text"]
        return super().save(commit=commit)
