from __future__ import annotations

import pytest

from tests.reviews.notify.receiver import Receiver


@pytest.fixture
def receiver():
    """A real HTTP receiver on 127.0.0.1 answering 200."""
    with Receiver() as r:
        yield r


def make_endpoint(project, owner, url: str, events=("video.completed", "video.failed", "review.changed")):
    """An endpoint made the way the owner makes it (the service), and its secret as shown once."""
    from accounts.actors import Actor
    from reviews import notify_webhooks

    return notify_webhooks.endpoint_create(actor=Actor.of_user(owner), project=project, url=url, events=list(events))


# The browser test here drives Debian's chromium with the end-to-end tests' launch arguments.
from tests.e2e.conftest import browser_type_launch_args  # noqa: E402,F401
from tests.storyboards.conftest import board, clips  # noqa: E402,F401  (a storyboard and real MP4s for a final cut)
