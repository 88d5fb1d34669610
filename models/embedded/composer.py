"""Compose one section of a :class:`~models.plan.SongPlan` into a :class:`Score`.

Deterministic: every random choice comes from generators seeded with (plan seed, section index,
part index), so the same plan always yields the same notes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace

import numpy as np

from models.base import BackendError
from models.embedded.arrangements import (
    PartSpec,
    StyleArrangement,
    arrangement_for,
    generic_spec,
    pattern_picks,
)
from models.embedded.bass import BASS_PATTERNS
from models.embedded.buildup import buildup_generator
from models.embedded.context import PartContext, SectionContext, build_chord_spans
from models.embedded.drums import DRUM_PATTERNS
from models.embedded.harmony import HARMONY_PATTERNS
from models.embedded.humanise import humanise_track
from models.embedded.melody import lead
from models.embedded.parts import PartOutput, ms_to_q
from models.embedded.score import Note, Score, TempoMap, Track
from models.embedded.theory import ChordSpan, nearest_pitch, voice_chord
from models.plan import Chord, InstrumentPart, Mode, PartRole, SectionPlan, SectionRole, SongPlan

__all__ = ["compose_section", "resolve_parts"]

log = logging.getLogger(__name__)

Generator = Callable[[PartContext], PartOutput]
_REGISTRIES: dict[PartRole, dict[str, Generator]] = {
    PartRole.DRUMS: DRUM_PATTERNS,
    PartRole.BASS: BASS_PATTERNS,
    PartRole.HARMONY: HARMONY_PATTERNS,
    PartRole.PAD: HARMONY_PATTERNS,
    PartRole.TEXTURE: HARMONY_PATTERNS,
    PartRole.LEAD: {"lead": lead},
}
#: Loudness of one note of each role relative to the mix reference (chords add up on their own).
_LEVEL_DB: dict[PartRole, float] = {
    PartRole.DRUMS: -8.0,
    PartRole.BASS: -3.0,
    PartRole.HARMONY: -2.0,
    PartRole.PAD: -8.0,
    PartRole.LEAD: 3.0,
    PartRole.TEXTURE: -5.0,
}
#: How long notes may ring after their note-off in the synth (None: the SoundFont's release).
_RELEASE_S: dict[PartRole, float | None] = {
    PartRole.DRUMS: None,
    PartRole.BASS: None,
    PartRole.HARMONY: 0.45,
    PartRole.PAD: 0.6,
    PartRole.LEAD: 0.5,
    PartRole.TEXTURE: 0.35,
}
_ALL: dict[str, Generator] = {
    **HARMONY_PATTERNS,
    **BASS_PATTERNS,
    "lead": lead,
}


def resolve_parts(
    arrangement: StyleArrangement,
    parts: tuple[InstrumentPart, ...],
    patterns: Mapping[int, str] | None = None,
) -> list[PartSpec]:
    """Match the plan's instruments to the style's part specs: an exact (role, program) match
    keeps the style's pattern and mix; otherwise the style's part in that role (or a generic
    one) is reused with the requested program and name.  ``patterns`` (part index → pattern)
    are the plan's picks among a part's alternative patterns."""
    used: set[int] = set()
    specs: list[PartSpec] = []
    for part in parts:
        match = None
        for i, spec in enumerate(arrangement.parts):
            if i not in used and spec.role is part.role and spec.program == part.program:
                match = i
                break
        if match is None:
            for i, spec in enumerate(arrangement.parts):
                if i not in used and spec.role is part.role:
                    match = i
                    break
        if match is not None:
            used.add(match)
            base = arrangement.parts[match]
            if patterns and match in patterns:
                base = replace(base, pattern=patterns[match])
        else:
            base = generic_spec(part.role)
        specs.append(_with_part(base, part))
    return specs


def _with_part(spec: PartSpec, part: InstrumentPart) -> PartSpec:
    spec = replace(spec, program=part.program, name=part.name)
    if part.role is PartRole.BASS and "808" in part.name:
        spec = replace(spec, pattern="bass808")
    return spec


def _generator(spec: PartSpec) -> Generator:
    registry = _REGISTRIES[spec.role]
    if spec.pattern in registry:
        return registry[spec.pattern]
    if spec.role is PartRole.DRUMS:
        return DRUM_PATTERNS["basic"]
    return _ALL.get(spec.pattern) or _ALL[generic_spec(spec.role).pattern]


def _tonic_chord(plan: SongPlan, bars: float) -> Chord:
    return Chord(0, "min" if plan.key.mode is Mode.MINOR else "maj", bars)


def _spans(plan: SongPlan, section: SectionPlan) -> tuple[ChordSpan, ...]:
    bar_q = plan.meter.quarters_per_bar
    spans = build_chord_spans(section.progression, plan.key, section.bars, bar_q)
    if section.role is not SectionRole.OUTRO:
        return spans
    # the song ends on the tonic: the final bar is a tonic chord whatever the plan says
    last_bar_q = (section.bars - 1) * bar_q
    kept = [s for s in spans if s.start_q < last_bar_q - 1e-6]
    if kept:
        s = kept[-1]
        kept[-1] = ChordSpan(s.start_q, min(s.end_q, last_bar_q), s.root_pc, s.pcs, s.chord, s.bar)
    if kept and kept[-1].end_q < last_bar_q - 1e-6:
        s = kept[-1]
        kept[-1] = ChordSpan(s.start_q, last_bar_q, s.root_pc, s.pcs, s.chord, s.bar)
    # the song's colour (sevenths, ninths: models.embedded.colours) stays on its final chord
    planned = section.progression[-1]
    third = 3 if plan.key.mode is Mode.MINOR else 4
    tonic = _tonic_chord(plan, 1.0)
    if planned.root == 0 and third in planned.intervals:
        tonic = Chord(0, planned.quality, 1.0)
    pcs = tonic.pitch_classes(plan.key)
    kept.append(ChordSpan(last_bar_q, section.bars * bar_q, pcs[0], pcs, tonic, section.bars - 1))
    return tuple(kept)


def _tempo_map(plan: SongPlan, section: SectionPlan, arrangement: StyleArrangement) -> TempoMap:
    meter = plan.meter
    spq = 60.0 / (plan.bpm * meter.quarters_per_pulse)
    bar_q = meter.quarters_per_bar
    segments: list[tuple[float, float]] = [(0.0, spq)]
    if section.role is SectionRole.OUTRO:
        rit_bars = 2 if section.bars >= 3 else 1
        start = (section.bars - rit_bars) * bar_q
        steps = round(rit_bars * bar_q / 0.5)
        for j in range(steps):
            factor = 1.0 + 0.4 * ((j + 1) / steps) ** 2
            segments.append((start + j * 0.5, spq * factor))
    elif arrangement.style == "piano" and section.bars >= 4:
        # rubato-light: the last pulse of each four-bar phrase breathes a little
        for phrase_end in range(4, section.bars + 1, 4):
            q = phrase_end * bar_q - meter.quarters_per_pulse
            segments.append((q, spq * 1.05))
            if phrase_end * bar_q < section.bars * bar_q:
                segments.append((phrase_end * bar_q, spq))
    return TempoMap(segments)


def _final_bar(ctx: PartContext, notes: list[Note], bar_start: float) -> list[Note]:
    """The song's last bar for a pitched part: the tonic, held."""
    sec = ctx.section
    kept = [n for n in notes if n.start_q < bar_start - 1e-6]
    role = ctx.spec.role
    span = sec.chords[-1]
    length = sec.body_q - bar_start - 0.02
    vel = ctx.velocity(sec.bars - 1, 0.95)
    if role is PartRole.BASS:
        root = nearest_pitch(sec.key.tonic, ctx.spec.low + 6, ctx.spec.low, ctx.spec.low + 11)
        return [*kept, Note(bar_start, length, root, vel)]
    if role is PartRole.LEAD:
        return notes
    voicing = voice_chord(span.pcs, None, ctx.spec.low, ctx.spec.high, max_notes=4)
    roll = ms_to_q(sec, 35.0 if role is PartRole.TEXTURE else 8.0)
    return kept + [
        Note(bar_start + i * roll, length - i * roll, p, vel - 3 * i) for i, p in enumerate(voicing)
    ]


def compose_section(plan: SongPlan, section: SectionPlan) -> Score:
    """Compose ``section`` of ``plan`` (which must be one of ``plan.sections``)."""
    try:
        arrangement = arrangement_for(plan.style, plan.substyle)
    except KeyError:
        raise BackendError(
            f"the embedded composer has no style {plan.style!r}; pick one of its styles"
        ) from None
    index = next((i for i, s in enumerate(plan.sections) if s == section), section.index)
    next_role = plan.sections[index + 1].role if index + 1 < len(plan.sections) else None
    ctx = SectionContext(
        plan=plan,
        section=section,
        arrangement=arrangement,
        chords=_spans(plan, section),
        has_previous=index > 0,
        next_role=next_role,
    )
    tempo = _tempo_map(plan, section, arrangement)
    specs = resolve_parts(arrangement, plan.instruments, pattern_picks(plan.extras))
    tracks: list[Track] = []
    channel = 0
    swing = plan.swing if not plan.meter.compound else 0.0
    for i, spec in enumerate(specs):
        rng = np.random.default_rng([plan.seed, section.index, i, 17])
        pctx = PartContext(ctx, spec, rng, i)
        generator = _generator(spec)
        if section.role is SectionRole.BUILDUP:
            generator = buildup_generator(spec.role, generator)
        notes, controls = generator(pctx)
        is_drum = spec.role is PartRole.DRUMS
        if not is_drum:
            notes = pctx.notes_for_bars(notes)
            if ctx.ending:
                notes = _final_bar(pctx, notes, (section.bars - 1) * ctx.bar_q)
        if is_drum:
            ch = 9
        else:
            ch = channel if channel != 9 else channel + 1
            channel = ch + 1
            if ch > 15:
                log.warning("too many parts; %s shares channel 15", spec.name)
                ch = 15
        track = Track(
            name=spec.name,
            role=spec.role,
            program=spec.program,
            channel=ch,
            is_drum=is_drum,
            level_db=_LEVEL_DB[spec.role] + spec.level,
            pan=spec.pan,
            reverb_send=spec.send * (arrangement.drum_send_scale if is_drum else 1.0),
            bend_range=12 if any(c.kind == "bend" for c in controls) else 2,
            notes=notes,
            controls=controls,
            drum_kit=spec.kit if is_drum else 0,
            release_s=_RELEASE_S[spec.role] if spec.release_s == -1.0 else spec.release_s,
        )
        timing_ms = arrangement.drum_timing_ms if is_drum else arrangement.timing_ms
        humanise_track(
            track,
            np.random.default_rng([plan.seed, section.index, i, 23]),
            swing=swing,
            swing_grid_q=arrangement.swing_grid_q,
            timing_q=ms_to_q(ctx, timing_ms),
            velocity_spread=arrangement.velocity_spread,
        )
        tracks.append(track)
    score = Score(
        key=plan.key,
        meter=plan.meter,
        bpm=plan.bpm,
        tempo=tempo,
        body_q=ctx.body_q,
        tracks=tracks,
        title=f"{plan.style} {section.role.value}",
    )
    score.legalise()
    return score
