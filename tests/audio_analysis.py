"""Measurements on rendered audio, shared by the test suites.

Standard, general tools (nothing tuned to the embedded composer):

* :func:`estimate_tempo` — librosa's dynamic-programming beat tracker over onset strength, with
  the tempo refined by a least-squares line through the tracked beat times.
* :func:`estimate_key` — a Krumhansl–Schmuckler key finder: constant-Q chroma summed over the
  clip, correlated with the Krumhansl–Kessler major and minor profiles in all 24 keys.
* :func:`rms_windows`, :func:`rms_db`, :func:`loudness_lufs`, :func:`peak` — levels.

Audio is float ``(frames,)`` mono or ``(frames, channels)``; any sample rate (analysis runs at
22 050 Hz).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from models.plan import Key, Mode

__all__ = [
    "ANALYSIS_SR",
    "KK_MAJOR",
    "KK_MINOR",
    "chroma_profile",
    "estimate_key",
    "estimate_tempo",
    "key_scores",
    "loudness_lufs",
    "mono",
    "peak",
    "rms_db",
    "rms_windows",
    "tempo_matches",
]

ANALYSIS_SR = 22_050

#: Krumhansl & Kessler (1982) probe-tone profiles, tonic first.
KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])

Array = npt.NDArray[np.float64]


def mono(audio: npt.ArrayLike, sr: int) -> tuple[npt.NDArray[np.float32], int]:
    """Mix to mono and resample to :data:`ANALYSIS_SR`."""
    import librosa

    x = np.asarray(audio, dtype=np.float32)
    if x.ndim == 2:
        x = x.mean(axis=1)
    if sr != ANALYSIS_SR:
        x = librosa.resample(x, orig_sr=sr, target_sr=ANALYSIS_SR)
    return np.ascontiguousarray(x, dtype=np.float32), ANALYSIS_SR


def estimate_tempo(
    audio: npt.ArrayLike, sr: int, *, start_bpm: float = 120.0, hop_length: int = 256
) -> float:
    """Tempo in beats per minute.

    librosa's beat tracker (Ellis 2007) picks the beat level with a log-normal prior around
    ``start_bpm`` (librosa's default 120; pass a genre-typical value when the genre is known, as
    a listener would), then the tempo is the slope of a least-squares line through the tracked
    beat times, which is far finer than the tempogram's lag resolution.
    """
    import librosa

    y, rate = mono(audio, sr)
    env = librosa.onset.onset_strength(y=y, sr=rate, hop_length=hop_length)
    tempo, beats = librosa.beat.beat_track(
        onset_envelope=env, sr=rate, hop_length=hop_length, start_bpm=start_bpm, units="time"
    )
    beats = np.asarray(beats, dtype=np.float64)
    if beats.size >= 4:
        index = np.arange(beats.size, dtype=np.float64)
        slope, _intercept = np.polyfit(index, beats, 1)
        if slope > 0:
            return float(60.0 / slope)
    return float(np.atleast_1d(tempo)[0])


def tempo_matches(
    estimated: float, wanted: float, *, tolerance: float = 0.02, octave_ok: bool = False
) -> bool:
    """``estimated`` is within ``tolerance`` of ``wanted`` (or of twice/half of it when
    ``octave_ok``: a tracker may legitimately tap a half-time or double-time pulse)."""
    targets = [wanted] + ([wanted * 2.0, wanted / 2.0] if octave_ok else [])
    return any(abs(estimated - t) <= tolerance * t for t in targets)


def chroma_profile(audio: npt.ArrayLike, sr: int) -> Array:
    """Constant-Q chroma energy per pitch class (C first) over the whole clip, normalised."""
    import librosa

    y, rate = mono(audio, sr)
    chroma = librosa.feature.chroma_cqt(y=y, sr=rate)
    profile: Array = np.asarray(chroma.sum(axis=1), dtype=np.float64)
    total = float(profile.sum())
    return profile / total if total > 0 else profile


def key_scores(profile: Array) -> dict[Key, float]:
    """Pearson correlation of a chroma profile with the 24 rotated key profiles."""
    scores: dict[Key, float] = {}
    for tonic in range(12):
        for mode, template in ((Mode.MAJOR, KK_MAJOR), (Mode.MINOR, KK_MINOR)):
            rotated = np.roll(template, tonic)
            scores[Key(tonic, mode)] = float(np.corrcoef(profile, rotated)[0, 1])
    return scores


def estimate_key(audio: npt.ArrayLike, sr: int) -> Key:
    """The best-correlating of the 24 major/minor keys (Krumhansl–Schmuckler)."""
    scores = key_scores(chroma_profile(audio, sr))
    return max(scores, key=lambda k: scores[k])


def rms_windows(audio: npt.ArrayLike, sr: int, window_s: float = 0.5) -> Array:
    """RMS (linear, all channels together) of consecutive non-overlapping windows."""
    x = np.asarray(audio, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    n = max(1, round(window_s * sr))
    count = x.shape[0] // n
    if count == 0:
        return np.array([float(np.sqrt(np.mean(x**2)))]) if x.size else np.zeros(1)
    blocks = x[: count * n].reshape(count, n, x.shape[1])
    levels: Array = np.sqrt(np.mean(blocks**2, axis=(1, 2)))
    return levels


def rms_db(audio: npt.ArrayLike) -> float:
    """RMS level of the whole clip in dBFS."""
    x = np.asarray(audio, dtype=np.float64)
    value = float(np.sqrt(np.mean(x**2))) if x.size else 0.0
    return 20.0 * float(np.log10(max(value, 1e-12)))


def loudness_lufs(audio: npt.ArrayLike, sr: int) -> float:
    """Integrated loudness (ITU-R BS.1770) in LUFS."""
    import pyloudnorm

    x = np.asarray(audio, dtype=np.float64)
    return float(pyloudnorm.Meter(sr).integrated_loudness(x))


def peak(audio: npt.ArrayLike) -> float:
    x = np.asarray(audio)
    return float(np.max(np.abs(x))) if x.size else 0.0
