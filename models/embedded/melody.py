"""The song's motif and the lead line that states and develops it in every section.

:func:`make_motif` writes a two-bar motif (scale degrees + rhythm in pulses) for the planner.
:func:`lead` turns it into a section's melody: phrase by phrase it is stated, sequenced to fit
the chords, varied rhythmically, inverted (bridge), lifted an octave (climax), augmented (outro)
and answered with a cadence that lands on the tonic.  Notes on strong beats are chord tones.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from models.embedded.context import PartContext
from models.embedded.parts import PartOutput
from models.embedded.score import Note
from models.embedded.theory import chord_scale, nearest_pitch, scale_of
from models.melody.lead import stated_melody
from models.plan import Meter, Mode, MotifNote, SectionRole

__all__ = ["lead", "make_motif"]

Rhythm = tuple[tuple[float, float], ...]
_T = 1.0 / 3.0

_RHYTHMS_44: dict[str, tuple[Rhythm, ...]] = {
    "straight": (
        ((0, 1), (1, 0.5), (1.5, 0.5), (2, 1.5), (4, 1), (5, 1), (6, 2)),
        ((0, 1.5), (1.5, 0.5), (2, 1), (3, 1), (4, 1.5), (5.5, 0.5), (6, 2)),
        ((0, 0.5), (0.5, 0.5), (1, 1), (2, 2), (4, 0.5), (4.5, 0.5), (5, 1), (6, 2)),
    ),
    "syncopated": (
        ((0, 0.75), (0.75, 0.75), (1.5, 1), (2.5, 1.5), (4, 0.75), (4.75, 0.75), (5.5, 2.5)),
        ((0, 0.5), (0.5, 1), (1.5, 0.5), (2, 2), (4, 0.5), (4.5, 1), (5.5, 0.5), (6, 2)),
    ),
    "sparse": (
        ((0, 1.5), (1.5, 0.5), (2, 2), (4, 1), (5, 0.5), (5.5, 2.5)),
        ((0, 0.75), (0.75, 0.75), (1.5, 2.5), (4, 1.5), (6, 2)),
    ),
    "slow": (
        ((0, 2), (2, 1), (3, 1), (4, 3), (7, 1)),
        ((0, 3), (3, 1), (4, 2), (6, 2)),
    ),
    "swing": (
        ((0, 0.5), (0.5, 0.5), (1, 0.5), (1.5, 1.5), (3.5, 0.5), (4, 1), (5, 0.5), (5.5, 2.5)),
        ((0, 1), (1, 0.5), (1.5, 0.5), (2, 0.5), (2.5, 1.5), (4, 1.5), (5.5, 2.5)),
    ),
}
_RHYTHMS_34: tuple[Rhythm, ...] = (
    ((0, 1), (1, 1), (2, 1), (3, 2), (5, 1)),
    ((0, 1.5), (1.5, 0.5), (2, 1), (3, 3)),
    ((0, 2), (2, 1), (3, 1), (4, 2)),
)
_RHYTHMS_68: tuple[Rhythm, ...] = (
    ((0, 2 * _T), (2 * _T, _T), (1, 1), (2, 2 * _T), (2 + 2 * _T, _T), (3, 1)),
    ((0, 1), (1, _T), (1 + _T, _T), (1 + 2 * _T, _T), (2, 2)),
    ((0, 4 * _T), (4 * _T, 2 * _T), (2, 1), (3, 1)),
)


def make_motif(
    rng: random.Random, meter: Meter, feel: str, mode: Mode = Mode.MAJOR
) -> tuple[MotifNote, ...]:
    """A two-bar motif: rhythm from the style's feel, a singable contour that starts on a tonic
    chord tone and leaves the tonic for later phrases to resolve to."""
    if meter.compound:
        rhythms = _RHYTHMS_68
    elif meter.pulses_per_bar == 3:
        rhythms = _RHYTHMS_34
    else:
        rhythms = _RHYTHMS_44.get(feel, _RHYTHMS_44["straight"])
    rhythm = rhythms[rng.randrange(len(rhythms))]
    bar_pulses = meter.pulses_per_bar
    half = bar_pulses / 2 if bar_pulses % 2 == 0 else bar_pulses
    strong = [i == 0 or abs(start % half) < 1e-6 for i, (start, _n) in enumerate(rhythm)]
    strong[-1] = True
    skeleton = _skeleton(
        [rhythm[i][0] for i in range(len(rhythm)) if strong[i]], bar_pulses, mode, rng
    )
    degrees: list[int] = []
    marks = [i for i in range(len(rhythm)) if strong[i]]
    for j, i in enumerate(marks):
        degrees.append(skeleton[j])
        nxt = marks[j + 1] if j + 1 < len(marks) else None
        if nxt is not None:
            degrees.extend(_fill_between(skeleton[j], skeleton[j + 1], nxt - i - 1, rng))
    notes = []
    for (start, length), degree in zip(rhythm, degrees, strict=True):
        accent = 1.0 if abs(start % bar_pulses) < 1e-6 else 0.85
        notes.append(MotifNote(int(degree), float(start), float(length), accent))
    return tuple(notes)


def _skeleton(starts: list[float], bar_pulses: int, mode: Mode, rng: random.Random) -> list[int]:
    """Degrees of the motif's strong notes: tonic-chord tones in the first bar (the tonic and,
    in major, the third; in minor the fifth, since the minor third is the relative major's
    tonic), tones leaning away from the tonic in the second, an open (non-tonic) last note."""
    third = 0.3
    out: list[int] = []
    pool: tuple[int, ...]
    weights: tuple[float, ...]
    for j, start in enumerate(starts):
        last = j == len(starts) - 1
        if j == 0:
            pool, weights = (0, 2, 4), (0.5, third, 0.5 - third)
        elif last:
            pool, weights = (1, 4, 2, -1), (0.35, 0.3, 0.2, 0.15)
        elif start < bar_pulses:
            pool, weights = (0, 2, 4, 7), (0.25, third, 0.55 - third, 0.2)
        else:
            pool, weights = (4, 3, 5, 1, 6), (0.3, 0.2, 0.2, 0.15, 0.15)
        choices = [(d, w) for d, w in zip(pool, weights, strict=True) if not out or d != out[-1]]
        out.append(rng.choices([d for d, _ in choices], weights=[w for _, w in choices])[0])
    if len(out) > 2 and max(out) - min(out) < 3:  # give the motif some range
        peak = max(range(1, len(out) - 1), key=lambda j: out[j])
        out[peak] += 2
    if len(out) > 2 and 2 not in {d % 7 for d in out}:
        # the third is the one melodic note that tells major from minor: the motif has one
        j = min(range(1, len(out) - 1), key=lambda k: abs(out[k] - 2))
        out[j] = 2 if abs(out[j] - 2) <= abs(out[j] - 9) else 9
    return out


def _fill_between(a: int, b: int, count: int, rng: random.Random) -> list[int]:
    """``count`` weak notes from degree ``a`` toward ``b``: passing tones when there is room,
    otherwise neighbour notes."""
    if count <= 0:
        return []
    out: list[int] = []
    for k in range(1, count + 1):
        d = a + round((b - a) * k / (count + 1))
        if (out and d == out[-1]) or (d in (a, b) and abs(b - a) <= 1):
            d = d + (1 if (k + (b < a)) % 2 else -1) * (1 if rng.random() < 0.85 else 2)
        out.append(max(-3, min(9, d)))
    return out


# --- development ------------------------------------------------------------------------------

Cell = tuple[float, float, int, float]  # start (pulses), length (pulses), degree, accent


def _cells(motif: Sequence[MotifNote]) -> list[Cell]:
    return [(n.start, n.length, n.degree, n.accent) for n in motif]


def _sequence(cells: list[Cell], shift: int) -> list[Cell]:
    return [(s, n, d + shift, a) for s, n, d, a in cells]


def _invert(cells: list[Cell]) -> list[Cell]:
    pivot = cells[0][2]
    return [(s, n, pivot - (d - pivot), a) for s, n, d, a in cells]


def _rhythm_variant(cells: list[Cell], rng: random.Random) -> list[Cell]:
    out = list(cells)
    longest = max(range(len(out)), key=lambda i: (out[i][1], -i))
    s, n, d, a = out[longest]
    if n >= 1.0:
        half = n / 2
        neighbour = d + (1 if rng.random() < 0.5 else -1)
        out[longest : longest + 1] = [(s, half, d, a), (s + half, half, neighbour, a * 0.85)]
    elif len(out) > 2:
        merged = out[0][1] + out[1][1]
        out[0:2] = [(out[0][0], merged, out[0][2], out[0][3])]
    return out


def _answer(cells: list[Cell], total: float) -> list[Cell]:
    """Keep the first half, then walk down (or up) by step to the tonic on the last bar."""
    half = total / 2
    head = [c for c in cells if c[0] < half]
    if not head:
        head = cells[:1]
    start_degree = head[-1][2]
    target = 7 * round(start_degree / 7)
    steps: list[int] = []
    d = start_degree
    while d != target and len(steps) < 3:
        d += -1 if d > target else 1
        steps.append(d)
    pos = half
    length = max(0.5, (total - half) / (len(steps) + 2))
    tail: list[Cell] = []
    for d in steps:
        tail.append((pos, length, d, 0.9))
        pos += length
    tail.append((pos, total - pos, target, 1.0))
    return head + tail


def _augment(cells: list[Cell], total: float) -> list[Cell]:
    return [(s * 2, n * 2, d, a) for s, n, d, a in cells if s * 2 < total]


def _fragment(cells: list[Cell], total: float) -> list[Cell]:
    half = total / 2
    head = [c for c in cells if c[0] < half]
    return head + [(s + half, n, d + 1, a * 0.95) for s, n, d, a in head]


_PLANS: dict[SectionRole, tuple[str, ...]] = {
    SectionRole.INTRO: ("state",),
    SectionRole.VERSE: ("state", "sequence", "rhythm", "answer"),
    SectionRole.CHORUS: ("state", "sequence", "state", "answer"),
    SectionRole.BRIDGE: ("invert", "sequence", "fragment", "invert"),
    SectionRole.CLIMAX: ("state", "sequence", "rhythm", "answer"),
    SectionRole.OUTRO: ("augment", "answer"),
}


def lead(ctx: PartContext) -> PartOutput:
    sec = ctx.section
    plan = sec.plan
    rng = random.Random(f"lead:{plan.seed}:{sec.section.index}:{ctx.index}")
    motif = _cells(plan.motif) or [(0.0, 2.0, 0, 1.0)]
    motif_pulses = max(s + n for s, n, _d, _a in motif)
    phrase_bars = max(1, math.ceil(motif_pulses / sec.pulses - 1e-6))
    phrase_pulses = phrase_bars * sec.pulses
    first_bar = next((b for b in range(sec.bars) if sec.active(ctx.spec, b)), sec.bars)
    tonic_base = _tonic_base(ctx, sec.role is SectionRole.CLIMAX)
    plan_names = _PLANS.get(sec.role, _PLANS[SectionRole.VERSE])
    # a user's melody is stated as written (its chords were chosen to fit it); developed as usual
    exact = plan.extra("motif_source") == "melody"
    notes: list[Note] = []
    bar = first_bar
    k = 0
    while bar < sec.bars:
        bars_left = sec.bars - bar
        span_bars = min(phrase_bars, bars_left)
        total = span_bars * sec.pulses
        last_phrase = bar + span_bars >= sec.bars
        name = plan_names[k % len(plan_names)]
        if last_phrase and sec.role not in (SectionRole.INTRO,) and not (exact and k == 0):
            name = "answer" if name != "augment" else name
        if exact and name == "state":
            stated = stated_melody(ctx, plan.motif, bar=bar, tonic_base=tonic_base, total=total)
            notes.extend(stated)
            bar += span_bars
            k += 1
            continue
        cells = _develop(
            name, motif, total=total, phrase_pulses=phrase_pulses, rng=rng, ctx=ctx, bar=bar
        )
        if last_phrase and sec.role is SectionRole.OUTRO and name == "augment":
            cells = _answer(cells, total)
        cells = [c for c in cells if c[0] < total - 1e-6]
        notes.extend(
            _realise(
                ctx, cells, bar=bar, tonic_base=tonic_base, total=total, last_phrase=last_phrase
            )
        )
        bar += span_bars
        k += 1
    if sec.role is SectionRole.CLIMAX:
        notes += [
            Note(n.start_q, n.length_q, n.pitch - 12, int(n.velocity * 0.7))
            for n in notes
            if n.pitch - 12 >= ctx.spec.low - 5
        ]
    if sec.arrangement.style == "piano":
        notes += _right_hand_chords(ctx, notes)
    return notes, []


def _develop(
    name: str,
    motif: list[Cell],
    *,
    total: float,
    phrase_pulses: float,
    rng: random.Random,
    ctx: PartContext,
    bar: int,
) -> list[Cell]:
    cells = list(motif)
    if name == "sequence":
        span = ctx.section.chord_at(bar * ctx.section.bar_q)
        scale = scale_of(ctx.section.key.mode)
        chord_degrees = {
            i for i, step in enumerate(scale) if (ctx.section.key.tonic + step) % 12 in span.triad
        }
        first = cells[0][2]
        shift = min(
            (0, 1, -1, 2, -2, 3, -3), key=lambda t: ((first + t) % 7 not in chord_degrees, abs(t))
        )
        return _sequence(cells, shift)
    if name == "rhythm":
        return _rhythm_variant(cells, rng)
    if name == "answer":
        return _answer(cells, min(total, phrase_pulses))
    if name == "invert":
        return _invert(cells)
    if name == "fragment":
        return _fragment(cells, total)
    if name == "augment":
        return _augment(cells, total)
    return cells


def _tonic_base(ctx: PartContext, lift: bool) -> int:
    """The MIDI pitch of the tonic that motif degree 0 maps to in this part's register, an
    octave higher when ``lift`` (the climax) and the instrument has the room."""
    low, high = ctx.spec.low, ctx.spec.high
    tonic = nearest_pitch(ctx.section.key.tonic, int(low + (high - low) * 0.3))
    while tonic + 9 > high + 5 and tonic - 12 >= low - 3:
        tonic -= 12
    if lift and tonic + 12 + 7 <= high + 9:
        tonic += 12
    return tonic


def _realise(
    ctx: PartContext,
    cells: list[Cell],
    *,
    bar: int,
    tonic_base: int,
    total: float,
    last_phrase: bool,
) -> list[Note]:
    sec = ctx.section
    key = sec.key
    scale = scale_of(key.mode)
    out: list[Note] = []
    b0 = bar * sec.bar_q
    for i, (start, length, degree, accent) in enumerate(cells):
        q = b0 + start * sec.pulse_q
        if q >= sec.body_q - 1e-6:
            break
        length_q = min(length, total - start) * sec.pulse_q
        span = sec.chord_at(q)
        pitch = tonic_base + 12 * (degree // len(scale)) + scale[degree % len(scale)]
        anchors = (key.tonic,)
        pitch = _fit(
            pitch,
            span.pcs,
            chord_scale(key, span.pcs),
            pos_q=q - b0,
            length=length,
            pulse_q=sec.pulse_q,
            anchors=anchors,
        )
        is_last = last_phrase and i == len(cells) - 1
        if is_last and sec.chords[-1].is_tonic(key):
            pitch = nearest_pitch(key.tonic, pitch)
            length_q = sec.body_q - q - 0.05
        vel = ctx.velocity(bar + int(start // sec.pulses), accent)
        out.append(Note(q, max(0.1, length_q * 0.96), pitch, vel))
    return out


def _fit(
    pitch: int,
    chord: Sequence[int],
    scale: Sequence[int],
    *,
    pos_q: float,
    length: float,
    pulse_q: float,
    anchors: tuple[int, ...],
) -> int:
    """Make a note fit its chord: chord tones on strong beats and for long notes (the key's tonic
    when it is about as near as another chord tone); otherwise the chord's scale
    (raised leading tone over V in minor)."""
    pc = pitch % 12
    if pc not in scale:
        for d in (1, -1):
            if (pc + d) % 12 in scale:
                pitch += d
                pc = pitch % 12
                break
    strong = (
        abs(pos_q / pulse_q - round(pos_q / pulse_q)) < 1e-6 and round(pos_q / pulse_q) % 2 == 0
    )
    if (strong or length >= 1.5) and pc not in chord:
        moves = [
            (abs(d) + (0.0 if (pc + d) % 12 in anchors else 1.1), d)
            for d in range(-4, 5)
            if (pc + d) % 12 in chord[:4]
        ]
        if moves:
            pitch += min(moves)[1]
    return pitch


def _right_hand_chords(ctx: PartContext, melody: list[Note]) -> list[Note]:
    """Solo piano: fill the right hand with one or two chord tones under strong melody notes."""
    sec = ctx.section
    extra = []
    for n in melody:
        pos = n.start_q % sec.bar_q
        if abs(pos / sec.pulse_q - round(pos / sec.pulse_q)) > 1e-6 or n.length_q < 0.9:
            continue
        span = sec.chord_at(n.start_q)
        below = sorted(
            {
                nearest_pitch(pc, n.pitch - 5, n.pitch - 9, n.pitch - 3)
                for pc in span.triad
                if pc != n.pitch % 12
            }
        )
        for p in [p for p in below if p < n.pitch - 2][-2:]:  # under the tune, never over it
            extra.append(Note(n.start_q + 0.01, n.length_q, p, int(n.velocity * 0.72)))
    return extra
