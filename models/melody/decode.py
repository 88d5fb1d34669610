"""Recognise a melody upload (MIDI or audio, by content, not by name) and decode audio to mono.

Audio goes through libsndfile (WAV, FLAC, Ogg Vorbis) or PyAV (Ogg Opus voice messages, MP3,
M4A/AAC, WebM).  Size is checked before anything is parsed and length before decoding; a file
that claims more audio than it holds, or whose container ends mid-page, mid-frame or
mid-cluster (:mod:`models.melody.truncation`), is reported as truncated.
"""

from __future__ import annotations

import io
import logging
import struct
from collections.abc import Callable
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from models.melody.errors import CorruptFile, NotAMelodyFile, TooLarge, TooLong
from models.melody.truncation import mp3_truncated, ogg_truncated, webm_truncated

__all__ = [
    "ANALYSIS_SR",
    "MAX_BYTES",
    "MAX_DURATION_S",
    "FileKind",
    "decode_audio",
    "sniff",
]

log = logging.getLogger(__name__)

MAX_BYTES = 10 * 1024 * 1024
MAX_DURATION_S = 60.0
ANALYSIS_SR = 16_000


class FileKind(StrEnum):
    MIDI = "midi"
    WAV = "wav"
    FLAC = "flac"
    OGG = "ogg"
    MP3 = "mp3"
    MP4 = "m4a"
    WEBM = "webm"


def sniff(data: bytes) -> FileKind:
    """What the bytes are (by their magic numbers).  Raises :class:`TooLarge` over the limit and
    :class:`NotAMelodyFile` for anything that is neither audio nor MIDI."""
    if len(data) > MAX_BYTES:
        raise TooLarge(
            f"that file is {len(data) / 1e6:.1f} MB; a melody can be at most "
            f"{MAX_BYTES // (1024 * 1024)} MB"
        )
    head = data[:16]
    if head.startswith(b"MThd"):
        return FileKind.MIDI
    if head.startswith(b"RIFF") and data[8:12] == b"RMID":
        return FileKind.MIDI
    if head.startswith(b"RIFF") and data[8:12] == b"WAVE":
        return FileKind.WAV
    if head.startswith(b"fLaC"):
        return FileKind.FLAC
    if head.startswith(b"OggS"):
        return FileKind.OGG
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return FileKind.MP3
    if data[4:8] == b"ftyp":
        return FileKind.MP4
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return FileKind.WEBM
    raise NotAMelodyFile(
        "that file is not audio or MIDI: send a MIDI file (.mid) or a recording "
        "(voice message, WAV, FLAC, Ogg, MP3, M4A, WebM)"
    )


def _too_long(seconds: float) -> TooLong:
    return TooLong(
        f"that recording is {seconds:.0f} s long; a melody can be at most "
        f"{MAX_DURATION_S:.0f} seconds"
    )


def _corrupt(kind: FileKind, why: str) -> CorruptFile:
    return CorruptFile(f"that {kind.value.upper()} file is damaged or cut short ({why})")


def _wav_truncated(data: bytes) -> bool:
    """True when the WAV's data chunk claims more bytes than the file holds."""
    pos = 12
    while pos + 8 <= len(data):
        cid, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        if cid == b"data":
            return bool(size != 0xFFFFFFFF and pos + 8 + size > len(data))
        pos += 8 + size + (size & 1)
    return True  # no data chunk at all


def _resample(y: npt.NDArray[np.float64], sr: int) -> npt.NDArray[np.float32]:
    if sr == ANALYSIS_SR:
        return y.astype(np.float32)
    from math import gcd

    from scipy.signal import resample_poly

    g = gcd(sr, ANALYSIS_SR)
    out: npt.NDArray[np.float32] = resample_poly(y, ANALYSIS_SR // g, sr // g).astype(np.float32)
    return out


def _sndfile(data: bytes, kind: FileKind) -> tuple[npt.NDArray[np.float64], int]:
    import soundfile as sf

    if kind is FileKind.WAV and _wav_truncated(data):
        raise _corrupt(kind, "it ends before its audio does")
    try:
        with sf.SoundFile(io.BytesIO(data)) as f:
            if f.frames / f.samplerate > MAX_DURATION_S + 0.5:
                raise _too_long(f.frames / f.samplerate)
            y = f.read(dtype="float64", always_2d=True)
            sr = int(f.samplerate)
            declared = f.frames
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise _corrupt(kind, "it cannot be decoded") from exc
    if y.shape[0] < declared * 0.98:
        raise _corrupt(kind, "it ends before its audio does")
    return y.mean(axis=1), sr


#: Container checks for a file cut short (see models.melody.truncation).
_TRUNCATED: dict[FileKind, Callable[[bytes], bool]] = {
    FileKind.OGG: ogg_truncated,
    FileKind.MP3: mp3_truncated,
    FileKind.WEBM: webm_truncated,
}
#: Decoded audio shorter than the container declares (beyond codec padding) is truncated.
_DECLARED_SHORTFALL = (0.98, 0.1)  # decoded < declared × 0.98 − 0.1 s


def _pyav(data: bytes, kind: FileKind) -> tuple[npt.NDArray[np.float64], int]:
    import av

    check = _TRUNCATED.get(kind)
    if check is not None and check(data):
        raise _corrupt(kind, "it ends before its audio does")

    chunks: list[npt.NDArray[np.float64]] = []
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            streams = [s for s in container.streams if s.type == "audio"]
            if not streams:
                raise NotAMelodyFile("that file has no audio in it")
            declared_s = float(container.duration / 1e6) if container.duration else None
            if declared_s is not None and declared_s > MAX_DURATION_S + 0.5:
                raise _too_long(declared_s)
            resampler = av.AudioResampler(format="fltp", layout="mono", rate=ANALYSIS_SR)
            total = 0
            for frame in container.decode(audio=0):
                for out in resampler.resample(frame):
                    arr = out.to_ndarray()[0].astype(np.float64)
                    total += arr.size
                    chunks.append(arr)
                if total > (MAX_DURATION_S + 0.5) * ANALYSIS_SR:
                    raise _too_long(total / ANALYSIS_SR)
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray()[0].astype(np.float64))
    except av.FFmpegError as exc:
        raise _corrupt(kind, "it cannot be decoded") from exc
    if not chunks:
        raise _corrupt(kind, "no audio could be decoded from it")
    y = np.concatenate(chunks)
    ratio, slack_s = _DECLARED_SHORTFALL
    if (
        declared_s is not None
        and kind is not FileKind.OGG
        and (y.size / ANALYSIS_SR < declared_s * ratio - slack_s)
    ):  # Ogg's duration is read from its last page: the page checks above judge it
        raise _corrupt(kind, "it ends before its audio does")
    return y, ANALYSIS_SR


def decode_audio(data: bytes, kind: FileKind) -> npt.NDArray[np.float32]:
    """Mono float32 at :data:`ANALYSIS_SR`.  Raises :class:`TooLong`, :class:`CorruptFile`."""
    if kind is FileKind.MIDI:
        raise ValueError("MIDI is not audio")
    if kind in (FileKind.WAV, FileKind.FLAC):
        y, sr = _sndfile(data, kind)
    else:
        y, sr = _pyav(data, kind)
    if not np.all(np.isfinite(y)):
        raise _corrupt(kind, "it holds invalid samples")
    out = _resample(y, sr)
    if out.size / ANALYSIS_SR > MAX_DURATION_S + 0.5:
        raise _too_long(out.size / ANALYSIS_SR)
    log.debug("decoded %s: %.2f s", kind.value, out.size / ANALYSIS_SR)
    return out
