"""Loudness (ITU-R BS.1770-4 integrated, LUFS) and true peak (dBTP).

``integrated_lufs`` is pyloudnorm's meter (the reference the issue names).  The mastering code
needs the same quantity many times for gain curves it is still choosing; :class:`LoudnessModel`
computes the K-weighted signal once and then evaluates the loudness of ``gain(t) × signal`` for a
slowly varying gain without filtering again (exact for a constant gain, within a few hundredths of
a LU for a limiter's gain curve; the tests check the final result with pyloudnorm itself).
The K-weighting filter (pyloudnorm's two cookbook biquads) runs as pedalboard's JUCE IIR filters
on helper threads, and energies are kept per block of a few frames, so the mastering path needs
neither scipy.signal nor pyloudnorm (importing them costs half a second) and no frame-length
buffer of its own.
"""

from __future__ import annotations

import functools
import math
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "SILENCE_LUFS",
    "LoudnessModel",
    "add_intersample_peaks",
    "block_means",
    "integrated_lufs",
    "sample_peaks",
    "true_peak_dbtp",
    "true_peak_envelope",
    "true_peak_where",
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
    import pyloudnorm

    x = _as_2d(np.asarray(audio, dtype=np.float64))
    value = float(pyloudnorm.Meter(sample_rate).integrated_loudness(x))
    return value if math.isfinite(value) else SILENCE_LUFS


_SEGMENT_BATCH = 64  # loudness segments (~0.1 s each) summed per batch
_RUN_FRAMES = 1 << 15  # frames per block through the filters (a multiple of any resolution)


def _k_filters(rate: int) -> list[Any]:
    """BS.1770's K-weighting as pedalboard (JUCE) IIR filters: pyloudnorm's high shelf (+4 dB
    above 1.5 kHz, Q 1/√2) and its 38 Hz high-pass of Q 0.5, which is exactly two first-order
    high-passes in series (a double real pole).  Same bilinear designs as the cookbook biquads;
    in float32 the block energies agree with pyloudnorm's float64 filter to ~1e-5."""
    import pedalboard as pb  # imported where mastering starts: not on the bot's own path

    return [
        pb.HighShelfFilter(cutoff_frequency_hz=1500.0, gain_db=4.0, q=1.0 / math.sqrt(2.0)),
        pb.HighpassFilter(cutoff_frequency_hz=38.0),
        pb.HighpassFilter(cutoff_frequency_hz=38.0),
    ]


def _k_weighted_energy(x: FloatArray, rate: int, resolution: int) -> npt.NDArray[np.float32]:
    """Mean energy of every ``resolution`` frames of ``x`` (frames, channels) after the
    K-weighting filter, summed over channels (BS.1770 weights L and R by 1.0).  The filtered
    signal is never stored; channels after the first run on helper threads (the filters release
    the GIL) and are added in channel order, so the sum is the same bytes every time."""
    if x.shape[1] == 1:
        return _channel_energy(x[:, 0], rate, resolution)
    with ThreadPoolExecutor(max_workers=x.shape[1] - 1, thread_name_prefix="loudness") as pool:
        others = [
            pool.submit(_channel_energy, x[:, channel], rate, resolution)
            for channel in range(1, x.shape[1])
        ]
        energy = _channel_energy(x[:, 0], rate, resolution)
        for other in others:
            energy += other.result()
    return energy


def _channel_energy(column: FloatArray, rate: int, resolution: int) -> npt.NDArray[np.float32]:
    """Mean K-weighted energy of every ``resolution`` frames of one channel (the last mean over
    what is left), block by block."""
    n = column.shape[0]
    filters = _k_filters(rate)
    energy = np.empty(-(-n // resolution), np.float32)
    step = _RUN_FRAMES - _RUN_FRAMES % resolution
    for lo in range(0, n, step):
        y = np.ascontiguousarray(column[lo : lo + step], dtype=np.float32)
        for stage in filters:
            y = stage.process(y, rate, reset=False)
        np.square(y, out=y)
        means = block_means(y, resolution)
        energy[lo // resolution : lo // resolution + means.size] = means
    return energy


def block_means(values: npt.NDArray[np.float32], size: int) -> npt.NDArray[np.float32]:
    """Mean of every ``size`` values (the last block may be partial)."""
    full = values.shape[0] // size
    # a matrix-vector product (BLAS): numpy's mean over a short axis is ten times slower
    means: npt.NDArray[np.float32] = values[: full * size].reshape(full, size) @ np.full(
        size, 1.0 / size, np.float32
    )
    if values.shape[0] > full * size:
        means = np.append(means, np.float32(values[full * size :].mean()))
    return means


class LoudnessModel:
    """The K-weighted energy of one signal, to evaluate the loudness of gain-shaped versions."""

    def __init__(self, audio: FloatArray, sample_rate: int, resolution: int = 1) -> None:
        """``resolution``: frames per energy value (gain curves for :meth:`lufs` are given at
        that resolution; 16 frames agree with 1 to ~1e-5 LU for a limiter's curves)."""
        x = _as_2d(np.asarray(audio))
        if x.shape[0] < int(_BLOCK_S * sample_rate):
            raise ValueError("audio is shorter than one 400 ms gating block")
        self._energy = energy = _k_weighted_energy(x, sample_rate, resolution)
        duration_s = x.shape[0] / sample_rate
        rate = sample_rate / resolution  # energy values per second
        n = energy.shape[0]
        blocks = int(np.round((duration_s - _BLOCK_S) / (_BLOCK_S * _STEP))) + 1
        j = np.arange(blocks)
        # pyloudnorm's exact block bounds
        self._lower = (_BLOCK_S * (j * _STEP) * rate).astype(np.int64)
        self._upper = np.minimum((_BLOCK_S * (j * _STEP + 1) * rate).astype(np.int64), n)
        self._norm = _BLOCK_S * rate
        # Blocks overlap: sum the energy once per segment between consecutive block bounds
        # (float64 accumulation), then each block is a difference of running segment sums.
        bounds = np.sort(np.concatenate([self._lower, self._upper]))  # np.unique would import
        bounds = bounds[np.concatenate([[True], bounds[1:] != bounds[:-1]])]  # numpy.ma: 9 ms
        self._starts = bounds[bounds < n]
        self._lower_at = np.searchsorted(self._starts, self._lower)
        self._upper_at = np.searchsorted(self._starts, self._upper)
        self._unit = self._blocks(self._energy)  # block energies at unit gain

    def _blocks(self, energy: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        """Mean energy of each gating block."""
        # float64 sums of the segments, a batch at a time: reduceat casts what it reads, and
        # a frame-length float64 copy would be the largest buffer of mastering
        starts, n = self._starts, energy.shape[0]
        segments = np.empty(starts.size, np.float64)
        for a in range(0, starts.size, _SEGMENT_BATCH):
            b = min(starts.size, a + _SEGMENT_BATCH)
            lo, hi = int(starts[a]), int(starts[b]) if b < starts.size else n
            segments[a:b] = np.add.reduceat(energy[lo:hi], starts[a:b] - lo, dtype=np.float64)
        csum = np.concatenate([[0.0], np.cumsum(segments)])
        z: npt.NDArray[np.float64] = (csum[self._upper_at] - csum[self._lower_at]) / self._norm
        return z

    def lufs(self, gain: FloatArray | float = 1.0, scale: float = 1.0) -> float:
        """Loudness of ``gain × scale × audio`` (``gain`` a scalar or a per-frame curve)."""
        if np.ndim(gain) == 0:
            z = self._unit * (float(np.asarray(gain)) * scale) ** 2
        else:  # one frame-length float32 temporary, worked in place
            energy = np.asarray(gain, dtype=np.float32)
            energy = energy * scale if scale != 1.0 else energy.copy()
            np.square(energy, out=energy)
            energy *= self._energy
            z = self._blocks(energy)
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
_TP_BLOCK = 1 << 14  # frames per block: temporaries stay a few MB for songs of any length


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
    env = sample_peaks(x)
    if x.shape[0] == 0:
        return env
    limit = float(env.max()) * _TP_HEADROOM if threshold is None else threshold
    add_intersample_peaks(env, x, sample_rate, limit)
    return env


def sample_peaks(audio: FloatArray) -> npt.NDArray[np.float32]:
    """Per-frame sample peak over all channels (the first half of :func:`true_peak_envelope`)."""
    x = _as_2d(np.asarray(audio, dtype=np.float32))
    frames = x.shape[0]
    env: npt.NDArray[np.float32] = np.empty(frames, np.float32)
    for lo in range(0, frames, _TP_BLOCK):  # by blocks: no frame-length temporaries
        part = env[lo : lo + _TP_BLOCK]
        np.abs(x[lo : lo + _TP_BLOCK, 0], out=part)
        for channel in range(1, x.shape[1]):  # (frames, 2).max(axis=1) is slow in numpy
            np.maximum(part, np.abs(x[lo : lo + _TP_BLOCK, channel]), out=part)
    return env


def add_intersample_peaks(
    env: npt.NDArray[np.float32], audio: FloatArray, sample_rate: int, limit: float
) -> None:
    """Raise ``env`` (from :func:`sample_peaks`) to the 4× oversampled peaks between frames,
    looking only around frames whose sample peak reaches ``limit``."""
    _oversample_at(env, _as_2d(np.asarray(audio, dtype=np.float32)), sample_rate, env >= limit)


def true_peak_where(audio: FloatArray, sample_rate: int, where: npt.NDArray[np.bool_]) -> float:
    """The largest true peak (4× oversampled, linear) at the frames ``where`` is true (and
    between them and their neighbours); 0.0 where none is."""
    x = _as_2d(np.asarray(audio, dtype=np.float32))
    frames = np.flatnonzero(where)
    if frames.size == 0:
        return 0.0
    env = np.zeros(x.shape[0], np.float32)
    env[frames] = np.abs(x[frames]).max(axis=1)
    _oversample_at(env, x, sample_rate, where.copy())
    return float(env[frames].max())


def _oversample_at(
    env: npt.NDArray[np.float32], x: FloatArray, sample_rate: int, hot: npt.NDArray[np.bool_]
) -> None:
    """Raise ``env`` to the oversampled peaks around the ``hot`` frames (``hot`` is widened to
    their neighbours in place)."""
    frames = x.shape[0]
    hot[:-1] |= hot[1:]  # a peak between n and n+1 belongs to n: look at both neighbours
    hot[1:] |= hot[:-1]
    if not hot.any():
        return
    factor = _OVERSAMPLE if sample_rate < 96_000 else 2
    filters = _fractional_delays(factor).T  # (taps, factor - 1)
    half = _TP_HALF_TAPS
    segment = np.zeros(_TP_BLOCK + 2 * half, np.float32)
    for lo in range(0, frames, _TP_BLOCK):  # by blocks: bounded memory
        hi = min(frames, lo + _TP_BLOCK)
        chunk = np.flatnonzero(hot[lo:hi])  # candidate frames, from lo
        if chunk.size == 0:
            continue
        # segment[j] is frame lo - half + j (zero outside the signal)
        first, last = max(0, lo - half), min(frames, hi + half)
        for channel in range(x.shape[1]):
            segment[:] = 0.0
            segment[first - (lo - half) : last - (lo - half)] = x[first:last, channel]
            view = np.lib.stride_tricks.sliding_window_view(segment, 2 * half + 1)
            # windows[i] covers frames lo + chunk[i] - half .. lo + chunk[i] + half
            between = np.abs(view[chunk] @ filters)
            peak = between[:, 0]
            for k in range(1, between.shape[1]):
                np.maximum(peak, between[:, k], out=peak)
            np.maximum(env[lo + chunk], peak, out=peak)
            env[lo + chunk] = peak


def true_peak_dbtp(audio: FloatArray, sample_rate: int) -> float:
    """True peak in dBTP (4× oversampled below 96 kHz)."""
    if np.asarray(audio).size == 0:
        return float("-inf")
    peak = float(true_peak_envelope(audio, sample_rate).max())
    return 20.0 * math.log10(peak) if peak > 0 else float("-inf")
