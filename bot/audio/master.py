"""Mastering: bring a mix to a target integrated loudness with a true-peak ceiling.

Gain to the target (−14 LUFS by default), then a look-ahead peak limiter driven by the 4×
oversampled (true-peak) envelope, so the result stays under the ceiling (−1 dBTP by default).
Limiting lowers the loudness a little; the make-up gain is found by iterating on
:class:`~bot.audio.loudness.LoudnessModel`, which evaluates gain curves without re-filtering.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.audio.loudness import (
    SILENCE_LUFS,
    LoudnessModel,
    add_intersample_peaks,
    block_means,
    sample_peaks,
    true_peak_envelope,
    true_peak_where,
)

__all__ = ["MasterResult", "master"]

AudioArray = npt.NDArray[np.float32]

_ATTACK_S = 0.004  # gain ramps this long, and start this early (look-ahead)
_HOLD_S = 0.030  # reduction held this long around a peak before releasing
_BLOCK = 16  # frames per block of the limiter's smoothing filters
_NEAR = 10.0 ** (-3.0 / 20.0)  # frames within 3 dB of the limit are checked after limiting
_SURE = 10.0 ** (-1.0 / 20.0)  # a peak this close to the limit is the largest
_MARGIN_DB = 0.25  # limit a little below the ceiling: the gain curve itself adds a tiny overshoot


@dataclass(frozen=True, slots=True)
class MasterResult:
    audio: AudioArray
    loudness_lufs: float  # as predicted by the loudness model (the tests check pyloudnorm)
    true_peak_dbtp: float
    gain_db: float  # static gain applied
    max_reduction_db: float  # deepest limiter gain reduction


def _db(x: float) -> float:
    return 20.0 * math.log10(x) if x > 0 else float("-inf")


def _max_filter(x: AudioArray, size: int) -> AudioArray:
    """Running maximum over ``size`` frames centred like ``scipy.ndimage.maximum_filter1d``
    (``mode="nearest"``), in O(n) (van Herk / Gil-Werman: block prefix and suffix maxima)."""
    n = x.shape[0]
    left = size // 2
    padded = np.concatenate([np.full(left, x[0]), x, np.full(size, x[-1])])
    blocks = -(-padded.shape[0] // size)
    padded = np.concatenate([padded, np.full(blocks * size - padded.shape[0], x[-1])])
    grid = padded.reshape(blocks, size)
    prefix = np.maximum.accumulate(grid, axis=1).ravel()
    suffix = np.maximum.accumulate(grid[:, ::-1], axis=1)[:, ::-1].ravel()
    out: AudioArray = np.maximum(suffix[:n], prefix[size - 1 : size - 1 + n])
    return out


def _mean_filter(x: AudioArray, size: int) -> AudioArray:
    """Moving average over ``size`` frames centred like ``scipy.ndimage.uniform_filter1d``
    (``mode="nearest"``)."""
    left = size // 2
    padded = np.concatenate([np.full(left, x[0]), x, np.full(size - left - 1, x[-1])])
    csum = np.concatenate([[0.0], np.cumsum(padded, dtype=np.float64)])
    out: AudioArray = ((csum[size:] - csum[:-size]) / size).astype(np.float32)
    return out


def _block_peaks(env: npt.NDArray[np.float32]) -> AudioArray:
    """Maximum of every ``_BLOCK`` frames (the last block may be partial)."""
    n = env.shape[0]
    full = n // _BLOCK
    grid = env[: full * _BLOCK].reshape(full, _BLOCK)
    while grid.shape[1] > 1:  # halving: numpy's max over a short axis is several times slower
        half = grid.shape[1] // 2
        grid = np.maximum(grid[:, :half], grid[:, half : 2 * half])
    peaks: AudioArray = grid[:, 0].copy()
    if n > full * _BLOCK:
        peaks = np.append(peaks, env[full * _BLOCK :].max())
    return peaks


def _smooth_reduction(peaks: AudioArray, ceiling: float, sample_rate: int) -> AudioArray | None:
    """Smoothed gain reduction (0 = none) per block of ``_BLOCK`` frames for block peaks
    ``peaks`` (already scaled by the static gain); None when nothing reaches the ceiling.

    A max filter of width hold+attack followed by a moving average of width attack guarantees
    the smoothed reduction at any peak is at least the reduction that peak needs.  Both run on
    blocks (a third of a millisecond; the ramps are 4 ms): little memory and time for long songs.
    """
    need = np.maximum(peaks, np.float32(ceiling))
    np.divide(np.float32(ceiling), need, out=need)
    np.subtract(np.float32(1.0), need, out=need)  # 0 where no limiting is needed
    if not need.any():
        return None
    attack = max(3, int(_ATTACK_S * sample_rate))
    hold = max(attack, int(_HOLD_S * sample_rate))
    held = _max_filter(need, -(-(hold + attack) // _BLOCK) + 1)
    return _mean_filter(held, max(1, -(-attack // _BLOCK)))


def _frame_curve(
    smooth: AudioArray, env: npt.NDArray[np.float32], gain: float, ceiling: float
) -> AudioArray:
    """The per-frame gain (≤ 1, static gain not included) from the block reduction ``smooth``,
    linearly interpolated between block centres, floored at every frame by the exact reduction
    that frame needs (so the ceiling holds at every frame).  Computed in ``env``'s memory."""
    n = env.shape[0]
    need = np.multiply(env, np.float32(gain), out=env)
    np.maximum(need, np.float32(ceiling), out=need)
    np.divide(np.float32(ceiling), need, out=need)
    np.subtract(np.float32(1.0), need, out=need)
    edges = np.concatenate([smooth[:1], smooth, smooth[-1:]])
    frac = ((np.arange(_BLOCK, dtype=np.float32) + 0.5) / _BLOCK)[None, :]
    ramps = np.multiply((edges[1:] - edges[:-1])[:, None], frac)  # one frame-length buffer
    ramps += edges[:-1, None]
    np.maximum(ramps.ravel()[_BLOCK // 2 : _BLOCK // 2 + n], need, out=need)
    np.subtract(np.float32(1.0), need, out=need)
    return need


def master(
    audio: AudioArray,
    sample_rate: int,
    *,
    target_lufs: float = -14.0,
    ceiling_dbtp: float = -1.0,
    max_iterations: int = 4,
    tolerance_lu: float = 0.05,
    in_place: bool = False,
) -> MasterResult:
    """Master stereo ``audio`` (frames, 2) to ``target_lufs`` with true peak ≤ ``ceiling_dbtp``;
    ``in_place``: the result is written over ``audio`` when it is float32 (the caller's copy
    is no longer needed: a song-length buffer less at the peak of a job's memory)."""
    x = np.asarray(audio, dtype=np.float32)
    model = LoudnessModel(x, sample_rate, resolution=_BLOCK)  # curves are chosen per block
    env = sample_peaks(x)  # (taking them beside the loudness filters' two threads was slower)
    loudness = model.lufs()
    if loudness <= SILENCE_LUFS + 1.0:
        return MasterResult(x.copy(), SILENCE_LUFS, float("-inf"), 0.0, 0.0)
    ceiling = 10.0 ** ((ceiling_dbtp - _MARGIN_DB) / 20.0)
    gain_db = target_lufs - loudness
    # Oversample every frame that could come near the ceiling: within 6 dB of it after the
    # static gain (room for a few dB of make-up gain and of inter-sample overshoot).
    threshold = 0.5 * ceiling / 10.0 ** (gain_db / 20.0)
    add_intersample_peaks(env, x, sample_rate, threshold)
    peaks = _block_peaks(env)
    smooth: AudioArray | None = None
    predicted = loudness
    for _ in range(max_iterations):
        gain = 10.0 ** (gain_db / 20.0)
        smooth = _smooth_reduction(peaks * np.float32(gain), ceiling, sample_rate)
        if smooth is None:  # a static gain: the full model is as cheap
            predicted = model.lufs(gain)
        else:
            predicted = model.lufs(np.float32(1.0) - smooth, gain)
        error = target_lufs - predicted
        if abs(error) <= tolerance_lu:
            break
        gain_db += error
    gain = 10.0 ** (gain_db / 20.0)
    max_reduction_db = 0.0
    limit = 10.0 ** (ceiling_dbtp / 20.0)
    # The frames that could come near the limit once gained (the limiter only lowers them):
    # the check below looks there, not at the whole song.
    near = env >= np.float32(_NEAR * limit / gain)
    if smooth is None:
        del env
        curve = None
    else:
        curve = _frame_curve(smooth, env, gain, ceiling)
        max_reduction_db = -_db(float(curve.min()))
        # the curve as drawn: what is reported
        predicted = model.lufs(block_means(curve, _BLOCK), gain)
    del model
    if curve is None:
        out = x if in_place else x.copy()
        out *= np.float32(gain)
    else:
        curve *= np.float32(gain)
        if in_place:
            x *= curve[:, None]
            out = x
        else:
            out = (x * curve[:, None]).astype(np.float32, copy=False)
        del curve
    # Verify on the result itself; the gain curve's own modulation can add a hundredth of a dB.
    # Elsewhere than ``near`` the result stays below _NEAR × limit (× the curve's modulation
    # within a millisecond, < 1.5 dB), so a peak found there above _SURE × limit is the song's.
    peak = true_peak_where(out, sample_rate, near)
    del near
    if peak < _SURE * limit:  # a result well below its limit: its own largest peaks
        peak = float(true_peak_envelope(out, sample_rate).max())
    if peak > limit * 0.999:
        out *= np.float32(limit * 0.999 / peak)
        peak = limit * 0.999
    return MasterResult(
        audio=out,
        loudness_lufs=predicted,
        true_peak_dbtp=_db(peak),
        gain_db=gain_db,
        max_reduction_db=max_reduction_db,
    )
