"""Forms of the notification pages: a user's mail settings, a project's webhook."""

from __future__ import annotations

from django import forms

from reviews.models import NotifySettings
from reviews.models.notify import WEBHOOK_EVENTS


class NotifySettingsForm(forms.ModelForm):
    class Meta:
        model = NotifySettings
        fields = ["email_completed", "email_failed", "email_mentions", "email_reviews"]


class WebhookForm(forms.Form):
    url = forms.CharField(label="Receiver URL", max_length=2000,
                          widget=forms.URLInput(attrs={"placeholder": "https://ci.example.com/hooks/studio"}),
                          help_text="http(s) only; no user name or password in it; never a link-local address.")  # fmt: skip
    events = forms.MultipleChoiceField(choices=[(e, e) for e in WEBHOOK_EVENTS], widget=forms.CheckboxSelectMultiple,
                                       initial=list(WEBHOOK_EVENTS))  # fmt: skip
    enabled = forms.BooleanField(label="Enabled", required=False, initial=True)
