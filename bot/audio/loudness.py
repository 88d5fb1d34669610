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
from scipy.signal import lfilter, upfirdn

__all__ = ["SILENCE_LUFS", "LoudnessModel", "integrated_lufs", "true_peak_dbtp", "true_peak_envelope"]

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
def _k_weighting(rate: int) -> tuple[tuple[FloatArray, FloatArray], ...]:
    meter = pyloudnorm.Meter(rate)
    return tuple((np.asarray(f.b), np.asarray(f.a)) for f in meter._filters.values())


class LoudnessModel:
    """The K-weighted energy of one signal, to evaluate the loudness of gain-shaped versions."""

    def __init__(self, audio: FloatArray, sample_rate: int) -> None:
        x = _as_2d(np.asarray(audio, dtype=np.float64))
        n = x.shape[0]
        if n < int(_BLOCK_S * sample_rate):
            raise ValueError("audio is shorter than one 400 ms gating block")
        for b, a in _k_weighting(sample_rate):
            x = lfilter(b, a, x, axis=0)
        self._energy = np.square(x).sum(axis=1)  # L and R channel weights are 1.0
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
            energy = self._energy * float(gain) ** 2  # type: ignore[arg-type]
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


@functools.lru_cache(maxsize=2)
def _interpolator(factor: int) -> FloatArray:
    # Windowed-sinc low-pass for factor× oversampling (12 taps per phase, like BS.1770 Annex 2).
    taps = 12 * factor
    n = np.arange(taps) - (taps - 1) / 2
    h = np.sinc(n / factor) * np.kaiser(taps, 5.0)
    return (h / h.sum() * factor).astype(np.float32)


def true_peak_envelope(audio: FloatArray, sample_rate: int) -> FloatArray:
    """Per-frame true peak (max |x| over the frame's oversampled neighbourhood, all channels)."""
    x = np.ascontiguousarray(_as_2d(np.asarray(audio, dtype=np.float32)).T)
    factor = _OVERSAMPLE if sample_rate < 96_000 else 2
    h = _interpolator(factor)
    up = upfirdn(h, x, up=factor, axis=1)
    delay = (h.size - 1) // 2
    frames = x.shape[1]
    up = up[:, delay : delay + frames * factor]
    env = np.abs(up).reshape(x.shape[0], frames, factor).max(axis=2).max(axis=0)
    return np.maximum(env, np.abs(x).max(axis=0)).astype(np.float32)


def true_peak_dbtp(audio: FloatArray, sample_rate: int) -> float:
    """True peak in dBTP (4× oversampled below 96 kHz)."""
    if np.asarray(audio).size == 0:
        return float("-inf")
    peak = float(true_peak_envelope(audio, sample_rate).max())
    return 20.0 * math.log10(peak) if peak > 0 else float("-inf")
