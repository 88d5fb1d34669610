"""Bass parts: soft roots, pop and rock eighths, house off-beats, jazz walking lines, 808 glides,
synthwave octaves, sustained orchestral roots and timpani.

Bass lines rest on chord roots (the tonic whenever the tonic chord sounds) and approach the next
chord by step, which is most of what makes the key audible.
"""

from __future__ import annotations

from collections.abc import Callable

from models.embedded.context import PartContext, SectionContext
from models.embedded.parts import PartOutput, bar_segments
from models.embedded.riffs import BASS_RIFF_PATTERNS
from models.embedded.score import ControlEvent, Note
from models.embedded.theory import ChordSpan, chord_scale, nearest_pitch

__all__ = ["BASS_PATTERNS"]


def _root(ctx: PartContext, span: ChordSpan) -> int:
    return nearest_pitch(span.root_pc, ctx.spec.low + 6, ctx.spec.low, ctx.spec.low + 11)


def _fifth(ctx: PartContext, span: ChordSpan) -> int:
    root = _root(ctx, span)
    pc = span.pcs[2] if len(span.pcs) > 2 else span.root_pc
    return nearest_pitch(pc, root + 7, root + 1, root + 12)


def _approach(sec: SectionContext, target: int, current: int, q: float) -> int:
    """A scale step (or chromatic neighbour) into ``target`` from the side of ``current``."""
    scale = chord_scale(sec.key, sec.chord_at(q).pcs)
    below = [target - d for d in (1, 2) if (target - d) % 12 in scale]
    above = [target + d for d in (1, 2) if (target + d) % 12 in scale]
    if current < target and below:
        return below[0]
    if current > target and above:
        return above[0]
    return target - 1 if current <= target else target + 1


def _next_root(ctx: PartContext, span: ChordSpan) -> int | None:
    nxt = ctx.section.next_chord(span)
    return _root(ctx, nxt) if nxt is not None else None


def _per_chord_grid(ctx: PartContext, step: float, make: Callable[..., list[Note]]) -> list[Note]:
    sec = ctx.section
    notes: list[Note] = []
    for bar in range(sec.bars):
        for s, e, span in bar_segments(sec, bar):
            notes.extend(make(bar, s, e, span, step))
    return notes


def roots_soft(ctx: PartContext) -> PartOutput:
    """Lo-fi / generic: a long root, a softer fifth or root later, a step into the next chord."""
    sec = ctx.section
    rng = ctx.rng

    def make(bar: int, s: float, e: float, span: ChordSpan, _step: float) -> list[Note]:
        root = _root(ctx, span)
        vel = ctx.velocity(bar)
        length = e - s
        out = [Note(s, min(length, 1.5 * sec.pulse_q) - 0.05, root, vel)]
        if length >= 2.5 * sec.pulse_q:
            second = s + 1.5 * sec.pulse_q if not sec.compound else s + sec.pulse_q
            pitch = root if rng.random() < 0.6 else _fifth(ctx, span)
            out.append(Note(second, min(1.0, e - second) - 0.05, pitch, int(vel * 0.86)))
        nxt = _next_root(ctx, span)
        is_span_end = e >= span.end_q - 1e-6
        approach = nxt is not None and is_span_end and nxt != root and length >= 2.0
        if approach and rng.random() < 0.35 + 0.4 * sec.bar_energy(bar):
            assert nxt is not None
            q = e - 0.5
            out = [n for n in out if n.start_q < q - 0.25]
            out = [
                Note(n.start_q, min(n.length_q, q - n.start_q - 0.02), n.pitch, n.velocity)
                for n in out
            ]
            out.append(Note(q, 0.45, _approach(sec, nxt, root, q), int(vel * 0.8)))
        return out

    return _per_chord_grid(ctx, 1.0, make), []


def eighths(ctx: PartContext) -> PartOutput:
    """Rock: driving root eighths (quarters when quiet), a passing note into chord changes."""
    sec = ctx.section

    def make(bar: int, s: float, e: float, span: ChordSpan, _step: float) -> list[Note]:
        step = 0.5 if sec.bar_energy(bar) >= 0.4 else 1.0
        root = _root(ctx, span)
        out = []
        q = s
        nxt = _next_root(ctx, span)
        fifth = _fifth(ctx, span)
        while q < e - 1e-6:
            # root for the first half of the bar, the fifth on beat three: a rock line that
            # does not drone one note (whose overtones would blur major and minor)
            in_bar = (q % sec.bar_q) / sec.bar_q
            full_bar = e - s >= sec.bar_q - 1e-6
            pitch = fifth if 0.5 <= in_bar < 0.75 and full_bar else root
            if full_bar and 0.75 <= in_bar < 0.875 and len(span.pcs) > 1:
                pitch = nearest_pitch(span.pcs[1], root + 4, root + 1, root + 5)  # the third
            last = q + step >= e - 1e-6 and e >= span.end_q - 1e-6
            if last and nxt is not None and nxt != root:
                pitch = _approach(sec, nxt, root, q)
            strong = abs((q / sec.pulse_q) - round(q / sec.pulse_q)) < 1e-6
            out.append(Note(q, step * 0.85, pitch, ctx.velocity(bar, 1.0 if strong else 0.76)))
            q += step
        return out

    return _per_chord_grid(ctx, 0.5, make), []


def pop_bass(ctx: PartContext) -> PartOutput:
    """Pop: root on the beat, syncopated eighths, an octave pop before the next bar."""
    sec = ctx.section
    pattern: tuple[tuple[float, int, float], ...] = (
        (0.0, 0, 1.0),
        (1.5, 0, 0.85),
        (2.0, 0, 0.92),
        (3.0, 0, 0.9),
        (3.5, 12, 0.8),
    )
    if sec.bar_q != 4.0:
        pattern = tuple(
            (p, 0, 1.0 if i == 0 else 0.85)
            for i, p in enumerate(x * sec.pulse_q for x in range(sec.pulses))
        )
    notes: list[Note] = []
    for bar in range(sec.bars):
        b0 = bar * sec.bar_q
        quiet = sec.bar_energy(bar) < 0.45
        for pos, octave, scale in pattern:
            if quiet and pos % sec.pulse_q:
                continue
            q = b0 + pos
            span = sec.chord_at(q)
            notes.append(
                Note(
                    q, 0.45 if pos % 1 else 0.9, _root(ctx, span) + octave, ctx.velocity(bar, scale)
                )
            )
    return notes, []


def offbeat(ctx: PartContext) -> PartOutput:
    """House: the bass answers the four-on-the-floor kick on every off-beat."""
    sec = ctx.section
    notes: list[Note] = []
    for bar in range(sec.bars):
        b0 = bar * sec.bar_q
        for k in range(sec.pulses):
            q = b0 + k * sec.pulse_q + sec.pulse_q / 2
            span = sec.chord_at(q)
            root = _root(ctx, span)
            notes.append(Note(q, sec.pulse_q * 0.4, root, ctx.velocity(bar, 1.0)))
            if sec.bar_energy(bar) >= 0.75 and k == sec.pulses - 1 and not sec.compound:
                notes.append(Note(q + 0.25, 0.2, root + 12, ctx.velocity(bar, 0.8)))
    return notes, []


def walking(ctx: PartContext) -> PartOutput:
    """Jazz walking bass: root on one, chord tones and steps in between, an approach note last."""
    sec = ctx.section
    rng = ctx.rng
    notes: list[Note] = []
    current = None
    for bar in range(sec.bars):
        b0 = bar * sec.bar_q
        beats = [b0 + k * sec.pulse_q for k in range(sec.pulses)]
        if sec.bar_energy(bar) < 0.3:
            beats = beats[::2]
        for i, q in enumerate(beats):
            span = sec.chord_at(q)
            root = _root(ctx, span)
            nxt_q = beats[i + 1] if i + 1 < len(beats) else b0 + sec.bar_q
            nxt_span = sec.chord_at(min(nxt_q, sec.body_q - 1e-3))
            changes = nxt_span is not span and nxt_q < sec.body_q
            if q == span.start_q or current is None or i == 0:
                pitch = root
            elif changes:
                pitch = _approach(sec, _root(ctx, nxt_span), current, q)
            elif i == len(beats) // 2 and rng.random() < 0.6:
                pitch = _fifth(ctx, span)  # the fifth on the middle beat anchors the harmony
            else:
                tones = [nearest_pitch(pc, current, ctx.spec.low, ctx.spec.high) for pc in span.pcs]
                scale = chord_scale(sec.key, span.pcs)
                steps = [current + d for d in (-2, -1, 1, 2) if (current + d) % 12 in scale]
                pool = [t for t in tones + steps if t != current and abs(t - current) <= 7]
                pitch = pool[int(rng.integers(len(pool)))] if pool else root
            pitch = max(ctx.spec.low, min(ctx.spec.high, pitch))
            strong = i == 0
            notes.append(
                Note(q, sec.pulse_q * 0.92, pitch, ctx.velocity(bar, 1.0 if strong else 0.9))
            )
            current = pitch
    return notes, []


def bass808(ctx: PartContext) -> PartOutput:
    """Trap 808: long sub notes locked to the kick, with pitch glides into chord changes."""
    sec = ctx.section
    rng = ctx.rng
    notes: list[Note] = []
    controls: list[ControlEvent] = []
    hits: tuple[float, ...]
    if sec.bar_q == 4.0:
        hits = (0.0, 1.5, 2.5)
    else:
        hits = tuple(k * sec.pulse_q for k in range(sec.pulses))[:2]
    events: list[tuple[float, int, int]] = []
    for bar in range(sec.bars):
        b0 = bar * sec.bar_q
        for h in hits:
            if sec.bar_energy(bar) < 0.45 and h:
                continue
            q = b0 + h
            span = sec.chord_at(q)
            pitch = _root(ctx, span)
            if h == 1.5 and rng.random() < 0.5:
                pitch = _fifth(ctx, span)
            events.append((q, pitch, ctx.velocity(bar, 1.0 if h == 0 else 0.88)))
    for i, (q, pitch, vel) in enumerate(events):
        if pitch < 0:
            continue
        end = events[i + 1][0] if i + 1 < len(events) else sec.body_q
        nxt_pitch = events[i + 1][1] if i + 1 < len(events) else pitch
        if nxt_pitch != pitch and i + 1 < len(events) and rng.random() < 0.55:
            # glide: hold this note into the next one and bend to its pitch
            glide_q = min(0.25, (end - q) / 2)
            semis = nxt_pitch - pitch
            for k in range(1, 7):
                t = end - glide_q + glide_q * k / 6
                controls.append(ControlEvent(t, "bend", 0, _bend_value(semis * k / 6)))
            nxt_end = events[i + 2][0] if i + 2 < len(events) else sec.body_q
            events[i + 1] = (events[i + 1][0], -1, 0)  # absorbed into the glide
            notes.append(Note(q, nxt_end - q - 0.03, pitch, vel))
            controls.append(ControlEvent(nxt_end - 0.02, "bend", 0, 0))
            continue
        notes.append(Note(q, end - q - 0.03, pitch, vel))
    controls.insert(0, ControlEvent(0.0, "bend", 0, 0))
    return notes, controls


def _bend_value(semitones: float, bend_range: int = 12) -> int:
    return int(max(-8192, min(8191, round(8192 * semitones / bend_range))))


def octaves(ctx: PartContext) -> PartOutput:
    """Synthwave: pumping eighths alternating root and octave."""
    sec = ctx.section
    notes: list[Note] = []
    for bar in range(sec.bars):
        b0 = bar * sec.bar_q
        quiet = sec.bar_energy(bar) < 0.4
        for i in range(round(sec.bar_q / 0.5)):
            if quiet and i % 2:
                continue
            q = b0 + i * 0.5
            span = sec.chord_at(q)
            root = _root(ctx, span)
            pitch = root + (12 if i % 2 and sec.bar_energy(bar) >= 0.7 else 0)
            if i in (4, 5) and sec.bar_q == 4.0:  # root, octave... then the fifth on beat 3
                pitch = _fifth(ctx, span) + (12 if i == 5 and sec.bar_energy(bar) >= 0.7 else 0)
            if (
                i in (3, 7)
                and sec.bar_q == 4.0
                and len(span.pcs) > 1
                and span.root_pc == sec.key.tonic
            ):
                # over the tonic chord the off-beats of 2 and 4 are its third: the overtones alone
                # (the fifth harmonic is a major third) would tip a minor key towards major
                pitch = nearest_pitch(span.pcs[1], root + 3, root + 1, root + 5)
            strong = abs((i * 0.5) / sec.pulse_q - round((i * 0.5) / sec.pulse_q)) < 1e-6
            notes.append(Note(q, 0.42, pitch, ctx.velocity(bar, 1.0 if strong else 0.85)))
    return notes, []


def sustain_bass(ctx: PartContext) -> PartOutput:
    """Held roots (re-struck every two bars), with a pulse on the beat at high energy."""
    sec = ctx.section
    notes: list[Note] = []
    for bar in range(sec.bars):
        for s, _e, span in bar_segments(sec, bar):
            offset = s - span.start_q
            if offset > 1e-6 and abs(offset % (2 * sec.bar_q)) > 1e-6:
                continue
            end = min(span.end_q, s + 2 * sec.bar_q)
            root = _root(ctx, span)
            notes.append(Note(s, end - s - 0.03, root, ctx.velocity(bar)))
        if sec.bar_energy(bar) >= 0.85:
            for k in range(1, sec.pulses):
                q = bar * sec.bar_q + k * sec.pulse_q
                root = _root(ctx, sec.chord_at(q)) + 12
                notes.append(Note(q, sec.pulse_q * 0.5, root, ctx.velocity(bar, 0.7)))
    return notes, []


def timpani(ctx: PartContext) -> PartOutput:
    """Timpani tuned to tonic and dominant: hits on strong beats, a roll into the next section."""
    sec = ctx.section
    tonic_pc = sec.key.tonic
    dominant_pc = (tonic_pc + 7) % 12
    notes: list[Note] = []
    for bar in range(sec.bars):
        energy = sec.bar_energy(bar)
        b0 = bar * sec.bar_q
        span = sec.chord_at(b0)
        pc = (
            tonic_pc
            if tonic_pc in span.pcs
            else (dominant_pc if dominant_pc in span.pcs else span.root_pc)
        )
        pitch = nearest_pitch(pc, ctx.spec.low + 7, ctx.spec.low, ctx.spec.high)
        if sec.is_fill_bar(bar):
            start = b0 + sec.bar_q - 2 * sec.pulse_q
            n = round(2 * sec.pulse_q / 0.125)
            notes.append(Note(b0, 1.0, pitch, ctx.velocity(bar)))
            for k in range(n):
                vel = int(ctx.velocity(bar, 0.5 + 0.6 * k / n))
                notes.append(Note(start + k * 0.125, 0.12, pitch, vel))
            continue
        if energy < 0.5 and bar % 2:
            continue
        notes.append(Note(b0, 1.0, pitch, ctx.velocity(bar, 1.05)))
        for k in range(1, sec.pulses):  # the pulse: every beat when loud, else strong beats
            q = b0 + k * sec.pulse_q
            if energy >= 0.8 or (energy >= 0.5 and ((sec.pulses == 4 and k == 2) or sec.compound)):
                notes.append(Note(q, 0.5, pitch, ctx.velocity(bar, 0.85)))
    return notes, []


BASS_PATTERNS: dict[str, Callable[[PartContext], PartOutput]] = {
    "roots_soft": roots_soft,
    "eighths": eighths,
    "pop_bass": pop_bass,
    "offbeat": offbeat,
    "walking": walking,
    "bass808": bass808,
    "octaves": octaves,
    "sustain_bass": sustain_bass,
    "timpani": timpani,
    **BASS_RIFF_PATTERNS,
}
