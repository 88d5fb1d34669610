"""Chord parts: pads, sustained strings, comping, stabs, power chords, strums.

Every generator takes a :class:`~models.embedded.context.PartContext` and returns the part's
notes (and controller events) for the whole section; voicings are voice-led from chord to chord.
Figurations (arpeggios, ostinatos, the piano's left hand) live in :mod:`.figures`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from models.embedded.context import PartContext
from models.embedded.figures import FIGURE_PATTERNS
from models.embedded.parts import PartOutput, Voicer, bar_segments, grid, is_strong, ms_to_q
from models.embedded.riffs import CHORD_RHYTHM_PATTERNS
from models.embedded.score import ControlEvent, Note
from models.embedded.theory import ChordSpan, nearest_pitch

__all__ = ["HARMONY_PATTERNS"]


def _modal_third(ctx: PartContext, span: ChordSpan, voicing: tuple[int, ...]) -> tuple[int, ...]:
    """On the tonic chord, add its root on top of the voicing, softly: the tonic sings over the
    chord.  (Not the third: a doubled third over a maj7 chord spells the mediant's minor triad,
    E–G♯–B–D♯ → G♯ minor, and a doubled minor third leans to the relative major.)"""
    if span.root_pc != ctx.section.key.tonic or len(span.pcs) < 2 or not voicing:
        return voicing
    pc = span.root_pc
    top = nearest_pitch(pc, voicing[-1] + 4, voicing[-1] + 1, ctx.spec.high + 5)
    if top <= voicing[-1] or top % 12 != pc:
        return voicing
    return (*voicing, top)


def _hold(
    ctx: PartContext, rng_strum_ms: float = 0.0, max_notes: int = 4, scale: float = 1.0
) -> list[Note]:
    """Sustained chords, one attack per chord change (or per bar for long chords)."""
    sec = ctx.section
    voicer = Voicer(ctx.spec.low, ctx.spec.high, min(max_notes, ctx.spec.voices))
    notes: list[Note] = []
    strum = ms_to_q(sec, rng_strum_ms)
    for bar in range(sec.bars):
        for s, _e, span in bar_segments(sec, bar):
            offset = s - span.start_q
            if offset > 1e-6 and abs(offset % (2 * sec.bar_q)) > 1e-6:
                continue  # long chords are re-struck every two bars
            end = min(span.end_q, s + 2 * sec.bar_q)
            vel = ctx.velocity(bar, scale)
            voicing = voicer(span)
            for i, p in enumerate(_modal_third(ctx, span, voicing)):
                v = vel - 2 * i if i < len(voicing) else int(vel * 0.7)  # the added note: softer
                notes.append(Note(s + i * strum, end - s - i * strum - 0.02, p, v))
    return notes


def pad(ctx: PartContext) -> PartOutput:
    return _hold(ctx, 0.0, 4, 0.95), []


def sustain_chords(ctx: PartContext) -> PartOutput:
    return _hold(ctx, 12.0, 4), []


def strings(ctx: PartContext) -> PartOutput:
    """Sustained string voicing with the root doubled an octave or two below (when the part
    may use four voices or more)."""
    notes = _hold(ctx, 0.0, max(3, ctx.spec.voices - 1))
    sec = ctx.section
    extra: list[Note] = []
    if ctx.spec.voices < 4:
        return notes, []
    for bar in range(sec.bars):
        for s, _e, span in bar_segments(sec, bar):
            if s <= span.start_q + 1e-6:
                low = nearest_pitch(span.root_pc, ctx.spec.low + 4, ctx.spec.low, ctx.spec.low + 14)
                end = min(span.end_q, s + 2 * sec.bar_q)
                extra.append(Note(s, end - s - 0.02, low, ctx.velocity(bar, 0.9)))
    return notes + extra, []


def pump_pad(ctx: PartContext) -> PartOutput:
    """A pad ducked on every beat (the house "sidechain" pump) through CC11 expression."""
    notes = _hold(ctx, 0.0, 4)
    sec = ctx.section
    controls = []
    shape = ((0.0, 34), (0.12, 64), (0.25, 92), (0.5, 114), (0.75, 124))
    for beat in range(round(sec.body_q / sec.pulse_q)):
        for off, val in shape:
            controls.append(ControlEvent((beat + off) * sec.pulse_q, "cc", 11, val))
    return notes, controls


def _rhythm_chords(
    ctx: PartContext,
    positions: Callable[[int, float], Sequence[tuple[float, float, float]]],
    voicer: Voicer,
    strum_ms: float = 0.0,
) -> list[Note]:
    """Chords at (position_in_bar, length, velocity scale) from ``positions(bar, energy)``."""
    sec = ctx.section
    strum = ms_to_q(sec, strum_ms)
    notes: list[Note] = []
    for bar in range(sec.bars):
        b0 = bar * sec.bar_q
        for pos, length, vscale in positions(bar, sec.bar_energy(bar)):
            q = b0 + pos
            span = sec.chord_at(q)
            vel = ctx.velocity(bar, vscale)
            end = min(q + length, span.end_q if span.end_q > q + 0.1 else q + length)
            for i, p in enumerate(voicer(span, sec.key.tonic)):
                notes.append(Note(q + i * strum, max(0.05, end - q - i * strum), p, vel))
    return notes


def rhodes(ctx: PartContext) -> PartOutput:
    """Lo-fi electric piano: lush 7th/9th chords, a lazy strum, an anticipation now and then."""
    sec = ctx.section
    voicer = Voicer(ctx.spec.low, ctx.spec.high, min(5, ctx.spec.voices), omit_fifth=True)
    rng = ctx.rng

    def positions(bar: int, energy: float) -> list[tuple[float, float, float]]:
        segs = bar_segments(sec, bar)
        b0 = bar * sec.bar_q
        out = []
        for s, e, _span in segs:
            out.append((s - b0, e - s - 0.1, 1.0))
            if e - s >= 3.0 and rng.random() < 0.35 + 0.4 * energy:
                hit = s - b0 + (2.5 if rng.random() < 0.6 else 1.5)
                out[-1] = (s - b0, hit - (s - b0) - 0.1, 1.0)
                out.append((hit, e - b0 - hit - 0.1, 0.82))
        return out

    return _rhythm_chords(ctx, positions, voicer, strum_ms=18.0), []


def piano_pulse(ctx: PartContext) -> PartOutput:
    """Pop piano: chords on every pulse (8ths at high energy), root in the left hand."""
    sec = ctx.section
    voicer = Voicer(ctx.spec.low + 6, ctx.spec.high, min(3, ctx.spec.voices))
    step = sec.pulse_q if not sec.compound else 0.5
    beats = grid(sec, step)

    def positions(bar: int, energy: float) -> list[tuple[float, float, float]]:
        out = []
        for pos in beats:
            strong = is_strong(sec, pos)
            accent = 1.0 if pos == 0 else (0.86 if strong else 0.72)
            out.append((pos, step * 0.9, accent))
            if energy >= 0.7 and not sec.compound:
                out.append((pos + step / 2, step * 0.4, 0.6))
        return out

    notes = _rhythm_chords(ctx, positions, voicer)
    for bar in range(sec.bars):
        for s, e, span in bar_segments(sec, bar):
            root = nearest_pitch(
                span.root_pc, ctx.spec.low - 4, ctx.spec.low - 12, ctx.spec.low + 4
            )
            notes.append(Note(s, e - s - 0.05, root, ctx.velocity(bar, 0.85)))
    return notes, []


def power(ctx: PartContext) -> PartOutput:
    """Rock power chords: palm-muted eighths in verses, ringing hits and eighths when loud."""
    sec = ctx.section
    notes: list[Note] = []
    for bar in range(sec.bars):
        energy = sec.bar_energy(bar)
        b0 = bar * sec.bar_q
        for i, pos in enumerate(grid(sec, 0.5)):
            q = b0 + pos
            span = sec.chord_at(q)
            root = nearest_pitch(span.root_pc, ctx.spec.low + 5, ctx.spec.low, ctx.spec.low + 11)
            # power chord plus the third on top (a 10th): the minor/major colour stays audible
            third = span.pcs[1] if len(span.pcs) > 1 else span.root_pc
            chord: tuple[int, ...] = (
                root,
                root + 7,
                root + 12,
                nearest_pitch(third, root + 15, root + 13, root + 17),
            )
            if span.root_pc == sec.key.tonic:  # the tonic as a full chord: its third twice
                chord = (*chord, nearest_pitch(third, root + 3, root + 1, root + 5))
            strong = is_strong(sec, pos)
            if energy < 0.7:
                if energy < 0.35 and i % 2:
                    continue
                length, scale = 0.32, (1.0 if strong else 0.74)
            elif pos == 0:
                length, scale = 1.45, 1.05
            elif pos < 1.5:
                continue
            else:
                length, scale = 0.45, (0.95 if strong else 0.78)
            vel = ctx.velocity(bar, scale)
            for p in chord:
                notes.append(Note(q, length, p, vel))
    return notes, []


def stabs(ctx: PartContext) -> PartOutput:
    """House chord stabs on the off-beats, syncopated pushes at high energy."""
    sec = ctx.section
    voicer = Voicer(ctx.spec.low, ctx.spec.high, min(4, ctx.spec.voices))

    def positions(bar: int, energy: float) -> list[tuple[float, float, float]]:
        base = [p + sec.pulse_q / 2 for p in grid(sec, sec.pulse_q)]
        out = [(p, 0.22, 0.95) for p in base]
        if energy >= 0.75 and sec.bar_q == 4.0:
            out = [
                (0.0, 0.22, 1.0),
                (0.75, 0.22, 0.9),
                (1.5, 0.22, 0.95),
                (2.5, 0.22, 0.95),
                (3.25, 0.22, 0.9),
            ]
        return out

    return _rhythm_chords(ctx, positions, voicer), []


_COMP_RHYTHMS: tuple[tuple[float, ...], ...] = (
    (0.0, 1.5),
    (0.5, 2.5),
    (1.5, 3.0),
    (0.0, 2.5),
    (0.5, 1.5, 3.5),
    (1.0, 2.5),
)


def comp(ctx: PartContext) -> PartOutput:
    """Jazz comping: rootless shell voicings (3rd and 7th) on Charleston-like rhythms."""
    sec = ctx.section
    voicer = Voicer(
        ctx.spec.low,
        ctx.spec.high,
        min(4, ctx.spec.voices),
        rootless=True,
        omit_fifth=True,
    )
    rng = ctx.rng

    def positions(bar: int, energy: float) -> list[tuple[float, float, float]]:
        if sec.bar_q != 4.0:
            return [(p, 0.6, 0.9 if p else 1.0) for p in grid(sec, sec.pulse_q)[1:]] + [
                (0.0, 0.8, 1.0)
            ]
        rhythm = _COMP_RHYTHMS[int(rng.integers(len(_COMP_RHYTHMS)))]
        ends = [*rhythm[1:], 4.0]
        return [
            (p, max(0.45, (e - p) * 0.9), 0.95 + 0.1 * (p == 0))
            for p, e in zip(rhythm, ends, strict=False)
        ]

    return _rhythm_chords(ctx, positions, voicer, strum_ms=6.0), []


def dark_keys(ctx: PartContext) -> PartOutput:
    """Sparse, dark piano: a held chord per change and a lonely high chord tone."""
    notes = _hold(ctx, 25.0, 3, 0.9)
    sec = ctx.section
    rng = ctx.rng
    for bar in range(sec.bars):
        if rng.random() < 0.45:
            q = bar * sec.bar_q + sec.bar_q / 2 + (sec.pulse_q / 2 if rng.random() < 0.5 else 0)
            span = sec.chord_at(q)
            pc = span.pcs[int(rng.integers(0, min(3, len(span.pcs))))]
            p = nearest_pitch(pc, ctx.spec.high - 2, ctx.spec.low, ctx.spec.high + 5)
            notes.append(Note(q, sec.pulse_q * 1.5, p, ctx.velocity(bar, 0.75)))
    return notes, []


def synth_chords(ctx: PartContext) -> PartOutput:
    """Synthwave poly chords: held at low energy, gated eighths when the drums are in."""
    sec = ctx.section
    voicer = Voicer(ctx.spec.low, ctx.spec.high, min(4, ctx.spec.voices))

    def positions(bar: int, energy: float) -> list[tuple[float, float, float]]:
        if energy < 0.7:
            return [(s - bar * sec.bar_q, e - s - 0.05, 0.95) for s, e, _ in bar_segments(sec, bar)]
        return [(p, 0.38, 1.0 if is_strong(sec, p) else 0.8) for p in grid(sec, 0.5)]

    return _rhythm_chords(ctx, positions, voicer), []


def strum(ctx: PartContext) -> PartOutput:
    """Acoustic guitar strumming: down-strums low to high, lighter up-strums high to low."""
    sec = ctx.section
    voicer = Voicer(ctx.spec.low, ctx.spec.high, min(5, ctx.spec.voices))
    notes: list[Note] = []
    pattern: tuple[tuple[float, bool], ...]
    if sec.bar_q == 4.0:
        pattern = ((0.0, True), (1.0, True), (1.5, False), (2.5, False), (3.0, True), (3.5, False))
    else:
        pattern = tuple((p, is_strong(sec, p)) for p in grid(sec, 0.5))
    gap = ms_to_q(sec, 9.0)
    for bar in range(sec.bars):
        b0 = bar * sec.bar_q
        for j, (pos, down) in enumerate(pattern):
            q = b0 + pos
            nxt = b0 + (pattern[j + 1][0] if j + 1 < len(pattern) else sec.bar_q)
            voicing = voicer(sec.chord_at(q))
            order = voicing if down else tuple(reversed(voicing[1:]))
            vel = ctx.velocity(bar, 1.0 if down else 0.78)
            for i, p in enumerate(order):
                notes.append(Note(q + i * gap, max(0.1, nxt - q - i * gap), p, vel - i))
    return notes, []


HARMONY_PATTERNS: dict[str, Callable[[PartContext], PartOutput]] = {
    "pad": pad,
    "pump_pad": pump_pad,
    "sustain_chords": sustain_chords,
    "strings": strings,
    "rhodes": rhodes,
    "piano_pulse": piano_pulse,
    "power": power,
    "stabs": stabs,
    "comp": comp,
    "dark_keys": dark_keys,
    "synth_chords": synth_chords,
    "strum": strum,
    **FIGURE_PATTERNS,
    **CHORD_RHYTHM_PATTERNS,
}
