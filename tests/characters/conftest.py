"""Character clips made with PyAV (the simulator's renderer, and surgically damaged copies), once per session."""

from __future__ import annotations

import io
from pathlib import Path

import av
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.assets import mp4s
from tests.conftest import image_bytes

# name -> (width, height, seconds): what the simulator's renderer makes for each
CLIPS = {
    "portrait": (720, 1280, 3),
    "landscape": (1280, 720, 2),
    "long": (1280, 720, 8),
    "square": (720, 720, 3),
    "small": (640, 360, 3),
}


@pytest.fixture(scope="session")
def clip_files(tmp_path_factory):
    """clip_files(name) -> the path of a test clip: one of CLIPS, "bomb" (a 1280x720 clip whose H.264 headers
    claim 12000x12000 pixels) or "png" (not an MP4 at all)."""
    cache: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in cache:
            folder = tmp_path_factory.mktemp(f"clip-{name}")
            if name == "bomb":
                source = get("landscape")
                with av.open(str(source)) as container:
                    avcc = container.streams.video[0].codec_context.extradata
                cache[name] = mp4s.remux(source, folder / "bomb.mp4", extradata=mp4s.avcc_with_size(avcc, 12000, 12000))
            elif name == "png":
                path = folder / "clip.mp4"  # named like an MP4, but it is a PNG image
                path.write_bytes(image_bytes(size=(1280, 720)))
                cache[name] = path
            else:
                width, height, seconds = CLIPS[name]
                cache[name] = mp4s.simulator_render(folder / "render", width, height, seconds, prompt=f"clip {name}")
        return cache[name]

    return get


@pytest.fixture
def upload(clip_files):
    """upload(name) -> a fresh uploaded file of that test clip, as a form gets it."""

    def make(name: str, filename: str = "clip.mp4") -> SimpleUploadedFile:
        return SimpleUploadedFile(filename, clip_files(name).read_bytes(), content_type="video/mp4")

    return make


def clip_bytes(path: Path) -> io.BytesIO:
    return io.BytesIO(path.read_bytes())
