"""Drum grooves (GM drum map, channel 10), energy layers, fills and crashes.

Grooves are written on a sixteenth-note grid per bar (``X`` accent, ``x`` hit, ``o`` ghost).
Energy adds layers (more hats, extra kicks, ride instead of hats at the climax); the last bar
before another section gets a fill and the first downbeat of a new section a crash.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from models.embedded.context import PartContext, SectionContext
from models.embedded.grooves import GROOVES, Groove, Line
from models.embedded.ornaments import ornaments_of
from models.embedded.parts import PartOutput, ms_to_q
from models.embedded.score import Note
from models.plan import SectionRole, SongPlan
from models.substyles import SUBSTYLES

__all__ = ["DRUM_PATTERNS"]

KICK, KICK2, RIM, SNARE, CLAP, SNARE2 = 36, 35, 37, 38, 39, 40
HAT, PEDAL_HAT, OPEN_HAT, CRASH, RIDE, CRASH2 = 42, 44, 46, 49, 51, 57
TOMS = (50, 48, 47, 45, 43, 41)  # high to low
SHAKER = 70

_LEVEL = {"X": 1.0, "x": 0.82, "o": 0.45}
Hit = tuple[float, int, float]  # position in bar (q), drum note, velocity scale


def _grid(pattern: str, note: int, step_q: float = 0.25) -> list[Hit]:
    return [(i * step_q, note, _LEVEL[c]) for i, c in enumerate(pattern) if c in _LEVEL]


def _meter_basic(sec: SectionContext, energy: float) -> list[Hit]:
    """A groove for any meter: kick on the first pulse, backbeat on the last, eighth hats."""
    hits: list[Hit] = [(0.0, KICK, 1.0)]
    if sec.pulses >= 2:
        hits.append(((sec.pulses - 1) * sec.pulse_q, SNARE, 0.95))
    if sec.pulses == 3 and energy >= 0.6:
        hits.append((sec.pulse_q * 1.5, KICK, 0.7))
    n8 = round(sec.bar_q / 0.5)
    for i in range(n8):
        pos = i * 0.5
        strong = abs(pos / sec.pulse_q - round(pos / sec.pulse_q)) < 1e-6
        hits.append((pos, HAT, 0.9 if strong else 0.62))
    return hits


def _lofi(sec: SectionContext, energy: float, rng: np.random.Generator) -> list[Hit]:
    late = ms_to_q(sec, sec.arrangement.late_backbeat_ms)
    kick = "X.....x...x....." if rng.random() < 0.7 else "X.....x..x...x.."
    hits = _grid(kick, KICK)
    back = SNARE if energy >= 0.45 else RIM
    hits += [(p + late, back, v) for p, _n, v in _grid("....X.......X...", back)]
    hits += _grid("x.o.x.ox x.o.x.oo".replace(" ", "")[:16], HAT)
    if energy >= 0.75:
        hits.append((3.5, OPEN_HAT, 0.6))
    return hits


def _pop(sec: SectionContext, energy: float, rng: np.random.Generator) -> list[Hit]:
    hits = _grid("X.......X.x....." if energy < 0.85 else "X......xX.x.....", KICK)
    hits += _grid("....X.......X...", SNARE)
    if energy >= 0.75:
        hits += _grid("....x.......x...", CLAP)
    hats = "x.x.x.x.x.x.x.x." if energy < 0.85 else "xoxoxoxoxoxoxoxo"
    hits += _grid(hats, HAT)
    if energy >= 0.6:
        hits += _grid("..............o.", OPEN_HAT)
    return hits


def _rock(sec: SectionContext, energy: float, rng: np.random.Generator) -> list[Hit]:
    hits = _grid("X.......X.X....." if energy < 0.8 else "X.x.....X.X...x.", KICK)
    hits += _grid("....X.......X...", SNARE)
    cymbal = RIDE if energy >= 0.9 else HAT
    hits += _grid("X.o.X.o.X.o.X.o.", cymbal)  # the off-beats lighter: a clear quarter pulse
    return hits


def _house(sec: SectionContext, energy: float, rng: np.random.Generator) -> list[Hit]:
    hits = _grid("X...X...X...X...", KICK)
    if energy >= 0.45:
        hits += _grid("....X.......X...", CLAP)
    if energy >= 0.75:
        hits += _grid("....x.......x...", SNARE2)
    hits += _grid("..x...x...x...x.", OPEN_HAT)
    if energy >= 0.6:
        hits += _grid(".o.o.o.o.o.o.o.o" if energy < 0.9 else ".x.x.x.x.x.x.x.x", HAT)
    if energy >= 0.85:
        hits += _grid("x.o.x.o.x.o.x.o.", SHAKER)
    return hits


def _jazz(sec: SectionContext, energy: float, rng: np.random.Generator) -> list[Hit]:
    if sec.bar_q == 4.0:
        hits = _grid("X...x.x.X...x.x.", RIDE)
        hits += _grid("....x.......x...", PEDAL_HAT)
        hits += _grid("o...o...o...o...", KICK2)
    else:
        hits = [(0.0, RIDE, 1.0), (1.0, RIDE, 0.8), (1.5, RIDE, 0.7), (2.0, RIDE, 0.8)]
        hits += [(1.0, PEDAL_HAT, 0.8), (2.0, PEDAL_HAT, 0.8), (0.0, KICK2, 0.5)]
    for i in range(round(sec.bar_q / 0.5)):
        if rng.random() < 0.12 + 0.25 * energy:
            hits.append((i * 0.5, SNARE, 0.35 + 0.3 * float(rng.random())))
    return hits


def _cinematic(sec: SectionContext, energy: float, rng: np.random.Generator) -> list[Hit]:
    hits: list[Hit] = [(0.0, KICK2, 1.0)]
    if energy >= 0.7:
        hits.append((sec.bar_q / 2, KICK2, 0.8))
    if energy >= 0.85:  # "epic" toms: low toms on the beats, answers on the off-beats
        n = round(sec.bar_q / 0.5)
        for i in range(n):
            on_beat = abs((i * 0.5) / sec.pulse_q - round((i * 0.5) / sec.pulse_q)) < 1e-6
            hits.append((i * 0.5, TOMS[5] if on_beat else TOMS[3], 0.85 if on_beat else 0.5))
    elif energy >= 0.6:
        hits += [(k * sec.pulse_q, TOMS[5], 0.6) for k in range(1, sec.pulses)]
    return hits


def _trap(sec: SectionContext, energy: float, rng: np.random.Generator) -> list[Hit]:
    kick = ("X.....x...X.....", "X......x..X...x.", "X.....x.x.......")
    hits = _grid(kick[int(rng.integers(len(kick)))], KICK)
    hits += _grid("....X.......X...", CLAP)
    hits += _grid("....x.......x...", SNARE)
    base = "x.x.x.x.x.x.x.x." if energy < 0.6 else "xoxoxoxoxoxoxoxo"
    hats = _grid(base, HAT)
    if energy >= 0.45:
        for _ in range(1 + int(energy >= 0.8)):
            beat = int(rng.integers(0, 4))
            hats = [h for h in hats if not beat <= h[0] < beat + 1]
            div = (6, 8)[int(rng.integers(0, 2))]
            hats += [(beat + k / div, HAT, 0.5 + 0.4 * k / div) for k in range(div)]
    hits += hats
    if energy >= 0.7:
        hits.append((3.5, OPEN_HAT, 0.7))
    return hits


def _synthwave(sec: SectionContext, energy: float, rng: np.random.Generator) -> list[Hit]:
    hits = _grid("X...X...X...X..." if energy >= 0.7 else "X.......X.x.....", KICK)
    hits += _grid("....X.......X...", SNARE2)
    hits += _grid("....x.......x...", CLAP)
    hits += _grid("x.x.x.x.x.x.x.x." if energy < 0.85 else "xoxoxoxoxoxoxoxo", HAT)
    return hits


def _table(groove: Groove, bar: int, energy: float, rng: np.random.Generator) -> list[Hit]:
    """One bar of a data groove (:mod:`.grooves`) at ``energy``, with trap hat rolls."""
    hits: list[Hit] = []
    for line in groove.lines:
        if not line.lo <= energy + 1e-9 < line.hi:
            continue
        steps = len(line.pattern) // 16
        cells = line.pattern[(bar % steps) * 16 : (bar % steps) * 16 + 16]
        hits += _grid(cells, line.drum)
    if groove.rolls and energy >= 0.45:
        for _ in range(groove.rolls if energy >= 0.75 else 1):
            beat = int(rng.integers(1, 4))
            div = (3, 6, 8)[int(rng.integers(0, 3))]
            hits = [h for h in hits if not (h[1] == HAT and beat <= h[0] < beat + 1)]
            hits += [(beat + k / div, HAT, 0.45 + 0.45 * k / div) for k in range(div)]
    return hits


GrooveFn = Callable[[SectionContext, float, np.random.Generator], list[Hit]]
_GROOVES: dict[str, GrooveFn] = {
    "lofi": _lofi,
    "pop": _pop,
    "rock": _rock,
    "house": _house,
    "jazz": _jazz,
    "cinematic": _cinematic,
    "trap": _trap,
    "synthwave": _synthwave,
}
_OWN_METER = {"jazz", "cinematic"}  # grooves that handle 3/4 and 6/8 themselves


def _fill(sec: SectionContext, name: str, energy: float, rng: np.random.Generator) -> list[Hit]:
    """A fill over the last one or two pulses of the bar (two when heading somewhere bigger)."""
    pulses = 2 if energy >= 0.6 or sec.next_role in ("chorus", "climax") else 1
    length = min(sec.bar_q, pulses * sec.pulse_q)
    start = sec.bar_q - length
    step = 0.25 if not sec.compound else 0.5
    n = round(length / step)
    hits: list[Hit] = []
    if name in ("house", "snare_roll"):
        step = 0.25
        n = round(length / step)
        hits = [(start + k * step, SNARE, 0.45 + 0.55 * k / max(1, n - 1)) for k in range(n)]
    elif name in ("trap", "lofi"):
        if name == "trap":  # a snare roll that speeds up, over the 808 kick
            step = 0.125 if length <= 1.0 else 0.25
            n = round(length / step)
        hits = [
            (start + k * step, SNARE if k % 2 == 0 else HAT, 0.6 + 0.4 * k / n) for k in range(n)
        ]
        hits.append((start, KICK, 0.9))
    elif name == "jazz":
        trip = 1.0 / 3.0
        m = round(length / trip)
        hits = [
            (start + k * trip, SNARE if k % 3 else TOMS[2 + (k // 3) % 3], 0.5 + 0.4 * k / m)
            for k in range(m)
        ]
    else:
        for k in range(n):
            tom = TOMS[min(len(TOMS) - 1, k * len(TOMS) // n)]
            note = SNARE if k < n // 3 else tom
            hits.append((start + k * step, note, 0.7 + 0.3 * k / n))
        hits.append((start, KICK, 0.9))
    del rng
    return hits


@dataclass(frozen=True, slots=True)
class _Picks:
    """The seed's ornaments of one song's groove (see :class:`.grooves.Ornaments`)."""

    hats: tuple[str, str] | None
    kick: str | None
    layers: tuple[Line, ...]
    ghost: str | None


def _picks(name: str, plan: SongPlan) -> _Picks | None:
    """One choice per song (not per bar), so a seed's groove is a groove, not noise.  Drawn from
    what a variation keeps (motif, tempo, palette): a variation keeps its groove, a reroll not."""
    orn = ornaments_of(name)
    if orn is None:
        return None
    palette = ",".join(p.name for p in plan.instruments)
    rng = random.Random(f"drums:{name}:{plan.bpm}:{palette}:{plan.motif!r}")
    hats = rng.choice((None, *orn.hats)) if orn.hats else None
    kick = rng.choice((None, *orn.kicks)) if orn.kicks else None
    layers = tuple(rng.sample(orn.layers, min(len(orn.layers), rng.randint(1, 2))))
    ghost = rng.choice((None, *orn.ghosts)) if orn.ghosts else None
    return _Picks(hats, kick, layers, ghost)


def _ornament(hits: list[Hit], picks: _Picks, energy: float) -> list[Hit]:
    """The backbone of ``hits`` with the seed's hats, kick, percussion and ghost notes."""
    if picks.hats is not None and any(h[1] == HAT for h in hits):
        hits = [h for h in hits if h[1] != HAT]
        hits += _grid(picks.hats[0] if energy < 0.7 else picks.hats[1], HAT)
    if picks.kick is not None:
        hits = [h for h in hits if h[1] != KICK] + _grid(picks.kick, KICK)
    for line in picks.layers:
        if energy + 1e-9 >= line.lo:
            hits += _grid(line.pattern[:16], line.drum)
    if picks.ghost is not None and energy >= 0.4:
        hits += _grid(picks.ghost, SNARE)
    return hits


def _is_breakdown(sec: SectionContext) -> bool:
    """The bridge of a dance track (house, dance-pop, darksynth) is a breakdown before the drop."""
    sub = SUBSTYLES.get(sec.plan.substyle)
    return (
        sub is not None
        and sub.forms == "dance"
        and sec.role is SectionRole.BRIDGE
        and sec.bar_q == 4.0
        and sec.bars >= 2
    )


def drums(ctx: PartContext) -> PartOutput:
    """The drum part of a section for the style's groove ``ctx.spec.pattern``."""
    sec = ctx.section
    name = ctx.spec.pattern
    groove = _GROOVES.get(name, _pop)
    table = GROOVES.get(name)
    notes: list[Note] = []
    rng = ctx.rng
    crash = CRASH2 if name in ("lofi", "jazz") else CRASH
    fill_name = name
    if table is not None:
        crash, fill_name = table.crash, table.fill
    breakdown = table is not None and _is_breakdown(sec)
    picks = _picks(name, sec.plan)
    for bar in range(sec.bars):
        if not sec.active(ctx.spec, bar):
            continue
        energy = sec.bar_energy(bar)
        b0 = bar * sec.bar_q
        if sec.ending and bar == sec.bars - 1:
            notes.append(Note(b0, 2.0, KICK, ctx.velocity(bar, 1.0)))
            notes.append(Note(b0, 2.0, crash, ctx.velocity(bar, 0.9)))
            continue
        if sec.bar_q != 4.0 and name not in _OWN_METER:
            hits = _meter_basic(sec, energy)
        elif table is not None:
            hits = _table(table, bar, energy, rng)
        else:
            hits = groove(sec, energy, rng)
        if picks is not None and sec.bar_q == 4.0:
            hits = _ornament(hits, picks, energy)
        if breakdown:  # the kick drops out until the drop; the last bar builds a snare roll
            hits = [h for h in hits if h[1] not in (KICK, KICK2)]
            if bar == sec.bars - 1 and sec.next_role is not SectionRole.BUILDUP:
                hits = [h for h in hits if h[1] in (OPEN_HAT, CLAP)]
                hits += [(k * 0.25, SNARE, 0.3 + 0.7 * k / 15) for k in range(16)]
        elif sec.is_fill_bar(bar):
            fill = _fill(sec, fill_name, energy, rng)
            fill_start = min(h[0] for h in fill)
            hits = [h for h in hits if h[0] < fill_start - 1e-6] + fill
        first_active = bar == 0 or not sec.active(ctx.spec, bar - 1)
        if (bar == 0 and sec.has_previous) or (first_active and bar > 0):
            hits.append((0.0, crash, 0.95))
        elif name.startswith(("rock", "punk", "indie")) and energy >= 0.9 and bar % 4 == 0:
            hits.append((0.0, crash, 0.9))
        for pos, note, scale in hits:
            length = 0.25 if note not in (CRASH, CRASH2, RIDE, OPEN_HAT) else 1.0
            notes.append(Note(b0 + pos, length, note, ctx.velocity(bar, scale)))
    return notes, []


DRUM_PATTERNS: dict[str, Callable[[PartContext], PartOutput]] = {
    name: drums for name in (*_GROOVES, *GROOVES, "basic")
}
