"""Audio in and out of MusicGen (numpy/scipy): the prompt cut from the previous section and the
conversion of generated audio to the bot's rate and layout."""

from __future__ import annotations

import math
from math import gcd
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.signal import resample_poly

from models.base import SectionAudio

__all__ = ["prompt_from_previous", "resample", "to_output"]

Audio = npt.NDArray[np.float32]


def resample(audio: npt.NDArray[Any], rate_in: int, rate_out: int) -> Audio:
    """Resample along axis 0 (polyphase, anti-aliased); float32 out."""
    if rate_in == rate_out:
        return np.asarray(audio, dtype=np.float32)
    g = gcd(rate_in, rate_out)
    out = resample_poly(np.asarray(audio, dtype=np.float64), rate_out // g, rate_in // g, axis=0)
    return np.asarray(out, dtype=np.float32)


def prompt_from_previous(
    previous: SectionAudio,
    *,
    frames: int,
    sample_rate: int,
    channels: int,
    hop_length: int,
) -> Audio | None:
    """The last ``frames`` EnCodec frames' worth (``hop_length`` samples each) of the previous
    section's body at the model's rate, shape ``(samples,)`` for a mono model or
    ``(2, samples)`` for a stereo one; fewer whole frames when the body is shorter.

    A whole number of frames, so that the prompt's frames can be cut from the output exactly.
    ``None`` when the body is shorter than one frame.
    """
    body = previous.audio[: previous.body_frames]
    seconds = frames * hop_length / sample_rate + 0.05  # a margin for the resampling filter
    body = body[max(0, len(body) - math.ceil(seconds * previous.sample_rate)) :]
    at_rate = resample(body, previous.sample_rate, sample_rate)
    n = min(frames * hop_length, len(at_rate) // hop_length * hop_length)
    if n <= 0:
        return None
    tail = np.clip(at_rate[len(at_rate) - n :], -1.0, 1.0)
    if channels == 1:
        return np.ascontiguousarray(tail.mean(axis=1), dtype=np.float32)
    return np.ascontiguousarray(tail.T, dtype=np.float32)


def to_output(audio: npt.NDArray[Any], rate_in: int, rate_out: int, frames: int) -> Audio:
    """``(channels, samples)`` model audio → float32 ``(frames, 2)`` at ``rate_out``: mono is
    duplicated, the length is cut (or, by at most a few samples of resampling, padded) to
    ``frames``.  Levels are left alone: the bot's mastering stage sets loudness and peaks."""
    stereo = np.repeat(audio[:1], 2, axis=0) if audio.shape[0] == 1 else audio[:2]
    out = resample(stereo.T, rate_in, rate_out)[:frames]
    if out.shape[0] < frames:
        out = np.pad(out, ((0, frames - out.shape[0]), (0, 0)))
    return np.ascontiguousarray(out, dtype=np.float32)
