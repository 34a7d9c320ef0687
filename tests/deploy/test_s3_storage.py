"""The studio's S3 storage (assets/s3.py) against a real SeaweedFS server that checks SigV4 signatures: streaming
writes (one PUT or a multipart upload) that never replace an object, ranged reads that never fetch the whole object,
names that never overwrite, and credentials that really are checked."""

from __future__ import annotations

import io
import os

import pytest
from botocore.exceptions import ClientError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from assets import s3 as s3mod
from tests.deploy.s3server import ADMIN, BUCKET, READER, s3_storage_settings


def _storage(server, prefix, key=ADMIN):
    from assets.s3 import S3Storage

    options = dict(s3_storage_settings(server, prefix=prefix)["OPTIONS"])
    options.update(access_key=key[0], secret_key=key[1])
    return S3Storage(**options)


def test_a_small_write_is_one_put_and_reads_back(s3):
    writer = default_storage.writer("videos/small.mp4", content_type="video/mp4")
    writer.write(b"hello ")
    writer.write(b"world")
    writer.commit()

    head = s3.server.client().head_object(Bucket=BUCKET, Key=s3.key("videos/small.mp4"))
    assert head["ContentLength"] == 11 and head["ContentType"] == "video/mp4"
    with default_storage.open("videos/small.mp4", "rb") as fh:
        assert fh.read() == b"hello world" and fh.size == 11


def test_a_big_write_goes_up_in_parts_as_it_arrives(s3, monkeypatch):
    monkeypatch.setattr(s3mod, "PART_SIZE", 5 << 20)  # S3's smallest part: three parts for 12 MiB
    data = os.urandom(12 << 20)
    writer = default_storage.writer("videos/big.mp4", content_type="video/mp4")
    for start in range(0, len(data), 1 << 20):
        writer.write(data[start : start + (1 << 20)])
        if start == 6 << 20:  # one part is up already, while the rest is still to come
            assert writer._upload_id and len(writer._parts) == 1 and s3.uploads() == [s3.key("videos/big.mp4")]
    writer.commit()

    assert s3.uploads() == [] and s3.keys() == [s3.key("videos/big.mp4")]
    body = s3.server.client().get_object(Bucket=BUCKET, Key=s3.key("videos/big.mp4"))["Body"].read()
    assert body == data


def test_an_aborted_write_leaves_nothing_in_the_bucket(s3, monkeypatch):
    monkeypatch.setattr(s3mod, "PART_SIZE", 5 << 20)
    writer = default_storage.writer("videos/cut.mp4", content_type="video/mp4")
    writer.write(os.urandom(11 << 20))  # two parts uploaded
    assert s3.uploads() == [s3.key("videos/cut.mp4")]

    writer.abort()

    assert s3.uploads() == [] and s3.keys() == []


def test_a_write_never_replaces_an_object_already_there(s3):
    default_storage.save("videos/taken.mp4", ContentFile(b"the first"))
    writer = default_storage.writer("videos/taken.mp4", content_type="video/mp4")  # a name raced to by another
    writer.write(b"the second")

    with pytest.raises(ClientError) as refused:
        writer.commit()

    assert refused.value.response["Error"]["Code"] == "PreconditionFailed"
    with default_storage.open("videos/taken.mp4", "rb") as fh:
        assert fh.read() == b"the first"


def test_names_never_overwrite(s3):
    first = default_storage.save("references/same.png", ContentFile(b"one"))
    second = default_storage.save("references/same.png", ContentFile(b"two"))

    assert first == "references/same.png" and second != first and second.startswith("references/same_")
    assert [default_storage.open(n, "rb").read() for n in (first, second)] == [b"one", b"two"]


def test_reads_are_ranged_and_never_fetch_the_whole_object_first(s3):
    data = os.urandom(3 << 20)
    default_storage.save("videos/r.mp4", ContentFile(data))

    with default_storage.open("videos/r.mp4", "rb") as fh:
        assert fh.size == len(data)
        fh.seek(2_000_000)
        assert fh.read(100) == data[2_000_000:2_000_100]
        fh.seek(10)
        assert fh.read(16) == data[10:26]
        fh.seek(-5, io.SEEK_END)
        assert fh.read() == data[-5:]
        reader = fh.reader
        # Three places read, three ranged GETs; far fewer bytes fetched than the object holds.
        assert reader.requests == 3
    with default_storage.open("videos/r.mp4", "rb") as fh:
        assert b"".join(fh.chunks(1 << 16)) == data
        assert fh.reader.requests == 1  # read in order: one GET streamed to the end


def test_a_stored_file_can_be_opened_again_after_closing(s3, make_video, alice, project):
    """FieldFile.open() reopens the same file object (the pipeline makes a thumbnail, then a spritesheet)."""
    video = make_video(project, alice, video=b"\x00\x00\x00\x18ftypmp42" + bytes(100))
    field = video.assets.get(kind="video").file
    for _ in range(3):
        with field.open("rb") as fh:
            assert fh.read(8) == b"\x00\x00\x00\x18ftyp"
    assert field.closed


def test_a_missing_object_is_file_not_found(s3):
    with pytest.raises(FileNotFoundError):
        default_storage.open("videos/none.mp4", "rb")


def test_the_server_checks_the_signature(s3):
    wrong = _storage(s3.server, s3.prefix, key=(ADMIN[0], "not-the-secret"))
    with pytest.raises(ClientError) as refused:
        wrong.save("videos/x.mp4", ContentFile(b"x"))  # its HEAD (is the name free?) is refused already
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    writer = wrong.writer("videos/x.mp4", content_type="video/mp4")
    writer.write(b"x")
    with pytest.raises(ClientError) as refused:
        writer.commit()
    assert refused.value.response["Error"]["Code"] == "SignatureDoesNotMatch"

    reader = _storage(s3.server, s3.prefix, key=READER)
    writer = reader.writer("videos/x.mp4", content_type="video/mp4")
    writer.write(b"x")
    with pytest.raises(ClientError) as denied:
        writer.commit()
    assert denied.value.response["Error"]["Code"] == "AccessDenied"
    assert s3.keys() == []


def test_pictures_are_made_from_an_mp4_read_from_the_bucket(s3, make_video, alice, project):
    """A provider without thumbnails: the studio decodes frames from the archived MP4 straight from S3 (ranged
    reads, no download first) and keeps the pictures in the bucket."""
    from PIL import Image

    from tests.e2e.pages import media
    from videos import services

    video = make_video(project, alice, video=media(640, 360)["video"])

    services._derive_pictures(video, ["thumbnail", "spritesheet"])

    kinds = {a.kind: a for a in video.assets.all()}
    assert set(kinds) == {"video", "thumbnail", "spritesheet"} and kinds["thumbnail"].origin == "studio"
    assert sorted(s3.keys()) == sorted(s3.key(a.file.name) for a in kinds.values())
    with kinds["thumbnail"].file.open("rb") as fh:
        assert Image.open(fh).size == (640, 360)
