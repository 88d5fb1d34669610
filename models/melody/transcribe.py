"""Monophonic transcription of a hummed, sung, whistled or played tune.

Pitch comes from probabilistic YIN (``librosa.pyin``, no weights needed).  The tuning offset of
the recording (a singer a third of a semitone flat) is measured over the voiced frames and taken
out; frames then get a semitone with hysteresis (vibrato and scoops do not flip the note), short
blips are merged into their neighbours, and a rise in loudness inside a held pitch starts a
repeated note.  Before any of that, the recording is refused when it is silent, has no stable
pitch (noise, speech) or carries several pitches at once (a full mix).
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from models.melody.decode import ANALYSIS_SR
from models.melody.errors import NoNotes, NoStablePitch, Polyphonic, Silent

__all__ = ["HeardNote", "Transcription", "transcribe"]

log = logging.getLogger(__name__)

Array = npt.NDArray[np.float64]

HOP = 160  # 10 ms at 16 kHz
FRAME = 1024
FMIN_HZ = 65.40639132514966  # C2: pyin's pitch bins then sit on the semitone grid
FMAX_HZ = 1568.0  # G6
_FRAME_S = HOP / ANALYSIS_SR

# Thresholds, measured on synthetic hums, speech-like glides and full mixes (see the tests).
SILENCE_DBFS = -50.0
MIN_VOICED_S = 0.6
HYSTERESIS_ST = 0.75  # how far from the held note the pitch must go to change it
MIN_NOTE_S = 0.06
MIN_HARMONICITY = 0.55  # share of a voiced frame's energy on f0's harmonics (mono ≫, mix ≪)
MIN_STABLE_SHARE = 0.45  # share of voiced time in held, level notes (song ≫, speech ≪)
REPEAT_RISE_DB = 6.0
MIN_VOICING = 0.15  # median pyin voicing probability of the loud frames (hums ≥ 0.3, mixes ≈ 0)
NOISE_CHROMA_SPREAD = 6.0  # pitch classes near the loudest: noise ≈ 12, tonal sound ≤ 3

_POLYPHONIC = (
    "that sounds like several notes at once (a full mix or chords): send one voice or one "
    "instrument playing the tune"
)
_NO_PITCH = (
    "no steady pitch in that recording (noise or speech?): hum, sing, whistle or play the tune "
    "on one instrument"
)  # a loudness rise inside one pitch that starts a repeated note


@dataclass(frozen=True, slots=True)
class HeardNote:
    pitch: int  # MIDI note after tuning compensation
    onset_s: float
    offset_s: float


@dataclass(frozen=True, slots=True)
class Transcription:
    notes: tuple[HeardNote, ...]
    tuning_cents: float  # how far the recording sits from A440 equal temperament
    harmonicity: float
    stable_share: float


def _frames_db(y: npt.NDArray[np.float32], n_frames: int) -> Array:
    pad = np.pad(y.astype(np.float64), (FRAME // 2, FRAME // 2))
    out = np.empty(n_frames)
    for i in range(n_frames):
        seg = pad[i * HOP : i * HOP + FRAME]
        out[i] = 10 * np.log10(np.mean(seg * seg) + 1e-12)
    return out


def _power(y: npt.NDArray[np.float32]) -> Array:
    import librosa

    return np.abs(librosa.stft(y, n_fft=2048, hop_length=HOP, center=True)) ** 2  # type: ignore[no-any-return]


def _chroma_spread(spec: Array, loud: npt.NDArray[np.bool_]) -> float:
    """Mean number of pitch classes at ≥ half the strongest one, over the loud frames: about
    12 for noise, a few for anything tonal."""
    import librosa

    chroma = librosa.feature.chroma_stft(S=spec, sr=ANALYSIS_SR, tuning=0.0)
    n = min(chroma.shape[1], loud.size)
    frames = chroma[:, :n][:, loud[:n]]
    if frames.size == 0:
        return 12.0
    return float(np.mean(np.sum(frames >= 0.5 * frames.max(axis=0, keepdims=True), axis=0)))


def _harmonicity(spec: Array, f0: Array, voiced: npt.NDArray[np.bool_]) -> float:
    """Median share of spectral energy (above 60 Hz) within ±3 % of f0's first 12 harmonics."""
    freqs = np.fft.rfftfreq(2048, 1.0 / ANALYSIS_SR)
    keep = freqs > 60.0
    shares = []
    for i in np.flatnonzero(voiced)[:: max(1, int(np.sum(voiced)) // 400)]:
        if i >= spec.shape[1]:
            break
        column = spec[keep, i]
        total = column.sum()
        if total <= 0:
            continue
        ratio = freqs[keep] / f0[i]
        nearest = np.round(ratio)
        near = (nearest >= 1) & (nearest <= 12) & (np.abs(ratio - nearest) < 0.03 * nearest + 0.08)
        shares.append(column[near].sum() / total)
    return float(np.median(shares)) if shares else 0.0


def _tuning(runs: list[Array]) -> float:
    """Circular mean of the offsets from the semitone grid (-0.5..0.5 semitones), of pitch
    averaged over about one vibrato cycle so that a wide vibrato cannot wrap around."""
    width = 19
    offsets = []
    for m in runs:
        if m.size < width:
            continue
        smooth = np.convolve(m, np.ones(width) / width, mode="valid")
        offsets.append(smooth - np.round(smooth))
    if not offsets:
        offsets = [np.concatenate(runs) - np.round(np.concatenate(runs))]
    angles = 2 * np.pi * np.concatenate(offsets)
    return float(np.angle(np.mean(np.exp(1j * angles))) / (2 * np.pi))


def _label(m: Array) -> npt.NDArray[np.int64]:
    """A semitone per frame, held while the pitch stays within the hysteresis band."""
    out = np.empty(m.size, dtype=np.int64)
    current = round(float(np.median(m[: min(5, m.size)])))
    for i, v in enumerate(m):
        if abs(v - current) > HYSTERESIS_ST:
            current = round(float(v))
        out[i] = current
    return out


def _runs(values: npt.NDArray[np.int64]) -> list[tuple[int, int, int]]:
    """(start, end, value) runs of equal values."""
    runs: list[tuple[int, int, int]] = []
    start = 0
    for i in range(1, values.size + 1):
        if i == values.size or values[i] != values[start]:
            runs.append((start, i, int(values[start])))
            start = i
    return runs


def _goes_right(
    left: tuple[int, int, int], blip: tuple[int, int, int], right: tuple[int, int, int]
) -> bool:
    """A blip on the way from ``left`` to ``right`` (a scoop or glide) belongs to the note it
    leads to; otherwise to the longer neighbour."""
    lo, hi = sorted((left[2], right[2]))
    if lo < blip[2] < hi or blip[2] == right[2]:
        return True
    return right[1] - right[0] > left[1] - left[0]


def _dips(level: Array, min_frames: int) -> list[int]:
    """Frames where loudness dips by :data:`REPEAT_RISE_DB` between two louder stretches."""
    w = 10
    cuts: list[int] = []
    for k in range(min_frames, level.size - min_frames):
        if level[k] > level[k - 1] or level[k] > level[k + 1]:
            continue
        before = level[max(0, k - w) : k].max()
        after = level[k + 1 : k + 1 + w].max()
        if min(before, after) - level[k] < REPEAT_RISE_DB:
            continue
        if cuts and k - cuts[-1] < min_frames:
            if level[k] < level[cuts[-1]]:
                cuts[-1] = k
            continue
        cuts.append(k)
    return cuts


def _segment_run(m: Array, db: Array, offset: int) -> list[tuple[int, int, int]]:
    """Notes (start frame, end frame, pitch) inside one voiced stretch."""
    min_frames = max(1, round(MIN_NOTE_S / _FRAME_S))
    from scipy.ndimage import median_filter

    runs = _runs(_label(median_filter(m, size=7, mode="nearest")))
    # blips (scoops, glides, octave slips) join the held note they lead to or come from
    held = [r for r in runs if r[1] - r[0] >= min_frames]
    if not held:
        return [(offset, offset + m.size, round(float(np.median(m))))]
    assigned: list[tuple[int, int, int]] = []
    for run in runs:
        if run[1] - run[0] >= min_frames:
            assigned.append(run)
            continue
        left = next((r for r in reversed(held) if r[1] <= run[0]), None)
        right = next((r for r in held if r[0] >= run[1]), None)
        target = (
            right if left is None or (right is not None and _goes_right(left, run, right)) else left
        )
        assert target is not None
        assigned.append((run[0], run[1], target[2]))
    runs = assigned
    merged: list[tuple[int, int, int]] = []
    for s, e, p in runs:
        if merged and merged[-1][2] == p:
            merged[-1] = (merged[-1][0], e, p)
        else:
            merged.append((s, e, p))
    # a short note strictly between its neighbours is the middle of a glide
    glide_frames = round(0.13 / _FRAME_S)
    j = 0
    while j < len(merged) - 1:
        s, e, p = merged[j]
        _rs, re_, rp = merged[j + 1]
        between = j > 0 and min(merged[j - 1][2], rp) < p < max(merged[j - 1][2], rp)
        trend = float(np.mean(m[e - 2 : e]) - np.mean(m[s : s + 2]))
        heading = abs(trend) > 0.5 and np.sign(trend) == np.sign(rp - p)
        if e - s < glide_frames and (between or heading):
            merged[j : j + 2] = [(s, re_, rp)]
            if j > 0:
                merged[j - 1] = (merged[j - 1][0], s, merged[j - 1][2])
            continue
        j += 1
    dips = _dips(db, min_frames)
    bounds = [s for s, _e, _p in merged[1:]]
    for j, b in enumerate(bounds):
        near = [d for d in dips if b - 10 <= d <= b + 3]
        if near:
            bounds[j] = max(near) + 2
        else:  # back to where the pitch left the previous note
            prev = merged[j][2]
            k = b
            while k - 1 > merged[j][0] + min_frames and abs(m[k - 1] - prev) > 0.25 and b - k < 8:
                k -= 1
            bounds[j] = k
    edges = [0, *bounds, m.size]
    notes: list[tuple[int, int, int]] = []
    for (a, b), (_s, _e, _p) in zip(itertools.pairwise(edges), merged, strict=True):
        if b - a < min_frames:
            continue
        pitch = round(float(np.median(m[a:b])))
        # a loudness dip inside a held pitch separates repeated notes
        cuts = [a, *(d + 2 for d in dips if a + min_frames <= d + 2 <= b - min_frames), b]
        for c0, c1 in itertools.pairwise(cuts):
            if c1 - c0 >= min_frames:
                notes.append((offset + c0, offset + c1, pitch))
    return notes


def _stable_share(m: Array, notes: list[tuple[int, int, int]], voiced_frames: int) -> float:
    """Share of voiced time in notes that are held (≥ 80 ms) and level (the two halves of a
    note, past its attack, within half a semitone)."""
    stable = 0
    for s, e, _p in notes:
        if (e - s) * _FRAME_S < 0.08:
            continue
        seg = m[s + (e - s) // 5 : e]
        half = seg.size // 2
        if abs(float(np.median(seg[:half]) - np.median(seg[half:]))) < 0.5:
            stable += e - s
    return stable / max(1, voiced_frames)


def transcribe(y: npt.NDArray[np.float32]) -> Transcription:
    """Notes heard in ``y`` (mono, :data:`ANALYSIS_SR`).  Raises :class:`Silent`,
    :class:`NoStablePitch`, :class:`Polyphonic` or :class:`NoNotes`."""
    import librosa

    peak = float(np.max(np.abs(y))) if y.size else 0.0
    if y.size < ANALYSIS_SR * 0.3 or 20 * np.log10(peak + 1e-12) < SILENCE_DBFS:
        raise Silent("that recording is silent: hum, sing or whistle the tune a little louder")
    y = (y / peak * 0.5).astype(np.float32)
    f0, voiced, prob = librosa.pyin(
        y,
        fmin=FMIN_HZ,
        fmax=FMAX_HZ,
        sr=ANALYSIS_SR,
        frame_length=FRAME,
        hop_length=HOP,
        resolution=0.2,
    )
    voiced = voiced & np.isfinite(f0)
    db = _frames_db(y, f0.size)
    loud = db > np.max(db) - 30.0
    voiced &= db > np.max(db) - 45.0
    spec = _power(y)
    if float(np.median(prob[loud])) < MIN_VOICING:
        # no voice pyin can follow: tonal (several pitches at once) or not (noise)
        if _chroma_spread(spec, loud) < NOISE_CHROMA_SPREAD:
            raise Polyphonic(_POLYPHONIC)
        raise NoStablePitch(_NO_PITCH)
    if np.sum(voiced) * _FRAME_S < MIN_VOICED_S:
        raise NoStablePitch(_NO_PITCH)
    harmonicity = _harmonicity(spec, f0, voiced)
    midi_all = librosa.hz_to_midi(np.where(voiced, f0, 440.0))
    stretches: list[tuple[int, int]] = []
    i = 0
    while i < voiced.size:
        if not voiced[i]:
            i += 1
            continue
        j = i
        while j < voiced.size and voiced[j]:
            j += 1
        stretches.append((i, j))
        i = j
    tuning = _tuning([midi_all[a:b] for a, b in stretches])
    m = midi_all - tuning
    notes: list[tuple[int, int, int]] = []
    for a, b in stretches:
        notes.extend(_segment_run(m[a:b], db[a:b], a))
    stable = _stable_share(m, notes, int(np.sum(voiced)))
    log.debug("harmonicity %.2f stable %.2f notes %d", harmonicity, stable, len(notes))
    if harmonicity < MIN_HARMONICITY:
        raise Polyphonic(_POLYPHONIC)
    if stable < MIN_STABLE_SHARE:
        raise NoStablePitch(_NO_PITCH)
    heard = tuple(HeardNote(p, s * _FRAME_S, e * _FRAME_S) for s, e, p in notes)
    if len(heard) < 3:
        raise NoNotes(f"only {len(heard)} note(s) heard: a melody needs at least 3 notes")
    return Transcription(heard, round(tuning * 100.0, 1), harmonicity, stable)
