"""Joining sections on bar lines.

Each :class:`~models.base.SectionAudio` starts on its first downbeat and has its last bar line at
``body_frames``; what follows is its tail (releases, reverb).  The next section is placed exactly on
that bar line and the two are joined with a short equal-power crossfade starting on the bar line:
the previous section's tail fades out with a cosine while the next section fades in with a sine,
so the summed power stays constant and no click appears at a seam.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from models.base import SectionAudio

__all__ = ["StitchResult", "fade_out", "resample", "stitch"]

AudioArray = npt.NDArray[np.float32]

DEFAULT_CROSSFADE_S = 0.030
_MICRO_FADE_S = 0.003
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
    from scipy.signal import resample_poly  # only when rates differ: the import is slow

    out: AudioArray = resample_poly(audio, to_rate // g, from_rate // g, axis=0).astype(np.float32)
    return out


def fade_out(audio: AudioArray, frames: int, *, in_place: bool = False) -> AudioArray:
    """Return ``audio`` with its last ``frames`` faded to silence (half-cosine); ``in_place``:
    fade ``audio`` itself instead of a copy."""
    frames = min(frames, audio.shape[0])
    if frames <= 0:
        return audio
    out = audio if in_place else audio.copy()
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
    fade = max(2, round(crossfade_s * rate))
    micro = max(2, round(_MICRO_FADE_S * rate))
    starts: list[int] = []
    position = 0
    for _, body in parts:
        starts.append(position)
        position += body
    total = max(start + audio.shape[0] for start, (audio, _) in zip(starts, parts, strict=True))
    out = np.zeros((total, 2), dtype=np.float32)
    seams = tuple(starts[1:])
    # Crossfade length at each seam: the previous section's tail, up to `fade`.  Without a tail
    # there is nothing to overlap; both sides then get a micro-fade so the splice cannot click.
    overlaps = [min(fade, parts[k][0].shape[0] - parts[k][1]) for k in range(len(parts) - 1)]
    for k, (start, (audio, body)) in enumerate(zip(starts, parts, strict=True)):
        frames = audio.shape[0]
        gain = np.ones(frames, dtype=np.float32)
        head = 0  # gain is 1 from ``head`` to ``fall``, 0 after ``end``
        fall = end = frames
        if k > 0:
            head = overlaps[k - 1] if overlaps[k - 1] >= micro else micro
            head = min(head, frames)
            gain[:head] = np.sin(np.linspace(0.0, math.pi / 2, head, dtype=np.float32))
        if k < len(parts) - 1:
            n = overlaps[k]
            if n >= micro:  # fade the tail out over the overlap, starting on the bar line
                gain[body : body + n] *= np.cos(np.linspace(0.0, math.pi / 2, n, dtype=np.float32))
                fall, end = body, body + n
            else:  # no tail: fade the last moments of the body itself
                gain[body - micro : body] *= np.cos(
                    np.linspace(0.0, math.pi / 2, micro, dtype=np.float32)
                )
                fall, end = body - micro, body
        here = out[start : start + frames]
        if head > fall:  # a section shorter than its fades
            here[:end] += audio[:end] * gain[:end, None]
            continue
        # only the fades are multiplied; between them the section is added as it is
        here[:head] += audio[:head] * gain[:head, None]
        here[head:fall] += audio[head:fall]
        here[fall:end] += audio[fall:end] * gain[fall:end, None]
    # Trim to where sound remains (the last section's tail) and fade the very end.
    end = starts[-1] + parts[-1][0].shape[0]
    out = fade_out(out[:end], round(end_fade_s * rate), in_place=True)  # our own buffer
    return StitchResult(out, rate, seams, starts[-1] + parts[-1][1])
