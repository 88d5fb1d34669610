"""Every format decodes back to the same length, encodes are byte-deterministic, and a file too
big for the upload limit falls back to a bitrate that fits."""

from __future__ import annotations

import io
import struct

import av
import numpy as np
import pytest
import soundfile as sf

from bot.audio.encode import encode, encode_to_fit
from bot.audio.ogg import ogg_crc
from bot.errors import ComposerError
from bot.runtime.jobs import AudioFormat
from tests.signals import SR, music_like


@pytest.fixture(scope="module")
def audio() -> np.ndarray:
    return music_like(6.0, seed=11, level=0.5)


def decode(data: bytes) -> tuple[np.ndarray, int]:
    try:
        x, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
        return x, int(rate)
    except sf.LibsndfileError:  # Ogg Opus read through FFmpeg
        with av.open(io.BytesIO(data)) as c:
            frames = [f.to_ndarray() for f in c.decode(audio=0)]
            return np.concatenate(frames, axis=1).T, c.streams.audio[0].rate


@pytest.mark.parametrize("fmt", list(AudioFormat))
def test_each_format_round_trips(audio: np.ndarray, fmt: AudioFormat) -> None:
    encoded = encode(audio, SR, fmt)
    decoded, rate = decode(encoded.data)
    assert rate == SR
    assert abs(decoded.shape[0] - audio.shape[0]) <= 2048  # codec padding at most
    n = min(decoded.shape[0], audio.shape[0])
    if fmt.lossless:
        assert np.abs(decoded[:n] - audio[:n]).max() < 1e-3
    else:
        # Lossy, but the same music: strongly correlated once aligned.
        lag = int(np.argmax(np.correlate(decoded[:4096, 0], audio[:4096, 0], "full"))) - 4095
        a = audio[max(0, -lag) : n - max(0, lag), 0]
        b = decoded[max(0, lag) : n - max(0, -lag), 0][: a.size]
        assert np.corrcoef(a[: b.size], b)[0, 1] > 0.95


@pytest.mark.parametrize("fmt", list(AudioFormat))
def test_encodes_are_deterministic(audio: np.ndarray, fmt: AudioFormat) -> None:
    assert encode(audio, SR, fmt).data == encode(audio, SR, fmt).data


@pytest.mark.parametrize("fmt", [AudioFormat.OGG, AudioFormat.VORBIS])
def test_ogg_pages_have_valid_checksums(audio: np.ndarray, fmt: AudioFormat) -> None:
    data = encode(audio, SR, fmt).data
    pos = pages = 0
    while pos < len(data):
        assert data[pos : pos + 4] == b"OggS"
        segments = data[pos + 26]
        length = 27 + segments + sum(data[pos + 27 : pos + 27 + segments])
        page = bytearray(data[pos : pos + length])
        stored = struct.unpack_from("<I", page, 22)[0]
        struct.pack_into("<I", page, 22, 0)
        assert ogg_crc(bytes(page)) == stored
        pos += length
        pages += 1
    assert pages > 3


def test_too_big_falls_back_to_smaller_opus(audio: np.ndarray) -> None:
    wav = encode(audio, SR, AudioFormat.WAV).data
    limit = len(wav) // 20
    fitted = encode_to_fit(audio, SR, AudioFormat.WAV, max_bytes=limit)
    assert fitted.format is AudioFormat.OPUS
    assert len(fitted.data) <= limit
    assert fitted.bitrate_kbps is not None and fitted.bitrate_kbps >= 24
    decoded, _ = decode(fitted.data)
    assert decoded.shape[0] > 0.9 * audio.shape[0]


def test_fits_without_fallback_when_small(audio: np.ndarray) -> None:
    fitted = encode_to_fit(audio, SR, AudioFormat.OGG, max_bytes=10 << 20)
    assert fitted.format is AudioFormat.OGG


def test_impossible_limit_is_a_friendly_error(audio: np.ndarray) -> None:
    with pytest.raises(ComposerError, match="upload limit"):
        encode_to_fit(audio, SR, AudioFormat.WAV, max_bytes=2000)
