"""The guest link views' access rules as rows of the studio's one table (tests/test_access.py): making and revoking
need an editor (outsider 404, viewer 403, anonymous to the login). The guest pages themselves are public (their
token is the credential): listed in NOT_PROJECT_SCOPED there, and tested in this folder's test_views.py,
test_password.py and test_headers.py."""

from __future__ import annotations

from django.urls import reverse

from tests.access import ViewSpec

# The public guest views (no login; the token in the URL decides).
SHARE_PUBLIC = {"reviews:guest", "reviews:guest-file"}


def share_world(w: dict) -> dict:
    """The world plus a guest link to its final cut (made straight in the table)."""
    from datetime import timedelta

    from django.utils import timezone

    from reviews.models import GuestLink
    from reviews.share_services import token_hash

    cut = w["cut"]
    link = GuestLink.objects.create(
        token_hash=token_hash("access-table-token"), token_prefix="access", project=cut.storyboard.project,
        cut=cut, created_by=w["owner"], expires_at=timezone.now() + timedelta(days=1),
    )  # fmt: skip
    return {**w, "guest_link": link}


def _link(w):
    return str(w["guest_link"].public_id)


SHARE_VIEWS = [
    ViewSpec("reviews:share-create-video",
             lambda w: reverse("reviews:share-create-video", args=[str(w["video"].public_id)]), "post", "editor",
             {"expires_in": "1h"}),
    ViewSpec("reviews:share-create-cut", lambda w: reverse("reviews:share-create-cut", args=[str(w["cut"].public_id)]),
             "post", "editor", {"expires_in": "1h"}),
    ViewSpec("reviews:share-revoke", lambda w: reverse("reviews:share-revoke", args=[_link(w)]), "post", "editor"),
]  # fmt: skip


def share_state():
    from reviews.models import GuestLink

    return sorted(GuestLink.objects.values_list("id", "revoked_at", "view_count"))
