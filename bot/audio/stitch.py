"""Joining sections on bar lines.

Each :class:`~models.base.SectionAudio` starts on its first downbeat and has its last bar line at
``body_frames``; what follows is its tail (releases, reverb).  The next section is placed exactly on
that bar line and the two are joined with a short equal-power crossfade centred on the seam: the
previous section (body end, then its tail) fades out with a cosine, the next fades in with a sine,
so the summed power stays constant and no click appears at a seam.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.signal import resample_poly

from models.base import SectionAudio

__all__ = ["StitchResult", "fade_out", "resample", "stitch"]

AudioArray = npt.NDArray[np.float32]

DEFAULT_CROSSFADE_S = 0.030
END_FADE_S = 0.060


@dataclass(frozen=True, slots=True)
class StitchResult:
    audio: AudioArray
    sample_rate: int
    seams: tuple[int, ...]  # frame of each bar line where one section meets the next
    body_frames: int  # frame of the last section's final bar line


def resample(audio: AudioArray, from_rate: int, to_rate: int) -> AudioArray:
    if from_rate == to_rate:
        return audio
    g = math.gcd(from_rate, to_rate)
    return resample_poly(audio, to_rate // g, from_rate // g, axis=0).astype(np.float32)


def fade_out(audio: AudioArray, frames: int) -> AudioArray:
    """Return ``audio`` with its last ``frames`` faded to silence (half-cosine)."""
    frames = min(frames, audio.shape[0])
    if frames <= 0:
        return audio
    out = audio.copy()
    ramp = 0.5 * (1.0 + np.cos(np.linspace(0.0, math.pi, frames, dtype=np.float32)))
    out[-frames:] *= ramp[:, None]
    return out


def stitch(
    sections: Sequence[SectionAudio],
    *,
    sample_rate: int | None = None,
    crossfade_s: float = DEFAULT_CROSSFADE_S,
    end_fade_s: float = END_FADE_S,
) -> StitchResult:
    """Join ``sections`` in order on their bar lines; keep the last section's tail (faded at the
    very end so it cannot stop on a click)."""
    if not sections:
        raise ValueError("nothing to stitch")
    rate = sample_rate or sections[0].sample_rate
    parts = [
        (resample(s.audio, s.sample_rate, rate), round(s.body_frames * rate / s.sample_rate))
        for s in sections
    ]
    half = max(1, round(crossfade_s * rate / 2))
    starts: list[int] = []
    position = 0
    for _, body in parts:
        starts.append(position)
        position += body
    total = max(start + audio.shape[0] for start, (audio, _) in zip(starts, parts, strict=True))
    out = np.zeros((total, 2), dtype=np.float32)
    # Crossfade gains over the window [seam - half, seam + half).
    theta = np.linspace(0.0, math.pi / 2, 2 * half, dtype=np.float32)
    fade_in, fade_outg = np.sin(theta), np.cos(theta)
    seams = tuple(starts[1:])
    for k, (start, (audio, _)) in enumerate(zip(starts, parts, strict=True)):
        gain = np.ones(audio.shape[0], dtype=np.float32)
        if k > 0:  # fade in: the window's first half lies before this section starts (silence)
            n = min(half, audio.shape[0])
            gain[:n] *= fade_in[half : half + n]
        if k < len(parts) - 1:  # fade out around the next seam, then stop
            seam = seams[k] - start
            lo = max(0, seam - half)
            hi = min(audio.shape[0], seam + half)
            gain[lo:hi] *= fade_outg[lo - (seam - half) : hi - (seam - half)]
            gain[hi:] = 0.0
        segment = audio * gain[:, None]
        out[start : start + audio.shape[0]] += segment
    # Trim to where sound remains (the last section's tail) and fade the very end.
    end = starts[-1] + parts[-1][0].shape[0]
    out = fade_out(out[:end], round(end_fade_s * rate))
    return StitchResult(out, rate, seams, starts[-1] + parts[-1][1])
