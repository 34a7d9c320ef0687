"""Storyboard fixtures: alice's storyboard at 1280x720, and real simulator MP4s (rendered once per session) to make
takes from."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.assets import mp4s
from tests.deploy.s3server import s3, s3_server  # noqa: F401  (fixtures: a real S3 server, for test_cut_on_s3.py)


@pytest.fixture(scope="session")
def clips(tmp_path_factory):
    """clips(width, height, seconds=4, prompt="...", audio=True, fps=8) -> the bytes of a simulator MP4."""
    cache: dict[tuple, bytes] = {}

    def get(width=1280, height=720, seconds=4, prompt="a fox in the snow", audio=True, fps=8) -> bytes:
        key = (width, height, seconds, prompt, audio, fps)
        if key not in cache:
            from videos.sora.simulator.render import RenderSpec, render, seed_of

            folder = tmp_path_factory.mktemp("clip")
            spec = RenderSpec(width=width, height=height, seconds=seconds, prompt=prompt, palette_seed=seed_of(prompt),
                              scene_seed=seed_of(prompt + "!"), fps=fps, label="test")  # fmt: skip
            render(spec, folder)
            path = folder / "video.mp4"
            if not audio:
                path = mp4s.remux(path, folder / "silent.mp4", audio=False)
            cache[key] = Path(path).read_bytes()
        return cache[key]

    return get


@pytest.fixture
def board(project, alice, seeded_models):
    from accounts.actors import Actor
    from storyboards import services

    return services.storyboard_create(actor=Actor.of_user(alice), project=project, title="The kite", size="1280x720")


def add_shot(board, prompt="Wide shot of a red kite", seconds=4, model="simulator:sora-2"):
    from accounts.actors import Actor
    from storyboards import services

    owner = board.project.memberships.get(role="owner").user
    return services.shot_add(actor=Actor.of_user(owner), storyboard=board, prompt=prompt, model=model, seconds=seconds)


def add_take(shot, video, chosen=False):
    """Record `video` as the shot's next take (what shot_generate does once the video is submitted)."""
    from storyboards.models import Take

    number = shot.takes.count() + 1
    return Take.objects.create(shot=shot, video=video, number=number, is_chosen=chosen)
