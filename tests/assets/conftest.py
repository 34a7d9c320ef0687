"""Real MP4s rendered once per test session by the simulator's renderer (and remuxed copies of them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.assets import mp4s

SIZES = [(1280, 720), (720, 1280), (1792, 1024)]


@pytest.fixture(scope="session")
def rendered(tmp_path_factory):
    """rendered(width, height, seconds=4, audio=True) -> the folder holding the simulator's video.mp4,
    thumbnail.webp and spritesheet.jpg (video.mp4 without its audio track when audio=False)."""
    cache: dict[tuple[int, int, int, bool], Path] = {}

    def get(width: int, height: int, seconds: int = 4, audio: bool = True) -> Path:
        key = (width, height, seconds, audio)
        if key not in cache:
            folder = tmp_path_factory.mktemp(f"sim-{width}x{height}-{seconds}s-{'av' if audio else 'v'}")
            mp4s.simulator_render(folder / "render", width, height, seconds)
            if audio:
                cache[key] = folder / "render"
            else:
                silent = folder / "silent"
                silent.mkdir()
                for name in ("thumbnail.webp", "spritesheet.jpg"):
                    (silent / name).write_bytes((folder / "render" / name).read_bytes())
                mp4s.remux(folder / "render" / "video.mp4", silent / "video.mp4", audio=False)
                cache[key] = silent
        return cache[key]

    return get


@pytest.fixture(scope="session")
def landscape(rendered) -> Path:
    """The simulator's 4 s 1280x720 MP4 with sound."""
    return rendered(1280, 720) / "video.mp4"


@pytest.fixture(scope="session")
def counter(tmp_path_factory) -> Path:
    """20 s at 24 fps, a keyframe every second, each frame one flat colour that says its number."""
    return mp4s.encode_counter(tmp_path_factory.mktemp("counter") / "counter.mp4")
