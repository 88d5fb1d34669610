"""Is an upload cut short?  Read from the container's own structure, before decoding.

A decoder given a truncated Ogg, MP3 or WebM file decodes what is there and stops quietly; the
result would be a shorter tune than the user sent.  Each container says where its audio ends:

- Ogg: pages carry their own length, and the last page of every logical stream sets the
  end-of-stream flag; a page cut short, or a stream with no end-of-stream page, is truncated.
- MP3: every frame header gives the frame's length; a last frame that runs past the end of the
  file (ignoring an ID3v1 tag) is cut short.
- WebM (Matroska/EBML): every element gives its size; an element (a cluster, a block) that runs
  past the end of the file is cut short.  Live-streamed files with unknown sizes are walked into.

Each check answers only what its container can tell; a file it cannot walk is left to the
decoder (which refuses what it cannot decode).
"""

from __future__ import annotations

import struct

__all__ = ["mp3_truncated", "ogg_truncated", "webm_truncated"]

_OGG_EOS = 0x04
#: MPEG audio: bitrates (kbit/s) by (MPEG-1?, layer) and index; sample rates by version.
_BITRATES: dict[tuple[bool, int], tuple[int, ...]] = {
    (True, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 3): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_RATES = {3: (44_100, 48_000, 32_000), 2: (22_050, 24_000, 16_000), 0: (11_025, 12_000, 8_000)}
#: EBML master elements whose children are walked (Segment, Cluster, BlockGroup).
_EBML_MASTERS = {0x18538067, 0x1F43B675, 0xA0}
_EBML_UNKNOWN_SIZE = -1


def ogg_truncated(data: bytes) -> bool:
    """True when a page is cut short or a logical stream has no end-of-stream page."""
    pos = 0
    open_streams: set[int] = set()
    while pos < len(data):
        if data[pos : pos + 4] != b"OggS" or pos + 27 > len(data):
            return True  # a page header cut short (or garbage where a page should be)
        flags = data[pos + 5]
        serial = struct.unpack_from("<I", data, pos + 14)[0]
        segments = data[pos + 26]
        if pos + 27 + segments > len(data):
            return True
        body = sum(data[pos + 27 : pos + 27 + segments])
        end = pos + 27 + segments + body
        if end > len(data):
            return True
        if flags & _OGG_EOS:
            open_streams.discard(serial)
        else:
            open_streams.add(serial)
        pos = end
    return bool(open_streams)


def _mp3_frame_bytes(header: bytes) -> int | None:
    """Length of the MPEG audio frame starting with these 4 bytes, or None if not a header."""
    b1, b2, b3 = header[1], header[2], header[3]
    if header[0] != 0xFF or b1 & 0xE0 != 0xE0:
        return None
    version, layer_bits = (b1 >> 3) & 3, (b1 >> 1) & 3
    bitrate_i, rate_i, padding = b2 >> 4, (b2 >> 2) & 3, (b2 >> 1) & 1
    if version == 1 or layer_bits == 0 or bitrate_i in (0, 15) or rate_i == 3 or b3 & 3 == 2:
        return None  # reserved values (or free format, which cannot be walked)
    layer = 4 - layer_bits
    mpeg1 = version == 3
    bitrate = _BITRATES[(mpeg1, layer)][bitrate_i] * 1000
    rate = _RATES[version][rate_i]
    if layer == 1:
        return (12 * bitrate // rate + padding) * 4
    per_frame = 144 if layer == 2 or mpeg1 else 72
    return per_frame * bitrate // rate + padding


def mp3_truncated(data: bytes) -> bool:
    """True when the last MPEG audio frame runs past the end of the file."""
    pos = 0
    if data[:3] == b"ID3" and len(data) >= 10:
        size = data[6:10]
        pos = 10 + ((size[0] << 21) | (size[1] << 14) | (size[2] << 7) | size[3])
        pos += 10 if data[5] & 0x10 else 0  # a footer
    end = len(data) - (128 if data[-128:-125] == b"TAG" else 0)
    while pos + 4 <= end:
        length = _mp3_frame_bytes(data[pos : pos + 4])
        if length is None or length < 4:
            return False  # not a frame: data this walk cannot judge
        if pos + length > end:
            return True
        pos += length
    return 0 < end - pos < 4  # a header cut short


def _vint(data: bytes, pos: int, *, keep_marker: bool) -> tuple[int, int] | None:
    """An EBML variable-length integer at ``pos``: (value, its length), or None if cut short."""
    if pos >= len(data) or data[pos] == 0:
        return None
    first = data[pos]
    length = 8 - first.bit_length() + 1
    if pos + length > len(data):
        return None
    value = first if keep_marker else first & ((1 << (8 - length)) - 1)
    for b in data[pos + 1 : pos + length]:
        value = (value << 8) | b
    if not keep_marker and value == (1 << (7 * length)) - 1:
        value = _EBML_UNKNOWN_SIZE
    return value, length


def webm_truncated(data: bytes) -> bool:
    """True when an element (header, cluster, block) runs past the end of the file."""
    pos = 0
    while pos < len(data):
        ident = _vint(data, pos, keep_marker=True)
        if ident is None:
            return True
        size = _vint(data, pos + ident[1], keep_marker=False)
        if size is None:
            return True
        body = pos + ident[1] + size[1]
        if ident[0] in _EBML_MASTERS or size[0] == _EBML_UNKNOWN_SIZE:
            if size[0] != _EBML_UNKNOWN_SIZE and body + size[0] > len(data):
                return True  # a segment or cluster that claims more than the file holds
            pos = body  # walk into it: its children follow
            continue
        if body + size[0] > len(data):
            return True
        pos = body + size[0]
    return False
