"""Encoding the mastered audio for delivery.

- ``ogg``  — Ogg Opus, 160 kb/s VBR, through libopus and our own muxer (:mod:`bot.audio.opus`):
  the default; Discord plays it inline.  Encoded on both cores.
- ``opus`` — the same encoder at a chosen bitrate (128 kb/s unless told): the small-upload fallback.
- ``vorbis`` — Ogg Vorbis through soundfile, on request (several times slower).
- ``mp3``  — MP3 through soundfile.
- ``flac``, ``wav`` — lossless through soundfile.

Encodes are byte-deterministic: the Opus muxer writes a fixed stream serial, and Vorbis streams'
serial numbers (random in libsndfile) are rewritten to a fixed value.  libsndfile's Ogg writer
crashes on very large single writes, so audio is always written to it in blocks.
"""

from __future__ import annotations

import io
import logging
import math
import struct
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import soundfile as sf

from bot.audio.ogg import ogg_crc, ogg_pages
from bot.audio.opus import STREAM_SERIAL, encode_ogg_opus
from bot.errors import ComposerError
from bot.runtime.jobs import AudioFormat

__all__ = ["Encoded", "encode", "encode_to_fit"]

log = logging.getLogger(__name__)

AudioArray = npt.NDArray[np.float32]

_BLOCK_FRAMES = 1 << 15
_OGG_DEFAULT_KBPS = 160
_OPUS_DEFAULT_KBPS = 128
_MP3_DEFAULT_KBPS = 192
_MIN_OPUS_KBPS = 24
MIME = {
    AudioFormat.OGG: "audio/ogg",
    AudioFormat.OPUS: "audio/ogg",
    AudioFormat.VORBIS: "audio/ogg",
    AudioFormat.MP3: "audio/mpeg",
    AudioFormat.FLAC: "audio/flac",
    AudioFormat.WAV: "audio/wav",
}


@dataclass(frozen=True, slots=True)
class Encoded:
    data: bytes
    format: AudioFormat
    bitrate_kbps: int | None  # None for lossless and for Vorbis at its default quality

    @property
    def extension(self) -> str:
        return self.format.extension

    @property
    def mime(self) -> str:
        return MIME[self.format]


def encode(
    audio: AudioArray, sample_rate: int, fmt: AudioFormat, *, bitrate_kbps: int | None = None
) -> Encoded:
    """Encode float stereo ``audio`` (frames, 2) in ``fmt``."""
    x = np.asarray(audio, dtype=np.float32)
    if x.size and (float(x.max()) > 1.0 or float(x.min()) < -1.0):
        x = np.clip(x, -1.0, 1.0)  # a copy only when needed (mastered audio never is)
    if fmt in (AudioFormat.OGG, AudioFormat.OPUS):
        default = _OGG_DEFAULT_KBPS if fmt is AudioFormat.OGG else _OPUS_DEFAULT_KBPS
        kbps = bitrate_kbps or default
        return Encoded(encode_ogg_opus(x, sample_rate, bitrate_kbps=kbps), fmt, kbps)
    if fmt is AudioFormat.VORBIS:
        # Vorbis is VBR; libsndfile's compression level maps to quality (0 = best).
        level = None if bitrate_kbps is None else _vorbis_level(bitrate_kbps)
        data = _sndfile(x, sample_rate, "OGG", "VORBIS", level)
        return Encoded(_fix_ogg_serials(data), fmt, bitrate_kbps)
    if fmt is AudioFormat.MP3:
        kbps = bitrate_kbps or _MP3_DEFAULT_KBPS
        level = min(1.0, max(0.0, (320 - kbps) / (320 - 32)))
        data = _sndfile(x, sample_rate, "MP3", "MPEG_LAYER_III", level, bitrate_mode="CONSTANT")
        return Encoded(data, fmt, kbps)
    if fmt is AudioFormat.FLAC:
        return Encoded(_sndfile(x, sample_rate, "FLAC", "PCM_16", None), fmt, None)
    if fmt is AudioFormat.WAV:
        return Encoded(_sndfile(x, sample_rate, "WAV", "PCM_16", None), fmt, None)
    raise ValueError(f"unknown format {fmt!r}")


def encode_to_fit(
    audio: AudioArray,
    sample_rate: int,
    fmt: AudioFormat,
    *,
    max_bytes: int | None,
    bitrate_kbps: int | None = None,
    oversize_ok: bool = False,
) -> Encoded:
    """Encode in ``fmt``; when the file would exceed ``max_bytes`` fall back to a smaller bitrate,
    then to Opus at the bitrate that fits.  When nothing fits: the first encoding if
    ``oversize_ok`` (it will be linked, not uploaded), else a user-facing error."""
    first = encode(audio, sample_rate, fmt, bitrate_kbps=bitrate_kbps)
    if max_bytes is None or len(first.data) <= max_bytes:
        return first
    duration_s = audio.shape[0] / sample_rate
    # Bits available per second, with room for container overhead.
    fit_kbps = int(max_bytes * 8 * 0.92 / duration_s / 1000)
    log.info(
        "%s of %d bytes exceeds the %d byte limit; falling back to ~%d kb/s",
        fmt.value,
        len(first.data),
        max_bytes,
        fit_kbps,
    )
    candidates: list[tuple[AudioFormat, int]] = []
    if fmt in (AudioFormat.MP3, AudioFormat.OPUS, AudioFormat.OGG) and fit_kbps >= 64:
        candidates.append((fmt, min(fit_kbps, 320)))
    candidates.append((AudioFormat.OPUS, min(fit_kbps, _OPUS_DEFAULT_KBPS)))
    for cand_fmt, kbps in candidates:
        if kbps < _MIN_OPUS_KBPS:
            break
        result = encode(audio, sample_rate, cand_fmt, bitrate_kbps=kbps)
        if len(result.data) <= max_bytes:
            return result
    if oversize_ok:
        log.info("nothing fits %d bytes; keeping the %d byte %s", max_bytes, len(first.data), fmt)
        return first
    limit_mib = max_bytes / (1 << 20)
    raise ComposerError(
        f"This clip is too long to fit this server's {limit_mib:.1f} MiB upload limit, even "
        "compressed. Try a shorter duration."
    )


def _vorbis_level(kbps: int) -> float:
    # Rough map of libsndfile's Vorbis compression level to stereo 48 kHz bitrates.
    return min(1.0, max(0.0, (256 - kbps) / (256 - 48)))


def _sndfile(
    x: AudioArray,
    rate: int,
    fmt: str,
    subtype: str,
    level: float | None,
    *,
    bitrate_mode: str | None = None,
) -> bytes:
    buf = io.BytesIO()
    kwargs: dict[str, object] = {}
    if level is not None:
        kwargs["compression_level"] = level
    if bitrate_mode is not None:
        kwargs["bitrate_mode"] = bitrate_mode
    with sf.SoundFile(buf, "w", rate, x.shape[1], format=fmt, subtype=subtype, **kwargs) as f:
        for i in range(0, x.shape[0], _BLOCK_FRAMES):
            f.write(x[i : i + _BLOCK_FRAMES])
    return buf.getvalue()


def _fix_ogg_serials(data: bytes) -> bytes:
    """Rewrite every logical stream's serial number to a fixed value (one stream per file here)
    and recompute page checksums, so identical audio gives identical files."""
    out = bytearray(data)
    serials: dict[int, int] = {}
    for page in ogg_pages(data):
        new_serial = serials.setdefault(page.serial, STREAM_SERIAL + len(serials))
        struct.pack_into("<I", out, page.offset + 14, new_serial)
        struct.pack_into("<I", out, page.offset + 22, 0)
        crc = ogg_crc(out[page.offset : page.offset + page.length])
        struct.pack_into("<I", out, page.offset + 22, crc)
    return bytes(out)


def duration_bitrate_kbps(size_bytes: int, duration_s: float) -> int:
    return math.ceil(size_bytes * 8 / max(duration_s, 1e-3) / 1000)
