"""Guest links' services: what a link stores (a hash of its token, a hashed password), what opens it and what not,
revoking, and the audit log's entries."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from accounts.actors import Actor
from audit.models import Entry
from reviews import share_services as share
from reviews.models import GuestLink

pytestmark = pytest.mark.django_db


def test_a_link_keeps_only_a_hash_of_its_token(video, make_link):
    link, token = make_link(video)
    assert len(token) >= 43  # secrets.token_urlsafe(32): 256 random bits
    row = GuestLink.objects.values().get(pk=link.pk)
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(row)
    assert row["token_prefix"] == token[:6]
    assert share.link_for_token(token) == link


def test_the_password_is_hashed_never_kept_in_clear(video, make_link):
    link, token = make_link(video, password="s3cret boat")
    assert link.has_password and "s3cret boat" not in link.password
    assert link.password.startswith("md5$")  # the test settings' hasher; PBKDF2 in production
    assert share.password_check(link, "s3cret boat") is True
    assert share.password_check(link, "wrong") is False


def test_each_expiry_is_offered_and_required(video, make_link):
    now = timezone.now()
    for key, (_, delta) in share.EXPIRIES.items():
        link, _ = make_link(video, expires_in=key, now=now)
        assert link.expires_at == now + delta
    for bad in ("", "never", "365d"):
        with pytest.raises(ValidationError, match="Choose when the link expires"):
            make_link(video, expires_in=bad)
    assert GuestLink.objects.count() == len(share.EXPIRIES)


def test_an_expired_link_no_longer_opens(video, make_link):
    now = timezone.now()
    link, token = make_link(video, expires_in="1h", now=now)
    assert share.link_for_token(token, now=now + timedelta(minutes=59)) == link
    assert share.link_for_token(token, now=now + timedelta(hours=1)) is None


def test_unknown_and_malformed_tokens_open_nothing(video, make_link):
    _, token = make_link(video)
    assert share.link_for_token(token[:-1]) is None
    assert share.link_for_token(token + "x") is None
    assert share.link_for_token("") is None
    assert share.link_for_token("x" * 5000) is None


def test_revoking_works_at_once_and_is_recorded(video, make_link, alice):
    link, token = make_link(video)
    assert share.link_revoke(actor=Actor.of_user(alice), link=link) is True
    assert share.link_for_token(token) is None
    assert link.revoked_at is not None and link.revoked_by == alice
    assert share.link_revoke(actor=Actor.of_user(alice), link=link) is False  # again: nothing new
    assert Entry.objects.filter(action="guest_link.revoke").count() == 1


def test_a_deleted_video_closes_its_links(video, make_link):
    _, token = make_link(video)
    video.deleted_at = timezone.now()
    video.save(update_fields=["deleted_at"])
    assert share.link_for_token(token) is None
    video.delete()
    assert share.link_for_token(token) is None and not GuestLink.objects.exists()


def test_only_a_completed_video_can_be_shared(project, alice, make_video, make_link):
    failed = make_video(project, alice, status="failed")
    with pytest.raises(ValidationError, match="Only a completed video"):
        make_link(failed)
    assert not GuestLink.objects.exists()
    refused = Entry.objects.get(action="guest_link.create")
    assert refused.outcome == Entry.Outcome.REFUSED and refused.target_id == str(failed.public_id)


def test_viewers_and_outsiders_cannot_make_or_revoke_links(video, make_link, viewer, charlie):
    with pytest.raises(PermissionDenied):
        make_link(video, actor=Actor.of_user(viewer))
    with pytest.raises(Http404):
        make_link(video, actor=Actor.of_user(charlie))
    link, token = make_link(video)
    with pytest.raises(PermissionDenied):
        share.link_revoke(actor=Actor.of_user(viewer), link=link)
    assert share.link_for_token(token) == link
    assert GuestLink.objects.count() == 1


def test_creation_is_recorded_without_the_token_or_password(video, make_link, bob):
    link, token = make_link(video, password="hunter22", allow_download=True)
    entry = Entry.objects.get(action="guest_link.create")
    assert entry.actor == bob and entry.project == video.project and entry.target_id == str(link.public_id)
    assert entry.detail["video"] == str(video.public_id) and entry.detail["allow_download"] is True
    assert entry.detail["password"] is True
    assert token not in str(entry.detail) and "hunter22" not in str(entry.detail)


def test_a_view_is_recorded_as_a_guest(video, make_link):
    link, _ = make_link(video)
    share.link_viewed(link=link, address="203.0.113.9")
    entry = Entry.objects.get(action="guest_link.view")
    assert entry.actor is None and entry.actor_kind == "guest" and entry.via == Entry.Via.GUEST
    assert entry.ip_address == "203.0.113.9" and entry.target_id == str(link.public_id)


def test_a_final_cut_can_be_shared(cut, make_link):
    link, token = make_link(cut=cut, show_prompt=True)
    assert link.cut == cut and link.video is None and link.project == cut.storyboard.project
    assert share.link_for_token(token) == link
