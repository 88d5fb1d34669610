"""Ogg Opus through the system's libopus (ctypes) and a small Ogg muxer (RFC 7845).

The audio is encoded in 20 ms frames at 48 kHz.  Long audio is cut on the frame grid into
``chunks`` spans that encode on their own threads (ctypes releases the GIL inside libopus); each
span's encoder first runs over :data:`PREROLL_FRAMES` frames of the audio before it, whose packets
are dropped, so its state (band energies, pitch pre-filter, VBR and tonality analysis) has settled
on the same music by the first packet it keeps.  The packets of all spans then form one stream, as
if one encoder had made them: packet ``i`` always codes input frames ``[960 i, 960 (i + 1))``.
``bench/bench_encode.py`` measures the joins against one encoder.

The stream: an ``OpusHead`` page (pre-skip = the encoder's lookahead), an ``OpusTags`` page, then
audio pages whose granule positions count decoded samples; the last page (end of stream) claims
``pre-skip + frames`` so that decoders trim the padding of the final frame and the decoded length
equals the input's exactly.  The serial number is fixed, so the same audio gives the same bytes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import itertools
import logging
import struct
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import numpy.typing as npt

from bot.audio.ogg import FLAG_BOS, FLAG_EOS, lacing_values, ogg_page
from bot.audio.stitch import resample
from bot.errors import ConfigError

__all__ = [
    "DEFAULT_BITRATE_KBPS",
    "DEFAULT_COMPLEXITY",
    "FRAME_SAMPLES",
    "OPUS_RATE",
    "PREROLL_FRAMES",
    "encode_ogg_opus",
]

log = logging.getLogger(__name__)

AudioArray = npt.NDArray[np.float32]

OPUS_RATE = 48_000
FRAME_SAMPLES = 960  # 20 ms at 48 kHz
DEFAULT_BITRATE_KBPS = 160
DEFAULT_COMPLEXITY = 2
#: Frames of earlier audio each later span's encoder runs over before its first kept packet.
PREROLL_FRAMES = 20
#: Audio shorter than this is encoded as one span (the threads would not pay for themselves).
MIN_PARALLEL_S = 8.0
STREAM_SERIAL = 0x636F6D70  # "comp"
_CHANNELS = 2
_MAX_PACKET_BYTES = 4000
_PACKETS_PER_PAGE = 50  # one second of audio per page
_VENDOR = b"composer-bot"

# libopus constants (opus_defines.h).
_APPLICATION_AUDIO = 2049
_SIGNAL_MUSIC = 3002
_SET_BITRATE = 4002
_SET_VBR = 4006
_SET_COMPLEXITY = 4010
_SET_VBR_CONSTRAINT = 4020
_SET_SIGNAL = 4024
_GET_LOOKAHEAD = 4027


@functools.cache
def _libopus() -> ctypes.CDLL:
    # The soname first: ``find_library`` runs ``ldconfig -p`` in a subprocess.
    for name in ("libopus.so.0", ctypes.util.find_library("opus")):
        if name is None:
            continue
        try:
            lib = ctypes.CDLL(name)
            break
        except OSError:
            continue
    else:
        raise ConfigError(
            "Ogg Opus encoding needs libopus (Debian package libopus0), which is not installed."
        )
    lib.opus_encoder_create.argtypes = [
        ctypes.c_int32,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.POINTER(ctypes.c_int),
    ]
    lib.opus_encoder_create.restype = ctypes.c_void_p
    lib.opus_encoder_destroy.argtypes = [ctypes.c_void_p]
    lib.opus_encoder_destroy.restype = None
    lib.opus_encode_float.argtypes = [
        ctypes.c_void_p,
        ctypes.c_void_p,
        ctypes.c_int,
        ctypes.c_void_p,
        ctypes.c_int32,
    ]
    lib.opus_encode_float.restype = ctypes.c_int32
    lib.opus_encoder_ctl.restype = ctypes.c_int  # variadic: arguments are passed as C ints
    lib.opus_strerror.argtypes = [ctypes.c_int]
    lib.opus_strerror.restype = ctypes.c_char_p
    return lib


def _check(lib: ctypes.CDLL, code: int, what: str) -> int:
    if code < 0:
        reason = lib.opus_strerror(code).decode(errors="replace")
        raise RuntimeError(f"libopus {what} failed: {reason} ({code})")
    return code


def _create(lib: ctypes.CDLL, bitrate_kbps: int, complexity: int, vbr: bool) -> int:
    error = ctypes.c_int(0)
    handle: int | None = lib.opus_encoder_create(
        OPUS_RATE, _CHANNELS, _APPLICATION_AUDIO, ctypes.byref(error)
    )
    _check(lib, error.value, "encoder_create")
    if not handle:
        raise RuntimeError("libopus encoder_create returned no encoder")
    try:
        for request, value in (
            (_SET_BITRATE, bitrate_kbps * 1000),
            (_SET_COMPLEXITY, complexity),
            (_SET_VBR, int(vbr)),
            (_SET_VBR_CONSTRAINT, 0),
            (_SET_SIGNAL, _SIGNAL_MUSIC),
        ):
            _check(lib, lib.opus_encoder_ctl(ctypes.c_void_p(handle), request, value), "ctl")
    except BaseException:
        lib.opus_encoder_destroy(handle)
        raise
    return handle


def _lookahead(lib: ctypes.CDLL, bitrate_kbps: int, complexity: int, vbr: bool) -> int:
    handle = _create(lib, bitrate_kbps, complexity, vbr)
    try:
        value = ctypes.c_int32(0)
        request = lib.opus_encoder_ctl(ctypes.c_void_p(handle), _GET_LOOKAHEAD, ctypes.byref(value))
        _check(lib, request, "get lookahead")
        return int(value.value)
    finally:
        lib.opus_encoder_destroy(handle)


def _encode_span(
    audio: AudioArray,
    tail: AudioArray,
    first: int,
    keep_from: int,
    end: int,
    *,
    bitrate_kbps: int,
    complexity: int,
    vbr: bool,
) -> list[bytes]:
    """Encode frames ``first .. end - 1`` with a fresh encoder; return the packets of frames
    ``keep_from .. end - 1``.  The whole frames are read from ``audio`` in place, the rest from
    ``tail`` (the last samples, zero-padded: no song-length padded copy)."""
    lib = _libopus()
    handle = _create(lib, bitrate_kbps, complexity, vbr)
    encode_float = lib.opus_encode_float
    out = ctypes.create_string_buffer(_MAX_PACKET_BYTES)
    step = FRAME_SAMPLES * _CHANNELS * 4
    whole = audio.shape[0] // FRAME_SAMPLES
    base, tail_base = audio.ctypes.data, tail.ctypes.data - whole * step
    packets: list[bytes] = []
    try:
        for frame in range(first, end):
            at = (base if frame < whole else tail_base) + frame * step
            size = encode_float(handle, at, FRAME_SAMPLES, out, _MAX_PACKET_BYTES)
            _check(lib, size, "encode")
            if frame >= keep_from:
                packets.append(ctypes.string_at(out, size))
    finally:
        lib.opus_encoder_destroy(handle)
    return packets


def span_bounds(total_frames: int, duration_s: float, chunks: int) -> list[int]:
    """Frame indices where the spans start, plus the end: spans of at least half
    :data:`MIN_PARALLEL_S` (the count depends on the audio alone, not on the machine)."""
    n = min(max(1, chunks), int(duration_s // (MIN_PARALLEL_S / 2)))
    n = max(1, n)
    return [total_frames * k // n for k in range(n + 1)]


def encode_ogg_opus(
    audio: AudioArray,
    sample_rate: int,
    *,
    bitrate_kbps: int = DEFAULT_BITRATE_KBPS,
    complexity: int = DEFAULT_COMPLEXITY,
    vbr: bool = True,
    chunks: int = 2,
    threads: int | None = None,
    preroll_frames: int = PREROLL_FRAMES,
) -> bytes:
    """Encode float stereo ``audio`` (frames, 2) as Ogg Opus bytes at 48 kHz (resampled from
    ``sample_rate`` if needed).  ``chunks`` spans encode on ``threads`` threads (default: one per
    span); the output depends on ``chunks`` but never on ``threads``."""
    if not 0 <= complexity <= 10:
        raise ValueError(f"complexity {complexity} is not in 0..10")
    x = np.asarray(audio, dtype=np.float32)
    if x.ndim != 2 or x.shape[1] != _CHANNELS:
        raise ValueError(f"expected stereo audio (frames, 2), got shape {x.shape}")
    if sample_rate != OPUS_RATE and x.shape[0]:
        x = resample(x, sample_rate, OPUS_RATE)
    lib = _libopus()
    pre_skip = _lookahead(lib, bitrate_kbps, complexity, vbr)
    x = np.ascontiguousarray(x)
    frames = x.shape[0]
    total_frames = -(-(frames + pre_skip) // FRAME_SAMPLES)  # flushes the encoder's delay
    whole = frames // FRAME_SAMPLES
    tail = np.zeros(((total_frames - whole) * FRAME_SAMPLES, _CHANNELS), dtype=np.float32)
    tail[: frames - whole * FRAME_SAMPLES] = x[whole * FRAME_SAMPLES :]
    bounds = span_bounds(total_frames, frames / OPUS_RATE, chunks)
    spans = [
        (max(0, start - preroll_frames) if i else 0, start, end)
        for i, (start, end) in enumerate(itertools.pairwise(bounds))
    ]

    def run(span: tuple[int, int, int]) -> list[bytes]:
        first, keep_from, end = span
        return _encode_span(
            x,
            tail,
            first,
            keep_from,
            end,
            bitrate_kbps=bitrate_kbps,
            complexity=complexity,
            vbr=vbr,
        )

    if len(spans) == 1:
        packets = run(spans[0])
    else:
        workers = min(len(spans), threads or len(spans))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="opus") as pool:
            packets = [p for part in pool.map(run, spans) for p in part]
    return _mux(packets, pre_skip, frames)


def _mux(packets: list[bytes], pre_skip: int, frames: int) -> bytes:
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, _CHANNELS, pre_skip, OPUS_RATE, 0, 0)
    tags = b"OpusTags" + struct.pack("<I", len(_VENDOR)) + _VENDOR + struct.pack("<I", 0)
    out = [
        ogg_page([head], serial=STREAM_SERIAL, sequence=0, granule=0, flags=FLAG_BOS),
        ogg_page([tags], serial=STREAM_SERIAL, sequence=1, granule=0),
    ]
    page: list[bytes] = []
    lacing = 0
    for done, packet in enumerate(packets):
        need = lacing_values(len(packet))
        if page and (lacing + need > 255 or len(page) >= _PACKETS_PER_PAGE):
            out.append(
                ogg_page(
                    page,
                    serial=STREAM_SERIAL,
                    sequence=len(out),
                    granule=done * FRAME_SAMPLES,
                )
            )
            page, lacing = [], 0
        page.append(packet)
        lacing += need
    out.append(
        ogg_page(
            page,
            serial=STREAM_SERIAL,
            sequence=len(out),
            granule=pre_skip + frames,  # end trimming: the decoded length is the input's
            flags=FLAG_EOS,
        )
    )
    return b"".join(out)
