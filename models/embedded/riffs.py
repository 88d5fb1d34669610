"""Bass riffs and chord rhythms as data: where in the bar the notes fall, how long they ring.

A riff is a bar of 4/4 written as ``(position_q, length_q, what, velocity scale)``; ``what`` is
``r`` (the chord's root), ``3`` (its third above), ``5`` (its fifth above), ``8`` (the root an
octave up) or ``>`` (a step into the next chord's root when the chord changes after it, else the
root).  A riff that repeats the root also plays the third now and then: a droning root's
overtones (its fifth harmonic is a major third) would otherwise tip a minor key towards major.
Each table has a ``full`` bar for energetic sections and a ``sparse`` one for quiet bars
(energy below 0.55).  Chord rhythms use the same positions with voice-led chords.
Other meters fall back to one note or chord per pulse.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from models.embedded.context import PartContext, SectionContext
from models.embedded.parts import PartOutput, Voicer, bar_segments
from models.embedded.score import Note
from models.embedded.theory import ChordSpan, chord_scale, nearest_pitch

__all__ = ["BASS_RIFFS", "BASS_RIFF_PATTERNS", "CHORD_RHYTHMS", "CHORD_RHYTHM_PATTERNS"]

Step = tuple[float, float, str, float]
_QUIET = 0.55

#: name → (full bar, sparse bar)
BASS_RIFFS: Mapping[str, tuple[tuple[Step, ...], tuple[Step, ...]]] = {
    # boom-bap: the bass sits on the kick, a pickup into beat 4
    "riff_boombap": (
        ((0, 1.2, "r", 1), (1.5, 0.45, "r", 0.8), (2.5, 0.7, "r", 0.9), (3.5, 0.45, ">", 0.8)),
        ((0, 1.4, "r", 1), (2.5, 1.2, "r", 0.85)),
    ),
    # chillhop: round, a little melodic
    "riff_chill": (
        ((0, 0.7, "r", 1), (0.75, 0.7, "r", 0.8), (2, 0.45, "5", 0.85), (2.5, 1, "8", 0.8),
         (3.5, 0.45, ">", 0.8)),
        ((0, 1.8, "r", 1), (2.5, 1.3, "8", 0.8)),
    ),
    # tech house: rolling off-beat sixteenths
    "riff_rolling": (
        ((0.25, 0.2, "r", 0.9), (0.5, 0.2, "r", 1), (1.25, 0.2, "r", 0.85), (1.5, 0.2, "8", 0.95),
         (2.25, 0.2, "r", 0.9), (2.5, 0.2, "r", 1), (3.25, 0.2, "5", 0.85), (3.5, 0.2, "r", 0.95)),
        ((0.5, 0.3, "r", 1), (1.5, 0.3, "r", 0.9), (2.5, 0.3, "r", 1), (3.5, 0.3, "r", 0.9)),
    ),
    # bossa nova: root and fifth, the fifth anticipated
    "riff_bossa": (
        ((0, 1.4, "r", 1), (1.5, 0.45, "5", 0.85), (2, 1.4, "5", 0.9), (3.5, 0.45, "r", 0.85)),
        ((0, 1.9, "r", 1), (2, 1.9, "5", 0.9)),
    ),
    # ballad: half notes with a passing step
    "riff_ballad": (
        ((0, 1.9, "r", 1), (2, 1.4, "5", 0.85), (3.5, 0.45, ">", 0.8)),
        ((0, 3.8, "r", 1),),
    ),
    # dance-pop / disco: octave eighths
    "riff_disco": (
        tuple((k * 0.5, 0.4, "8" if k % 2 else "r", 1.0 if k % 2 == 0 else 0.85) for k in range(8)),
        ((0.5, 0.4, "r", 1), (1.5, 0.4, "r", 0.9), (2.5, 0.4, "r", 1), (3.5, 0.4, "r", 0.9)),
    ),
    # darksynth: driving sixteenths, an octave and the third to colour them
    "riff_pulse": (
        tuple((k * 0.25, 0.2, {3: "8", 11: "8", 7: "3", 15: "3"}.get(k, "r"),
               1.0 if k % 4 == 0 else 0.8) for k in range(16)),
        tuple((k * 0.5, 0.4, "3" if k in (3, 7) else "r", 1.0 if k % 2 == 0 else 0.85)
              for k in range(8)),
    ),
    # modern pop: syncopated, leaves room for the kick
    "riff_pop": (
        ((0, 0.7, "r", 1), (0.75, 0.45, "r", 0.8), (1.5, 0.45, "8", 0.85), (2.5, 0.7, "r", 0.9),
         (3.25, 0.45, "5", 0.8)),
        ((0, 1.4, "r", 1), (2.5, 1.2, "r", 0.9)),
    ),
}  # fmt: skip

ChordStep = tuple[float, float, float]

#: name → (full bar, sparse bar) of (position_q, length_q, velocity scale)
CHORD_RHYTHMS: Mapping[str, tuple[tuple[ChordStep, ...], tuple[ChordStep, ...]]] = {
    # boom-bap: a chopped sample, short hits around the backbeat
    "chops": (
        ((0, 0.45, 1), (0.75, 0.2, 0.8), (1.5, 0.45, 0.9), (2.5, 0.2, 0.85), (2.75, 0.9, 0.9)),
        ((0, 1.4, 1), (2.5, 1.2, 0.85)),
    ),
    # pop: piano or synth stabs that push the beat
    "pop_stabs": (
        ((0, 0.3, 1), (0.75, 0.3, 0.85), (1.5, 0.3, 0.9), (2.5, 0.3, 0.9), (3, 0.3, 0.85)),
        ((0, 1.8, 1), (2, 1.8, 0.9)),
    ),
    # dance-pop: syncopated plucks
    "plucks": (
        ((0, 0.2, 1), (0.75, 0.2, 0.85), (1.5, 0.2, 0.9), (2.25, 0.2, 0.85), (3, 0.2, 0.9),
         (3.5, 0.2, 0.85)),
        ((0, 0.3, 1), (1.5, 0.3, 0.9), (3, 0.3, 0.9)),
    ),
    # deep house: organ / electric piano off-beat chords, held a little
    "deep_stabs": (
        ((0.5, 0.4, 1), (1.5, 0.4, 0.9), (2.5, 0.4, 1), (3.25, 0.6, 0.9)),
        ((0.5, 1.2, 1), (2.5, 1.2, 0.9)),
    ),
    # tech house: sparse, short, off the grid
    "tech_stabs": (
        ((0.75, 0.15, 1), (2.5, 0.15, 0.9), (3.25, 0.15, 0.85)),
        ((0.75, 0.15, 1), (2.75, 0.15, 0.85)),
    ),
    # bossa nova guitar: the partido alto-like push
    "bossa_comp": (
        ((0, 0.45, 1), (0.75, 0.45, 0.8), (1.5, 0.45, 0.9), (2.5, 0.45, 0.85), (3.25, 0.6, 0.85)),
        ((0, 0.9, 1), (1.5, 0.45, 0.85), (2.5, 1.2, 0.85)),
    ),
    # rock / indie: crunchy quarter-note strums and a push
    "crunch": (
        ((0, 0.9, 1), (1, 0.45, 0.8), (1.5, 0.9, 0.9), (2.5, 0.45, 0.85), (3, 0.9, 0.9)),
        ((0, 1.9, 1), (2, 1.9, 0.9)),
    ),
    # ballad piano: a chord a half bar
    "ballad_chords": (
        ((0, 1.9, 1), (2, 0.9, 0.85), (3, 0.9, 0.8)),
        ((0, 3.8, 1),),
    ),
}  # fmt: skip


def _fallback(sec: SectionContext) -> tuple[Step, ...]:
    return tuple((k * sec.pulse_q, sec.pulse_q * 0.9, "r", 1.0) for k in range(sec.pulses))


def _pitch(ctx: PartContext, span: ChordSpan, what: str, q: float, end_q: float) -> int:
    low = ctx.spec.low
    root = nearest_pitch(span.root_pc, low + 6, low, low + 11)
    if what == "3" and len(span.pcs) > 1:
        return nearest_pitch(span.pcs[1], root + 3, root + 1, root + 5)
    if what == "5":
        pc = span.pcs[2] if len(span.pcs) > 2 else span.root_pc
        return nearest_pitch(pc, root + 7, root + 1, root + 12)
    if what == "8":
        return root + 12 if root + 12 <= ctx.spec.high + 5 else root
    if what == ">":
        sec = ctx.section
        nxt = sec.chord_at(min(end_q, sec.body_q - 1e-3))
        if nxt is span or nxt.root_pc == span.root_pc:
            return root
        target = nearest_pitch(nxt.root_pc, low + 6, low, low + 11)
        scale = chord_scale(sec.key, sec.chord_at(q).pcs)
        steps = [target - 2, target - 1] if root < target else [target + 2, target + 1]
        fits = [p for p in steps if p % 12 in scale]
        return fits[0] if fits else target
    return root


def _riff_bass(name: str) -> Callable[[PartContext], PartOutput]:
    full, sparse = BASS_RIFFS[name]

    def bass(ctx: PartContext) -> PartOutput:
        sec = ctx.section
        notes: list[Note] = []
        for bar in range(sec.bars):
            b0 = bar * sec.bar_q
            steps = (
                _fallback(sec)
                if sec.bar_q != 4.0
                else (sparse if sec.bar_energy(bar) < _QUIET else full)
            )
            for pos, length, what, scale in steps:
                q = b0 + pos
                span = sec.chord_at(q)
                pitch = _pitch(ctx, span, what, q, q + length + 0.1)
                held = min(length, span.end_q - q - 0.02) if span.end_q > q + 0.1 else length
                notes.append(Note(q, held, pitch, ctx.velocity(bar, scale)))
        return notes, []

    bass.__doc__ = f"Bass riff {name!r} (see BASS_RIFFS)."
    return bass


def _rhythm_chords(name: str) -> Callable[[PartContext], PartOutput]:
    full, sparse = CHORD_RHYTHMS[name]

    def chords(ctx: PartContext) -> PartOutput:
        sec = ctx.section
        voicer = Voicer(ctx.spec.low, ctx.spec.high, min(4, ctx.spec.voices))
        notes: list[Note] = []
        for bar in range(sec.bars):
            b0 = bar * sec.bar_q
            if sec.bar_q != 4.0:
                steps: tuple[ChordStep, ...] = tuple(
                    (s - b0, e - s - 0.05, 1.0) for s, e, _span in bar_segments(sec, bar)
                )
            else:
                steps = sparse if sec.bar_energy(bar) < _QUIET else full
            for pos, length, scale in steps:
                q = b0 + pos
                span = sec.chord_at(q)
                vel = ctx.velocity(bar, scale)
                end = min(q + length, span.end_q - 0.02) if span.end_q > q + 0.1 else q + length
                for i, p in enumerate(voicer(span, sec.key.tonic)):
                    notes.append(Note(q, max(0.05, end - q), p, vel - 2 * i))
        return notes, []

    chords.__doc__ = f"Chord rhythm {name!r} (see CHORD_RHYTHMS)."
    return chords


BASS_RIFF_PATTERNS: dict[str, Callable[[PartContext], PartOutput]] = {
    name: _riff_bass(name) for name in BASS_RIFFS
}
CHORD_RHYTHM_PATTERNS: dict[str, Callable[[PartContext], PartOutput]] = {
    name: _rhythm_chords(name) for name in CHORD_RHYTHMS
}
