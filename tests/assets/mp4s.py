"""Real MP4s for the media tests: rendered by the simulator's renderer, or encoded/remuxed with PyAV, plus a few
surgically damaged ones (an H.264 parameter set claiming a huge picture, stretched timestamps)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
from PIL import Image

from videos.sora.simulator.render import VIDEO_FILE, RenderSpec, render, seed_of


def simulator_render(directory: Path, width: int, height: int, seconds: int, prompt: str = "a fox in the snow") -> Path:
    """The simulator's own MP4 (H.264 + AAC, 8 fps), thumbnail.webp and spritesheet.jpg in `directory`."""
    spec = RenderSpec(
        width=width, height=height, seconds=seconds, prompt=prompt, palette_seed=seed_of(prompt),
        scene_seed=seed_of(prompt + "!"), label="test",
    )  # fmt: skip
    render(spec, directory)
    return directory / VIDEO_FILE


def remux(
    source: Path,
    dest: Path,
    *,
    audio: bool = True,
    extradata: bytes | None = None,
    size: tuple[int, int] | None = None,
    stretch: int = 1,
    movflags: str | None = None,
) -> Path:
    """Copy `source`'s packets into a new MP4 (no re-encoding): without audio, with other H.264 parameter sets
    (extradata), other header dimensions, timestamps multiplied by `stretch`, or other muxer flags."""
    options = {"movflags": movflags} if movflags else {}
    with av.open(str(source)) as src, av.open(str(dest), mode="w", format="mp4", options=options) as out:
        vin = src.streams.video[0]
        vout = out.add_stream_from_template(vin)
        if extradata is not None:
            vout.codec_context.extradata = extradata
        if size is not None:
            vout.codec_context.width, vout.codec_context.height = size
        outputs = {vin.index: vout}
        if audio and src.streams.audio:
            outputs[src.streams.audio[0].index] = out.add_stream_from_template(src.streams.audio[0])
        for packet in src.demux(*[s for s in src.streams if s.index in outputs]):
            if packet.dts is None:
                continue
            target = outputs[packet.stream.index]
            if stretch != 1 and target is vout:
                packet.pts, packet.dts = packet.pts * stretch, packet.dts * stretch
                packet.duration = (packet.duration or 0) * stretch
            packet.stream = target
            out.mux(packet)
    return dest


def encode_counter(
    dest: Path, *, width: int = 640, height: int = 360, seconds: int = 20, fps: int = 24, keyint: int = 24
) -> Path:
    """A video-only H.264 MP4 whose frame n is one flat colour that encodes n (counter_colour). Keyframes exactly
    every `keyint` frames."""
    with av.open(str(dest), mode="w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.time_base = Fraction(1, fps)
        stream.options = {"preset": "ultrafast", "x264-params": f"keyint={keyint}:min-keyint={keyint}:scenecut=0"}
        for n in range(seconds * fps):
            image = Image.new("RGB", (width, height), counter_colour(n, fps))
            frame = av.VideoFrame.from_image(image).reformat(format="yuv420p")
            frame.pts, frame.time_base = n, Fraction(1, fps)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return dest


def _green_step(fps: int) -> int:
    return 240 // max(1, fps - 1)  # 10 at 24 fps, 8 at 30


def counter_colour(n: int, fps: int) -> tuple[int, int, int]:
    """Red = 12 x the whole second (up to 21 s), green = a step x the frame within the second."""
    return (12 * (n // fps), _green_step(fps) * (n % fps), 128)


def counter_frame(colour: tuple[int, int, int], fps: int) -> int:
    """The frame number a counter_colour (read back after lossy coding) stands for."""
    red, green, _ = colour
    return round(red / 12) * fps + round(green / _green_step(fps))


# -- H.264 parameter sets -----------------------------------------------------------------------------------------
class _Bits:
    def __init__(self, data: bytes) -> None:
        self.bits = "".join(f"{b:08b}" for b in data)
        self.pos = 0

    def u(self, n: int) -> int:
        value = int(self.bits[self.pos : self.pos + n], 2) if n else 0
        self.pos += n
        return value

    def ue(self) -> int:
        zeros = 0
        while self.bits[self.pos + zeros] == "0":
            zeros += 1
        self.pos += zeros
        return self.u(zeros + 1) - 1


def _ue(value: int) -> str:
    code = f"{value + 1:b}"
    return "0" * (len(code) - 1) + code


def _unescape(nal: bytes) -> bytes:
    return nal.replace(b"\x00\x00\x03", b"\x00\x00")


def _escape(rbsp: bytes) -> bytes:
    out, zeros = bytearray(), 0
    for byte in rbsp:
        if zeros >= 2 and byte <= 3:
            out.append(3)
            zeros = 0
        out.append(byte)
        zeros = zeros + 1 if byte == 0 else 0
    return bytes(out)


def sps_with_size(sps: bytes, width: int, height: int) -> bytes:
    """An H.264 SPS NAL (as in avcC: no start code) claiming width x height (multiples of 16), all else kept."""
    data = _unescape(sps)
    r = _Bits(data[1:])
    profile = r.u(8)
    r.u(16)  # constraint flags, level
    r.ue()  # seq_parameter_set_id
    if profile in (100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135):
        if r.ue() == 3:  # chroma_format_idc
            r.u(1)
        r.ue(), r.ue()  # bit depths
        r.u(1)
        assert r.u(1) == 0, "scaling matrices are not handled here"
    r.ue()  # log2_max_frame_num_minus4
    poc_type = r.ue()
    if poc_type == 0:
        r.ue()
    assert poc_type != 1, "pic_order_cnt_type 1 is not handled here"
    r.ue()  # max_num_ref_frames
    r.u(1)
    before = r.bits[: r.pos]
    r.ue(), r.ue()  # the size, replaced
    rest = r.bits[r.pos :].rstrip("0")[:-1]  # drop the rbsp stop bit and its padding
    bits = before + _ue(width // 16 - 1) + _ue(height // 16 - 1) + rest + "1"
    bits += "0" * (-len(bits) % 8)
    return data[:1] + _escape(int(bits, 2).to_bytes(len(bits) // 8, "big"))


def avcc_with_size(avcc: bytes, width: int, height: int) -> bytes:
    """An avcC record (MP4 H.264 extradata) whose SPS claims width x height."""
    assert avcc[0] == 1 and avcc[5] & 0x1F == 1, "one SPS expected"
    length = int.from_bytes(avcc[6:8], "big")
    sps = sps_with_size(avcc[8 : 8 + length], width, height)
    return avcc[:6] + len(sps).to_bytes(2, "big") + sps + avcc[8 + length :]
