"""Forms check shape (a name, a file that claims to be an MP4, its size); the services check everything else."""

from __future__ import annotations

from django import forms

from characters.models import NAME_MAX_LENGTH
from config.inputs import OversizedUpload, StorableTextMixin

CLIP_HELP = "An MP4 of 2 to 4 seconds, 16:9 or 9:16, 720p to 1080p, showing the character clearly."


class CharacterNameForm(StorableTextMixin, forms.Form):
    name = forms.CharField(
        max_length=NAME_MAX_LENGTH,
        help_text="Mention it by this name in your prompts.",
        error_messages={"required": "Name the character."},
        widget=forms.TextInput(attrs={"placeholder": "Mika the courier", "autocomplete": "off"}),
    )


class CharacterUploadForm(CharacterNameForm):
    clip = forms.FileField(
        label="Clip",
        help_text=CLIP_HELP,
        error_messages={"required": "Choose an MP4 clip of the character."},
        widget=forms.ClearableFileInput(attrs={"accept": "video/mp4"}),
    )

    def __init__(self, *args, max_bytes: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes
        self.fields["clip"].help_text = f"{CLIP_HELP} At most {max_bytes // (1024 * 1024) or 1} MB."

    def clean_clip(self):
        clip = self.cleaned_data["clip"]
        if isinstance(clip, OversizedUpload) or clip.size > self.max_bytes:
            raise forms.ValidationError(
                f"The clip is {clip.size:,} bytes; a character clip may be at most {self.max_bytes:,} bytes."
            )
        return clip


class CastPicker(forms.MultipleChoiceField):
    """Up to two characters of the project's cast, by public id (the service checks the rules again)."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, characters, **kwargs) -> None:
        self.by_key = {str(c.public_id): c for c in characters}
        super().__init__(
            choices=[(key, c.name) for key, c in self.by_key.items()], required=False, label="Characters", **kwargs
        )

    def clean(self, value):
        keys = super().clean(value)
        return [self.by_key[key] for key in keys]
