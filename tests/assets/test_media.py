"""assets.media: sniffing downloads, and a thumbnail and spritesheet made from an MP4 like the simulator makes them."""

from __future__ import annotations

import io
import itertools
import json
import os
import random
import subprocess
import sys
import threading
from pathlib import Path

import av
import pytest
from django.core.files import File
from django.core.files.storage import FileSystemStorage
from PIL import Image, ImageChops, ImageStat

from assets import media
from tests.assets import mp4s
from tests.assets.conftest import SIZES
from videos.sora.catalog import (
    SPRITESHEET_COLUMNS,
    SPRITESHEET_ROWS,
    SPRITESHEET_TILE_WIDTH,
)

TILES = SPRITESHEET_COLUMNS * SPRITESHEET_ROWS
REPO = Path(__file__).resolve().parents[2]


def difference(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute difference per channel, 0..255."""
    return sum(ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB"))).mean) / 3


def all_frames(path: Path, size: tuple[int, int]) -> list[Image.Image]:
    """Every frame of the MP4, decoded here independently and scaled down by Pillow."""
    with av.open(str(path)) as container:
        return [frame.to_image().resize(size, Image.Resampling.BILINEAR) for frame in container.decode(video=0)]


def closest(image: Image.Image, frames: list[Image.Image]) -> int:
    return min(range(len(frames)), key=lambda n: difference(image, frames[n]))


def tiles_of(sheet: Image.Image, tile_h: int) -> list[Image.Image]:
    return [
        sheet.crop((x, y, x + SPRITESHEET_TILE_WIDTH, y + tile_h))
        for i in range(TILES)
        for x, y in [((i % SPRITESHEET_COLUMNS) * SPRITESHEET_TILE_WIDTH, (i // SPRITESHEET_COLUMNS) * tile_h)]
    ]


def opened(data: bytes, fmt: str) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == fmt
    image.load()  # the whole file decodes
    return image


# ---------------------------------------------------------------------------------------------------------------
# sniff
# ---------------------------------------------------------------------------------------------------------------
def test_sniff_names_each_real_format(rendered, tmp_path):
    folder = rendered(1280, 720)
    png = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(png, format="PNG")
    faststart = mp4s.remux(folder / "video.mp4", tmp_path / "fast.mp4", movflags="faststart")
    fragmented = mp4s.remux(folder / "video.mp4", tmp_path / "frag.mp4", movflags="frag_keyframe+empty_moov")
    with open(folder / "video.mp4", "rb") as f:
        f.seek(100)
        assert media.sniff(media.read_head(f)) == "mp4" and f.tell() == 100  # position kept
    assert media.sniff(faststart.read_bytes()[: media.HEAD_BYTES]) == "mp4"
    assert media.sniff(fragmented.read_bytes()[: media.HEAD_BYTES]) == "mp4"
    assert media.sniff((folder / "thumbnail.webp").read_bytes()[: media.HEAD_BYTES]) == "webp"
    assert media.sniff((folder / "spritesheet.jpg").read_bytes()[: media.HEAD_BYTES]) == "jpeg"
    assert media.sniff(png.getvalue()[: media.HEAD_BYTES]) == "png"


@pytest.mark.parametrize(
    "head",
    [
        b"\x00\x00\x00\x20ftypqt  \x00\x00\x02\x00",  # QuickTime brand
        b"\x00\x00\x00\x1cftypheic\x00\x00\x00\x00",  # any brand
        b"\x00\x01\x00\x00moov\x00\x00\x00\x6cmvhd",  # index first (old QuickTime writers)
        b"\x00\x00\x00\x01mdat\x00\x00\x00\x00\x01\x00\x00\x00",  # 64-bit size
        b"\x00\x00\x00\x08free\x00\x00\x00\x20ftyp",
        b"\x00\x00\x00\x08wide\x00\x01\x00\x00mdat",
    ],
)
def test_sniff_accepts_the_first_boxes_encoders_write(head):
    assert media.sniff(head) == "mp4"


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"<!DOCTYPE html><html><head>",
        b'{"error": {"message": "no"}}',
        b"GIF89a\x01\x00\x01\x00",
        b"RIFF\x24\x00\x00\x00WAVEfmt ",  # RIFF but not WebP
        b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81",  # WebM
        b"\x00\x00\x00\x04ftypisom",  # a box can't be 4 bytes long
        b"\x00\x00\x00\x20fty",  # too short to tell
        b"\xff\xd8",  # half a JPEG marker
        b"\x89PNG\r\n",
        bytes(16),
        random.Random(7).randbytes(16),
    ],
)
def test_sniff_refuses_everything_else(head):
    assert media.sniff(head) is None


def test_expected_for_each_variant():
    assert [media.expected_for(v) for v in ("video", "thumbnail", "spritesheet")] == ["mp4", "webp", "jpeg"]
    with pytest.raises(ValueError, match="variant must be one of"):
        media.expected_for("gif")


# ---------------------------------------------------------------------------------------------------------------
# probe
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("audio", [True, False])
@pytest.mark.parametrize("width,height", SIZES)
def test_probe_reads_the_headers(rendered, width, height, audio):
    info = media.probe_mp4(rendered(width, height, audio=audio) / "video.mp4")
    assert info == media.VideoInfo(width, height, 4.0, 8.0, audio)


# ---------------------------------------------------------------------------------------------------------------
# thumbnail
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("audio", [True, False])
@pytest.mark.parametrize("width,height", SIZES)
def test_thumbnail_is_the_simulators_frame_at_one_second(rendered, width, height, audio):
    folder = rendered(width, height, audio=audio)
    thumb = opened(media.thumbnail_from_mp4(folder / "video.mp4"), "WEBP")
    assert thumb.size == (width, height)
    # The simulator's thumbnail is frame 8 (1 s at 8 fps): ours is that frame, not a neighbour.
    small = (width // 4, height // 4)
    assert closest(thumb.resize(small), all_frames(folder / "video.mp4", small)) == 8
    assert difference(thumb, Image.open(folder / "thumbnail.webp")) < 3


# ---------------------------------------------------------------------------------------------------------------
# spritesheet
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("audio", [True, False])
@pytest.mark.parametrize("width,height", SIZES)
def test_spritesheet_has_the_simulators_layout_and_frames_in_time_order(rendered, width, height, audio):
    folder = rendered(width, height, audio=audio)
    sheet = opened(media.spritesheet_from_mp4(folder / "video.mp4"), "JPEG")
    tile_h = round(height * SPRITESHEET_TILE_WIDTH / width)
    assert sheet.size == (SPRITESHEET_TILE_WIDTH * SPRITESHEET_COLUMNS, tile_h * SPRITESHEET_ROWS)
    assert media.spritesheet_size(width, height) == (tile_h, *sheet.size)
    tiles = tiles_of(sheet, tile_h)
    frames = all_frames(folder / "video.mp4", (SPRITESHEET_TILE_WIDTH, tile_h))
    # Tile i is the frame on screen in the middle of the i-th tenth of the video (the simulator's choice too):
    # left to right, then top to bottom.
    expected = [int((i + 0.5) * len(frames) / TILES) for i in range(TILES)]
    assert expected == sorted(set(expected))
    assert [closest(tile, frames) for tile in tiles] == expected
    assert min(difference(a, b) for a, b in itertools.pairwise(tiles)) > 0.5  # the frames change over time
    simulators = tiles_of(Image.open(folder / "spritesheet.jpg"), tile_h)
    assert max(difference(ours, theirs) for ours, theirs in zip(tiles, simulators, strict=True)) < 4


def test_pictures_come_from_the_exact_times_when_keyframes_are_frequent(counter):
    # Frame n of the counter video is a flat colour naming n; 24 fps, 20 s: tile i shows frame floor(t_i * 24).
    sheet = opened(media.spritesheet_from_mp4(counter), "JPEG")
    tile_h = round(360 * SPRITESHEET_TILE_WIDTH / 640)
    shown = [mp4s.counter_frame(tile.getpixel((80, tile_h // 2)), 24) for tile in tiles_of(sheet, tile_h)]
    assert shown == [int(t * 24) for t in media.spritesheet_times(20.0)] == [24 + 48 * i for i in range(TILES)]
    thumb = opened(media.thumbnail_from_mp4(counter), "WEBP")
    assert mp4s.counter_frame(thumb.getpixel((320, 180)), 24) == 24


def test_it_seeks_instead_of_decoding_everything(counter, monkeypatch):
    # 480 frames, a keyframe every 24: each picture costs the frame it shows and the one after it.
    monkeypatch.setattr(media, "MAX_DECODED_FRAMES", 2)
    assert media.thumbnail_from_mp4(counter)
    monkeypatch.setattr(media, "MAX_DECODED_FRAMES", 2 * TILES)
    assert media.spritesheet_from_mp4(counter)


def test_it_decodes_on_rather_than_seeking_back_to_a_far_keyframe(rendered, monkeypatch):
    # The simulator's 12 s video has one keyframe (96 frames): all ten tiles in one pass, each frame decoded once.
    video = rendered(1792, 1024, seconds=12) / "video.mp4"
    monkeypatch.setattr(media, "MAX_DECODED_FRAMES", 96)
    sheet = opened(media.spritesheet_from_mp4(video), "JPEG")
    assert sheet.size == (800, 2 * 91)


def test_too_many_frames_to_decode_is_a_clear_error(rendered, monkeypatch):
    video = rendered(1792, 1024, seconds=12) / "video.mp4"
    monkeypatch.setattr(media, "MAX_DECODED_FRAMES", 20)
    with pytest.raises(media.MediaError, match=r"needs more than 20 decoded frames \(keyframes too far apart\)"):
        media.spritesheet_from_mp4(video)


def test_a_video_claiming_hours_is_read_by_seeking(landscape, tmp_path, monkeypatch):
    # The same 32 frames, each lasting 225 s: two hours.
    long = mp4s.remux(landscape, tmp_path / "long.mp4", audio=False, stretch=1800)
    info = media.probe_mp4(long)
    assert abs(info.duration_seconds - 7200) < 1
    monkeypatch.setattr(media, "MAX_DECODED_FRAMES", 32)
    sheet = opened(media.spritesheet_from_mp4(long), "JPEG")
    frames = all_frames(landscape, (160, 90))
    expected = [int((i + 0.5) * 32 / TILES) for i in range(TILES)]
    assert [closest(tile, frames) for tile in tiles_of(sheet, 90)] == expected


def test_faststart_and_fragmented_mp4s_give_the_same_pictures(landscape, tmp_path):
    faststart = mp4s.remux(landscape, tmp_path / "fast.mp4", movflags="faststart")
    fragmented = mp4s.remux(landscape, tmp_path / "frag.mp4", movflags="frag_keyframe+empty_moov+default_base_moof")
    assert media.thumbnail_from_mp4(faststart) == media.thumbnail_from_mp4(landscape)
    assert media.spritesheet_from_mp4(faststart) == media.spritesheet_from_mp4(landscape)
    assert abs(media.probe_mp4(fragmented).duration_seconds - 4) < 0.1
    # The muxer gave its first frame a longer duration: the frame on screen at 1 s is the last starting by then.
    with av.open(str(fragmented)) as container:
        starts = [frame.time for frame in container.decode(video=0)]
    on_screen = max(n for n, start in enumerate(starts) if start <= 1.0)
    assert on_screen == 7 and starts[8] > 1.0
    thumb = opened(media.thumbnail_from_mp4(fragmented), "WEBP")
    assert closest(thumb.resize((320, 180)), all_frames(fragmented, (320, 180))) == on_screen


def test_derive_names_the_variant(landscape):
    assert media.derive("thumbnail", landscape) == media.thumbnail_from_mp4(landscape)
    assert media.derive("spritesheet", landscape) == media.spritesheet_from_mp4(landscape)
    with pytest.raises(ValueError, match="only thumbnail and spritesheet"):
        media.derive("video", landscape)


# ---------------------------------------------------------------------------------------------------------------
# Inputs: paths, storage files, streams
# ---------------------------------------------------------------------------------------------------------------
def test_a_django_storage_file_works_and_is_left_as_it_was(landscape, tmp_path):
    storage = FileSystemStorage(location=tmp_path)
    with open(landscape, "rb") as f:
        name = storage.save("videos/clip.mp4", File(f, name="clip.mp4"))
    with storage.open(name, "rb") as f:
        f.read(5)
        assert media.probe_mp4(f).width == 1280
        assert media.thumbnail_from_mp4(f) == media.thumbnail_from_mp4(landscape)
        assert media.spritesheet_from_mp4(f) == media.spritesheet_from_mp4(str(landscape))
        assert f.tell() == 5 and not f.closed


def test_a_non_seekable_stream_is_copied_first(landscape):
    data = landscape.read_bytes()
    read, write = os.pipe()

    def feed() -> None:
        with os.fdopen(write, "wb") as pipe:
            pipe.write(data)

    writer = threading.Thread(target=feed)
    writer.start()
    with os.fdopen(read, "rb") as pipe:
        assert not pipe.seekable()
        thumbnail = media.thumbnail_from_mp4(pipe)
    writer.join()
    assert thumbnail == media.thumbnail_from_mp4(io.BytesIO(data))


def test_a_non_seekable_stream_over_the_size_limit_is_refused(landscape, monkeypatch):
    class Stream:  # only read(): like a socket or a response body
        def __init__(self, data: bytes) -> None:
            self.data = io.BytesIO(data)

        def read(self, n: int = -1) -> bytes:
            return self.data.read(n)

    monkeypatch.setattr(media, "MAX_MP4_BYTES", 100_000)
    with pytest.raises(media.MediaError, match="larger than 100000 bytes"):
        media.spritesheet_from_mp4(Stream(landscape.read_bytes()))
    with pytest.raises(media.MediaError, match="larger than the 100000-byte limit"):
        media.probe_mp4(landscape)


# ---------------------------------------------------------------------------------------------------------------
# Bad input: a clear error, whichever function reads it
# ---------------------------------------------------------------------------------------------------------------
def _replace_box(data: bytes, box: bytes, content: bytes) -> bytes:
    at = data.index(box)
    size = int.from_bytes(data[at - 4 : at], "big")
    assert len(content) == size - 8
    return data[: at + 4] + content + data[at - 4 + size :]


@pytest.fixture(scope="module")
def damaged(landscape, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("damaged")
    data = landscape.read_bytes()
    rnd = random.Random(42)
    mdat = int.from_bytes(data[data.index(b"mdat") - 4 : data.index(b"mdat")], "big")
    moov = int.from_bytes(data[data.index(b"moov") - 4 : data.index(b"moov")], "big")
    faststart = mp4s.remux(landscape, folder / "faststart.mp4", movflags="faststart").read_bytes()
    files = {
        "empty": b"",
        "html": b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>\n",
        "webp": (landscape.parent / "thumbnail.webp").read_bytes(),
        "junk after ftyp": data[:32] + rnd.randbytes(5000),
        "cut at half": data[: len(data) // 2],
        "faststart cut at half": faststart[: len(faststart) // 2],
        "index scrambled": _replace_box(data, b"moov", rnd.randbytes(moov - 8)),
        "frames zeroed": _replace_box(data, b"mdat", bytes(mdat - 8)),
    }
    paths = {}
    for name, content in files.items():
        paths[name] = folder / f"{name.replace(' ', '-')}.mp4"
        paths[name].write_bytes(content)
    return paths


ERRORS = {
    "empty": r"^not an MP4: the file is empty \(0 bytes\)$",
    "html": r"^not an MP4: the file looks like an HTML page$",
    "webp": r"^not an MP4: the file looks like a WebP image$",
    "junk after ftyp": r"^corrupt MP4: unreadable box header at byte 32$",
    "cut at half": r"^truncated MP4: its 'mdat' box at byte 40 needs \d+ bytes, the file has \d+$",
    "faststart cut at half": r"^truncated MP4: its 'mdat' box at byte \d+ needs \d+ bytes, the file has \d+$",
    "index scrambled": r"^(not a readable MP4: .+|the MP4 has no video stream)$",
    "frames zeroed": r"^the MP4's video headers cannot be decoded",
}


@pytest.mark.parametrize("reader", [media.probe_mp4, media.thumbnail_from_mp4, media.spritesheet_from_mp4])
@pytest.mark.parametrize("case", ERRORS)
def test_bad_files_are_clear_errors(damaged, case, reader):
    with pytest.raises(media.MediaError, match=ERRORS[case]) as caught:
        reader(damaged[case])
    assert isinstance(caught.value, ValueError)
    assert str(damaged[case]) not in str(caught.value)
    with open(damaged[case], "rb") as f, pytest.raises(media.MediaError, match=ERRORS[case]):
        reader(f)


@pytest.mark.parametrize("width,height", [(12000, 12000), (4096, 4096), (5120, 1024)])
def test_a_huge_picture_size_is_refused_before_decoding(landscape, tmp_path, width, height):
    with av.open(str(landscape)) as container:
        avcc = container.streams.video[0].codec_context.extradata
    bomb = mp4s.remux(landscape, tmp_path / "bomb.mp4", extradata=mp4s.avcc_with_size(avcc, width, height))
    for reader in (media.probe_mp4, media.thumbnail_from_mp4, media.spritesheet_from_mp4):
        with pytest.raises(media.MediaError, match=rf"claims {width}x{height} pixels, over the limit .+ refused"):
            reader(bomb)


def test_a_size_no_decoder_accepts_is_refused(landscape, tmp_path):
    with av.open(str(landscape)) as container:
        avcc = container.streams.video[0].codec_context.extradata
    bomb = mp4s.remux(landscape, tmp_path / "bomb.mp4", extradata=mp4s.avcc_with_size(avcc, 100_000, 100_000))
    for reader in (media.probe_mp4, media.thumbnail_from_mp4, media.spritesheet_from_mp4):
        with pytest.raises(media.MediaError, match="video headers cannot be decoded"):
            reader(bomb)


def test_the_decoders_size_wins_over_a_header_that_lies(landscape, tmp_path):
    liar = mp4s.remux(landscape, tmp_path / "liar.mp4", size=(65535, 65535))
    assert b"\xff\xff\x00\x00\xff\xff\x00\x00" in liar.read_bytes()  # the track header claims 65535x65535
    assert media.probe_mp4(liar).width == 1280
    assert opened(media.thumbnail_from_mp4(liar), "WEBP").size == (1280, 720)


# ---------------------------------------------------------------------------------------------------------------
# Memory: measured in a fresh process, as its peak resident set (FFmpeg's buffers are not Python allocations, so not
# tracemalloc; VmHWM, not ru_maxrss, which Linux carries over from the parent across fork and exec)
# ---------------------------------------------------------------------------------------------------------------
MEMORY_BOUND_MB = 80
_MEASURE = """
import json, sys
from assets import media

def high_water_kb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))

media.probe_mp4(sys.argv[2])  # imports and FFmpeg's own set-up are the baseline
before = high_water_kb()
if sys.argv[1] == "derive":
    media.thumbnail_from_mp4(sys.argv[3]), media.spritesheet_from_mp4(sys.argv[3])
elif sys.argv[1] == "keep 30 frames":  # the control: what holding decoded frames costs
    import av, itertools
    with av.open(sys.argv[3]) as container:
        kept = [f.to_image() for f in itertools.islice(container.decode(video=0), 30)]
else:
    try:
        media.probe_mp4(sys.argv[3])
    except media.MediaError as exc:
        print(exc, file=sys.stderr)
print(json.dumps((high_water_kb() - before) / 1024))
"""


def peak_mb(mode: str, small: Path, subject: Path) -> float:
    """How far `mode` on `subject` raises a fresh process's peak resident set (MB) over its peak after importing
    assets.media and probing the `small` MP4."""
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, mode, str(small), str(subject)],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    if mode == "probe":
        assert "claims 12000x12000 pixels" in result.stderr
    return json.loads(result.stdout)


def test_deriving_from_a_12_second_1024p_video_stays_under_the_memory_bound(rendered, landscape):
    video = rendered(1792, 1024, seconds=12) / "video.mp4"
    assert peak_mb("derive", landscape, video) < MEMORY_BOUND_MB
    # The measure sees decoded frames: 30 of them as RGB are 30 x 1792 x 1024 x 3 bytes = 158 MiB.
    assert peak_mb("keep 30 frames", landscape, video) > 150


def test_opening_a_picture_size_bomb_stays_under_the_memory_bound(landscape, tmp_path):
    with av.open(str(landscape)) as container:
        avcc = container.streams.video[0].codec_context.extradata
    bomb = mp4s.remux(landscape, tmp_path / "bomb.mp4", extradata=mp4s.avcc_with_size(avcc, 12000, 12000))
    # One 12000x12000 frame would be 206 MiB in YUV 4:2:0.
    assert peak_mb("probe", landscape, bomb) < MEMORY_BOUND_MB
