"""The form an editor fills to make a guest link (issue #15, part 3): its shape only; the rules are the service's."""

from __future__ import annotations

from django import forms

from reviews.share_services import EXPIRIES, PASSWORD_MAX_LENGTH


class GuestLinkForm(forms.Form):
    expires_in = forms.ChoiceField(
        label="Expires after", choices=[(key, label) for key, (label, _) in EXPIRIES.items()], initial="7d"
    )
    allow_download = forms.BooleanField(label="Guests may download the MP4", required=False)
    show_prompt = forms.BooleanField(label="Show the prompt", required=False)
    password = forms.CharField(
        label="Password (optional)",
        required=False,
        strip=False,
        max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Guests must type it before they can watch. It is stored hashed.",
    )


class GuestPasswordForm(forms.Form):
    password = forms.CharField(
        label="Password", strip=False, max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )  # fmt: skip
