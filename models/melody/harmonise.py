"""Chords chosen to fit a melody: the harmonisation of a user's motif.

Each slot (half a bar in 4/4, a bar otherwise) gets the diatonic chord whose tones best cover the
melody notes sounding in it (weighted by length, more on strong beats), and a Viterbi pass over
the slots adds the pull of good progressions (V→I, IV→V, ii→V...), a tonic start and a tonic
ending.  A style may colour the chosen triads (sevenths for jazz and lofi) where the melody
allows.  The tables below are the musical knowledge; the code only scores and searches.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from models.embedded.theory import parse_numeral, scale_of
from models.plan import Chord, Key, Meter, Mode, MotifNote

__all__ = ["CANDIDATES", "harmonise"]

#: The chords a tune is harmonised with, per mode, as roman numerals.
CANDIDATES: dict[Mode, tuple[str, ...]] = {
    Mode.MAJOR: ("I", "ii", "iii", "IV", "V", "vi", "V7"),
    Mode.MINOR: ("i", "iv", "V", "III", "VI", "VII", "ii°", "v"),
}
#: Bonus for moving from one chord to the next (anything unlisted: 0).
PROGRESSION_PULL: dict[Mode, dict[tuple[str, str], float]] = {
    Mode.MAJOR: {
        ("V", "I"): 0.5, ("V7", "I"): 0.6, ("IV", "V"): 0.3, ("ii", "V"): 0.4, ("ii", "V7"): 0.4,
        ("IV", "I"): 0.2, ("vi", "IV"): 0.2, ("vi", "ii"): 0.2, ("I", "IV"): 0.15,
        ("I", "V"): 0.1, ("I", "vi"): 0.1, ("iii", "vi"): 0.2, ("V", "vi"): 0.15,
        ("IV", "ii"): 0.05, ("V", "IV"): -0.2, ("V7", "IV"): -0.3,
    },
    Mode.MINOR: {
        ("V", "i"): 0.6, ("iv", "V"): 0.3, ("ii°", "V"): 0.4, ("VI", "iv"): 0.15,
        ("VII", "III"): 0.3, ("III", "VI"): 0.2, ("iv", "i"): 0.2, ("i", "iv"): 0.15,
        ("VI", "VII"): 0.2, ("VII", "i"): 0.2, ("i", "VI"): 0.1, ("v", "i"): 0.2,
        ("V", "iv"): -0.2,
    },
}  # fmt: skip
#: Colour a style adds to a chosen chord when the melody does not clash with it.
STYLE_COLOUR: dict[str, dict[str, str]] = {
    "jazz": {"I": "Imaj7", "ii": "ii7", "iii": "iii7", "IV": "IVmaj7", "V": "V7", "vi": "vi7",
             "i": "i7", "iv": "iv7", "III": "IIImaj7", "VI": "VImaj7", "VII": "VII7"},
    "lofi": {"I": "Imaj7", "ii": "ii7", "IV": "IVmaj7", "vi": "vi7", "i": "i7", "iv": "iv7",
             "VI": "VImaj7"},
}  # fmt: skip

CHORD_TONE = 1.0
SCALE_TONE = -0.25  # a passing note against the chord
CLASH = -1.2  # a note outside the chord's scale
STRONG_WEIGHT = 1.6  # notes on a slot's first pulse count more
TONIC_START = 0.4
TONIC_END = 0.8
CHANGE_MID_BAR = -0.45  # changing chord on the bar's half (rather than its start)
REPEAT = -0.05  # the same chord again (motion is preferred when the fit is equal)


@dataclass(frozen=True, slots=True)
class _Slot:
    start: float  # pulses
    length: float
    bar_start: bool
    notes: tuple[tuple[int, float, bool], ...]  # (pitch class above the tonic, weight, strong)


def _slots(motif: Sequence[MotifNote], pcs: Sequence[int], meter: Meter, bars: int) -> list[_Slot]:
    per_bar = 2 if meter.pulses_per_bar == 4 else 1
    length = meter.pulses_per_bar / per_bar
    slots = []
    for k in range(bars * per_bar):
        a, b = k * length, (k + 1) * length
        inside = []
        for note, pc in zip(motif, pcs, strict=True):
            overlap = min(b, note.start + note.length) - max(a, note.start)
            if overlap > 1e-6:
                strong = abs(note.start - a) < 1e-6
                inside.append((pc, overlap * (STRONG_WEIGHT if strong else 1.0), strong))
        slots.append(_Slot(a, length, k % per_bar == 0, tuple(inside)))
    return slots


def _fit(chord: Chord, key: Key, slot: _Slot) -> float:
    tones = {(chord.root + i) % 12 for i in chord.intervals}
    scale = set(scale_of(key.mode))
    if 11 in tones and key.mode is Mode.MINOR:  # harmonic minor over V
        scale = (scale - {10}) | {11}
    score = 0.0
    for pc, weight, _strong in slot.notes:
        if pc in tones:
            score += CHORD_TONE * weight
        elif pc in scale:
            score += SCALE_TONE * weight
        else:
            score += CLASH * weight
    return score


def _colour(name: str, chord: Chord, style: str, key: Key, slot_fit: list[_Slot]) -> Chord:
    coloured = STYLE_COLOUR.get(style, {}).get(name)
    if coloured is None:
        return chord
    alt = parse_numeral(coloured, key.mode, chord.bars)
    plain = sum(_fit(chord, key, s) for s in slot_fit)
    rich = sum(_fit(alt, key, s) for s in slot_fit)
    return alt if rich >= plain - 0.2 else chord


def harmonise(
    motif: Sequence[MotifNote],
    pcs: Sequence[int],
    key: Key,
    meter: Meter,
    *,
    bars: int,
    style: str,
) -> tuple[Chord, ...]:
    """Chords for ``bars`` bars under ``motif`` (whose notes have pitch classes ``pcs``, relative
    to the tonic), as a progression that tiles those bars exactly."""
    slots = _slots(motif, pcs, meter, bars)
    names = CANDIDATES[key.mode]
    chords = {n: parse_numeral(n, key.mode) for n in names}
    pull = PROGRESSION_PULL[key.mode]
    tonic = names[0]
    # Viterbi: best[i][name] = (score, previous name)
    best: list[dict[str, tuple[float, str | None]]] = []
    for i, slot in enumerate(slots):
        row: dict[str, tuple[float, str | None]] = {}
        for name in names:
            local = _fit(chords[name], key, slot)
            if i == 0:
                row[name] = (local + (TONIC_START if name == tonic else 0.0), None)
                continue
            options = []
            for prev, (score, _p) in best[-1].items():
                move = REPEAT if prev == name else pull.get((prev, name), 0.0)
                if prev != name and not slot.bar_start:
                    move += CHANGE_MID_BAR
                options.append((score + move, prev))
            score, prev = max(options)
            row[name] = (score + local, prev)
        best.append(row)
    last = {n: s + (TONIC_END if n == tonic else 0.0) for n, (s, _p) in best[-1].items()}
    current: str | None = max(last, key=lambda n: last[n])
    path: list[str] = []
    for row in reversed(best):
        assert current is not None
        path.append(current)
        current = row[current][1]
    path.reverse()
    out: list[tuple[str, list[_Slot]]] = []
    for n, slot in zip(path, slots, strict=True):
        if out and out[-1][0] == n:
            out[-1][1].append(slot)
        else:
            out.append((n, [slot]))
    bar_pulses = meter.pulses_per_bar
    result = []
    for n, group in out:
        length_bars = sum(s.length for s in group) / bar_pulses
        chord = Chord(chords[n].root, chords[n].quality, length_bars)
        result.append(_colour(n, chord, style, key, group))
    assert math.isclose(sum(c.bars for c in result), bars)
    return tuple(result)
