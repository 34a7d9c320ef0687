"""Archiving streams a download straight into storage (videos.services._archive_variant), on local disk and on a real
S3 server: no second copy on local disk, the first bytes checked before anything is written, and nothing left in
storage when the download is wrong, damaged or cut off. A 200 MB download keeps memory flat."""

from __future__ import annotations

import hashlib
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from assets import s3 as s3mod
from assets import services as asset_services
from tests.assets import mp4s
from tests.deploy.upstream import ContentServer
from videos import services
from videos.sora.errors import SoraError

UPSTREAM_ID = "video_streamtest"


@pytest.fixture(scope="module")
def mp4(tmp_path_factory) -> bytes:
    """The simulator's own 4 s 1280x720 MP4."""
    return mp4s.simulator_render(tmp_path_factory.mktemp("render"), 1280, 720, 4).read_bytes()


@pytest.fixture
def upstream():
    server = ContentServer()
    yield server
    server.stop()


@pytest.fixture(params=["local", "s3"])
def where(request):
    """The storage under test, and what it holds: ("local" | "s3", list-stored-things)."""
    if request.param == "local":
        root = Path(django_settings.MEDIA_ROOT)

        def stored() -> list[str]:
            return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and "simulator" not in p.parts)

        return "local", stored
    case = request.getfixturevalue("s3")
    return "s3", lambda: case.keys() + [f"(upload) {u}" for u in case.uploads()]


@pytest.fixture
def video(make_video, alice, project):
    return make_video(project, alice, status="archiving", upstream_id=UPSTREAM_ID)


def _no_temporary_files(monkeypatch):
    def refused(*args, **kwargs):
        raise AssertionError("a temporary file was made: the download must go straight into storage")

    for name in ("TemporaryFile", "SpooledTemporaryFile", "NamedTemporaryFile", "mkstemp"):
        monkeypatch.setattr(tempfile, name, refused)


def test_the_download_goes_straight_into_storage(where, upstream, video, mp4, monkeypatch):
    kind, stored = where
    upstream.serve(UPSTREAM_ID, mp4)
    before = stored()
    _no_temporary_files(monkeypatch)

    asset = services._archive_variant(upstream.client(), video, "video")

    assert asset.pk and asset.bytes == len(mp4) and asset.sha256 == hashlib.sha256(mp4).hexdigest()
    assert asset.origin == "provider" and asset.content_type == "video/mp4"
    with asset.file.open("rb") as fh:
        assert fh.read() == mp4
    added = sorted(set(stored()) - set(before))
    assert len(added) == 1 and added[0].endswith(asset.file.name), added


@pytest.mark.parametrize(
    "body, content_type, message",
    [
        (b"<!DOCTYPE html><html><body>Rate limited</body></html>", "text/html", "sent an HTML page for the video"),
        (b'{"error": {"message": "no"}}', "application/json", "sent JSON or text for the video"),
        (b"", "video/mp4", "sent an empty file"),
    ],
)
def test_wrong_first_bytes_are_refused_before_anything_is_written(where, upstream, video, body, content_type, message, monkeypatch):
    kind, stored = where
    upstream.serve(UPSTREAM_ID, body, content_type=content_type)
    opened = []  # writers opened in storage: none may be, the head is refused first
    real_start = asset_services.AssetStream._start
    monkeypatch.setattr(asset_services.AssetStream, "_start", lambda self: real_start(self) or opened.append(1))
    before = stored()

    with pytest.raises(services.WrongContent, match=message):
        services._archive_variant(upstream.client(), video, "video")

    assert stored() == before and video.assets.count() == 0
    assert opened == []


def test_a_declared_wrong_type_is_refused_and_removed(where, upstream, video, mp4):
    kind, stored = where
    upstream.serve(UPSTREAM_ID, mp4, content_type="text/html")
    before = stored()

    with pytest.raises(services.WrongContent, match=r"sent an MP4 \(text/html\) for the video"):
        services._archive_variant(upstream.client(), video, "video")

    assert stored() == before and video.assets.count() == 0


def test_a_damaged_mp4_is_refused_and_removed_from_storage(where, upstream, video, mp4):
    kind, stored = where
    upstream.serve(UPSTREAM_ID, mp4[: len(mp4) // 2])  # a whole download of half a file: its index is missing
    before = stored()

    with pytest.raises(services.WrongContent, match="damaged MP4"):
        services._archive_variant(upstream.client(), video, "video")

    assert stored() == before and video.assets.count() == 0


def test_a_cut_off_download_leaves_nothing(where, upstream, video, mp4, monkeypatch):
    kind, stored = where
    monkeypatch.setattr(s3mod, "PART_SIZE", 5 << 20)
    big = mp4 + _free_box(12 << 20)  # 12 MiB: on S3, two parts are up when the connection drops
    upstream.serve(UPSTREAM_ID, big, cut_after=11 << 20)
    before = stored()

    with pytest.raises(SoraError, match="download"):
        services._archive_variant(upstream.client(), video, "video")

    assert stored() == before and video.assets.count() == 0


def test_an_archive_that_fails_to_record_its_row_removes_its_file(where, upstream, video, mp4, monkeypatch):
    kind, stored = where
    upstream.serve(UPSTREAM_ID, mp4)
    before = stored()

    def broken_save(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(asset_services.Asset, "save", broken_save)
    with pytest.raises(RuntimeError, match="database went away"):
        services._archive_variant(upstream.client(), video, "video")

    assert stored() == before


# ---------------------------------------------------------------------------------------------------------------
# Memory: a 200 MB download
# ---------------------------------------------------------------------------------------------------------------
def _free_box(payload: int) -> bytes:
    return (8 + payload).to_bytes(4, "big") + b"free" + bytes(payload)


def _stream_of(mp4: bytes, total: int):
    """A valid MP4 of `total` bytes: the real one followed by a 'free' box (padding players skip), made on the fly."""
    payload = total - len(mp4) - 8
    head = mp4 + (8 + payload).to_bytes(4, "big") + b"free"
    block = bytes(1 << 20)

    def chunks():
        yield head
        left = payload
        while left:
            yield block[: min(left, len(block))]
            left -= min(left, len(block))

    return chunks


def _rss_high_water_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_a_200_mb_download_streams_into_storage_with_flat_memory(where, upstream, video, mp4, capsys):
    kind, stored = where
    total = 200 * 1000 * 1000
    chunks = _stream_of(mp4, total)
    digest = hashlib.sha256()
    for chunk in chunks():
        digest.update(chunk)
    upstream.serve_stream(UPSTREAM_ID, chunks, total)
    client = upstream.client()

    Path("/proc/self/clear_refs").write_text("5")  # reset this process's peak RSS (VmHWM) to what it uses now
    rss_before = _rss_kib()
    tracemalloc.start()
    started = time.monotonic()
    try:
        asset = services._archive_variant(client, video, "video")
        _, python_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    seconds = time.monotonic() - started
    rss_growth_mib = (_rss_high_water_kib() - rss_before) / 1024

    assert asset.bytes == total and asset.sha256 == digest.hexdigest()
    assert default_size(asset) == total
    with capsys.disabled():
        print(
            f"\n[memory] {kind}: 200 MB archived in {seconds:.1f} s; Python allocations peaked at "
            f"{python_peak / 2**20:.1f} MiB; the process's peak RSS grew by {rss_growth_mib:.1f} MiB"
        )
    # Flat: a few MiB of buffers (one 8 MiB part on S3, one 1 MiB chunk locally), never the 200 MB.
    assert python_peak < 40 * 2**20, python_peak
    assert rss_growth_mib < 80, rss_growth_mib


def default_size(asset) -> int:
    from django.core.files.storage import default_storage

    return default_storage.size(asset.file.name)
