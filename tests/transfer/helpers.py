"""Building and reworking project archives for the import tests."""

from __future__ import annotations

import io
import json
import struct
import zipfile

from transfer import exports

MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 40
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x01" * 200
JPEG = b"\xff\xd8\xff\xe0" + b"\x02" * 300
PNG = b"\x89PNG\r\n\x1a\n" + b"\x03" * 100


def export_bytes(project) -> bytes:
    return b"".join(exports.export_stream(exports.export_plan(project)))


def entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def manifest_of(data: bytes) -> dict:
    return json.loads(entries(data)["project.json"])


def build(files: dict[str, bytes], *, infos: dict[str, zipfile.ZipInfo] | None = None,
          compression: int = zipfile.ZIP_STORED) -> bytes:  # fmt: skip
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression) as archive:
        for name, content in files.items():
            info = (infos or {}).get(name)
            if info is not None:
                archive.writestr(info, content)
            else:
                archive.writestr(name, content)
    return out.getvalue()


def rework(data: bytes, *, manifest=None, files=None, extra: dict[str, bytes] | None = None,
           drop: tuple[str, ...] = ()) -> bytes:  # fmt: skip
    """The archive with its manifest changed by `manifest(m)` (in place, or returning raw bytes), files changed by
    `files(name, content) -> content`, entries added and dropped."""
    contents = entries(data)
    m = json.loads(contents.pop("project.json"))
    raw = manifest(m) if manifest else None
    out = {"project.json": raw if isinstance(raw, bytes) else json.dumps(m).encode()}
    for name, content in contents.items():
        if name in drop:
            continue
        out[name] = files(name, content) if files else content
    out.update(extra or {})
    return build(out)


def shrink_declared_size(data: bytes, name: str, new_size: int) -> bytes:
    """The archive with `name`'s declared (uncompressed) size lowered in both its local header and the central
    directory, as a zip bomb hides what it unpacks to."""
    buf = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        offset = archive.getinfo(name).header_offset
    struct.pack_into("<I", buf, offset + 22, new_size)
    encoded = name.encode()
    at = 0
    while (at := buf.find(b"PK\x01\x02", at)) != -1:
        name_length = struct.unpack_from("<H", buf, at + 28)[0]
        if bytes(buf[at + 46 : at + 46 + name_length]) == encoded:
            struct.pack_into("<I", buf, at + 24, new_size)
        at += 4
    return bytes(buf)
