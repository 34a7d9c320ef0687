"""Byte ranges on archived files: one range → 206, past the end → 416, anything else → the whole file."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from assets.ranges import FileSlice, RangeNotSatisfiable, parse_range

BODY = bytes(range(256)) * 40  # 10,240 bytes


@pytest.mark.parametrize(
    "header, expected",
    [
        ("bytes=0-99", (0, 99)),
        ("bytes=100-", (100, 999)),
        ("bytes=-100", (900, 999)),
        ("bytes=-5000", (0, 999)),  # longer than the file: all of it
        ("bytes=990-5000", (990, 999)),  # last byte clipped to the end
        ("Bytes = 5-5", (5, 5)),
        (None, None),
        ("", None),
        ("bytes=0-1,5-6", None),  # several ranges: the whole file
        ("items=0-1", None),
        ("bytes=abc", None),
        ("bytes=-", None),
        ("bytes=9-3", None),  # last before first: invalid, ignored
        ("bytes=0-" + "9" * 40, None),  # absurdly long numbers: ignored, never parsed
    ],
)
def test_parse_range(header, expected):
    assert parse_range(header, 1000) == expected


@pytest.mark.parametrize("header, size", [("bytes=1000-", 1000), ("bytes=2000-3000", 1000), ("bytes=-0", 1000),
                                          ("bytes=0-", 0), ("bytes=-5", 0)])  # fmt: skip
def test_parse_range_refuses_ranges_that_select_nothing(header, size):
    with pytest.raises(RangeNotSatisfiable):
        parse_range(header, size)


def test_a_file_slice_reads_only_its_bytes_in_chunks():
    piece = FileSlice(io.BytesIO(BODY), 10, 25)
    assert not hasattr(piece, "fileno")  # a WSGI server must not sendfile() the whole file
    chunks = list(iter(lambda: piece.read(10), b""))
    assert [len(c) for c in chunks] == [10, 10, 5] and b"".join(chunks) == BODY[10:35]


@pytest.fixture
def video_url(client, alice, project, make_video):
    video = make_video(project, alice, video=BODY)
    client.force_login(alice)
    return reverse("videos:asset", args=[video.public_id, "video"])


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize(
    "header, start, end",
    [("bytes=0-99", 0, 99), ("bytes=10000-", 10000, 10239), ("bytes=-40", 10200, 10239), ("bytes=0-", 0, 10239),
     ("bytes=5000-99999", 5000, 10239)],
)  # fmt: skip
def test_one_range_is_answered_with_206_and_only_those_bytes(client, video_url, header, start, end):
    r = client.get(video_url, headers={"Range": header})

    assert r.status_code == 206
    assert r["Content-Range"] == f"bytes {start}-{end}/10240"
    assert r["Content-Length"] == str(end - start + 1)
    assert r["Accept-Ranges"] == "bytes" and r["Content-Type"] == "video/mp4"
    assert _body(r) == BODY[start : end + 1]


def test_a_download_range_keeps_the_attachment_name(client, video_url):
    r = client.get(video_url + "?download=1", headers={"Range": "bytes=0-9"})
    assert r.status_code == 206 and _body(r) == BODY[:10]
    assert r["Content-Disposition"].startswith("attachment;") and ".mp4" in r["Content-Disposition"]


def test_without_range_the_whole_file_says_it_accepts_ranges(client, video_url):
    r = client.get(video_url)
    assert r.status_code == 200 and r["Accept-Ranges"] == "bytes" and r["Content-Length"] == "10240"
    assert _body(r) == BODY


@pytest.mark.parametrize("header", ["bytes=0-1,5-6", "bytes=x-y", "lines=1-2"])
def test_several_or_malformed_ranges_get_the_whole_file(client, video_url, header):
    r = client.get(video_url, headers={"Range": header})
    assert r.status_code == 200 and r["Accept-Ranges"] == "bytes" and _body(r) == BODY


def test_if_range_we_cannot_check_gets_the_whole_file(client, video_url):
    r = client.get(video_url, headers={"Range": "bytes=0-9", "If-Range": '"some-etag"'})
    assert r.status_code == 200 and _body(r) == BODY


def test_a_range_past_the_end_is_416(client, video_url):
    r = client.get(video_url, headers={"Range": "bytes=10240-"})
    assert r.status_code == 416
    assert r["Content-Range"] == "bytes */10240" and r["Accept-Ranges"] == "bytes"


def test_ranges_keep_the_access_checks(client, video_url, charlie):
    client.force_login(charlie)
    assert client.get(video_url, headers={"Range": "bytes=0-9"}).status_code == 404
    client.logout()
    assert client.get(video_url, headers={"Range": "bytes=0-9"}).status_code == 302
