"""The settings page's form: a new personal API token (shape only; api.services decides the rest)."""

from __future__ import annotations

from django import forms

from config.inputs import StorableTextMixin

EXPIRY_CHOICES = [("", "Never"), ("7", "In 7 days"), ("30", "In 30 days"), ("90", "In 90 days"), ("365", "In a year")]


class TokenForm(StorableTextMixin, forms.Form):
    name = forms.CharField(max_length=100, help_text="What it is for, e.g. “nightly render script”.")
    project = forms.ChoiceField(help_text="The token acts in this project only.")
    read_only = forms.TypedChoiceField(
        label="Access",
        choices=[("0", "Read and write (create, remix, delete)"), ("1", "Read only (list, download)")],
        coerce=lambda v: v == "1",
        initial="0",
        widget=forms.RadioSelect,
    )
    expires_days = forms.TypedChoiceField(
        label="Expires", choices=EXPIRY_CHOICES, coerce=int, empty_value=None, required=False
    )

    def __init__(self, *args, memberships, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.by_id = {str(m.project.public_id): m.project for m in memberships}
        self.fields["project"].choices = [
            (str(m.project.public_id), f"{m.project.name}{' (personal)' if m.project.is_personal else ''} · "
                                       f"{m.get_role_display().lower()}")
            for m in memberships
        ]  # fmt: skip
        if memberships and not self.is_bound:
            self.initial.setdefault("project", str(memberships[0].project.public_id))

    @property
    def chosen_project(self):
        return self.by_id.get(self.cleaned_data.get("project"))
