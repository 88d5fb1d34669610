"""A waveform picture of a clip (PNG), with section boundaries marked."""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["waveform_png"]

_BACKGROUND = (32, 34, 37)
_WAVE = (88, 101, 242)  # Discord blurple
_RMS = (160, 170, 255)
_SEAM = (255, 255, 255)


def waveform_png(
    audio: npt.NDArray[np.float32],
    *,
    seams: Sequence[int] = (),
    width: int = 800,
    height: int = 160,
) -> bytes:
    """Peak and RMS envelope per pixel column; dotted lines at section seams (frame indices)."""
    from PIL import Image  # imported on use: the CLI writes no picture

    mono = np.asarray(audio, dtype=np.float32)
    if mono.ndim == 2:  # the channels' mean (a matrix product: far faster than mean(axis=1))
        mono = mono @ np.full(mono.shape[1], 1.0 / mono.shape[1], dtype=np.float32)
    frames = mono.shape[0]
    pixels = np.empty((height, width, 3), dtype=np.uint8)
    pixels[:] = _BACKGROUND
    if frames:
        peak, rms = _envelopes(mono, width)
        scale = (height / 2 - 4) / max(float(peak.max()), 1e-6)
        mid = height / 2
        rows = np.arange(height, dtype=np.float32)[:, None]
        # one vertical line per column, as ImageDraw.line would draw it (ends rounded)
        pixels[np.abs(rows - mid) <= np.round(peak * scale)[None, :] + 0.5] = _WAVE
        pixels[np.abs(rows - mid) <= np.round(rms * scale)[None, :] + 0.5] = _RMS
        for seam in seams:
            x = min(int(seam / frames * width), width - 1)
            for y in range(0, height, 6):
                pixels[y : y + 3, x] = _SEAM
    buf = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def _envelopes(
    mono: npt.NDArray[np.float32], width: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Peak and RMS of each of ``width`` near-equal slices (the whole clip for every column
    when it has fewer frames than columns)."""
    frames = mono.shape[0]
    if frames < width:
        whole_peak = float(np.abs(mono).max())
        whole_rms = float(np.sqrt(np.mean(np.square(mono, dtype=np.float64))))
        return np.full(width, whole_peak), np.full(width, whole_rms)
    starts = (np.arange(width) * frames) // width
    counts = np.diff(np.append(starts, frames))
    peak = np.maximum.reduceat(np.abs(mono), starts).astype(np.float64)
    energy = np.add.reduceat(np.square(mono, dtype=np.float64), starts)
    return peak, np.sqrt(energy / counts)
