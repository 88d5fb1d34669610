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
    from PIL import Image, ImageDraw  # imported on use: the CLI writes no picture

    mono = np.asarray(audio, dtype=np.float32)
    if mono.ndim == 2:
        mono = mono.mean(axis=1)
    frames = mono.shape[0]
    img = Image.new("RGB", (width, height), _BACKGROUND)
    draw = ImageDraw.Draw(img)
    if frames == 0:
        buf = io.BytesIO()
        img.save(buf, format="PNG")
        return buf.getvalue()
    columns = np.array_split(mono, width) if frames >= width else [mono] * width
    peak = np.array([np.abs(c).max() if c.size else 0.0 for c in columns])
    rms = np.array([np.sqrt(np.mean(np.square(c))) if c.size else 0.0 for c in columns])
    scale = (height / 2 - 4) / max(float(peak.max()), 1e-6)
    mid = height / 2
    for x in range(width):
        p, r = peak[x] * scale, rms[x] * scale
        draw.line([(x, mid - p), (x, mid + p)], fill=_WAVE)
        draw.line([(x, mid - r), (x, mid + r)], fill=_RMS)
    for seam in seams:
        x = int(seam / frames * width)
        for y in range(0, height, 6):
            draw.line([(x, y), (x, y + 2)], fill=_SEAM)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=False)
    return buf.getvalue()
