"""What the probe sends: its prompts, the values no server takes, the objects it may create."""

from __future__ import annotations

PROMPT = "Sora Studio conformance probe: a white cube turns slowly on a grey floor."
REMIX_PROMPT = "The same cube, now painted blue."
UNKNOWN_MODEL = "studio-probe-no-such-model"
INVALID = "studio-probe"  # a size and a seconds no server takes
POISON_JSON = {"image_url": "studio-probe:not-a-url"}
POISON_FORM = "studio-probe:not-a-file"
UNKNOWN_ID = "studio-probe-unknown-id"  # only ever sent in a DELETE with --no-create (never a GET: see below)
# Values no Sora model takes: a server that accepts them takes any WxH / any whole seconds.
EXTRA_SIZES = ("832x480",)
EXTRA_SECONDS = ("5",)
FIELDS = ("prompt", "model", "size", "seconds", "input_reference")
POISON_FIELD = "input_reference"
JSON_ENCODING, FORM_ENCODING = "json", "multipart"
# The real objects the probe may create, in the order it creates them.
JOB_KINDS = ("create", "remix", "multipart", "edits", "extensions", "characters")
JOB_LABELS = {
    "create": "a create (JSON, or multipart without an image when the server reads no JSON)",
    "remix": "a remix of it",
    "multipart": "a multipart create with an image",
    "edits": "an edit of it",
    "extensions": "an extension of it",
    "characters": "a character from it (no video seconds)",
}
DOWNLOAD_SECONDS = 120.0
KEEP_VIDEO_BYTES = 32 * 1024 * 1024  # the finished video is kept (for a character) when at most this large


class ProbeError(Exception):
    """The probe could not measure this provider at all (unreachable, not the API, refused key, no model)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
