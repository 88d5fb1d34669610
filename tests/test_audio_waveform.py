"""The waveform picture: measured on the decoded PNG."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from bot.audio.waveform import waveform_png

RATE = 48_000


def picture(audio: np.ndarray, **kwargs: object) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(waveform_png(audio, **kwargs))).convert("RGB"))  # type: ignore[arg-type]


def test_envelope_follows_the_audio_and_seams_are_marked() -> None:
    t = np.arange(4 * RATE) / RATE
    tone = np.sin(2 * np.pi * 220 * t).astype(np.float32)
    tone[: 2 * RATE] *= 0.1  # quiet first half, loud second half
    stereo = np.stack([tone, tone], axis=1)
    px = picture(stereo, seams=[RATE], width=400, height=100)
    assert px.shape == (100, 400, 3)
    background = np.array([32, 34, 37])
    lit = (px != background).any(axis=2).sum(axis=0)  # coloured pixels per column
    quiet, loud = np.median(lit[10:190]), np.median(lit[210:390])
    assert 0.06 < quiet / loud < 0.16  # a tenth of the amplitude, a tenth of the height
    assert loud > 80  # the loudest part fills the picture
    seam_column = px[:, 100]
    assert (seam_column == 255).all(axis=1).sum() >= 40  # the dotted line at 1 s of 4 s


def test_silence_and_tiny_clips_draw_without_errors() -> None:
    assert picture(np.zeros((0, 2), np.float32)).shape == (160, 800, 3)
    assert picture(np.full((10, 2), 0.5, np.float32)).shape == (160, 800, 3)
