"""Mastering reaches −14 LUFS (measured by pyloudnorm) with true peak ≤ −1 dBTP (measured with an
independent 4× polyphase resampler), whatever the input level and crest factor."""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest
from scipy.signal import resample_poly

from bot.audio.loudness import LoudnessModel, integrated_lufs, true_peak_dbtp
from bot.audio.master import master
from tests.signals import SR, music_like


def reference_true_peak_db(audio: np.ndarray) -> float:
    """16× oversampling with a long Kaiser-windowed filter: stricter than a BS.1770 4× meter."""
    up = resample_poly(audio.astype(np.float64), 16, 1, axis=0, window=("kaiser", 10.0))
    return float(20 * np.log10(max(np.abs(up).max(), np.abs(audio).max())))


@pytest.mark.parametrize(
    ("level", "seed"),
    [(0.01, 1), (0.1, 2), (0.5, 3), (0.99, 4)],
    ids=["very-quiet", "quiet", "medium", "hot"],
)
def test_master_hits_target_loudness_and_ceiling(level: float, seed: int) -> None:
    x = music_like(20.0, seed=seed, level=level)
    result = master(x, SR)
    measured = pyloudnorm.Meter(SR).integrated_loudness(result.audio.astype(np.float64))
    assert measured == pytest.approx(-14.0, abs=0.2)
    assert reference_true_peak_db(result.audio) <= -1.0
    assert result.audio.dtype == np.float32
    assert result.audio.shape == x.shape


def test_peaky_input_is_limited_not_clipped() -> None:
    x = music_like(10.0, seed=5, level=0.2)
    x[SR * 5 : SR * 5 + 50] = 0.99  # a single huge transient
    result = master(x, SR)
    assert result.max_reduction_db > 3.0
    assert reference_true_peak_db(result.audio) <= -1.0
    assert pyloudnorm.Meter(SR).integrated_loudness(result.audio.astype(np.float64)) == (
        pytest.approx(-14.0, abs=0.2)
    )
    # Limiting is local: the gain curve (output / input over the static gain) stays at unity for
    # most of the clip and dips by more than 6 dB only around the transient.
    mono_in, mono_out = x[:, 0].astype(np.float64), result.audio[:, 0].astype(np.float64)
    mask = np.abs(mono_in) > 1e-3
    curve = mono_out[mask] / mono_in[mask] / 10 ** (result.gain_db / 20)
    where = np.flatnonzero(mask)
    assert np.median(curve) > 0.98
    deepest = where[np.argmin(curve)]
    assert curve.min() < 0.5
    assert abs(deepest - SR * 5) < SR * 0.05


def test_silence_stays_silent() -> None:
    silent = np.zeros((SR * 2, 2), dtype=np.float32)
    result = master(silent, SR)
    assert not result.audio.any()


def test_loudness_helpers_agree_with_pyloudnorm() -> None:
    x = music_like(8.0, seed=6, level=0.4)
    reference = pyloudnorm.Meter(SR).integrated_loudness(x.astype(np.float64))
    assert integrated_lufs(x, SR) == pytest.approx(reference, abs=1e-6)
    model = LoudnessModel(x, SR)
    assert model.lufs(0.5) == pytest.approx(reference - 6.0206, abs=1e-3)
    curve = np.linspace(0.5, 1.0, x.shape[0])
    exact = pyloudnorm.Meter(SR).integrated_loudness(x.astype(np.float64) * curve[:, None])
    assert model.lufs(curve) == pytest.approx(exact, abs=0.05)


def test_true_peak_catches_intersample_peaks() -> None:
    t = np.arange(SR) / SR
    # A sine at fs/4 sampled 45° off its crest: sample peak −3 dB, true peak 0 dB.
    s = np.sin(2 * np.pi * (SR / 4) * t + np.pi / 4)
    x = np.stack([s, s], axis=1).astype(np.float32)
    assert 20 * np.log10(np.abs(x).max()) == pytest.approx(-3.01, abs=0.05)
    assert true_peak_dbtp(x, SR) == pytest.approx(0.0, abs=0.15)


def test_in_place_mastering_gives_the_same_bytes_in_the_callers_buffer() -> None:
    x = music_like(12.0, seed=6, level=0.9).astype(np.float32)
    copy = x.copy()
    expected = master(x, SR)
    assert np.array_equal(x, copy)  # by default the input is left alone
    result = master(copy, SR, in_place=True)
    assert result.audio is copy or np.shares_memory(result.audio, copy)
    assert np.array_equal(result.audio, expected.audio)
    assert result.true_peak_dbtp == expected.true_peak_dbtp


@pytest.mark.parametrize(("tone_level", "limited"), [(0.02, True), (0.5, False)])
def test_the_reported_true_peak_is_the_results(tone_level: float, limited: bool) -> None:
    """The check after limiting looks only near the limit; what it reports is still the true
    peak of the whole result: with spikes far above the tone (the limiter works) and without
    (a result below its limit, whose largest peak is a pulse's inter-sample overshoot)."""
    t = np.arange(SR * 6) / SR
    tone = np.sin(2 * np.pi * 997.0 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 0.5 * t))
    x = np.stack([tone, 0.8 * tone], axis=1).astype(np.float32) * tone_level
    for second in (1, 3, 5):
        x[SR * second : SR * second + 20, 0] = 0.9  # short pulses
    result = master(x, SR)
    assert (result.max_reduction_db > 1.0) is limited
    assert result.true_peak_dbtp == pytest.approx(true_peak_dbtp(result.audio, SR), abs=0.01)
    assert result.true_peak_dbtp <= -1.0
