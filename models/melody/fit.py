"""The user's melody becomes the song plan's motif.

:func:`melody_motif` writes the melody as scale degrees (plus chromatic alterations) of its own
key, so that rendering it in the plan's key transposes it exactly (same mode) or modally (a
major tune asked for in a minor key).  :func:`fit_plan` puts it into a plan: the sections that
state the motif are made long enough to hold it whole (or, under a duration limit, as many
whole statements as fit, the tune cut at the end of a section too short for one), their chords
are chosen to fit its notes (:mod:`models.melody.harmonise`), and the plan's extras say where it
came from and what was heard.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass, replace

from models.embedded.arrangements import arrangement_for
from models.embedded.melody import make_motif
from models.embedded.theory import scale_of
from models.melody.harmonise import harmonise
from models.melody.types import Melody
from models.plan import Chord, Key, Meter, Mode, MotifNote, SectionRole, SongPlan

__all__ = [
    "MELODY_EXTRA",
    "MELODY_JSON_EXTRA",
    "MOTIF_SOURCE",
    "STATING_ROLES",
    "FittedMelody",
    "fit_plan",
    "melody_bpm",
    "melody_motif",
    "plan_melody",
    "without_melody",
]

MOTIF_SOURCE = "melody"  # plan extra "motif_source" when the motif is a user's melody
MELODY_EXTRA = "melody"  # plan extra: what was heard ("heard 14 notes in E minor at ~92 bpm")
MELODY_JSON_EXTRA = "melody_json"  # plan extra: the melody itself (a reroll plans on it again)
#: Plan extras that carry (or describe) a user's melody; ``/forget-me`` removes them.
MELODY_EXTRAS = (
    "motif_source",
    MELODY_EXTRA,
    "melody_notes",
    MELODY_JSON_EXTRA,
    "melody_bar",
    "melody_estimated",
)
#: Sections whose lead opens with the motif as written (see models.embedded.melody).
STATING_ROLES = (SectionRole.VERSE, SectionRole.CHORUS, SectionRole.CLIMAX)


@dataclass(frozen=True, slots=True)
class FittedMelody:
    motif: tuple[MotifNote, ...]
    pitch_classes: tuple[int, ...]  # of each motif note, above the plan's tonic
    bars: int  # whole bars the motif spans


def _degree(semitones: int, mode: Mode) -> tuple[int, int]:
    """(scale degree, alteration) of ``semitones`` above the tonic: the scale note at or just
    below it, raised by the remainder."""
    scale = scale_of(mode)
    octave, pc = divmod(semitones, 12)
    index = max(i for i, step in enumerate(scale) if step <= pc)
    return octave * 7 + index, pc - scale[index]


def melody_bpm(melody: Melody, meter: Meter) -> float:
    """The melody's tempo in the meter's counted pulses, within the planner's 20..300."""
    return float(min(300.0, max(20.0, round(melody.bpm / meter.quarters_per_pulse, 1))))


def melody_motif(melody: Melody, key: Key, meter: Meter) -> FittedMelody:
    """The melody as motif notes for a plan in ``key`` and ``meter``."""
    own = melody.key
    pitches = sorted(n.pitch for n in melody.notes)
    median = pitches[len(pitches) // 2]
    tonic_ref = median - ((median - own.tonic) % 12)  # the tonic at or below the median
    target_scale = scale_of(key.mode)
    per_pulse = meter.quarters_per_pulse
    bar = meter.pulses_per_bar
    notes = []
    pcs = []
    for n in melody.notes:
        degree, alter = _degree(n.pitch - tonic_ref, own.mode)
        start = n.start_beats / per_pulse
        on_bar = abs(start / bar - round(start / bar)) < 1e-6
        notes.append(
            MotifNote(degree, start, n.length_beats / per_pulse, 1.0 if on_bar else 0.85, alter)
        )
        pcs.append((target_scale[degree % 7] + alter) % 12)
    end = max(m.start + m.length for m in notes)
    return FittedMelody(tuple(notes), tuple(pcs), max(1, math.ceil(end / bar - 1e-6)))


def _tile(chords: tuple[Chord, ...], bars: float) -> tuple[Chord, ...]:
    out: list[Chord] = []
    left = bars
    i = 0
    while left > 1e-6:
        c = chords[i % len(chords)]
        length = min(c.bars, left)
        out.append(Chord(c.root, c.quality, length))
        left -= length
        i += 1
    return tuple(out)


def _plan_pitches(melody: Melody, key: Key) -> list[int]:
    """The melody's pitches in ``key`` (nearest transposition; by degree across modes)."""
    shift = (key.tonic - melody.key.tonic + 6) % 12 - 6
    if key.mode is melody.key.mode:
        return [n.pitch + shift for n in melody.notes]
    tonic_ref = min(n.pitch for n in melody.notes)
    tonic_ref -= (tonic_ref - melody.key.tonic) % 12
    out = []
    for n in melody.notes:
        degree, alter = _degree(n.pitch - tonic_ref, melody.key.mode)
        scale = scale_of(key.mode)
        out.append(tonic_ref + shift + 12 * (degree // 7) + scale[degree % 7] + alter)
    return out


def fit_plan(
    plan: SongPlan,
    melody: Melody,
    *,
    key_estimated: bool,
    bpm_estimated: bool,
    trim: bool = False,
    whole_in: int | None = None,
) -> SongPlan:
    """``plan`` with ``melody`` as its motif, harmonised, in sections that can hold it.

    A stating section becomes the nearest whole number of statements (at least one: it may
    grow).  With ``trim`` it never grows, except section ``whole_in`` (which holds at least
    one whole statement): as many whole statements as fit in its planned bars, or, where not
    even one fits, its planned bars with the tune cut at the section's end — so that a song can
    be kept inside a duration limit."""
    fitted = melody_motif(melody, plan.key, plan.meter)
    loop = harmonise(
        fitted.motif, fitted.pitch_classes, plan.key, plan.meter, bars=fitted.bars, style=plan.style
    )
    tonic = Chord(0, "min" if plan.key.mode is Mode.MINOR else "maj", 1.0)
    sections = []
    start = 0
    for section in plan.sections:
        bars = section.bars
        progression = section.progression
        if section.role in STATING_ROLES:
            if not trim or section.index == whole_in:
                bars = max(1, round(bars / fitted.bars) if not trim else bars // fitted.bars)
                bars *= fitted.bars
            else:
                bars = (bars // fitted.bars) * fitted.bars or bars
            progression = _tile(loop, bars)
        elif section.role is SectionRole.INTRO and bars >= 2:
            lead_from = bars // 2  # the intro's lead enters halfway (models.embedded.context)
            progression = (replace(tonic, bars=float(lead_from)), *_tile(loop, bars - lead_from))
        elif section.role is SectionRole.OUTRO:
            progression = _tile(loop, bars)
        sections.append(replace(section, bars=bars, start_bar=start, progression=progression))
        start += bars
    first = next((s for s in sections if s.role in STATING_ROLES), sections[0])
    pitches = _plan_pitches(melody, plan.key)
    per_pulse = plan.meter.quarters_per_pulse
    notes = [
        [p, round(n.start_beats / per_pulse, 4), round(n.length_beats / per_pulse, 4)]
        for p, n in zip(pitches, melody.notes, strict=True)
    ]
    estimated = [w for w, flag in (("key", key_estimated), ("tempo", bpm_estimated)) if flag]
    extras = [
        *plan.extras,
        ("motif_source", MOTIF_SOURCE),
        (MELODY_EXTRA, melody.summary),
        ("melody_notes", json.dumps(notes, separators=(",", ":"))),
        (MELODY_JSON_EXTRA, json.dumps(melody.to_dict(), separators=(",", ":"))),
        ("melody_bar", str(first.start_bar)),
    ]
    if estimated:
        extras.append(("melody_estimated", ",".join(estimated)))
    return replace(plan, motif=fitted.motif, sections=tuple(sections), extras=tuple(extras))


def plan_melody(plan: SongPlan) -> Melody | None:
    """The user's melody a plan was made on, or None."""
    raw = plan.extra(MELODY_JSON_EXTRA)
    return Melody.from_dict(json.loads(raw)) if raw else None


def without_melody(plan: SongPlan, motif: tuple[MotifNote, ...] | None = None) -> SongPlan:
    """``plan`` with no trace of a user's melody: ``motif``, else one generated from the plan's
    seed (as the planner writes one), and none of the melody extras.  Plans not made on a
    melody are returned as they are."""
    if plan.extra("motif_source") != MOTIF_SOURCE:
        return plan
    if motif is None:
        feel = arrangement_for(plan.style, plan.substyle or None).motif_feel
        motif = make_motif(random.Random(f"motif:{plan.seed}"), plan.meter, feel, plan.key.mode)
    extras = tuple((k, v) for k, v in plan.extras if k not in MELODY_EXTRAS)
    return replace(plan, motif=motif, extras=extras)
