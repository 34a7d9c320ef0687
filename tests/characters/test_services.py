"""The cast's services: a character from a checked clip (or a video's first seconds), named once per project, with a
thumbnail made here; bad clips refused with a clear message and nothing stored; who may delete."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from PIL import Image

from accounts.actors import Actor
from assets.models import Asset
from characters import services
from characters.models import Character
from videos.models import Video


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / services.FOLDER
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def make(actor_user, project, upload, clip="portrait", name="Mika"):
    return services.character_create_from_upload(
        actor=Actor.of_user(actor_user), project=project, name=name, clip=upload(clip)
    )


@pytest.mark.django_db
def test_a_character_is_made_from_an_uploaded_clip_with_a_thumbnail(alice, project, upload, settings):
    before = stored_files(settings)
    character = make(alice, project, upload, "portrait", name="  Mika   the courier ")

    assert character.name == "Mika the courier" and character.project == project and character.created_by == alice
    assert (character.width, character.height, float(character.seconds)) == (720, 1280, 3.0)
    assert character.clip.kind == "video" and character.clip.video is None and character.clip.origin == "upload"
    with character.thumbnail.file.open("rb") as fh:
        picture = Image.open(io.BytesIO(fh.read()))
    assert picture.format == "WEBP" and picture.size == (720, 1280)
    assert len(stored_files(settings)) == len(before) + 2


@pytest.mark.django_db
def test_a_landscape_clip_of_two_seconds_is_accepted(bob, project, upload):
    character = make(bob, project, upload, "landscape", name="Jo")
    assert (character.width, character.height, float(character.seconds)) == (1280, 720, 2.0)


BAD_CLIPS = {
    "png": r"not an MP4: the file looks like a PNG image",
    "long": r"The clip is 8\.0 seconds long; a character needs 2 to 4 seconds",
    "square": r"The clip is 720×720; a character needs 16:9 \(landscape\) or 9:16 \(portrait\)",
    "small": r"The clip is 640×360; a character needs 720p to 1080p",
    "bomb": r"claims 12000x12000 pixels, over the limit .* refused before decoding",
}


@pytest.mark.django_db
@pytest.mark.parametrize("clip", BAD_CLIPS)
def test_a_bad_clip_is_refused_clearly_and_nothing_is_stored(alice, project, upload, settings, clip):
    before, assets = stored_files(settings), Asset.objects.count()
    with pytest.raises(ValidationError) as caught:
        make(alice, project, upload, clip)
    assert list(caught.value.error_dict) == ["clip"]
    assert caught.value.error_dict["clip"][0].message.startswith(("This clip cannot be used", "The clip is"))
    assert re.search(BAD_CLIPS[clip], caught.value.error_dict["clip"][0].message), caught.value
    assert Character.objects.count() == 0 and Asset.objects.count() == assets
    assert stored_files(settings) == before


@pytest.mark.django_db
def test_an_oversized_clip_is_refused_by_its_size(alice, project, upload, settings):
    settings.CHARACTER_CLIP_MAX_BYTES = 10_000
    before = stored_files(settings)
    with pytest.raises(ValidationError, match="at most 10,000 bytes"):
        make(alice, project, upload)
    assert Character.objects.count() == 0 and stored_files(settings) == before


@pytest.mark.django_db
def test_names_are_unique_per_project_whatever_the_case(alice, bob, project, upload, charlie):
    make(alice, project, upload, name="Mika")
    with pytest.raises(ValidationError, match="already has a character called “mika”"):
        make(bob, project, upload, name="mika")
    from accounts.services import project_create

    other = project_create(actor=Actor.of_user(charlie), name="Other film")
    assert make(charlie, other, upload, name="Mika").project == other  # another project may reuse the name
    with pytest.raises(ValidationError, match="Name the character"):
        make(alice, project, upload, name="   ")
    with pytest.raises(ValidationError, match="at most 80"):
        make(alice, project, upload, name="x" * 81)


@pytest.mark.django_db
def test_viewers_and_outsiders_cannot_make_characters(viewer, charlie, project, upload):
    with pytest.raises(PermissionDenied):
        make(viewer, project, upload)
    with pytest.raises(Http404):
        make(charlie, project, upload)
    assert Character.objects.count() == 0


@pytest.mark.django_db
def test_a_character_from_a_completed_video_takes_its_first_four_seconds(alice, project, make_video, clip_files):
    video = make_video(project, alice, seconds=8, video=clip_files("long").read_bytes())

    character = services.character_create_from_video(actor=Actor.of_user(alice), video=video, name="Kite")

    assert character.source_video == video and character.clip.origin == "studio"
    assert (character.width, character.height) == (1280, 720) and 3.5 <= float(character.seconds) <= 4.1
    from assets import media

    with character.clip.file.open("rb") as fh:
        assert 3.5 <= media.probe_mp4(fh).duration_seconds <= 4.1


@pytest.mark.django_db
def test_a_video_without_its_file_or_not_completed_gives_no_character(alice, project, make_video):
    unsaved = make_video(project, alice)
    failed = make_video(project, alice, status=Video.Status.FAILED)
    with pytest.raises(ValidationError, match="not saved in the studio yet"):
        services.character_create_from_video(actor=Actor.of_user(alice), video=unsaved, name="A")
    with pytest.raises(ValidationError, match="Only a completed video"):
        services.character_create_from_video(actor=Actor.of_user(alice), video=failed, name="B")
    assert Character.objects.count() == 0


@pytest.mark.django_db
def test_the_owner_or_the_maker_may_delete_a_character_and_its_files_go(alice, bob, project, upload, settings,
                                                                      django_capture_on_commit_callbacks):  # fmt: skip
    from accounts.models import Membership
    from tests.conftest import make_user

    carol = make_user("carol")
    Membership.objects.create(user=carol, project=project, role=Membership.Role.EDITOR)
    before = stored_files(settings)
    mine = make(bob, project, upload, name="Bob's")
    theirs = make(alice, project, upload, name="Alice's")
    assert len(stored_files(settings)) == len(before) + 4
    with pytest.raises(PermissionDenied):
        services.character_delete(actor=Actor.of_user(carol), character=mine)  # another editor
    with django_capture_on_commit_callbacks(execute=True):
        services.character_delete(actor=Actor.of_user(bob), character=mine)  # its maker
        services.character_delete(actor=Actor.of_user(alice), character=Character.objects.get(id=theirs.id))
    assert Character.objects.count() == 0 and stored_files(settings) == before
    assert not Asset.objects.filter(video__isnull=True).exists()


@pytest.mark.django_db
def test_a_character_in_a_video_still_being_made_cannot_be_deleted(alice, project, upload, make_video):
    from characters.models import Appearance

    character = make(alice, project, upload)
    video = make_video(project, alice, status=Video.Status.PENDING)
    Appearance.objects.create(video=video, character=character)
    with pytest.raises(ValidationError, match="Mika is in 1 video still being made"):
        services.character_delete(actor=Actor.of_user(alice), character=character)
    assert Character.objects.filter(id=character.id).exists()


@pytest.mark.django_db
def test_a_deleted_project_takes_its_characters_files_along(alice, project, upload, settings,
                                                           django_capture_on_commit_callbacks):  # fmt: skip
    before = stored_files(settings)
    make(alice, project, upload)
    with django_capture_on_commit_callbacks(execute=True):
        project.delete()
    assert not Character.objects.exists() and not Asset.objects.filter(video__isnull=True).exists()
    assert stored_files(settings) == before
