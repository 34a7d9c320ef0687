"""The review part's fixtures: a completed 4 s video of alice's, a final cut of 6 s, and a recorder of the
reviews app's events."""

from __future__ import annotations

import pytest


@pytest.fixture
def video(project, alice, make_video):
    return make_video(project, alice, prompt="A red kite at dusk", seconds=4, video=b"mp4 bytes")


@pytest.fixture
def cut(project, alice, make_video):
    from tests.storyboards.access_table import storyboard_world

    cut = storyboard_world(project, alice, make_video)["cut"]
    cut.duration_seconds = 6.0
    cut.save(update_fields=["duration_seconds"])
    return cut


@pytest.fixture
def sent():
    """Every review_changed and member_mentioned sent while the test runs, as (signal name, kwargs)."""
    from reviews import events

    got = []

    def on_changed(sender, **kwargs):
        got.append(("review_changed", sender, kwargs))

    def on_mentioned(sender, **kwargs):
        got.append(("member_mentioned", sender, kwargs))

    events.review_changed.connect(on_changed, weak=False, dispatch_uid="test-review-changed")
    events.member_mentioned.connect(on_mentioned, weak=False, dispatch_uid="test-member-mentioned")
    yield got
    events.review_changed.disconnect(dispatch_uid="test-review-changed")
    events.member_mentioned.disconnect(dispatch_uid="test-member-mentioned")
