"""The build-up: a few bars that rise into the drop.

Written as data a producer can read: the bars of a build-up go through :data:`PHASES` in turn
(a four-bar build-up plays one phase a bar; the last bar always plays the last phase).  Each
phase is written as one beat of a sixteenth grid (``X`` accent, ``x`` hit, ``.`` rest; four
characters are sixteenths, eight are thirty-seconds), repeated over the bar's beats:

* the drums thin out (no hats, a plain kick) while a snare roll speeds up from quarters to
  eighths, sixteenths and thirty-seconds, louder from bar to bar;
* the bass pedals the tonic, faster, and drops out for the last bar;
* the harmony holds the tonic (the planner's progression, :mod:`.progressions`), and the
  production's filter sweep opens the music over the section (``Sweep`` in
  :mod:`.production.tables`);
* the lead is a riser: one held note that bends up an octave and swells over the second half;
* everything stops :data:`GAP_Q` before the drop, whose downbeat brings the crash and the kick.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from models.embedded.context import PartContext
from models.embedded.parts import PartOutput
from models.embedded.score import ControlEvent, Note
from models.embedded.theory import nearest_pitch
from models.plan import PartRole

__all__ = ["BUILDUP_PARTS", "GAP_Q", "PHASES", "RISER", "Phase", "Riser", "buildup_generator"]

KICK, SNARE, CLAP, HAT = 36, 38, 39, 42

_LEVEL = {"X": 1.0, "x": 0.82, "o": 0.45}


@dataclass(frozen=True, slots=True)
class Phase:
    """One stage of the build-up; every pattern is one beat, repeated over the bar."""

    roll: str  # the snare roll
    clap: str  # claps doubling it
    kick: str
    hats: str
    bass: str  # the tonic pedal ("" : the bass is out)


# fmt: off
PHASES: tuple[Phase, ...] = (
    #     roll          clap     kick     hats     bass
    Phase("x...",       "x...",  "X...",  "",      "x.x."),      # quarters, hats out
    Phase("x.x.",       "x...",  "X...",  "",      "x.x."),      # eighths
    Phase("xxxx",       "x.x.",  "X...",  "",      "xxxx"),      # sixteenths
    Phase("Xxxxxxxx",   "x...",  "",      "",      ""),          # thirty-seconds, kick and bass out
)
# fmt: on

#: The roll's loudness from the first hit to the last (velocity scale).
ROLL_FROM, ROLL_TO = 0.4, 1.0
#: Silence before the drop (quarter notes): every part stops here.
GAP_Q = 0.5


@dataclass(frozen=True, slots=True)
class Riser:
    """The lead's riser: a held note that bends up and swells."""

    start_share: float = 0.5  # where in the section it starts (0 = the first bar)
    semitones: int = 12  # how far it bends (the part's bend range is 12)
    expression_from: int = 40  # CC11 at its start
    expression_to: int = 127  # CC11 at the gap
    steps_per_beat: int = 8  # bend and swell resolution


RISER = Riser()


def phase_of(bar: int, bars: int) -> Phase:
    """The phase of ``bar``: the bars spread evenly over the phases, the last bar the last."""
    if bar >= bars - 1:
        return PHASES[-1]
    k = min(len(PHASES) - 2, (bar * (len(PHASES) - 1)) // max(1, bars - 1))
    return PHASES[k]


def _beat_cells(cell: str, bar: int, ctx: PartContext) -> list[tuple[float, float]]:
    """(time in the section, velocity scale) of a beat cell repeated over ``bar``."""
    if not cell:
        return []
    sec = ctx.section
    step = sec.pulse_q / len(cell)
    out: list[tuple[float, float]] = []
    for beat in range(sec.pulses):
        b0 = bar * sec.bar_q + beat * sec.pulse_q
        out += [(b0 + i * step, _LEVEL[c]) for i, c in enumerate(cell) if c in _LEVEL]
    return out


def _gap_q(ctx: PartContext) -> float:
    """Where the music stops before the drop (nowhere when the build-up ends the song)."""
    sec = ctx.section
    return sec.body_q - GAP_Q if sec.next_role is not None else sec.body_q


def drums(ctx: PartContext) -> PartOutput:
    """The build-up's kit: a thinned groove under a roll that speeds up and grows louder."""
    sec = ctx.section
    end = _gap_q(ctx)
    notes: list[Note] = []
    for bar in range(sec.bars):
        phase = phase_of(bar, sec.bars)
        for cell, drum in ((phase.kick, KICK), (phase.clap, CLAP), (phase.hats, HAT)):
            for q, scale in _beat_cells(cell, bar, ctx):
                if q < end - 1e-6:
                    notes.append(Note(q, 0.25, drum, ctx.velocity(bar, scale)))
        for q, scale in _beat_cells(phase.roll, bar, ctx):
            if q < end - 1e-6:
                rise = ROLL_FROM + (ROLL_TO - ROLL_FROM) * q / max(1e-6, end)
                length = min(0.25, sec.pulse_q / len(phase.roll))
                notes.append(Note(q, length, SNARE, ctx.velocity(bar, scale * rise)))
    return notes, []


def bass(ctx: PartContext) -> PartOutput:
    """A tonic pedal that speeds up with the roll, out for the last bar."""
    sec = ctx.section
    end = _gap_q(ctx)
    spec = ctx.spec
    root = nearest_pitch(sec.key.tonic, spec.low + 6, spec.low, spec.low + 11)
    notes: list[Note] = []
    for bar in range(sec.bars):
        cell = phase_of(bar, sec.bars).bass
        step = sec.pulse_q / len(cell) if cell else 0.0
        for q, scale in _beat_cells(cell, bar, ctx):
            length = min(step * 0.9, end - q)
            if length > 0.02:
                notes.append(Note(q, length, root, ctx.velocity(bar, scale)))
    return notes, []


def riser(ctx: PartContext) -> PartOutput:
    """One note on the tonic that bends up :attr:`Riser.semitones` and swells into the gap."""
    sec = ctx.section
    spec = ctx.spec
    end = _gap_q(ctx)
    start = math.floor(RISER.start_share * sec.bars) * sec.bar_q
    if end - start < sec.pulse_q:
        start = 0.0
    pitch = nearest_pitch(sec.key.tonic, spec.low + 4, spec.low, spec.high - RISER.semitones)
    notes = [Note(start, end - start, pitch, ctx.velocity(sec.bars - 1, 0.9))]
    controls = [ControlEvent(0.0, "bend", 0, 0), ControlEvent(0.0, "cc", 11, RISER.expression_from)]
    steps = max(1, round((end - start) / sec.pulse_q * RISER.steps_per_beat))
    span = RISER.expression_to - RISER.expression_from
    for k in range(1, steps + 1):
        t = start + (end - start) * k / steps
        x = k / steps
        bend = round(8191 * min(1.0, x * RISER.semitones / 12))
        controls.append(ControlEvent(t - 1e-3, "bend", 0, bend))
        controls.append(ControlEvent(t - 1e-3, "cc", 11, RISER.expression_from + round(span * x)))
    controls.append(ControlEvent(min(sec.body_q - 1e-3, end + 0.05), "bend", 0, 0))
    controls.append(ControlEvent(min(sec.body_q - 1e-3, end + 0.05), "cc", 11, 127))
    return notes, controls


def _cut(generator: Callable[[PartContext], PartOutput]) -> Callable[[PartContext], PartOutput]:
    """A part's own pattern, stopped at the gap before the drop."""

    def cut(ctx: PartContext) -> PartOutput:
        notes, controls = generator(ctx)
        end = _gap_q(ctx)
        kept = [n for n in notes if n.start_q < end - 1e-6]
        return [
            n
            if n.start_q + n.length_q <= end
            else Note(n.start_q, end - n.start_q, n.pitch, n.velocity)
            for n in kept
        ], controls

    return cut


#: The parts a build-up writes itself (harmony, pads and textures keep their own patterns).
BUILDUP_PARTS: dict[PartRole, Callable[[PartContext], PartOutput]] = {
    PartRole.DRUMS: drums,
    PartRole.BASS: bass,
    PartRole.LEAD: riser,
}


def buildup_generator(
    role: PartRole, own: Callable[[PartContext], PartOutput]
) -> Callable[[PartContext], PartOutput]:
    """What a part plays in a build-up: the build-up's own part, else its own, cut at the gap."""
    return BUILDUP_PARTS.get(role) or _cut(own)
