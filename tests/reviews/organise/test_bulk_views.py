"""The galleries' bulk actions: tag, favourite and delete the checked videos, acting only on what the member may
change and saying what was skipped and why; a selection that is empty, too large, or names a video the member
cannot see (unknown, deleted, another team's) is refused whole, without saying which, and nothing changes. Bulk
deletes and zip downloads are in the audit log."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.actors import Actor
from accounts.services import project_create
from audit.models import Entry
from reviews import organise_services as services
from reviews.models import Favourite, Tag, VideoTag
from videos.models import Video


@pytest.fixture
def three(project, alice, make_video):
    return [make_video(project, alice, prompt=f"kite {i}") for i in range(3)]


def _post(client, name, videos, **data):
    back = reverse("videos:gallery") + "?tag=x&page=2"
    r = client.post(reverse(f"reviews:{name}"), {"videos": [str(v.public_id) if hasattr(v, "public_id") else v
                                                            for v in videos], "next": back, **data})  # fmt: skip
    assert r.status_code == 302 and r["Location"] == back  # back to the same page of the same gallery
    said = [str(m) for m in get_messages(r.wsgi_request)]
    client.cookies.pop("messages", None)  # read: not shown again with the next answer
    return said


def _state():
    return (
        sorted(VideoTag.objects.values_list("video_id", "tag_id")), Tag.objects.count(),
        sorted(Favourite.objects.values_list("user_id", "video_id")),
        sorted(Video.objects.values_list("id", "deleted_at")),
    )  # fmt: skip


def test_bulk_tag_tags_every_selected_video(client, bob, three):
    client.force_login(bob)
    said = _post(client, "bulk-tag", three[:2], tag=" Dusk ")
    assert said == ["Tagged 2 videos."]
    assert sorted(VideoTag.objects.values_list("video_id", flat=True)) == sorted(v.id for v in three[:2])
    assert said == ["Tagged 2 videos."] and Tag.objects.get().name == "Dusk"


def test_bulk_tag_skips_the_videos_of_projects_where_i_only_view(client, bob, alice, three, make_video):
    theirs = project_create(actor=Actor.of_user(alice), owner=alice, name="Alice's other")
    from accounts.services import member_add

    member_add(actor=Actor.of_user(alice), project=theirs, identifier=bob.username, role="viewer")
    watched = make_video(theirs, alice, prompt="watched only")
    client.force_login(bob)
    said = _post(client, "bulk-tag", [three[0], watched], tag="dusk")
    assert said == ["Tagged 1 video. Skipped 1: 1 in a project where you are not an editor."]
    assert list(VideoTag.objects.values_list("video_id", flat=True)) == [three[0].id]


def test_bulk_tag_skips_videos_with_twenty_tags(client, alice, bob, three):
    for n in range(20):
        services.tag_add(actor=Actor.of_user(alice), video=three[0], name=f"t{n}")
    client.force_login(bob)
    said = _post(client, "bulk-tag", three[:2], tag="dusk")
    assert said == ["Tagged 1 video. Skipped 1: 1 carrying 20 tags already."]


@pytest.mark.parametrize(
    "tag, message",
    [("x" * 10_000, "A tag is at most 50 characters; this one has 10,000. Nothing was changed."),
     ("", "A tag cannot be empty. Nothing was changed.")],
    ids=["10000-characters", "empty"],
)  # fmt: skip
def test_a_bad_bulk_tag_changes_nothing(client, bob, three, tag, message):
    client.force_login(bob)
    before = _state()
    assert _post(client, "bulk-tag", three, tag=tag) == [message]
    assert _state() == before


def test_bulk_favourite_stars_every_selected_video_once(client, viewer, three):
    Favourite.objects.create(user=viewer, video=three[0])
    client.force_login(viewer)
    assert _post(client, "bulk-favourite", three) == ["Starred 3 videos."]
    assert sorted(Favourite.objects.values_list("video_id", flat=True)) == sorted(v.id for v in three)
    assert _post(client, "bulk-favourite", three[:1], on="0") == ["Unstarred 1 video."]
    assert Favourite.objects.count() == 2


def test_bulk_delete_deletes_what_i_may_and_says_what_it_skipped(client, bob, alice, project, make_video, viewer):
    done = make_video(project, alice, prompt="done")
    rendering = make_video(project, alice, prompt="rendering", status=Video.Status.IN_PROGRESS, progress=40)
    client.force_login(bob)
    said = _post(client, "bulk-delete", [done, rendering])
    assert said == ["Deleted 1 video. Skipped 1: 1 still being made (cancel it, or delete it once it has finished)."]
    assert Video.objects.filter(id=done.id).first() is None
    assert Video.objects.get(id=rendering.id).deleted_at is None
    # the summary entry, besides each video's own video.delete
    entry = Entry.objects.get(action="video.bulk_delete")
    assert entry.actor == bob and entry.project == project
    assert entry.detail["videos"] == [str(done.public_id)]
    assert list(entry.detail["skipped"]) == [str(rendering.public_id)]
    assert Entry.objects.filter(action="video.delete", target_id=str(done.public_id)).exists()
    # a viewer deletes nothing
    other = make_video(project, alice, prompt="other")
    client.force_login(viewer)
    assert _post(client, "bulk-delete", [other]) == [
        "Deleted 0 videos. Skipped 1: 1 in a project where you are not an editor."
    ]
    assert Video.objects.get(id=other.id).deleted_at is None


@pytest.mark.parametrize("action", ["bulk-tag", "bulk-favourite", "bulk-delete", "bulk-zip"])
def test_an_empty_selection_is_refused(client, bob, three, action):
    client.force_login(bob)
    before = _state()
    assert _post(client, action, [], tag="dusk") == ["Select at least one video first; nothing was changed."]
    assert _state() == before and not Entry.objects.filter(action__startswith="video.").exists()


@pytest.mark.parametrize("action", ["bulk-tag", "bulk-favourite", "bulk-delete", "bulk-zip"])
def test_a_selection_past_the_cap_is_refused(client, bob, three, action):
    client.force_login(bob)
    before = _state()
    ids = [str(uuid.uuid4()) for _ in range(101)]
    assert _post(client, action, ids, tag="dusk") == [
        "Select at most 100 videos at a time (you selected 101); nothing was changed."
    ]
    assert _state() == before


@pytest.mark.parametrize("action", ["bulk-tag", "bulk-favourite", "bulk-delete", "bulk-zip"])
def test_another_teams_video_or_an_unknown_id_refuses_the_whole_selection(client, bob, charlie, three, make_video,
                                                                          action):  # fmt: skip
    theirs = project_create(actor=Actor.of_user(charlie), owner=charlie, name="Charlie's")
    secret = make_video(theirs, charlie, prompt="charlie's secret")
    deleted = make_video(three[0].project, three[0].owner, prompt="gone")
    Video.objects.filter(id=deleted.id).update(deleted_at="2026-01-01T00:00:00Z")
    client.force_login(bob)
    before = _state()
    for odd in (secret, deleted, str(uuid.uuid4())):
        said = _post(client, action, [three[0], odd], tag="dusk")
        assert said == [
            "1 of the selected videos was not found (deleted, or not in your projects); nothing was changed."
        ]
    assert _post(client, action, [three[0], "not-an-id"], tag="dusk") == [
        "The selection holds something that is not a video; nothing was changed."
    ]
    assert _state() == before
    assert not Entry.objects.filter(action__in=["video.bulk_delete", "video.zip_download"]).exists()


def test_the_bulk_bar_is_on_every_gallery(client, bob, project, three):
    client.force_login(bob)
    for url in (reverse("videos:gallery"), reverse("videos:project-gallery", args=[project.public_id])):
        page = client.get(url, {"q": "kite"}).content.decode()
        assert 'id="organise-bulk"' in page
        for name in ("bulk-tag", "bulk-favourite", "bulk-delete", "bulk-zip"):
            assert f'formaction="{reverse(f"reviews:{name}")}"' in page
        assert 'name="next" value="' + url + '?q=kite"' in page
