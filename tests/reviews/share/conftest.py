"""Guest links' fixtures: a completed video of alice's project with a real MP4 and thumbnail, and a helper that
makes a link through the service (returning the link and its token)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import browser_type_launch_args  # noqa: F401  (the browser test: Debian's chromium)

MP4 = b"\x00\x00\x00\x18ftypisom" + bytes(range(256)) * 8  # 2,060 bytes: enough to ask for ranges of
THUMB = b"RIFF\x1a\x00\x00\x00WEBPVP8 thumbnail"


@pytest.fixture
def video(project, alice, make_video):
    return make_video(project, alice, prompt="A paper boat on a rain puddle", video=MP4, thumbnail=THUMB,
                      spritesheet=b"spritesheet jpeg")  # fmt: skip


@pytest.fixture
def make_link(bob):
    """make_link(video=..., **options) -> (link, token), made by bob (an editor)."""
    from accounts.actors import Actor
    from reviews import share_services

    def make(video=None, cut=None, *, actor=None, expires_in="1d", **options):
        return share_services.link_create(actor=actor or Actor.of_user(bob), video=video, cut=cut,
                                          expires_in=expires_in, **options)  # fmt: skip

    return make


def guest_url(token: str) -> str:
    from django.urls import reverse

    return reverse("reviews:guest", args=[token])


def file_url(token: str, variant: str = "video") -> str:
    from django.urls import reverse

    return reverse("reviews:guest-file", args=[token, variant])


@pytest.fixture
def cut(project, alice, make_video):
    """A completed final cut of a storyboard of alice's project, with its MP4 and thumbnail."""
    from tests.storyboards.access_table import storyboard_world

    world = storyboard_world(project, alice, make_video)
    return world["cut"]
