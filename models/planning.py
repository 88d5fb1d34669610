"""The planner: a request (style, key, tempo, mood, length...) → a whole :class:`SongPlan`.

Deterministic: every choice comes from a :class:`random.Random` seeded with the request's seed
(never global random state, never ``hash()``), so the same request gives the same plan in every
process.

* The sub-style (boom-bap, trap, deep house...) is the one the request names (``substyle`` or
  words in the prompt), else one of the style's picked by the seed; it sets the tempo range,
  the swing, the arrangement family and the family of forms.  The arrangement's palette and
  pattern alternatives are picked by the seed too, so a reroll is a new song.
* ``kind="song"``: intro → ... → outro sized so the song lasts about ``duration_s`` (default
  60 s), in a form of the sub-style's family (:mod:`models.song_forms`), or the ``form`` the
  request names.  Short songs are intro, climax, outro.
* ``kind="section"``: still a whole song form (intro, verse, chorus, bridge, climax, outro) so
  that a later *extend* continues with the next section and a *variation* reuses the plan; the
  requested section (default: **chorus**, the section that best stands alone: full arrangement,
  motif stated) is sized to about ``duration_s`` (default 20 s).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace

from models.embedded.arrangements import arrangement_for, choose_palette
from models.embedded.colours import choose_colour
from models.embedded.instruments import apply_instruments
from models.embedded.melody import make_motif
from models.embedded.progressions import (
    bridge_loop,
    choose_loop,
    section_progression,
    substitute,
)
from models.plan import (
    Key,
    Meter,
    Mode,
    PlanError,
    SectionPlan,
    SectionRole,
    SongPlan,
)
from models.song_forms import (
    allocate_bars,
    choose_form,
    min_song_bars,
    section_form,
    with_section,
)
from models.styles import STYLE_IDS, StyleInfo, style_info
from models.substyles import SubStyle, choose_substyle

__all__ = [
    "DEFAULT_SECTION_S",
    "DEFAULT_SONG_S",
    "MOODS",
    "PlanRequest",
    "next_section",
    "plan_request",
    "style_bpm_range",
    "vary_plan",
]

DEFAULT_SONG_S = 60.0
DEFAULT_SECTION_S = 20.0
MAX_DURATION_S = 600.0


@dataclass(frozen=True, slots=True)
class Mood:
    mode: Mode | None  # preferred mode when no key is given
    energy: float  # added to every section's energy
    tempo: float  # where in the style's tempo range (0..1) when no bpm/tempo hint is given
    style: str  # style when none is given
    tag: str  # progression flavour


MOODS: dict[str, Mood] = {
    "chill": Mood(None, -0.05, 0.35, "lofi", "chill"),
    "sad": Mood(Mode.MINOR, -0.08, 0.25, "piano", "sad"),
    "happy": Mood(Mode.MAJOR, 0.05, 0.65, "pop", "happy"),
    "epic": Mood(Mode.MINOR, 0.08, 0.55, "cinematic", "epic"),
    "dark": Mood(Mode.MINOR, 0.0, 0.45, "hiphop", "dark"),
    "dreamy": Mood(None, -0.08, 0.35, "ambient", "dreamy"),
    "energetic": Mood(None, 0.1, 0.8, "house", "energetic"),
    "romantic": Mood(Mode.MAJOR, -0.05, 0.35, "jazz", "romantic"),
    "hopeful": Mood(Mode.MAJOR, 0.0, 0.55, "cinematic", "hopeful"),
    "nostalgic": Mood(None, -0.03, 0.45, "synthwave", "dreamy"),
}
_MOOD_WORDS = {
    "chilled": "chill",
    "relaxed": "chill",
    "relaxing": "chill",
    "calm": "chill",
    "mellow": "chill",
    "cozy": "chill",
    "study": "chill",
    "melancholic": "sad",
    "melancholy": "sad",
    "sorrowful": "sad",
    "emotional": "sad",
    "upbeat": "happy",
    "cheerful": "happy",
    "joyful": "happy",
    "fun": "happy",
    "bright": "happy",
    "heroic": "epic",
    "grand": "epic",
    "triumphant": "epic",
    "intense": "epic",
    "ominous": "dark",
    "mysterious": "dark",
    "tense": "dark",
    "moody": "dark",
    "angry": "dark",
    "ethereal": "dreamy",
    "peaceful": "dreamy",
    "spacey": "dreamy",
    "floating": "dreamy",
    "hype": "energetic",
    "driving": "energetic",
    "party": "energetic",
    "danceable": "energetic",
    "love": "romantic",
    "tender": "romantic",
    "uplifting": "hopeful",
    "inspiring": "hopeful",
    "retro": "nostalgic",
}
_TEMPO_HINTS = {
    "very slow": 0.0,
    "slow": 0.15,
    "slower": 0.2,
    "relaxed": 0.3,
    "laid back": 0.3,
    "medium": 0.5,
    "moderate": 0.5,
    "mid": 0.5,
    "upbeat": 0.7,
    "faster": 0.75,
    "fast": 0.85,
    "quick": 0.85,
    "very fast": 1.0,
}
_ROLE_ENERGY = {
    SectionRole.INTRO: 0.35,
    SectionRole.VERSE: 0.55,
    SectionRole.CHORUS: 0.8,
    SectionRole.BRIDGE: 0.6,
    SectionRole.BUILDUP: 0.9,
    SectionRole.CLIMAX: 1.0,
    SectionRole.OUTRO: 0.42,
}


@dataclass(frozen=True, slots=True)
class PlanRequest:
    kind: str = "section"  # "section" or "song"
    section: SectionRole | None = None  # kind="section"; None → chorus
    style: str | None = None  # a STYLE_IDS id; None → from the mood (lofi by default)
    key: Key | None = None  # None → the mood's or style's mode, tonic from the seed
    bpm: float | None = None  # None → style default, nudged by tempo_hint / mood
    meter: Meter | None = None  # None → the style's first meter
    duration_s: float | None = None  # wanted length of what is rendered
    mood: str | None = None
    instruments: tuple[str, ...] = ()
    tempo_hint: str | None = None
    seed: int = 0
    prompt: str = ""
    substyle: str | None = None  # a models.substyles id (or words naming one); None → the seed's
    form: tuple[SectionRole, ...] = ()  # kind="song": the sections in order; () → the sub-style's


def _mood(word: str | None) -> tuple[str | None, Mood | None]:
    if not word:
        return None, None
    w = word.strip().lower()
    w = _MOOD_WORDS.get(w, w)
    return (w, MOODS[w]) if w in MOODS else (w, None)


def _style(req: PlanRequest, mood: Mood | None) -> StyleInfo:
    name = req.style if req.style is not None else (mood.style if mood else "lofi")
    name = name.strip().lower()
    if name not in STYLE_IDS:
        raise PlanError(f"unknown style {req.style!r} (styles: {', '.join(STYLE_IDS)})")
    return style_info(name)


def style_bpm_range(info: StyleInfo, meter: Meter) -> tuple[float, float]:
    """The style's tempo range in the meter's counted pulses.  Style ranges count quarter notes;
    in 6/8 the pulse is a dotted quarter, so the same feel (eighths at 1.5 × the quarter rate)
    is at 2/3 of the number."""
    low, high = info.bpm_range
    scale = 2.0 / 3.0 if meter.compound else 1.0
    return low * scale, high * scale


def _substyle(req: PlanRequest, info: StyleInfo, rng: random.Random) -> SubStyle:
    try:
        return choose_substyle(info.id, req.substyle, req.prompt, req.bpm, rng.random())
    except KeyError as exc:
        raise PlanError(str(exc.args[0])) from None


def _bpm(
    req: PlanRequest,
    sub: SubStyle,
    meter: Meter,
    mood: Mood | None,
    rng: random.Random,
) -> float:
    if req.bpm is not None:
        if not 20.0 <= req.bpm <= 300.0:
            raise PlanError(f"tempo {req.bpm:g} bpm is out of range (20 to 300 bpm)")
        return float(req.bpm)
    low, high = sub.bpm_range
    if meter.compound:
        low, high = low * 2.0 / 3.0, high * 2.0 / 3.0
    hint = (req.tempo_hint or "").strip().lower()
    if hint in _TEMPO_HINTS:
        where = _TEMPO_HINTS[hint]
    elif mood is not None:
        where = mood.tempo
    else:
        where = 0.5
    where = min(1.0, max(0.0, where + rng.uniform(-0.06, 0.06)))
    return float(round(low + where * (high - low)))


def _key(req: PlanRequest, info: StyleInfo, mood: Mood | None, rng: random.Random) -> Key:
    if req.key is not None:
        return req.key
    mode = mood.mode if mood is not None and mood.mode is not None else info.default_mode
    return Key(rng.randrange(12), mode)


def _meter(req: PlanRequest, info: StyleInfo) -> Meter:
    return req.meter if req.meter is not None else Meter.parse(info.meters[0])


def _duration(req: PlanRequest, default: float) -> float:
    d = default if req.duration_s is None else float(req.duration_s)
    if not (d > 0 and math.isfinite(d)):
        raise PlanError("the length must be a positive number of seconds")
    if d > MAX_DURATION_S:
        raise PlanError(f"that is too long: at most {MAX_DURATION_S:g} seconds")
    return d


def _section_bars(duration_s: float, bar_s: float) -> int:
    """Whole bars near ``duration_s`` (within one bar), at least 2, preferring even phrases."""
    ideal = duration_s / bar_s
    lo = max(2, math.ceil(ideal - 1.0 + 1e-9))
    hi = max(lo, math.floor(ideal + 1.0 - 1e-9))

    def cost(bars: int) -> float:
        return abs(bars - ideal) + (0.0 if bars % 4 == 0 else 0.25 if bars % 2 == 0 else 0.5)

    return min(range(lo, hi + 1), key=lambda b: (cost(b), b))


def plan_request(req: PlanRequest) -> tuple[SongPlan, tuple[int, ...]]:
    """A full song plan plus the indices of the sections to render (see module docstring)."""
    if req.kind not in ("section", "song"):
        raise PlanError(f"unknown request kind {req.kind!r} (section or song)")
    rng = random.Random(req.seed)
    mood_name, mood = _mood(req.mood)
    info = _style(req, mood)
    meter = _meter(req, info)
    # the arrangement's choices (sub-style, palette, form) draw from their own generator, so
    # that the key, tempo, progressions and motif of a seed do not depend on them
    arranging = random.Random(f"arrangement:{req.seed}")
    sub = _substyle(req, info, arranging)
    bpm = _bpm(req, sub, meter, mood, rng)
    key = _key(req, info, mood, rng)
    bar_s = meter.bar_s(bpm)

    if req.kind == "song":
        duration = _duration(req, DEFAULT_SONG_S)
        total = max(3, round(duration / bar_s))
        if req.form:
            form = tuple(req.form)
            total = max(total, min_song_bars(form))
        else:
            form = choose_form(sub.forms, total, arranging)
            if req.section is not None and req.section not in form:
                # "a song with a build-up": the song has one
                form = with_section(form, req.section)
                total = max(total, min_song_bars(form))
        sizes = allocate_bars(form, total)
        render: tuple[int, ...] = tuple(range(len(form)))
    else:
        duration = _duration(req, DEFAULT_SECTION_S)
        wanted = req.section or SectionRole.CHORUS
        form = section_form(sub.forms, wanted)
        default_bars = {SectionRole.INTRO: 4, SectionRole.OUTRO: 4, SectionRole.BRIDGE: 4}
        sizes = [default_bars.get(r, 8) for r in form]
        index = form.index(wanted)
        sizes[index] = _section_bars(duration, bar_s)
        render = (index,)

    tag = mood.tag if mood else None
    verse_loop = choose_loop(info.id, key.mode, tag, rng, sub.id)
    chorus_loop = choose_loop(info.id, key.mode, tag, rng, sub.id)
    bridge = bridge_loop(info.id, key.mode, rng)
    loops = {
        SectionRole.INTRO: verse_loop,
        SectionRole.VERSE: verse_loop,
        SectionRole.CHORUS: chorus_loop,
        SectionRole.BRIDGE: bridge,
        SectionRole.BUILDUP: chorus_loop,
        SectionRole.CLIMAX: chorus_loop,
        SectionRole.OUTRO: verse_loop,
    }
    # the song's opening, closing and chord qualities: their own generator too, so that a
    # seed's key, tempo, loops and motif stay what they were
    colour = choose_colour(info.id, sub.id, key.mode, random.Random(f"harmony:{req.seed}"))
    arrangement = arrangement_for(info.id, sub.id)
    palette, patterns = choose_palette(arrangement, arranging)
    parts, unknown = apply_instruments(palette, req.instruments)
    motif = make_motif(rng, meter, arrangement.motif_feel, key.mode)
    energy_shift = mood.energy if mood else 0.0

    sections = []
    start = 0
    for i, (role, bars) in enumerate(zip(form, sizes, strict=True)):
        energy = _ROLE_ENERGY[role] + (energy_shift if role is not SectionRole.CLIMAX else 0.0)
        if role is SectionRole.CHORUS and role in form[:i]:
            energy += 0.06  # a later chorus lifts
        sections.append(
            SectionPlan(
                role=role,
                index=i,
                bars=bars,
                start_bar=start,
                energy=round(min(1.0, max(0.05, energy)), 3),
                progression=colour.apply(
                    role,
                    section_progression(
                        info.id,
                        key.mode,
                        loops[role],
                        bars,
                        role,
                        opening=colour.opening,
                        closing=colour.closing,
                        predominant=colour.predominant,
                    ),
                    key.mode,
                ),
            )
        )
        start += bars
    extras: list[tuple[str, str]] = [("request_kind", req.kind), *patterns]
    if unknown:
        extras.append(("ignored_instruments", ",".join(unknown)))
    if mood_name and mood is None:
        extras.append(("unknown_mood", mood_name))
    plan = SongPlan(
        key=key,
        bpm=bpm,
        meter=meter,
        style=info.id,
        instruments=parts,
        motif=motif,
        sections=tuple(sections),
        seed=req.seed,
        swing=sub.swing,
        mood=mood_name,
        prompt=req.prompt,
        extras=tuple(extras),
        substyle=sub.id,
    )
    return plan, render


def vary_plan(plan: SongPlan, seed: int) -> SongPlan:
    """A variation: same key, tempo, meter, style, instruments and motif; the new seed changes
    humanisation, fills, voicings and melodic development, and may substitute one chord."""
    rng = random.Random(f"vary:{seed}")
    sections = list(plan.sections)
    if sections and rng.random() < 0.7:
        i = rng.randrange(len(sections))
        s = sections[i]
        sections[i] = replace(s, progression=substitute(s.progression, plan.key.mode, rng))
    return replace(plan, seed=seed, sections=tuple(sections))


def next_section(plan: SongPlan, index: int) -> int | None:
    """Index of the section after ``index`` in song order (for 'extend'), or None at the end."""
    if not 0 <= index < len(plan.sections):
        raise PlanError(f"this song has no section {index}")
    return index + 1 if index + 1 < len(plan.sections) else None
