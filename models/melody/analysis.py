"""Key and tempo of a melody, and its notes on a beat grid.

Key: the melody's duration-weighted pitch-class histogram against the Krumhansl–Kessler
profiles, with a nudge for a tune that ends (or starts) on the tonic — most tunes do, and a short
tune's histogram alone often cannot tell a key from its relative or its neighbours.
Tempo: the beat period that puts the onsets on the simplest grid positions (beats, then eighths,
then sixteenths), with a mild preference for moderate tempos, refined by least squares on the
chosen positions.
Pickup (anacrusis): where in its bar the first note falls — the placement that puts the tune's
long notes on the strong beats (a duration-weighted metrical-weight score); a pickup is heard
only where it explains the accents clearly better than starting on the downbeat.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from models.plan import Key, Mode

__all__ = ["GridFit", "estimate_key", "estimate_tempo", "first_position", "quantise"]

#: Krumhansl–Kessler key profiles (probe-tone ratings, pitch classes from the tonic upward).
PROFILES: dict[Mode, tuple[float, ...]] = {
    Mode.MAJOR: (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88),
    Mode.MINOR: (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17),
}
#: Extra correlation for a key whose tonic ends (or starts) the tune.
TONIC_LAST_BONUS = 0.25
TONIC_FIRST_BONUS = 0.06

#: Grid positions as (subdivisions per beat, cost of an onset there).
GRID_COSTS: tuple[tuple[int, float], ...] = ((1, 0.0), (2, 0.15), (4, 0.5), (3, 0.6))
TEMPO_RANGE_BPM = (50.0, 200.0)
TEMPO_CENTRE_BPM = 90.0
TEMPO_PRIOR_WEIGHT = 0.35  # cost per octave² away from the centre
TIMING_TOLERANCE_S = 0.05  # onset deviation that costs as much as an off-beat position

#: Metrical weight of an onset by where it falls in the bar.
METRICAL_WEIGHT = {"downbeat": 1.0, "half bar": 0.6, "beat": 0.35, "eighth": 0.15, "other": 0.05}
#: A pickup is heard only when its placement scores this much better than the downbeat's.
PICKUP_MARGIN = 1.2


def estimate_key(notes: Sequence[tuple[int, float]]) -> Key:
    """Key of ``notes`` given as (MIDI pitch, duration weight)."""
    hist = np.zeros(12)
    for pitch, weight in notes:
        hist[pitch % 12] += max(weight, 1e-3)
    if not hist.any():
        return Key(0, Mode.MAJOR)
    first, last = notes[0][0] % 12, notes[-1][0] % 12
    best: tuple[float, int, Mode] | None = None
    for mode, profile in PROFILES.items():
        prof = np.array(profile)
        for tonic in range(12):
            r = float(np.corrcoef(hist, np.roll(prof, tonic))[0, 1])
            r += TONIC_LAST_BONUS * (last == tonic) + TONIC_FIRST_BONUS * (first == tonic)
            if best is None or r > best[0]:
                best = (r, tonic, mode)
    assert best is not None
    return Key(best[1], best[2])


@dataclass(frozen=True, slots=True)
class GridFit:
    bpm: float
    origin_s: float  # where beat 0 falls
    positions: tuple[float, ...]  # each onset in beats from the origin, on the grid


def _position_cost(beats: float, beat_s: float) -> tuple[float, float]:
    """(cost, snapped position) of one onset ``beats`` from the origin."""
    best = (math.inf, beats)
    for div, cost in GRID_COSTS:
        snapped = round(beats * div) / div
        dev_s = abs(beats - snapped) * beat_s
        c = cost + (dev_s / TIMING_TOLERANCE_S) ** 2 * 0.5
        if c < best[0]:
            best = (c, snapped)
    return best


def _fit(onsets: np.ndarray, beat_s: float) -> tuple[float, list[float]]:
    rel = (onsets - onsets[0]) / beat_s
    costs, snapped = zip(*(_position_cost(float(b), beat_s) for b in rel), strict=True)
    bpm = 60.0 / beat_s
    prior = TEMPO_PRIOR_WEIGHT * math.log2(bpm / TEMPO_CENTRE_BPM) ** 2
    return float(np.mean(costs)) + prior, list(snapped)


def estimate_tempo(onsets_s: Sequence[float]) -> GridFit:
    """The beat that best explains ``onsets_s`` (the first onset is taken as a beat)."""
    onsets = np.asarray(sorted(onsets_s), dtype=np.float64)
    if onsets.size < 2:
        return GridFit(TEMPO_CENTRE_BPM, float(onsets[0]) if onsets.size else 0.0, (0.0,))
    lo, hi = TEMPO_RANGE_BPM
    candidates = np.exp(np.linspace(math.log(lo), math.log(hi), 400))
    scored = [(_fit(onsets, 60.0 / bpm)[0], float(bpm)) for bpm in candidates]
    _cost, bpm = min(scored)
    _c, positions = _fit(onsets, 60.0 / bpm)
    # least squares: onset = origin + position × beat
    pos = np.asarray(positions)
    if np.ptp(pos) > 0:
        beat_s, origin = np.polyfit(pos, onsets, 1)
        if beat_s > 0 and abs(60.0 / beat_s - bpm) / bpm < 0.05:
            bpm = 60.0 / float(beat_s)
            _c, positions = _fit(onsets - (onsets[0] - origin), float(beat_s))
            return GridFit(bpm, float(origin), tuple(positions))
    return GridFit(bpm, float(onsets[0]), tuple(positions))


def quantise(
    onsets_s: Sequence[float], offsets_s: Sequence[float], fit: GridFit, grid: int = 4
) -> list[tuple[float, float]]:
    """(start, length) in beats for each note: starts from the fit, ends snapped to the
    ``1/grid`` beat and cut at the next note's start."""
    beat_s = 60.0 / fit.bpm
    starts = [round(p * grid) / grid for p in fit.positions]
    out = []
    for i, (start, off) in enumerate(zip(starts, offsets_s, strict=True)):
        end = round((off - fit.origin_s) / beat_s * grid) / grid
        nxt = starts[i + 1] if i + 1 < len(starts) else math.inf
        end = min(max(end, start + 1.0 / grid), nxt) if nxt > start else start + 1.0 / grid
        # a small gap before the next note is articulation, not a rest
        if nxt != math.inf and 0 < nxt - end <= 0.25:
            end = nxt
        out.append((start, max(1.0 / grid, end - start)))
    return out


def _metrical_weight(position: float, bar_beats: int) -> float:
    pos = position % bar_beats
    if abs(pos - round(pos)) < 1e-6:
        if round(pos) == 0:
            return METRICAL_WEIGHT["downbeat"]
        return METRICAL_WEIGHT["half bar" if 2 * round(pos) == bar_beats else "beat"]
    return METRICAL_WEIGHT["eighth" if abs(pos * 2 - round(pos * 2)) < 1e-6 else "other"]


def first_position(notes: Sequence[tuple[float, float]], bar_beats: int = 4) -> float:
    """Where in its bar (beats after the downbeat, on the eighth grid) the first of ``notes``
    falls, given as (start, length) in beats: 0 when the tune starts on the downbeat, e.g. 3
    for a one-beat pickup in 4/4."""
    if len(notes) < 3:
        return 0.0
    first = notes[0][0]

    def score(shift: float) -> float:
        return sum(
            _metrical_weight(start - first + shift, bar_beats) * math.log2(1 + 2 * length)
            for start, length in notes
        )

    downbeat = score(0.0)
    shifts = [k / 2 for k in range(1, 2 * bar_beats)]
    best = max(shifts, key=lambda d: (score(d), -d))
    return best if score(best) > PICKUP_MARGIN * downbeat else 0.0
