"""What every part generator needs to know about the section being composed."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np

from models.embedded.arrangements import PartSpec, StyleArrangement
from models.embedded.score import Note
from models.embedded.theory import ChordSpan, chord_scale
from models.plan import Chord, Key, Meter, SectionPlan, SectionRole, SongPlan

__all__ = ["PartContext", "SectionContext", "build_chord_spans"]


def build_chord_spans(
    progression: tuple[Chord, ...], key: Key, bars: int, bar_q: float
) -> tuple[ChordSpan, ...]:
    """Lay the progression over ``bars`` bars, looping it if it is short and cutting it if long.
    A plan from the planner already fits exactly; plans from elsewhere may not."""
    spans: list[ChordSpan] = []
    body_q = bars * bar_q
    pos = 0.0
    i = 0
    while pos < body_q - 1e-6:
        chord = progression[i % len(progression)]
        length = max(chord.bars * bar_q, bar_q / 4)
        end = min(body_q, pos + length)
        pcs = chord.pitch_classes(key)
        spans.append(ChordSpan(pos, end, pcs[0], pcs, chord, int(pos // bar_q + 1e-9)))
        pos = end
        i += 1
    return tuple(spans)


@dataclass(frozen=True, slots=True)
class SectionContext:
    plan: SongPlan
    section: SectionPlan
    arrangement: StyleArrangement
    chords: tuple[ChordSpan, ...]
    has_previous: bool  # another section comes before: crash on the first downbeat
    next_role: SectionRole | None  # the section after this one (fills), None at the end

    @property
    def key(self) -> Key:
        return self.plan.key

    @property
    def meter(self) -> Meter:
        return self.plan.meter

    @property
    def role(self) -> SectionRole:
        return self.section.role

    @property
    def bars(self) -> int:
        return self.section.bars

    @property
    def bar_q(self) -> float:
        return self.plan.meter.quarters_per_bar

    @property
    def pulse_q(self) -> float:
        return self.plan.meter.quarters_per_pulse

    @property
    def pulses(self) -> int:
        return self.plan.meter.pulses_per_bar

    @property
    def body_q(self) -> float:
        return self.bars * self.bar_q

    @property
    def compound(self) -> bool:
        return self.plan.meter.compound

    @property
    def ending(self) -> bool:
        """The section closes the song: final tonic chord, ritardando."""
        return self.role is SectionRole.OUTRO

    @property
    def sub_q(self) -> float:
        """The natural small subdivision: eighths in compound meters, sixteenths otherwise."""
        return 0.5 if self.compound else 0.25

    def chord_at(self, q: float) -> ChordSpan:
        starts = [c.start_q for c in self.chords]
        i = max(0, bisect.bisect_right(starts, q + 1e-9) - 1)
        return self.chords[i]

    def next_chord(self, span: ChordSpan) -> ChordSpan | None:
        i = self.chords.index(span)
        return self.chords[i + 1] if i + 1 < len(self.chords) else None

    def chord_scale_at(self, q: float) -> tuple[int, ...]:
        return chord_scale(self.key, self.chord_at(q).pcs)

    def bar_energy(self, bar: int) -> float:
        """Energy of one bar: intros build up, outros thin out, the rest hold the section's."""
        e = self.section.energy
        n = max(1, self.bars - 1)
        if self.role is SectionRole.INTRO:
            return min(1.0, e * (0.45 + 1.0 * bar / n))
        if self.role is SectionRole.OUTRO:
            return max(0.0, e * (1.25 - 0.9 * bar / n))
        if self.role is SectionRole.BUILDUP:  # rises into the drop
            return min(1.0, e * (0.6 + 0.4 * bar / n))
        return e

    def is_fill_bar(self, bar: int) -> bool:
        return bar == self.bars - 1 and self.next_role is not None and not self.ending

    def active(self, spec: PartSpec, bar: int) -> bool:
        if spec.role.value == "lead":
            return self._lead_active(bar)
        if self.ending and bar == self.bars - 1:
            return spec.role.value in ("harmony", "pad", "bass", "drums")
        return self.bar_energy(bar) + 1e-9 >= spec.min_energy

    def _lead_active(self, bar: int) -> bool:
        if self.role is SectionRole.INTRO:
            return bar >= self.bars // 2
        return True


@dataclass(frozen=True, slots=True)
class PartContext:
    """A part generator's view: the section plus this part's spec and its own seeded RNG."""

    section: SectionContext
    spec: PartSpec
    rng: np.random.Generator
    index: int  # position of the part in the plan (seeds, channel)

    def velocity(self, bar: int, scale: float = 1.0, accent: float = 0.0) -> int:
        e = self.section.bar_energy(bar)
        v = self.spec.velocity * (0.68 + 0.36 * e) * scale + accent
        return int(max(1, min(127, round(v))))

    def notes_for_bars(self, notes: list[Note]) -> list[Note]:
        """Keep only notes that start in bars where this part plays."""
        bar_q = self.section.bar_q
        return [n for n in notes if self.section.active(self.spec, int(n.start_q // bar_q + 1e-9))]
