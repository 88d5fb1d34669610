"""Helpers shared by the part generators: time conversions, the chords of a bar, a beat grid,
and a voice-leading chord voicer."""

from __future__ import annotations

from collections.abc import Sequence

from models.embedded.context import SectionContext
from models.embedded.score import ControlEvent, Note
from models.embedded.theory import ChordSpan, voice_chord

__all__ = ["PartOutput", "Segment", "Voicer", "bar_segments", "grid", "is_strong", "ms_to_q"]

#: What a part generator returns: its notes and controller events.
PartOutput = tuple[list[Note], list[ControlEvent]]
Segment = tuple[float, float, ChordSpan]


def ms_to_q(section: SectionContext, ms: float) -> float:
    spq = 60.0 / (section.plan.bpm * section.pulse_q)
    return ms / 1000.0 / spq


def bar_segments(section: SectionContext, bar: int) -> list[Segment]:
    """The chords sounding in ``bar`` as (start_q, end_q, span), clipped to the bar."""
    b0 = bar * section.bar_q
    b1 = b0 + section.bar_q
    out = []
    for span in section.chords:
        s, e = max(b0, span.start_q), min(b1, span.end_q)
        if e - s > 1e-6:
            out.append((s, e, span))
    return out


def grid(section: SectionContext, step_q: float) -> list[float]:
    n = round(section.bar_q / step_q)
    return [i * step_q for i in range(n)]


def is_strong(section: SectionContext, pos_in_bar: float) -> bool:
    return abs(pos_in_bar / section.pulse_q - round(pos_in_bar / section.pulse_q)) < 1e-6


class Voicer:
    """Voice-leads successive chords of one part."""

    def __init__(
        self,
        low: int,
        high: int,
        max_notes: int = 4,
        *,
        rootless: bool = False,
        omit_fifth: bool = False,
    ) -> None:
        self.low, self.high, self.max_notes, self.rootless = low, high, max_notes, rootless
        self.omit_fifth = omit_fifth
        self.previous: tuple[int, ...] | None = None
        self._cache: dict[int, tuple[int, ...]] = {}

    def __call__(self, span: ChordSpan, key_tonic: int | None = None) -> tuple[int, ...]:
        key = id(span)
        if key not in self._cache:
            pcs: Sequence[int] = span.pcs
            # rootless (jazz) voicings, except on the tonic, whose root the key needs
            if self.rootless and len(pcs) >= 4 and span.root_pc != key_tonic:
                pcs = pcs[1:]
            if self.omit_fifth and len(pcs) >= 4:  # 7th-chord voicings leave out the fifth
                pcs = [pc for pc in pcs if (pc - span.root_pc) % 12 != 7]
            voicing = voice_chord(pcs, self.previous, self.low, self.high, max_notes=self.max_notes)
            self._cache[key] = voicing
            self.previous = voicing
        return self._cache[key]
