"""Music theory helpers: scales, roman-numeral chords, chord scales and voice-led voicings.

Everything works in pitch classes relative to the key (0 = tonic) or in absolute MIDI pitches.
In minor keys the "scale" is natural minor, but any chord that contains the raised seventh (the
major V, vii°) switches the melody to harmonic minor while it sounds, so cadences lead to the
tonic.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from models.plan import Chord, Key, Mode, PlanError

__all__ = [
    "MAJOR_SCALE",
    "MINOR_SCALE",
    "ChordSpan",
    "chord_scale",
    "degree_pitch",
    "nearest_pitch",
    "parse_numeral",
    "parse_progression",
    "scale_of",
    "voice_chord",
]

MAJOR_SCALE: tuple[int, ...] = (0, 2, 4, 5, 7, 9, 11)
MINOR_SCALE: tuple[int, ...] = (0, 2, 3, 5, 7, 8, 10)

_NUMERALS = {"i": 0, "ii": 1, "iii": 2, "iv": 3, "v": 4, "vi": 5, "vii": 6}
_NUMERAL_RE = re.compile(r"^(b|#)?(iii|ii|iv|vii|vi|v|i)(°|ø|\+)?(.*)$", re.IGNORECASE)
_UPPER_SUFFIX = {
    "": "maj",
    "7": "dom7",
    "maj7": "maj7",
    "9": "dom9",
    "maj9": "maj9",
    "add9": "add9",
    "6": "maj6",
    "sus4": "sus4",
    "sus2": "sus2",
    "+": "aug",
}
_LOWER_SUFFIX = {"": "min", "7": "min7", "9": "min9", "6": "min6", "ø": "m7b5", "°": "dim"}


def scale_of(mode: Mode) -> tuple[int, ...]:
    return MAJOR_SCALE if mode is Mode.MAJOR else MINOR_SCALE


def parse_numeral(text: str, mode: Mode, bars: float = 1.0) -> Chord:
    """``"V7"`` in A minor → Chord(root=7, "dom7").  Numerals follow the key's own scale
    (natural minor in minor keys); ``b``/``#`` alter the root; case gives the quality."""
    match = _NUMERAL_RE.match(text.strip())
    if match is None:
        raise PlanError(f"not a roman numeral chord: {text!r}")
    accidental, numeral, mark, suffix = match.groups()
    root = scale_of(mode)[_NUMERALS[numeral.lower()]]
    root += {"b": -1, "#": 1}.get(accidental or "", 0)
    if mark in ("°", "ø"):
        quality = _LOWER_SUFFIX[mark]
    elif mark == "+":
        quality = "aug"
    elif numeral.isupper():
        quality = _UPPER_SUFFIX.get(suffix, "")
    else:
        quality = _LOWER_SUFFIX.get(suffix, "")
    if not quality:
        raise PlanError(f"unknown chord suffix in {text!r}")
    return Chord(root % 12, quality, bars)


def parse_progression(text: str, mode: Mode) -> tuple[Chord, ...]:
    """``"i iv V7:0.5 i"``: space-separated numerals, optional ``:bars`` (default 1 bar)."""
    chords = []
    for token in text.split():
        name, _, length = token.partition(":")
        chords.append(parse_numeral(name, mode, float(length) if length else 1.0))
    return tuple(chords)


@dataclass(frozen=True, slots=True)
class ChordSpan:
    """A chord sounding from ``start_q`` to ``end_q`` (quarter notes from the section start)."""

    start_q: float
    end_q: float
    root_pc: int  # absolute pitch class of the root
    pcs: tuple[int, ...]  # absolute pitch classes, root first (extensions included)
    chord: Chord
    bar: int  # bar index within the section where the chord starts

    @property
    def length_q(self) -> float:
        return self.end_q - self.start_q

    @property
    def triad(self) -> tuple[int, ...]:
        return self.pcs[:3]

    def is_tonic(self, key: Key) -> bool:
        return self.root_pc == key.tonic and self.chord.quality not in ("dim", "dom7", "dom9")


def chord_scale(key: Key, chord_pcs: Sequence[int]) -> tuple[int, ...]:
    """The key's scale (absolute pitch classes) adjusted to a chord: a scale tone a semitone away
    from a chord tone is replaced by that chord tone (G → G♯ over E major in A minor)."""
    base = [(key.tonic + step) % 12 for step in scale_of(key.mode)]
    out = []
    chord_set = set(chord_pcs)
    for pc in base:
        if pc in chord_set:
            out.append(pc)
            continue
        replaced = pc
        for c in chord_set:
            if c not in base and (c - pc) % 12 in (1, 11):
                replaced = c
                break
        out.append(replaced)
    return tuple(sorted(set(out)))


def degree_pitch(
    key: Key, degree: int, octave_base: int, scale: Sequence[int] | None = None
) -> int:
    """MIDI pitch of scale ``degree`` (0 = tonic, 7 = octave) with the tonic of degree 0 in the
    octave starting at MIDI ``octave_base`` (e.g. 60 → tonic at or above middle C)."""
    steps = tuple(scale) if scale is not None else scale_of(key.mode)
    octave, index = divmod(degree, len(steps))
    tonic = octave_base + (key.tonic - octave_base) % 12
    return tonic + 12 * octave + steps[index]


def nearest_pitch(pc: int, target: int, low: int = 0, high: int = 127) -> int:
    """The MIDI pitch of class ``pc`` nearest to ``target`` within [low, high]."""
    base = target - ((target - pc) % 12)
    candidates = [p for p in (base - 12, base, base + 12, base + 24) if low <= p <= high]
    if not candidates:
        candidates = [low + (pc - low) % 12]
    return min(candidates, key=lambda p: (abs(p - target), p))


def voice_chord(
    pcs: Sequence[int],
    previous: Sequence[int] | None,
    low: int,
    high: int,
    *,
    max_notes: int = 4,
    center: int | None = None,
) -> tuple[int, ...]:
    """A close voicing of ``pcs`` within [low, high], voice-led from ``previous``.

    Keeps at most ``max_notes`` pitch classes (root, third, seventh, fifth, extensions in that
    order of importance), tries every inversion in every octave that fits and picks the one with
    the least total movement from ``previous`` (or nearest to ``center`` for the first chord).
    """
    chosen = _pick_pcs(pcs, max_notes)
    mid = center if center is not None else (low + high) // 2
    best: tuple[int, ...] | None = None
    best_cost = float("inf")
    n = len(chosen)
    ordered = sorted(chosen)
    for rotation in range(n):
        order = ordered[rotation:] + ordered[:rotation]
        for base in range(low - 12, high + 1):
            if base % 12 != order[0]:
                continue
            voicing = [base]
            for pc in order[1:]:
                nxt = voicing[-1] + ((pc - voicing[-1]) % 12 or 12)
                voicing.append(nxt)
            if voicing[0] < low or voicing[-1] > high:
                continue
            cost = _cost(voicing, previous, mid)
            if cost < best_cost:
                best_cost = cost
                best = tuple(voicing)
    if best is None:  # range too narrow: fold into range
        best = tuple(sorted(nearest_pitch(pc, mid, low, high) for pc in chosen))
    return best


def _pick_pcs(pcs: Sequence[int], max_notes: int) -> list[int]:
    unique: list[int] = []
    for pc in pcs:
        if pc not in unique:
            unique.append(pc)
    if len(unique) <= max_notes:
        return unique
    # importance: root, third, seventh, extensions, fifth last
    root = unique[0]
    order = [root]
    intervals = {(pc - root) % 12: pc for pc in unique[1:]}
    for iv in (3, 4, 10, 11, 9, 2, 1, 5, 6, 8, 7):
        if iv in intervals and intervals[iv] not in order:
            order.append(intervals[iv])
    return order[:max_notes]


def _cost(voicing: Sequence[int], previous: Sequence[int] | None, mid: int) -> float:
    center = sum(voicing) / len(voicing)
    if not previous:
        return abs(center - mid)
    movement = 0.0
    for p in voicing:
        movement += min(abs(p - q) for q in previous)
    prev_center = sum(previous) / len(previous)
    return movement + 0.5 * abs(center - prev_center) + 0.1 * abs(center - mid)
