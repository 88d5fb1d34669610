"""Sections meet on bar lines without clicks: the largest sample-to-sample jump at a seam is no
larger than the largest inside the sections, and power stays level through the crossfade."""

from __future__ import annotations

import numpy as np
import pytest

from bot.audio.stitch import stitch
from models.base import SectionAudio
from tests.signals import SR, section


def max_jump(x: np.ndarray) -> float:
    return float(np.abs(np.diff(x, axis=0)).max())


def test_sections_are_placed_on_bar_lines() -> None:
    parts = [section(4.0, seed=1), section(6.0, seed=2), section(5.0, seed=3)]
    result = stitch(parts)
    assert result.seams == (4 * SR, 10 * SR)
    assert result.body_frames == 15 * SR
    # The last section keeps its tail.
    assert result.audio.shape[0] == 15 * SR + parts[-1].tail_frames


def test_no_click_at_seams() -> None:
    parts = [section(4.0, seed=s) for s in range(4)]
    result = stitch(parts)
    inside = max(max_jump(p.audio[: p.body_frames]) for p in parts)
    for seam in result.seams:
        window = result.audio[seam - SR // 20 : seam + SR // 20]
        assert max_jump(window) <= inside


def test_hard_cut_would_click_but_stitch_does_not() -> None:
    # Two constant (DC-offset) sections at very different levels: a butt splice jumps by 1.6.
    a = SectionAudio(np.full((SR, 2), 0.8, np.float32), SR, SR // 2)
    b = SectionAudio(np.full((SR, 2), -0.8, np.float32), SR, SR // 2)
    result = stitch([a, b])
    seam = result.seams[0]
    assert max_jump(result.audio[seam - 2000 : seam + 2000]) < 0.05


def test_equal_power_through_the_crossfade() -> None:
    rng = np.random.default_rng(0)
    a = SectionAudio((rng.standard_normal((2 * SR, 2)) * 0.1).astype(np.float32), SR, SR)
    b = SectionAudio((rng.standard_normal((2 * SR, 2)) * 0.1).astype(np.float32), SR, SR)
    result = stitch([a, b], crossfade_s=0.2)
    seam = result.seams[0]
    rms_window = float(np.sqrt(np.mean(result.audio[seam - 2400 : seam + 2400] ** 2)))
    assert 20 * np.log10(rms_window / 0.1) == pytest.approx(0.0, abs=0.5)


def test_mixed_sample_rates_are_resampled() -> None:
    a = section(2.0, seed=1)
    b44 = SectionAudio(np.zeros((44_100 * 3, 2), np.float32), 44_100, 44_100 * 2)
    result = stitch([a, b44], sample_rate=SR)
    assert result.sample_rate == SR
    assert result.body_frames == 4 * SR


def test_end_is_faded_to_silence() -> None:
    result = stitch([section(2.0, seed=9, tail_s=0.0)])
    assert np.abs(result.audio[-1]).max() < 1e-3
