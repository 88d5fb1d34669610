"""Loudness (ITU-R BS.1770-4 integrated, LUFS) and true peak (dBTP).

``integrated_lufs`` is pyloudnorm's meter (the reference the issue names).  The mastering code
needs the same quantity many times for gain curves it is still choosing; :class:`LoudnessModel`
computes the K-weighted signal once and then evaluates the loudness of ``gain(t) × signal`` for a
slowly varying gain without filtering again (exact for a constant gain, within a few hundredths of
a LU for a limiter's gain curve; the tests check the final result with pyloudnorm itself).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import numpy.typing as npt
import pyloudnorm
from scipy.signal import sosfilt

__all__ = [
    "SILENCE_LUFS",
    "LoudnessModel",
    "integrated_lufs",
    "true_peak_dbtp",
    "true_peak_envelope",
]

FloatArray = npt.NDArray[np.floating]

#: Returned for silence (BS.1770 gives −inf; a finite floor keeps arithmetic and JSON sane).
SILENCE_LUFS = -120.0

_BLOCK_S = 0.400
_STEP = 0.25  # 75 % overlap
_ABS_GATE = -70.0
_OVERSAMPLE = 4


def _as_2d(audio: FloatArray) -> FloatArray:
    return audio[:, None] if audio.ndim == 1 else audio


def integrated_lufs(audio: FloatArray, sample_rate: int) -> float:
    """Integrated gated loudness (pyloudnorm, BS.1770-4); :data:`SILENCE_LUFS` for silence."""
    x = _as_2d(np.asarray(audio, dtype=np.float64))
    value = float(pyloudnorm.Meter(sample_rate).integrated_loudness(x))
    return value if math.isfinite(value) else SILENCE_LUFS


@functools.lru_cache(maxsize=8)
def _k_weighting_sos(rate: int) -> FloatArray:
    """pyloudnorm's two K-weighting biquads as second-order sections."""
    meter = pyloudnorm.Meter(rate)
    return np.array([np.concatenate([f.b, f.a]) for f in meter._filters.values()])


class LoudnessModel:
    """The K-weighted energy of one signal, to evaluate the loudness of gain-shaped versions."""

    def __init__(self, audio: FloatArray, sample_rate: int) -> None:
        x = np.ascontiguousarray(_as_2d(np.asarray(audio, dtype=np.float64)).T)
        n = x.shape[1]
        if n < int(_BLOCK_S * sample_rate):
            raise ValueError("audio is shorter than one 400 ms gating block")
        weighted = sosfilt(_k_weighting_sos(sample_rate), x, axis=1)
        self._energy = np.square(weighted).sum(axis=0)  # L and R channel weights are 1.0
        duration_s = n / sample_rate
        blocks = int(np.round((duration_s - _BLOCK_S) / (_BLOCK_S * _STEP))) + 1
        j = np.arange(blocks)
        # pyloudnorm's exact block bounds
        self._lower = (_BLOCK_S * (j * _STEP) * sample_rate).astype(np.int64)
        self._upper = np.minimum((_BLOCK_S * (j * _STEP + 1) * sample_rate).astype(np.int64), n)
        self._norm = _BLOCK_S * sample_rate

    def lufs(self, gain: FloatArray | float = 1.0) -> float:
        """Loudness of ``gain × audio`` (``gain`` a scalar or a per-frame curve)."""
        if np.ndim(gain) == 0:
            energy = self._energy * float(np.asarray(gain)) ** 2
        else:
            energy = self._energy * np.square(np.asarray(gain, dtype=np.float64))
        csum = np.concatenate(([0.0], np.cumsum(energy)))
        z = (csum[self._upper] - csum[self._lower]) / self._norm
        with np.errstate(divide="ignore"):
            block = -0.691 + 10.0 * np.log10(z)
        gated = z[block >= _ABS_GATE]
        if gated.size == 0:
            return SILENCE_LUFS
        relative = -0.691 + 10.0 * np.log10(gated.mean()) - 10.0
        final = z[(block > relative) & (block > _ABS_GATE)]
        if final.size == 0:
            return SILENCE_LUFS
        return float(-0.691 + 10.0 * np.log10(final.mean()))


_TP_HALF_TAPS = 24  # fractional-delay filters of 49 taps: flat (±0.01 dB) up to 0.9 × Nyquist
_TP_HEADROOM = 0.5  # inter-sample peaks are assumed < 6 dB above the neighbouring samples
_TP_CHUNK = 1 << 16


@functools.lru_cache(maxsize=2)
def _fractional_delays(factor: int) -> FloatArray:
    """Kaiser-windowed sinc filters that interpolate at offsets k/factor (k = 1..factor-1)."""
    j = np.arange(-_TP_HALF_TAPS, _TP_HALF_TAPS + 1)
    rows = []
    for k in range(1, factor):
        t = j - k / factor
        window = np.i0(8.0 * np.sqrt(np.clip(1.0 - (t / (_TP_HALF_TAPS + 1)) ** 2, 0.0, None)))
        h = np.sinc(t) * window
        rows.append(h / h.sum())
    return np.asarray(rows, dtype=np.float32)  # (factor - 1, taps)


def true_peak_envelope(
    audio: FloatArray, sample_rate: int, *, threshold: float | None = None
) -> npt.NDArray[np.float32]:
    """Per-frame true peak: the largest |x| at the frame and at the 4× oversampled points between it
    and the next frame, over all channels.

    Only frames whose sample peak reaches ``threshold`` (default: half the clip's sample peak) are
    oversampled — a band-limited signal cannot rise more than a few dB between samples — so the
    cost is a small fraction of oversampling the whole signal.
    """
    x = _as_2d(np.asarray(audio, dtype=np.float32))
    frames = x.shape[0]
    env: npt.NDArray[np.float32] = np.abs(x[:, 0])
    for channel in range(1, x.shape[1]):  # (frames, 2).max(axis=1) is slow in numpy
        np.maximum(env, np.abs(x[:, channel]), out=env)
    if frames == 0:
        return env
    limit = float(env.max()) * _TP_HEADROOM if threshold is None else threshold
    hot = env >= limit
    hot[:-1] |= hot[1:]  # a peak between n and n+1 belongs to n: look at both neighbours
    hot[1:] |= hot[:-1]
    candidates = np.flatnonzero(hot)
    if candidates.size == 0:
        return env
    factor = _OVERSAMPLE if sample_rate < 96_000 else 2
    filters = _fractional_delays(factor).T  # (taps, factor - 1)
    half = _TP_HALF_TAPS
    for channel in range(x.shape[1]):
        padded = np.pad(x[:, channel], (half, half))
        view = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
        for lo in range(0, candidates.size, _TP_CHUNK):  # bounded memory
            chunk = candidates[lo : lo + _TP_CHUNK]
            # windows[i] covers frames chunk[i] - half .. chunk[i] + half
            between = np.abs(view[chunk] @ filters)
            peak = between[:, 0]
            for k in range(1, between.shape[1]):
                np.maximum(peak, between[:, k], out=peak)
            env[chunk] = np.maximum(env[chunk], peak)
    return env


def true_peak_dbtp(audio: FloatArray, sample_rate: int) -> float:
    """True peak in dBTP (4× oversampled below 96 kHz)."""
    if np.asarray(audio).size == 0:
        return float("-inf")
    peak = float(true_peak_envelope(audio, sample_rate).max())
    return 20.0 * math.log10(peak) if peak > 0 else float("-inf")
