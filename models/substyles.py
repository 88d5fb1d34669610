"""Sub-styles: the families each style is played in (boom-bap and trap are both hip-hop).

Backend-neutral data, like :mod:`models.styles`: an id, the style it belongs to, its tempo range
and swing, the words a request names it with, a prompt description, and the song forms it uses.
The embedded composer has one arrangement (palette, grooves, patterns) per sub-style; a plan
carries the sub-style id (:attr:`models.plan.SongPlan.substyle`) so that every section and every
effect chain of a song agrees on it.  When a request names none, the seed picks one.

Forms are written as section names (``intro verse chorus ...``); ``drop`` is the climax of a
dance track, ``breakdown`` its bridge and ``buildup`` the riser into a drop.  Every form opens
with an intro, peaks in a climax (the last chorus, the drop, the last A) and closes with an
outro.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "FORMS",
    "SUBSTYLES",
    "SubStyle",
    "choose_substyle",
    "substyle_for_words",
    "substyle_info",
    "substyles_of",
]


@dataclass(frozen=True, slots=True)
class SubStyle:
    id: str
    style: str  # a models.styles id
    title: str
    bpm_range: tuple[float, float]  # quarter notes per minute
    swing: float
    words: tuple[str, ...]  # phrases that name it in a request (lower case, spaces)
    forms: str  # a key of FORMS
    description: str  # a prompt for neural backends


#: Song forms by family, longest first; the planner uses those that fit the song's bars.
FORMS: Mapping[str, tuple[str, ...]] = {
    "verse-chorus": (
        "intro verse chorus verse chorus bridge climax outro",
        "intro verse verse chorus bridge chorus climax outro",
        "intro verse chorus verse chorus climax outro",
        "intro chorus verse chorus bridge climax outro",
        "intro verse chorus bridge climax outro",
        "intro chorus verse chorus climax outro",
        "intro verse chorus climax outro",
        "intro verse climax outro",
    ),
    "beat": (
        "intro verse chorus verse chorus bridge climax outro",
        "intro chorus verse chorus verse climax outro",
        "intro verse chorus verse climax outro",
        "intro verse verse chorus climax outro",
        "intro chorus verse climax outro",
        "intro verse climax outro",
    ),
    "dance": (
        "intro verse breakdown drop verse breakdown buildup drop outro",
        "intro verse breakdown drop verse breakdown drop outro",
        "intro verse chorus breakdown drop drop outro",
        "intro verse breakdown buildup drop drop outro",
        "intro breakdown drop verse breakdown drop outro",
        "intro verse breakdown buildup drop outro",
        "intro verse breakdown drop outro",
        "intro breakdown buildup drop outro",
        "intro breakdown drop outro",
        "intro verse drop outro",
    ),
    "aaba": (
        "intro verse verse bridge verse verse verse bridge climax outro",
        "intro verse verse bridge verse climax outro",
        "intro verse verse bridge climax outro",
        "intro verse bridge climax outro",
    ),
    "through": (
        "intro verse chorus verse chorus bridge climax outro",
        "intro verse chorus bridge climax outro",
        "intro verse chorus climax outro",
    ),
}

_S = SubStyle

SUBSTYLES: Mapping[str, SubStyle] = {
    s.id: s
    for s in (
        # --- hip-hop -----------------------------------------------------------------------
        _S(
            "boom-bap", "hiphop", "Boom-bap", (84, 96), 0.16,
            ("boom bap", "boombap", "90s hip hop", "old school hip hop", "golden age hip hop"),
            "beat",
            "boom-bap hip-hop, swung dusty drums, hard snare, sub bass, chopped soul chords",
        ),
        _S(
            "trap", "hiphop", "Trap", (130, 150), 0.0,
            ("trap", "trap beat", "808 trap", "atlanta trap"),
            "beat",
            "trap beat, half-time drums, gliding 808 bass, hi-hat rolls, dark sparse melody",
        ),
        _S(
            "drill", "hiphop", "Drill", (138, 146), 0.0,
            ("drill", "uk drill", "drill beat"),
            "beat",
            "drill beat, sliding 808s, triplet hi-hats, syncopated snares, dark strings",
        ),
        # --- lo-fi -------------------------------------------------------------------------
        _S(
            "lofi-beat", "lofi", "Lo-fi beat", (72, 90), 0.14,
            ("lofi hip hop beat", "study beat", "study beats", "beats to study", "dusty lofi"),
            "beat",
            "lo-fi hip hop beat, dusty drums up front, mellow electric piano sevenths, soft bass",
        ),
        _S(
            "chillhop", "lofi", "Chillhop", (82, 96), 0.12,
            ("chillhop", "chill hop", "jazzhop", "jazz hop", "jazzy hip hop"),
            "beat",
            "chillhop, crisp swung drums, electric piano ninths, clean guitar licks, round bass",
        ),
        _S(
            "sleepy-lofi", "lofi", "Sleepy lo-fi", (62, 76), 0.1,
            ("sleepy lofi", "lofi sleep", "ambient lofi", "bedroom lofi", "rainy lofi"),
            "beat",
            "sleepy lo-fi, soft kick and rim, felt piano chords, warm pad, slow and hazy",
        ),
        # --- pop ---------------------------------------------------------------------------
        _S(
            "modern-pop", "pop", "Modern pop", (96, 120), 0.0,
            ("modern pop", "radio pop", "top 40", "chart pop", "mainstream pop"),
            "verse-chorus",
            "modern pop, punchy kick and claps, piano chord stabs, synth bass, bright lead",
        ),
        _S(
            "synth-pop", "pop", "Synth-pop", (110, 128), 0.0,
            ("synth pop", "synthpop", "electropop", "electro pop", "80s pop"),
            "verse-chorus",
            "synth-pop, gated drums, synth chord stabs, arpeggios, bright saw lead",
        ),
        _S(
            "dance-pop", "pop", "Dance-pop", (118, 128), 0.0,
            ("dance pop", "club pop", "disco pop", "dance track"),
            "dance",
            "dance-pop, four on the floor, off-beat hats, plucked stabs, pumping bass",
        ),
        _S(
            "ballad", "pop", "Pop ballad", (64, 84), 0.0,
            ("ballad", "pop ballad", "power ballad", "piano ballad", "love ballad"),
            "verse-chorus",
            "pop ballad, piano and strings, soft drums that build, emotional lead",
        ),
        # --- rock --------------------------------------------------------------------------
        _S(
            "classic-rock", "rock", "Classic rock", (100, 140), 0.0,
            ("classic rock", "hard rock", "arena rock", "stadium rock", "rock and roll"),
            "verse-chorus",
            "classic rock, distorted power chords, picked bass, live drums with fills",
        ),
        _S(
            "punk", "rock", "Punk", (160, 200), 0.0,
            ("punk", "punk rock", "pop punk", "skate punk", "hardcore punk"),
            "verse-chorus",
            "punk rock, fast down-picked power chords, driving bass, loud fast drums",
        ),
        _S(
            "indie-rock", "rock", "Indie rock", (108, 138), 0.0,
            ("indie rock", "indie", "alt rock", "alternative rock", "garage rock"),
            "verse-chorus",
            "indie rock, jangly clean guitars, crunchy rhythm guitar, driving bass, live kit",
        ),
        # --- house -------------------------------------------------------------------------
        _S(
            "deep-house", "house", "Deep house", (118, 124), 0.0,
            ("deep house", "soulful house", "lofi house"),
            "dance",
            "deep house, four on the floor, shuffled hats, organ and electric piano chords",
        ),
        _S(
            "tech-house", "house", "Tech house", (124, 128), 0.0,
            ("tech house", "techno", "minimal house", "minimal techno"),
            "dance",
            "tech house, punchy kick, rolling bass line, percussive hats, short stabs",
        ),
        _S(
            "piano-house", "house", "Piano house", (120, 126), 0.0,
            ("piano house", "classic house", "90s house", "chicago house"),
            "dance",
            "piano house, four on the floor, off-beat open hats, piano stabs, a big drop",
        ),
        # --- synthwave ---------------------------------------------------------------------
        _S(
            "outrun", "synthwave", "Outrun", (100, 118), 0.0,
            ("outrun", "retrowave", "driving synthwave"),
            "verse-chorus",
            "outrun synthwave, driving octave bass, gated snare, saw arpeggios, saw lead",
        ),
        _S(
            "darksynth", "synthwave", "Darksynth", (100, 118), 0.0,
            ("darksynth", "dark synthwave", "cyberpunk"),
            "dance",
            "darksynth, aggressive saw bass, four on the floor, minor saw stabs",
        ),
        _S(
            "dreamwave", "synthwave", "Dreamwave", (84, 100), 0.0,
            ("dreamwave", "chillwave", "dream wave"),
            "verse-chorus",
            "dreamwave, half-time gated drums, lush saw pads, slow arpeggios, soft lead",
        ),
        # --- jazz --------------------------------------------------------------------------
        _S(
            "swing", "jazz", "Swing", (110, 180), 0.33,
            ("swing", "jazz trio", "swing jazz", "straight ahead jazz"),
            "aaba",
            "jazz trio, swing ride cymbal, walking upright bass, piano comping",
        ),
        _S(
            "bebop", "jazz", "Bebop", (180, 260), 0.28,
            ("bebop", "bop", "hard bop"),
            "aaba",
            "bebop, fast swing, busy walking bass, ride cymbal, saxophone lines",
        ),
        _S(
            "bossa-nova", "jazz", "Bossa nova", (118, 145), 0.0,
            ("bossa nova", "bossa", "brazilian jazz", "samba jazz"),
            "aaba",
            "bossa nova, nylon guitar comping, cross-stick and shaker, soft flute",
        ),
        # --- the styles that keep one family ----------------------------------------------
        _S(
            "ambient", "ambient", "Ambient", (60, 90), 0.0, (), "through",
            "ambient, evolving pads, soft bells, no drums, spacious",
        ),
        _S(
            "cinematic", "cinematic", "Cinematic", (60, 110), 0.0, (), "through",
            "cinematic orchestral, strings, brass, timpani, epic",
        ),
        _S(
            "solo-piano", "piano", "Solo piano", (60, 120), 0.0, (), "through",
            "solo piano, expressive, intimate",
        ),
    )
}  # fmt: skip


def substyles_of(style: str) -> tuple[SubStyle, ...]:
    """The sub-styles of ``style``, its default first."""
    return tuple(s for s in SUBSTYLES.values() if s.style == style)


def substyle_info(substyle: str) -> SubStyle:
    try:
        return SUBSTYLES[substyle]
    except KeyError:
        raise KeyError(f"unknown sub-style {substyle!r}") from None


_WORD_RE = re.compile(r"[a-z0-9]+")


def substyle_for_words(text: str, style: str | None = None) -> SubStyle | None:
    """The sub-style a text names ("a dark trap beat" → trap), longest phrase first; only
    sub-styles of ``style`` when it is given."""
    words = " ".join(_WORD_RE.findall(text.lower().replace("lo-fi", "lofi")))
    if not words:
        return None
    padded = f" {words} "
    best: tuple[int, SubStyle] | None = None
    for sub in SUBSTYLES.values():
        if style is not None and sub.style != style:
            continue
        for phrase in sub.words:
            if f" {phrase} " in padded and (best is None or len(phrase) > best[0]):
                best = (len(phrase), sub)
    return best[1] if best else None


def choose_substyle(
    style: str, named: str | None, prompt: str, bpm: float | None, pick: float
) -> SubStyle:
    """The sub-style of a request: the one named (an id, or words in the prompt), else one of
    the style's picked by ``pick`` (0..1, from the seed) among those whose tempo range holds
    ``bpm`` (within 8 %), or the nearest when none does; any when no tempo is given."""
    if named:
        sub = SUBSTYLES.get(named) or substyle_for_words(named, style)
        if sub is None or sub.style != style:
            raise KeyError(f"{named!r} is not a sub-style of {style}")
        return sub
    said = substyle_for_words(prompt, style)
    if said is not None:
        return said
    options = substyles_of(style)
    if not options:
        raise KeyError(f"style {style!r} has no sub-styles")
    if bpm is not None:
        fit = [s for s in options if s.bpm_range[0] * 0.92 <= bpm <= s.bpm_range[1] * 1.08]
        if not fit:  # the nearest ones (a trap beat at 72 bpm is not a trap beat)
            gap = {s.id: max(s.bpm_range[0] / bpm, bpm / s.bpm_range[1]) for s in options}
            fit = [s for s in options if gap[s.id] <= min(gap.values()) * 1.05]
        options = tuple(fit)
    return options[min(len(options) - 1, int(pick * len(options)))]
