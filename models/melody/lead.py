"""The lead line's statement of a user's melody: every note as written (degree, alteration,
rhythm), in the section's key and the lead's register — no fitting to chords, since the chords
were chosen to fit the melody (:mod:`models.melody.harmonise`)."""

from __future__ import annotations

from collections.abc import Sequence

from models.embedded.context import PartContext
from models.embedded.score import Note
from models.embedded.theory import scale_of
from models.plan import MotifNote

__all__ = ["stated_melody"]


def stated_melody(
    ctx: PartContext, motif: Sequence[MotifNote], *, bar: int, tonic_base: int, total: float
) -> list[Note]:
    """``motif`` from ``bar`` of the section, cut at ``total`` pulses; degree 0 is
    ``tonic_base`` (a MIDI pitch)."""
    sec = ctx.section
    scale = scale_of(sec.key.mode)
    b0 = bar * sec.bar_q
    out: list[Note] = []
    for n in motif:
        if n.start >= total - 1e-6:
            continue
        q = b0 + n.start * sec.pulse_q
        if q >= sec.body_q - 1e-6:
            break
        length_q = min(n.length, total - n.start) * sec.pulse_q
        pitch = tonic_base + 12 * (n.degree // len(scale)) + scale[n.degree % len(scale)] + n.alter
        velocity = ctx.velocity(bar + int(n.start // sec.pulses), n.accent)
        out.append(Note(q, max(0.1, length_q * 0.96), pitch, velocity))
    return out
