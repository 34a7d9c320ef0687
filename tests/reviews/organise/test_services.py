"""The organise services: tags are trimmed, case-insensitively one per project, at most 50 characters and 20 a
video; favourites are a member's own; titles are at most 200 characters and never touch the prompt; bad input is
refused with a clear message and nothing changed; roles are checked by the services themselves."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from accounts.actors import Actor
from reviews import organise_selectors as selectors
from reviews import organise_services as services
from reviews.models import Favourite, Tag, VideoTag, VideoTitle


@pytest.fixture
def video(project, alice, make_video):
    return make_video(project, alice, prompt="A red kite over the park")


def _tags(video):
    return sorted(VideoTag.objects.filter(video=video).values_list("tag__name", flat=True))


def test_a_tag_is_trimmed_and_its_inner_spaces_folded(alice, video):
    tag = services.tag_add(actor=Actor.of_user(alice), video=video, name="  golden \t  hour  ")
    assert tag.name == "golden hour" and tag.key == "golden hour"
    assert _tags(video) == ["golden hour"]


def test_tags_are_one_per_project_whatever_their_case(alice, video, project, make_video):
    other = make_video(project, alice)
    first = services.tag_add(actor=Actor.of_user(alice), video=video, name="Sunset")
    second = services.tag_add(actor=Actor.of_user(alice), video=other, name="SUNSET")
    again = services.tag_add(actor=Actor.of_user(alice), video=video, name="sunset")
    assert first.id == second.id == again.id and first.name == "Sunset"
    assert Tag.objects.filter(project=project).count() == 1
    assert VideoTag.objects.filter(video=video).count() == 1


def test_the_same_name_in_another_project_is_another_tag(alice, video, make_video):
    from accounts.services import project_create

    elsewhere = project_create(actor=Actor.of_user(alice), owner=alice, name="Elsewhere")
    services.tag_add(actor=Actor.of_user(alice), video=video, name="dusk")
    services.tag_add(actor=Actor.of_user(alice), video=make_video(elsewhere, alice), name="dusk")
    assert Tag.objects.filter(key="dusk").count() == 2


@pytest.mark.parametrize(
    "name, message",
    [
        ("x" * 10_000, "A tag is at most 50 characters; this one has 10,000."),
        ("x" * 51, "A tag is at most 50 characters; this one has 51."),
        ("", "A tag cannot be empty."),
        ("   \n\t ", "A tag cannot be empty."),
        ("red, blue", "A tag cannot contain a comma (commas separate tags)."),
        ("bell\x07", "A tag cannot contain control characters."),
    ],
    ids=["10000-characters", "51-characters", "empty", "blank", "comma", "control"],
)
def test_a_bad_tag_is_refused_with_a_clear_message_and_nothing_changes(alice, video, name, message):
    with pytest.raises(ValidationError) as refused:
        services.tag_add(actor=Actor.of_user(alice), video=video, name=name)
    assert refused.value.messages == [message]
    assert not Tag.objects.exists() and not VideoTag.objects.exists()


def test_a_tag_of_exactly_fifty_characters_is_kept(alice, video):
    assert services.tag_add(actor=Actor.of_user(alice), video=video, name="y" * 50).name == "y" * 50


def test_markup_in_a_tag_is_kept_as_text(alice, video):
    tag = services.tag_add(actor=Actor.of_user(alice), video=video, name="<script>alert(1)</script>")
    assert tag.name == "<script>alert(1)</script>"


def test_a_video_carries_at_most_twenty_tags(alice, video):
    for n in range(20):
        services.tag_add(actor=Actor.of_user(alice), video=video, name=f"tag {n}")
    with pytest.raises(ValidationError, match="at most 20 tags"):
        services.tag_add(actor=Actor.of_user(alice), video=video, name="one more")
    assert len(_tags(video)) == 20 and not Tag.objects.filter(key="one more").exists()
    # a tag it carries already is no new one
    services.tag_add(actor=Actor.of_user(alice), video=video, name="TAG 3")
    assert len(_tags(video)) == 20


def test_tagging_needs_the_editor_role(video, viewer, charlie):
    with pytest.raises(PermissionDenied):
        services.tag_add(actor=Actor.of_user(viewer), video=video, name="dusk")
    with pytest.raises(Http404):
        services.tag_add(actor=Actor.of_user(charlie), video=video, name="dusk")
    assert not Tag.objects.exists()


def test_removing_a_tag_keeps_the_projects_tag_while_another_video_carries_it(alice, video, project, make_video):
    other = make_video(project, alice)
    for v in (video, other):
        services.tag_add(actor=Actor.of_user(alice), video=v, name="dusk")
    assert services.tag_remove(actor=Actor.of_user(alice), video=video, name="DUSK")
    assert _tags(video) == [] and _tags(other) == ["dusk"] and Tag.objects.count() == 1
    assert services.tag_remove(actor=Actor.of_user(alice), video=other, name="dusk")
    assert not Tag.objects.exists()
    assert not services.tag_remove(actor=Actor.of_user(alice), video=other, name="dusk")


def test_a_favourite_is_the_members_own(alice, bob, video):
    services.favourite_set(actor=Actor.of_user(bob), video=video, on=True)
    services.favourite_set(actor=Actor.of_user(bob), video=video, on=True)  # a double click
    assert list(Favourite.objects.values_list("user", flat=True)) == [bob.id]
    assert selectors.decorate([video], bob)[0].is_favourite
    assert not selectors.decorate([video], alice)[0].is_favourite
    services.favourite_set(actor=Actor.of_user(bob), video=video, on=False)
    assert not Favourite.objects.exists()


def test_a_viewer_may_star_but_an_outsider_may_not(video, viewer, charlie):
    services.favourite_set(actor=Actor.of_user(viewer), video=video, on=True)
    with pytest.raises(Http404):
        services.favourite_set(actor=Actor.of_user(charlie), video=video, on=True)
    assert Favourite.objects.count() == 1


def test_a_title_renames_the_video_and_leaves_the_prompt(alice, video):
    assert services.title_set(actor=Actor.of_user(alice), video=video, title="  Kite,   take 2 ") == "Kite, take 2"
    video.refresh_from_db()
    assert video.prompt == "A red kite over the park"
    assert VideoTitle.objects.get(video=video).title == "Kite, take 2"
    services.title_set(actor=Actor.of_user(alice), video=video, title="Kite, final")
    assert VideoTitle.objects.get(video=video).title == "Kite, final"
    assert services.title_set(actor=Actor.of_user(alice), video=video, title="  ") == ""
    assert not VideoTitle.objects.exists()


def test_a_title_past_200_characters_is_refused(alice, video):
    services.title_set(actor=Actor.of_user(alice), video=video, title="Kept")
    with pytest.raises(ValidationError) as refused:
        services.title_set(actor=Actor.of_user(alice), video=video, title="t" * 201)
    assert refused.value.messages == ["A title is at most 200 characters; this one has 201."]
    assert VideoTitle.objects.get(video=video).title == "Kept"


def test_renaming_needs_the_editor_role(video, viewer):
    with pytest.raises(PermissionDenied):
        services.title_set(actor=Actor.of_user(viewer), video=video, title="Mine now")
    assert not VideoTitle.objects.exists()


def test_the_filters_find_tagged_and_starred_videos(alice, bob, video, project, make_video):
    from videos.selectors import videos_visible_to

    other = make_video(project, alice, prompt="A blue kite")
    services.tag_add(actor=Actor.of_user(alice), video=video, name="Dusk")
    services.favourite_set(actor=Actor.of_user(bob), video=other, on=True)
    qs = videos_visible_to(bob)
    assert list(selectors.filter_videos(qs, bob, tag="dusk")) == [video]
    assert list(selectors.filter_videos(qs, bob, tag="  DUSK ")) == [video]
    assert list(selectors.filter_videos(qs, bob, favourite=True)) == [other]
    assert list(selectors.filter_videos(qs, bob, favourite=False)) == [video]
    assert list(selectors.filter_videos(qs, alice, favourite=True)) == []
    assert list(selectors.filter_videos(qs, bob, tag="dusk", favourite=True)) == []
