"""Listening proxies for production: spectral, dynamic, stereo and rhythmic features of audio.

Plain numpy, general definitions (nothing tuned to the composer), used by the production tests
and ``bench/bench_style.py``:

* ``centroid_hz`` — spectral centroid (brightness); ``flatness`` — spectral flatness 100 Hz–10 kHz
  (noise-like or distorted → higher); ``low_share`` / ``high_share`` — energy below 150 Hz /
  above 6 kHz as a fraction of all energy;
* ``crest_db`` — peak over RMS (distortion and compression lower it);
* ``width_db`` — side over mid energy (mono: −inf; chorus and wide reverbs raise it);
* ``onsets_per_s`` — spectral-flux peaks per second;
* ``pump_db`` — depth of the beat-synchronous level modulation (side-chain pumping): the RMS
  envelope folded onto one beat, max over min;
* ``clicks_per_s`` — isolated sample spikes (vinyl crackle) far above the local level.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = ["Features", "band_share", "features", "pump_db", "width_db"]

Array = npt.NDArray[np.float64]
Features = dict[str, float]


def _mono(audio: npt.ArrayLike) -> Array:
    x = np.asarray(audio, dtype=np.float64)
    return x.mean(axis=1) if x.ndim == 2 else x


def _power_spectrum(x: Array, sr: int, n_fft: int = 4096) -> tuple[Array, Array]:
    hop = n_fft // 2
    frames = max(1, (x.size - n_fft) // hop + 1)
    window = np.hanning(n_fft)
    total: Array = np.zeros(n_fft // 2 + 1)
    for i in range(frames):
        seg = x[i * hop : i * hop + n_fft]
        if seg.size < n_fft:
            seg = np.pad(seg, (0, n_fft - seg.size))
        np.add(total, np.abs(np.fft.rfft(seg * window)) ** 2, out=total)
    freqs = np.asarray(np.fft.rfftfreq(n_fft, 1.0 / sr), dtype=np.float64)
    return freqs, total / frames


def band_share(audio: npt.ArrayLike, sr: int, lo_hz: float, hi_hz: float) -> float:
    """Fraction of the energy between ``lo_hz`` and ``hi_hz``."""
    freqs, power = _power_spectrum(_mono(audio), sr)
    band = (freqs >= lo_hz) & (freqs < hi_hz)
    return float(power[band].sum() / max(power.sum(), 1e-30))


def width_db(audio: npt.ArrayLike) -> float:
    x = np.asarray(audio, dtype=np.float64)
    mid = np.sum((x[:, 0] + x[:, 1]) ** 2)
    side = np.sum((x[:, 0] - x[:, 1]) ** 2)
    return 10.0 * math.log10(side / mid) if side > 0 and mid > 0 else float("-inf")


def _envelope(x: Array, sr: int, hop_s: float = 0.005) -> Array:
    hop = max(1, int(hop_s * sr))
    n = x.size // hop
    env: Array = np.sqrt(np.mean(x[: n * hop].reshape(n, hop) ** 2, axis=1))
    return env


def pump_db(audio: npt.ArrayLike, sr: int, beat_s: float, bins: int = 24) -> float:
    """Level modulation locked to the beat: RMS (5 ms) folded on the beat phase, in dB."""
    x = _mono(audio)
    hop_s = 0.005
    env = _envelope(x, sr, hop_s)
    phase = ((np.arange(env.size) * hop_s) % beat_s) / beat_s
    idx = np.minimum((phase * bins).astype(int), bins - 1)
    sums = np.bincount(idx, weights=env**2, minlength=bins)
    counts = np.maximum(np.bincount(idx, minlength=bins), 1)
    level = np.sqrt(sums / counts)
    return float(20.0 * np.log10(level.max() / max(level.min(), 1e-12)))


def _onsets_per_s(x: Array, sr: int) -> float:
    n_fft, hop = 1024, 512
    frames = (x.size - n_fft) // hop
    if frames < 3:
        return 0.0
    idx = np.arange(n_fft)[None, :] + hop * np.arange(frames)[:, None]
    mag = np.abs(np.fft.rfft(x[idx] * np.hanning(n_fft), axis=1))
    flux = np.maximum(np.diff(np.log1p(100 * mag), axis=0), 0.0).sum(axis=1)
    threshold = flux.mean() + flux.std()
    peaks = (flux[1:-1] > threshold) & (flux[1:-1] >= flux[:-2]) & (flux[1:-1] > flux[2:])
    return float(peaks.sum() / (x.size / sr))


def clicks_per_s(audio: npt.ArrayLike, sr: int) -> float:
    """Spikes in the > 8 kHz band more than 8× the band's median absolute level."""
    x = _mono(audio)
    high = x - np.convolve(x, np.ones(5) / 5.0, mode="same")  # crude high-pass
    level = np.median(np.abs(high)) + 1e-12
    spikes = np.flatnonzero(np.abs(high) > 8.0 * level * 6.0)
    if spikes.size == 0:
        return 0.0
    events = 1 + int(np.sum(np.diff(spikes) > int(0.002 * sr)))
    return events / (x.size / sr)


def features(audio: npt.ArrayLike, sr: int, beat_s: float) -> Features:
    stereo = np.asarray(audio, dtype=np.float64)
    x = _mono(stereo)
    freqs, power = _power_spectrum(x, sr)
    total = max(float(power.sum()), 1e-30)
    band = (freqs >= 100) & (freqs < 10_000)
    p = power[band] + 1e-20
    rms = float(np.sqrt(np.mean(x**2)))
    return {
        "centroid_hz": float((freqs * power).sum() / total),
        "flatness": float(np.exp(np.mean(np.log(p))) / np.mean(p)),
        "low_share": float(power[freqs < 150].sum() / total),
        "high_share": float(power[freqs >= 6000].sum() / total),
        "crest_db": float(20.0 * np.log10(np.abs(x).max() / max(rms, 1e-12))),
        "width_db": width_db(stereo) if stereo.ndim == 2 else float("-inf"),
        "onsets_per_s": _onsets_per_s(x, sr),
        "pump_db": pump_db(x, sr, beat_s),
        "clicks_per_s": clicks_per_s(x, sr),
    }
