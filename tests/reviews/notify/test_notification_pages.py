"""A member's notifications: the bell's count on every page, the list (their own only, text escaped), marking one or
all read, the unread JSON the pages poll; another member's notification is a 404."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from reviews.models import Notification


def _note(user, video, text="Your video “kite” is ready.", **fields):
    return Notification.objects.create(user=user, kind=fields.pop("kind", "video.completed"), project=video.project,
                                       target_type="video", target_id=video.public_id, text=text, **fields)  # fmt: skip


def test_the_bell_shows_the_unread_count_on_every_page(client, alice, bob, project, make_video):
    video = make_video(project, alice)
    _note(alice, video), _note(alice, video), _note(bob, video)
    client.force_login(alice)

    page = client.get(reverse("videos:gallery")).content.decode()

    assert 'id="notify-bell"' in page and 'data-unread="2"' in page and "Notifications: 2 unread" in page
    assert "js/notify.js" in page


def test_the_bell_is_quiet_without_unread(client, alice):
    client.force_login(alice)
    page = client.get(reverse("accounts:projects")).content.decode()
    assert 'data-unread="0"' in page and "data-notify-count hidden" in page


def test_the_list_shows_only_ones_own_escaped(client, alice, bob, project, make_video):
    video = make_video(project, alice)
    mine = _note(alice, video, text="<script>alert('x')</script> finished")
    _note(bob, video, text="bob's secret news")
    client.force_login(alice)

    r = client.get(reverse("reviews:notifications"))

    page = r.content.decode()
    assert r.status_code == 200 and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; finished" in page
    assert "<script>alert" not in page and "bob's secret news" not in page
    # An unread one opens through a post that reads it (the bell then counts one fewer); a read one is a link.
    assert reverse("reviews:notify-read", args=[mine.public_id]) in page and 'name="open" value="1"' in page
    assert "Mark all read" in page
    mine.read_at = mine.created_at
    mine.save()
    assert reverse("videos:detail", args=[video.public_id]) in client.get(reverse("reviews:notifications")).content.decode()


def test_marking_one_read(client, alice, project, make_video):
    video = make_video(project, alice)
    note, other = _note(alice, video), _note(alice, video)
    client.force_login(alice)

    r = client.post(reverse("reviews:notify-read", args=[note.public_id]))

    assert r.status_code == 302 and r["Location"] == reverse("reviews:notifications")
    note.refresh_from_db(), other.refresh_from_db()
    assert note.read_at is not None and other.read_at is None


def test_opening_one_marks_it_read_and_goes_to_its_video(client, alice, project, make_video):
    video = make_video(project, alice)
    note = _note(alice, video)
    client.force_login(alice)
    r = client.post(reverse("reviews:notify-read", args=[note.public_id]), {"open": "1"})
    assert r.status_code == 302 and r["Location"] == reverse("videos:detail", args=[video.public_id])
    note.refresh_from_db()
    assert note.read_at is not None


def test_another_members_notification_is_a_404(client, alice, bob, project, make_video):
    note = _note(bob, make_video(project, alice))
    client.force_login(alice)
    assert client.post(reverse("reviews:notify-read", args=[note.public_id])).status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_marking_all_read(client, alice, bob, project, make_video):
    video = make_video(project, alice)
    mine = [_note(alice, video) for _ in range(3)]
    bobs = _note(bob, video)
    client.force_login(alice)

    r = client.post(reverse("reviews:notify-read-all"))

    assert r.status_code == 302
    assert not Notification.objects.filter(id__in=[n.id for n in mine], read_at__isnull=True).exists()
    bobs.refresh_from_db()
    assert bobs.read_at is None


def test_the_unread_json_gives_the_count_and_the_latest(client, alice, bob, project, make_video):
    video = make_video(project, alice)
    for i in range(7):
        _note(alice, video, text=f"news {i}")
    _note(alice, video, text="already read", read_at=timezone.now())
    _note(bob, video, text="not alice's")
    client.force_login(alice)

    data = client.get(reverse("reviews:notify-unread")).json()

    assert data["unread"] == 7 and len(data["latest"]) == 5
    assert data["latest"][0]["text"] == "news 6" and data["latest"][0]["url"] == reverse("videos:detail",
                                                                                         args=[video.public_id])  # fmt: skip
