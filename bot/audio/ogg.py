"""Ogg pages (RFC 3533): the checksum, writing one page, and walking a stream's pages.

Shared by the Opus muxer (:mod:`bot.audio.opus`) and the serial-number rewrite of libsndfile's
Vorbis files (:mod:`bot.audio.encode`).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

__all__ = ["FLAG_BOS", "FLAG_EOS", "OggPage", "lacing_values", "ogg_crc", "ogg_page", "ogg_pages"]

FLAG_CONTINUED = 0x01
FLAG_BOS = 0x02
FLAG_EOS = 0x04
_HEADER = struct.Struct("<4sBBqIIIB")
_REVERSED = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))


@dataclass(frozen=True, slots=True)
class OggPage:
    """One parsed page: where it starts in the stream and its header fields."""

    offset: int
    length: int
    flags: int
    granule: int
    serial: int
    sequence: int
    crc: int
    segments: tuple[int, ...]  # the lacing values

    @property
    def body_length(self) -> int:
        return sum(self.segments)


def ogg_crc(page: bytes | bytearray) -> int:
    """Ogg's CRC-32 (polynomial 0x04C11DB7, not reflected, init 0, no final xor), computed with
    zlib's reflected CRC on bit-reversed bytes."""
    reflected = ~zlib.crc32(bytes(page).translate(_REVERSED), 0xFFFFFFFF) & 0xFFFFFFFF
    return int(f"{reflected:032b}"[::-1], 2)


def ogg_page(
    packets: Sequence[bytes], *, serial: int, sequence: int, granule: int, flags: int = 0
) -> bytes:
    """One page holding whole ``packets`` (at most 255 lacing values in all), checksummed."""
    lacing = bytearray()
    for packet in packets:
        full, rest = divmod(len(packet), 255)
        lacing += b"\xff" * full + bytes((rest,))
    if len(lacing) > 255:
        raise ValueError(f"{len(lacing)} lacing values do not fit one Ogg page")
    page = bytearray(_HEADER.pack(b"OggS", 0, flags, granule, serial, sequence, 0, len(lacing)))
    page += lacing
    for packet in packets:
        page += packet
    struct.pack_into("<I", page, 22, ogg_crc(page))
    return bytes(page)


def lacing_values(packet_bytes: int) -> int:
    """How many lacing values a packet of ``packet_bytes`` takes."""
    return packet_bytes // 255 + 1


def ogg_pages(data: bytes | bytearray) -> Iterator[OggPage]:
    """Walk the pages of an Ogg stream (checksums are not verified here)."""
    pos = 0
    while pos < len(data):
        if pos + 27 > len(data) or data[pos : pos + 4] != b"OggS":
            raise ValueError(f"not an Ogg page at byte {pos}")
        _, version, flags, granule, serial, sequence, crc, count = _HEADER.unpack_from(data, pos)
        if version != 0:
            raise ValueError(f"unknown Ogg version {version} at byte {pos}")
        segments = tuple(data[pos + 27 : pos + 27 + count])
        length = 27 + count + sum(segments)
        if pos + length > len(data):
            raise ValueError(f"truncated Ogg page at byte {pos}")
        yield OggPage(pos, length, flags, granule, serial, sequence, crc, segments)
        pos += length
