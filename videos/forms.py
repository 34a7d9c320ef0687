"""Forms check shape (choices, image type and size); the services decide everything else."""

from __future__ import annotations

import re
import uuid

from django import forms
from django.conf import settings

from config.inputs import StorableTextMixin, unstorable
from providers import selectors as providers
from reviews import review_selectors
from videos import images
from videos.models import Video
from videos.selectors import GALLERY_SORTS, GalleryFilters
from videos.sora.catalog import PROMPT_MAX_LENGTH

PROMPT_HELP = (
    "Describe one shot: the <b>shot</b> (wide, close-up, 35 mm…), the <b>subject</b>, the <b>action</b>, "
    "the <b>setting</b>, and the <b>lighting</b>."
)


class VideoCreateForm(StorableTextMixin, forms.Form):
    prompt = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": "Wide shot of a red kite over a grassy park at golden hour; the camera slowly pans up."}),
        max_length=PROMPT_MAX_LENGTH,
        help_text=PROMPT_HELP,
        error_messages={"required": "Describe the video: the prompt is empty."},
    )
    model = forms.ChoiceField()
    size = forms.ChoiceField(help_text="Width × height. Sora 2 makes 720p; Sora 2 Pro also 1024p.")
    seconds = forms.TypedChoiceField(coerce=int, initial=4)
    input_reference = forms.FileField(
        required=False,
        label="Image file",
        help_text="JPEG, PNG or WebP, up to 20 MB. It becomes the video's first frame, fitted to the chosen size.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    input_fit = forms.ChoiceField(
        choices=Video.Fit.choices, initial=Video.Fit.COVER, label="Fit it to the size", widget=forms.RadioSelect, required=False
    )
    submit_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, project=None, **kwargs) -> None:
        model = args[0].get("model") if args and args[0] is not None else None
        if model and ":" not in model and not unstorable(model):
            # A bare model name (scripts, older links): the first provider offering it.
            data = args[0].copy()
            spec = providers.offered_models().filter(name=data["model"]).first()
            if spec is not None:
                data["model"] = providers.model_key(spec)
            args = (data, *args[1:])
        super().__init__(*args, **kwargs)
        self.models = list(providers.offered_models())
        self.by_key = {providers.model_key(m): m for m in self.models}
        if project is not None:
            self._add_cast_picker(project)
        several = len({m.provider_id for m in self.models}) > 1
        self.fields["model"].choices = [
            (key, f"{m.display_label} · {m.provider.name}" if several else m.display_label) for key, m in self.by_key.items()
        ]
        sizes = sorted({s for m in self.models for s in m.offered_sizes}, key=lambda s: (int(s.split("x")[0]) * int(s.split("x")[1]), s))
        self.fields["size"].choices = [(s, s.replace("x", " × ")) for s in sizes]
        seconds = sorted({int(x) for m in self.models for x in m.offered_seconds})
        self.fields["seconds"].choices = [(n, f"{n} seconds") for n in seconds]
        if not self.is_bound:
            self.initial.setdefault("submit_token", uuid.uuid4())
            if self.models:
                self.initial.setdefault("model", providers.model_key(self.models[0]))
                self.initial.setdefault("size", (self.models[0].offered_sizes or self.models[0].sizes)[0])

    def _add_cast_picker(self, project) -> None:
        """The project's characters, when it has any: up to two per video (the service checks the rules)."""
        from characters.forms import CastPicker
        from characters.models import MAX_PER_VIDEO
        from characters.selectors import cast_of_project

        cast = list(cast_of_project(project))
        if cast:
            self.fields["characters"] = CastPicker(
                cast,
                help_text=f"Up to {MAX_PER_VIDEO}, with a model whose provider has characters. Mention each by name "
                "in the prompt, e.g. “Mika hands the parcel to Jo”.",
            )

    @staticmethod
    def initial_from(video: Video) -> dict:
        """The form's starting values taken from an earlier video (editing a failed one to try again)."""
        spec = providers.offered_models().filter(provider=video.provider_id, name=video.model).first()
        initial = {"prompt": video.prompt, "size": video.size, "seconds": video.seconds}
        if spec is not None:
            initial["model"] = providers.model_key(spec)
        if video.input_fit:
            initial["input_fit"] = video.input_fit
        from characters.selectors import cast_of

        if cast := cast_of(video):
            initial["characters"] = [str(c.public_id) for c in cast]
        return initial

    @property
    def spec(self):
        """The chosen ProviderModel (after validation)."""
        return self.by_key.get(getattr(self, "cleaned_data", {}).get("model"))

    def clean(self):
        data = super().clean()
        spec = self.by_key.get(data.get("model"))
        if spec and data.get("size") and data["size"] not in spec.offered_sizes:
            self.add_error("size", f"{spec.display_label} makes {', '.join(spec.offered_sizes)}; pick one of those.")
        if spec and data.get("seconds") and str(data["seconds"]) not in spec.offered_seconds:
            self.add_error(
                "seconds", f"{spec.display_label} makes {', '.join(spec.offered_seconds)}-second videos; pick one."
            )
        upload = data.get("input_reference")
        if upload:
            try:
                header = images.check_image(upload)  # the header only: bytes, format, pixels
                if data.get("size") and "size" not in self.errors:
                    # Decoded no further than this size needs, and only once the size is known to be right.
                    fit = data.get("input_fit") or "cover"
                    self.reference_file = images.prepare_reference(upload, header, data["size"], fit)
            except forms.ValidationError as exc:
                self.add_error("input_reference", exc)
        return data

    def fitted_reference(self):
        """The reference image fitted to the chosen size (prepared while the form was checked), or None."""
        if not self.cleaned_data.get("input_reference"):
            return None
        return self.reference_file

    def model_table(self) -> list[dict]:
        """For the page's script: sizes, lengths and prices per model (the server checks again)."""
        return [
            {"key": key, "name": m.name, "seconds": m.offered_seconds,
             "prices": {s: str(m.price_per_second(s)) for s in m.offered_sizes},
             "characters": m.provider.capabilities.has_characters()}
            for key, m in self.by_key.items()
        ]  # fmt: skip


MULTI_CHANGE = re.compile(r"\b(and|also|plus|then)\b|[,;]", re.IGNORECASE)


def looks_like_several_changes(prompt: str) -> bool:
    """Remix works best one change at a time; a gentle hint when a prompt seems to ask for several."""
    return len(MULTI_CHANGE.findall(prompt)) >= 3


class RemixForm(StorableTextMixin, forms.Form):
    prompt = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Same shot, switch to an 85 mm lens."}),
        max_length=PROMPT_MAX_LENGTH,
        help_text="Describe one change. Remix is for nudging: “same scene, add morning fog”.",
        error_messages={"required": "Describe the change: the prompt is empty."},
    )
    variations = forms.TypedChoiceField(coerce=int, initial=1, label="Variations")
    submit_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["variations"].choices = [(n, str(n)) for n in range(1, settings.REMIX_MAX_VARIATIONS + 1)]
        if not self.is_bound:
            self.initial.setdefault("submit_token", uuid.uuid4())


class EditForm(StorableTextMixin, forms.Form):
    """An edit (remix's successor where the provider has it): one change, same length."""

    prompt = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Same shot, the kite is now blue."}),
        max_length=PROMPT_MAX_LENGTH,
        help_text="Describe one change to this video.",
        error_messages={"required": "Describe the change: the prompt is empty."},
    )
    submit_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    ID_FORMAT = "id_edit_%s"  # ids of its own: the video page holds the edit and the extend form together

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", self.ID_FORMAT)
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submit_token", uuid.uuid4())


class ExtendForm(EditForm):
    """An extension: what happens next, and how many seconds it adds (the child is the stitched whole)."""

    seconds = forms.TypedChoiceField(coerce=int, label="Seconds to add", initial=4)
    ID_FORMAT = "id_extend_%s"

    def __init__(self, *args, parent_seconds: int = 0, **kwargs) -> None:
        from videos.services import EXTENSION_SECONDS, MAX_SECONDS

        super().__init__(*args, **kwargs)
        self.fields["prompt"].widget.attrs["placeholder"] = "The kite dips behind the trees and comes back up."
        self.fields["prompt"].help_text = "Describe what happens next."
        self.fields["seconds"].choices = [
            (n, f"+{n} s (to {parent_seconds + n} s)") for n in EXTENSION_SECONDS if parent_seconds + n <= MAX_SECONDS
        ]


class GalleryFilterForm(StorableTextMixin, forms.Form):
    q = forms.CharField(
        required=False, label="Search prompts", widget=forms.TextInput(attrs={"placeholder": "Search prompts", "type": "search"})
    )
    status = forms.ChoiceField(required=False, label="Status")
    model = forms.ChoiceField(required=False, label="Model")
    owner = forms.ChoiceField(required=False, label="Made by")
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="From")
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="To")
    sort = forms.ChoiceField(required=False, label="Sort", choices=[(k, label) for k, (label, _) in GALLERY_SORTS.items()])
    scope = forms.ChoiceField(required=False, choices=[("", "All"), ("mine", "Mine")], widget=forms.HiddenInput)
    # Organise (reviews): a tag (typed, offered from the datalist "organise-tags") and my stars only.
    tag = forms.CharField(required=False, max_length=50, label="Tag",
                          widget=forms.TextInput(attrs={"placeholder": "Tag", "list": "organise-tags"}))  # fmt: skip
    favourite = forms.BooleanField(required=False, label="★ Favourites only", widget=forms.CheckboxInput({"value": "1"}))

    review = forms.ChoiceField(required=False, label="Review", choices=review_selectors.GALLERY_CHOICES)

    # what "Clear" clears (not the sort or the tab)
    FILTERS = ("q", "status", "model", "owner", "since", "until", "review", "tag", "favourite")

    def __init__(self, *args, owners: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "Any status"), ("unfinished", "Unfinished")] + list(Video.Status.choices)
        names = sorted(set(providers.offered_models().values_list("name", flat=True)))
        self.fields["model"].choices = [("", "Any model")] + [(n, n) for n in names]
        self.fields["owner"].choices = [("", "Anyone")] + [(o, o) for o in owners]

    def filters(self) -> GalleryFilters:
        """The valid filters; an invalid one is left out and its error shown beside the filters."""
        self.is_valid()
        d = getattr(self, "cleaned_data", {})
        return GalleryFilters(
            status=d.get("status") or "", model=d.get("model") or "", owner=d.get("owner") or "",
            since=d.get("since"), until=d.get("until"), q=(d.get("q") or "").strip(),
            mine=d.get("scope") == "mine", sort=d.get("sort") or "newest", review=d.get("review") or "",
            tag=(d.get("tag") or "").strip(), favourite=bool(d.get("favourite")),
        )  # fmt: skip
