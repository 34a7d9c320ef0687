"""Every guest view is counted (one UPDATE with F(), so none is lost) and recorded in the audit log; the password
page and the files are not views."""

from __future__ import annotations

import pytest
from django.test import Client

from audit.models import Entry
from reviews import share_services as share
from reviews.models import GuestLink
from tests.reviews.share.conftest import file_url, guest_url

pytestmark = pytest.mark.django_db


def test_each_view_is_counted_and_recorded(video, make_link):
    link, token = make_link(video)
    for _ in range(3):
        assert Client().get(guest_url(token), REMOTE_ADDR="198.51.100.7").status_code == 200
    link.refresh_from_db()
    assert link.view_count == 3 and link.last_viewed_at is not None
    views = Entry.objects.filter(action="guest_link.view")
    assert views.count() == 3
    assert {(e.actor_kind, e.ip_address, e.target_id) for e in views} == {
        ("guest", "198.51.100.7", str(link.public_id))
    }


def test_files_and_password_pages_are_not_views(client, video, make_link):
    link, token = make_link(video, password="pw")
    client.get(guest_url(token))
    client.post(guest_url(token), {"password": "wrong"})
    link.refresh_from_db()
    assert link.view_count == 0
    client.post(guest_url(token), {"password": "pw"})
    client.get(file_url(token))
    client.get(file_url(token, "thumbnail"))
    link.refresh_from_db()
    assert link.view_count == 0
    client.get(guest_url(token))
    link.refresh_from_db()
    assert link.view_count == 1


def test_the_count_is_an_update_not_a_copy(video, make_link):
    """Two views from stale copies of the row both count (F() in the UPDATE, not a save of a read value)."""
    link, _ = make_link(video)
    stale = GuestLink.objects.get(pk=link.pk)
    share.link_viewed(link=link)
    share.link_viewed(link=stale)
    assert GuestLink.objects.get(pk=link.pk).view_count == 2


def test_gone_links_count_nothing(client, video, make_link, alice):
    from accounts.actors import Actor

    link, token = make_link(video)
    share.link_revoke(actor=Actor.of_user(alice), link=link)
    client.get(guest_url(token))
    link.refresh_from_db()
    assert link.view_count == 0 and not Entry.objects.filter(action="guest_link.view").exists()


def test_a_download_is_recorded_once(client, video, make_link):
    _, token = make_link(video, allow_download=True)
    client.get(file_url(token) + "?download=1")
    client.get(file_url(token) + "?download=1", HTTP_RANGE="bytes=500-")
    client.get(file_url(token))  # playing is no download
    assert Entry.objects.filter(action="guest_link.download").count() == 1
