"""Figurations: arpeggios, string ostinatos and the solo piano's left hand.

They keep the pulse audible (styles without drums rely on them) and voice the chords in time.
"""

from __future__ import annotations

from collections.abc import Callable

from models.embedded.context import PartContext
from models.embedded.parts import PartOutput, Voicer, bar_segments, grid, is_strong
from models.embedded.score import Note
from models.embedded.theory import nearest_pitch

__all__ = ["FIGURE_PATTERNS"]


def _stride(ctx: PartContext) -> list[Note]:
    """Left hand at brisk tempos: bass note on the strong beats, a chord on the others (stride /
    waltz), which keeps the pulse clear where running eighths would blur into a double tempo."""
    sec = ctx.section
    voicer = Voicer(ctx.spec.low + 12, ctx.spec.high, min(3, ctx.spec.voices))
    notes: list[Note] = []
    for bar in range(sec.bars):
        b0 = bar * sec.bar_q
        for k in range(sec.pulses):
            q = b0 + k * sec.pulse_q
            span = sec.chord_at(q)
            if k == 0 or (sec.pulses == 4 and k == 2):
                pc = (
                    span.root_pc if k == 0 else (span.pcs[2] if len(span.pcs) > 2 else span.root_pc)
                )
                p = nearest_pitch(pc, ctx.spec.low + 5, ctx.spec.low, ctx.spec.low + 12)
                notes.append(Note(q, sec.pulse_q * 0.95, p, ctx.velocity(bar, 1.0)))
            else:
                for p in voicer(span):
                    notes.append(Note(q, sec.pulse_q * 0.7, p, ctx.velocity(bar, 0.72)))
    return notes


def piano_lh(ctx: PartContext) -> PartOutput:
    """Solo piano left hand: a low root then broken chord tones in eighths, pedalled (stride or
    waltz at brisk tempos in simple meters)."""
    sec = ctx.section
    if not sec.compound and sec.plan.bpm >= 100:
        return _stride(ctx), []
    notes: list[Note] = []
    n8 = round(sec.bar_q / 0.5)
    shapes = {8: (0, 1, 2, 3, 4, 3, 2, 1), 6: (0, 1, 2, 3, 2, 1), 3: (0, 1, 2)}
    shape = shapes.get(n8, tuple(i % 4 for i in range(n8)))
    for bar in range(sec.bars):
        for s, e, span in bar_segments(sec, bar):
            root = nearest_pitch(span.root_pc, ctx.spec.low + 5, ctx.spec.low, ctx.spec.low + 12)
            third = span.pcs[1] if len(span.pcs) > 1 else span.root_pc
            fifth = span.pcs[2] if len(span.pcs) > 2 else span.root_pc
            tones = [
                root,
                nearest_pitch(fifth, root + 7, root + 1, root + 12),
                root + 12,
                nearest_pitch(third, root + 16, root + 13, root + 24),
                nearest_pitch(fifth, root + 19, root + 13, root + 26),
            ]
            b0 = bar * sec.bar_q
            for i, step in enumerate(shape):
                q = b0 + i * 0.5
                if q < s - 1e-6 or q >= e - 1e-6:
                    continue
                strong = is_strong(sec, q - b0)
                weak = 0.62 if sec.compound else 0.74  # 6/8: lilt on the dotted quarters
                vel = ctx.velocity(bar, 1.0 if i == 0 else (0.9 if strong else weak))
                pitch = tones[step]
                if sec.compound and strong and i:
                    pitch = tones[1]  # a low fifth marks the second dotted quarter
                notes.append(Note(q, max(0.4, e - q - 0.05), pitch, vel))
    return notes, []


def _arp(ctx: PartContext, step_q: float, span_octaves: int, staccato: float) -> list[Note]:
    sec = ctx.section
    notes: list[Note] = []
    for bar in range(sec.bars):
        b0 = bar * sec.bar_q
        steps = grid(sec, step_q)
        for s, e, span in bar_segments(sec, bar):
            base = nearest_pitch(span.root_pc, ctx.spec.low + 3, ctx.spec.low, ctx.spec.low + 12)
            tones = sorted(
                {
                    base + ((pc - base) % 12) + 12 * o
                    for o in range(span_octaves)
                    for pc in span.triad
                }
            )
            tones = [t for t in tones if t <= ctx.spec.high] or [base]
            cycle = tones + tones[-2:0:-1] if len(tones) > 2 else tones
            for i, pos in enumerate(steps):
                q = b0 + pos
                if q < s - 1e-6 or q >= e - 1e-6:
                    continue
                p = cycle[i % len(cycle)]
                strong = is_strong(sec, pos)
                vel = ctx.velocity(bar, 1.0 if pos == 0 else (0.9 if strong else 0.74))
                notes.append(Note(q, step_q * staccato, p, vel))
    return notes


def arp8(ctx: PartContext) -> PartOutput:
    return _arp(ctx, 0.5, 2, 1.6), []


def arp16(ctx: PartContext) -> PartOutput:
    return _arp(ctx, 0.25, 2, 0.8), []


def ostinato(ctx: PartContext) -> PartOutput:
    """A driving string figure (root, octave, fifth...) in eighths, sixteenths at the climax."""
    sec = ctx.section
    notes: list[Note] = []
    for bar in range(sec.bars):
        energy = sec.bar_energy(bar)
        brisk = sec.plan.bpm >= 90  # sixteenths only where they do not blur a slow pulse
        step = 0.25 if energy >= 0.9 and brisk and not sec.compound else 0.5
        b0 = bar * sec.bar_q
        for i, pos in enumerate(grid(sec, step)):
            q = b0 + pos
            span = sec.chord_at(q)
            root = nearest_pitch(span.root_pc, ctx.spec.low + 5, ctx.spec.low, ctx.spec.low + 12)
            fifth = nearest_pitch(
                span.pcs[2] if len(span.pcs) > 2 else span.root_pc, root + 7, root, root + 12
            )
            figure = (
                (root, root + 12, fifth, root + 12)
                if not sec.compound
                else (root, fifth, root + 12)
            )
            strong = is_strong(sec, pos)
            vel = ctx.velocity(bar, 1.05 if strong else 0.66)
            notes.append(Note(q, step * 0.7, figure[i % len(figure)], vel))
    return notes, []


FIGURE_PATTERNS: dict[str, Callable[[PartContext], PartOutput]] = {
    "piano_lh": piano_lh,
    "arp8": arp8,
    "arp16": arp16,
    "ostinato": ostinato,
}
