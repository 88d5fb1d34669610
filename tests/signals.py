"""Synthetic but music-like test signals (harmonic tones with envelopes, drum-like bursts)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.signal import butter, sosfilt

from models.base import SectionAudio

SR = 48_000


def music_like(
    seconds: float, *, seed: int = 0, level: float = 0.3, bpm: float = 100.0, tail_s: float = 0.0
) -> npt.NDArray[np.float32]:
    """Chords of decaying harmonic tones on every beat plus noise 'hats' — stereo float32."""
    rng = np.random.default_rng(seed)
    n = int((seconds + tail_s) * SR)
    out = np.zeros((n, 2), dtype=np.float64)
    beat = int(60.0 / bpm * SR)
    t = np.arange(beat * 4) / SR
    for start in range(0, int(seconds * SR), beat):
        length = min(beat * 4, n - start)
        freqs = 110.0 * 2 ** (rng.integers(0, 24, size=3) / 12)
        tone = sum(
            np.sin(2 * np.pi * f * h * t[:length] + rng.uniform(0, 6)) / h**1.3
            for f in freqs
            for h in range(1, 5)
        )
        env = np.exp(-t[:length] * 3.0)
        pan = rng.uniform(0.3, 0.7)
        out[start : start + length, 0] += tone * env * pan
        out[start : start + length, 1] += tone * env * (1 - pan)
        hat = rng.standard_normal(min(2000, length)) * np.exp(-np.arange(min(2000, length)) / 300)
        out[start : start + hat.size] += hat[:, None] * 0.8
    # Real recordings and SoundFont samples carry little energy in the top octave-fraction.
    out = sosfilt(butter(8, 18_000, fs=SR, output="sos"), out, axis=0)
    out *= level / np.abs(out).max()
    return out.astype(np.float32)


def section(seconds: float, *, seed: int, tail_s: float = 1.0, level: float = 0.3) -> SectionAudio:
    audio = music_like(seconds, seed=seed, tail_s=tail_s, level=level)
    return SectionAudio(audio=audio, sample_rate=SR, body_frames=int(seconds * SR))
