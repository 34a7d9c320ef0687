"""Forms of the review part: they check shape; the services check the rules (length, timecode, roles)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from reviews.models import Comment, ReviewState
from reviews.review_services import MAX_NOTE, parse_timecode


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment", strip=True, required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"At most {Comment.MAX_LENGTH:,} characters. Mention a member with @username to notify them; an "
        "@name that is not a member of this project stays plain text and notifies no one.",
    )  # fmt: skip
    timecode = forms.CharField(
        label="At", required=False, max_length=20,
        help_text="Optional: pin it to a time, as m:ss (0:02) or seconds.",
        widget=forms.TextInput(attrs={"placeholder": "0:02", "inputmode": "decimal", "size": 6}),
    )  # fmt: skip

    def clean_timecode(self) -> float | None:
        try:
            return parse_timecode(self.cleaned_data.get("timecode") or "")
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from None


class ReviewForm(forms.Form):
    state = forms.ChoiceField(choices=ReviewState.choices)
    note = forms.CharField(required=False, strip=True, max_length=MAX_NOTE)


class PolicyForm(forms.Form):
    editors_may_approve = forms.BooleanField(required=False)
