"""Forms check shape (choices, lengths); the services decide everything else."""

from __future__ import annotations

import uuid

from django import forms

from config.inputs import StorableTextMixin
from providers import selectors as providers
from storyboards.models import MAX_CROSSFADE_MS
from videos.services import EXTENSION_SECONDS
from videos.sora.catalog import PROMPT_MAX_LENGTH

CROSSFADES = [(0, "None (hard cuts)"), (250, "0.25 s"), (500, "0.5 s"), (1000, "1 s")]


def _size_label(size: str) -> str:
    return size.replace("x", " × ")


class StoryboardForm(StorableTextMixin, forms.Form):
    title = forms.CharField(max_length=200, error_messages={"required": "Give the storyboard a title."})
    size = forms.ChoiceField(help_text="Every take of every shot is made at this size: a final cut needs one size.")

    def __init__(self, *args, **kwargs) -> None:
        from storyboards.services import board_sizes

        super().__init__(*args, **kwargs)
        self.fields["size"].choices = [(s, _size_label(s)) for s in board_sizes()]


class ShotForm(StorableTextMixin, forms.Form):
    prompt = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=PROMPT_MAX_LENGTH,
        help_text="One shot: the framing, the subject, the action, the setting, the light.",
        error_messages={"required": "Describe the shot: the prompt is empty."},
    )
    model = forms.ChoiceField()
    seconds = forms.TypedChoiceField(coerce=int, initial=4, label="Length")

    def __init__(self, *args, size: str = "", project=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        models = [m for m in providers.offered_models() if not size or size in m.offered_sizes]
        several = len({m.provider_id for m in models}) > 1
        self.fields["model"].choices = [
            (providers.model_key(m), f"{m.display_label} · {m.provider.name}" if several else m.display_label)
            for m in models
        ]
        seconds = sorted({int(x) for m in models for x in m.offered_seconds})
        self.fields["seconds"].choices = [(n, f"{n} seconds") for n in seconds]
        # The models whose provider can use characters (the picker's hint; the service decides).
        self.cast_models = [providers.model_key(m) for m in models if m.provider.capabilities.has_characters()]
        if project is not None:
            add_cast_picker(self, project)


def add_cast_picker(form: forms.Form, project, cast=None) -> None:
    """The project's characters as the create form offers them (up to two per shot), when it has any."""
    from characters.forms import CastPicker
    from characters.models import MAX_PER_VIDEO
    from characters.selectors import cast_of_project

    cast = list(cast_of_project(project)) if cast is None else cast
    if cast:
        form.fields["characters"] = CastPicker(
            cast,
            help_text=f"Up to {MAX_PER_VIDEO}, with a model whose provider has characters; every take of the shot has "
            "them. Mention each by name in the prompt, e.g. “Mika hands the parcel to Jo”.",
        )


class ShotCastForm(forms.Form):
    """Only a shot's characters, as its Change form shows them (ids made unique per shot by `auto_id`)."""

    def __init__(self, *args, cast, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        add_cast_picker(self, None, cast)


class GenerateForm(forms.Form):
    submit_token = forms.UUIDField(widget=forms.HiddenInput, required=False, initial=uuid.uuid4)


class TakeEditForm(StorableTextMixin, forms.Form):
    prompt = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=PROMPT_MAX_LENGTH, label="The one change",
        error_messages={"required": "Describe the change: the prompt is empty."},
    )  # fmt: skip
    submit_token = forms.UUIDField(widget=forms.HiddenInput, required=False, initial=uuid.uuid4)


class TakeRemixForm(StorableTextMixin, forms.Form):
    prompt = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=PROMPT_MAX_LENGTH, label="The change",
        error_messages={"required": "Describe the change: the prompt is empty."},
    )  # fmt: skip
    submit_token = forms.UUIDField(widget=forms.HiddenInput, required=False, initial=uuid.uuid4)


class TakeExtendForm(StorableTextMixin, forms.Form):
    prompt = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=PROMPT_MAX_LENGTH, label="What happens next",
        error_messages={"required": "Describe what happens next: the prompt is empty."},
    )  # fmt: skip
    seconds = forms.TypedChoiceField(
        coerce=int, choices=[(n, f"+{n} seconds") for n in EXTENSION_SECONDS], initial=EXTENSION_SECONDS[0],
        label="Adds",
    )  # fmt: skip
    submit_token = forms.UUIDField(widget=forms.HiddenInput, required=False, initial=uuid.uuid4)


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])


class ReorderForm(forms.Form):
    order = forms.CharField(max_length=60 * 40, help_text="The shots' ids in their new order, comma-separated.")

    def ids(self) -> list[str]:
        return [x.strip() for x in self.cleaned_data["order"].split(",") if x.strip()]


class CutForm(forms.Form):
    crossfade_ms = forms.TypedChoiceField(
        coerce=int, choices=CROSSFADES, initial=0, required=False, empty_value=0, label="Crossfades between shots",
        help_text=f"At most {MAX_CROSSFADE_MS} ms; each crossfade makes the cut that much shorter.",
    )  # fmt: skip
