"""Chord progressions by style, mode and mood, laid out over a section with cadences.

Loops are roman numerals in the key's own scale (natural minor in minor keys; ``V`` is the major
dominant with the raised leading tone).  Every loop starts on the tonic; sections end with a
cadence (V–I, or ii–V–I in jazz) so the key is heard, intros and bridges end on the dominant.
"""

from __future__ import annotations

import random
from collections.abc import Mapping

from models.embedded.loops import SUBSTYLE_LOOPS
from models.embedded.theory import parse_progression
from models.plan import Chord, Mode, SectionRole

__all__ = ["BRIDGE_LOOPS", "LOOPS", "choose_loop", "section_progression", "substitute"]

# style → mode → ((loop, moods), ...)
Loops = Mapping[str, Mapping[Mode, tuple[tuple[str, frozenset[str]], ...]]]

_M, _m = Mode.MAJOR, Mode.MINOR


def _l(text: str, *moods: str) -> tuple[str, frozenset[str]]:
    return text, frozenset(moods)


LOOPS: Loops = {
    "lofi": {
        _m: (
            _l("i7 iv7 VImaj7 V7", "chill", "sad"),
            _l("i9 VImaj7 iv7 V7", "dreamy", "chill"),
            _l("i7 iv9 i7 V7", "dark", "sad"),
            _l("i9 iv7 iiø V7", "chill", "jazzy"),
        ),
        _M: (
            _l("Imaj7 vi7 ii7 V7", "chill", "happy"),
            _l("Imaj9 IVmaj7 ii7 V7", "dreamy"),
            _l("Iadd9 IVmaj7 Iadd9 V7", "chill"),
        ),
    },
    "pop": {
        _M: (
            _l("I V vi IV", "happy", "energetic"),
            _l("I vi IV V", "happy", "romantic"),
            _l("I IV vi V", "hopeful", "happy"),
            _l("I IV I V", "energetic"),
        ),
        _m: (
            _l("i VI III VII", "sad", "epic"),
            _l("i iv VI V", "sad", "dark"),
            _l("i VI VII V", "energetic"),
        ),
    },
    "rock": {
        _m: (
            _l("i VI VII i", "energetic", "epic"),
            _l("i VII VI V", "dark", "sad"),
            _l("i iv VII i", "dark"),
            _l("i VI iv V", "epic"),
        ),
        _M: (
            _l("I IV V IV", "happy", "energetic"),
            _l("I bVII IV I", "energetic"),
            _l("I V vi IV", "hopeful"),
        ),
    },
    "house": {
        _m: (
            _l("i iv VI V", "energetic", "dark"),
            _l("i VI VII V", "dreamy"),
            _l("i i VI V", "energetic"),
            _l("i7 iv7 i7 V7", "chill"),
        ),
        _M: (_l("I vi IV V", "happy"), _l("Imaj7 IVmaj7 vi7 V", "dreamy", "chill")),
    },
    "ambient": {
        _M: (
            _l("Imaj7:2 IVmaj7:2", "dreamy", "chill"),
            _l("Iadd9:2 vi7 IVmaj7", "dreamy"),
            _l("Imaj7:2 iii7 IVmaj7", "hopeful"),
        ),
        _m: (
            _l("i9:2 VImaj7:2", "dark", "dreamy"),
            _l("i7:2 iv7:2", "sad"),
            _l("i9:2 VImaj7 iv9", "chill"),
        ),
    },
    "jazz": {
        _M: (
            _l("Imaj7 vi7 ii7 V7", "chill", "happy"),
            _l("Imaj7 IVmaj7 ii7 V7", "romantic"),
            _l("Imaj7 IVmaj7 Imaj7 V7", "happy", "energetic"),
            _l("Imaj7 IVmaj7 ii7:0.5 V7:0.5 Imaj7", "energetic"),
        ),
        _m: (
            _l("i6 iv7 iiø V7", "sad", "dark"),
            _l("i6 VImaj7 iiø V7", "chill"),
            _l("i6 iv7 i6 V7", "dark"),
        ),
    },
    "cinematic": {
        _m: (
            _l("i VI III VII", "epic"),
            _l("i VI iv V", "epic", "sad"),
            _l("i iv VI V", "dark", "sad"),
            _l("i VII VI V", "epic", "dark"),
        ),
        _M: (
            _l("I V vi IV", "hopeful", "epic"),
            _l("I IV vi V", "happy"),
            _l("I iii IV V", "romantic"),
        ),
    },
    "hiphop": {
        _m: (
            _l("i VI iv V", "dark"),
            _l("i iv i V", "dark", "sad"),
            _l("i VI VII V", "epic"),
            _l("i7 iv7 VImaj7 V7", "chill"),
        ),
        _M: (_l("Imaj7 vi7 IVmaj7 V7", "chill", "happy"), _l("I IV vi V", "hopeful")),
    },
    "piano": {
        _M: (
            _l("I vi IV V", "happy", "romantic"),
            _l("I V vi IV", "hopeful"),
            _l("I IV I V", "chill"),
            _l("Imaj7 vi7 ii7 V7", "romantic", "chill"),
        ),
        _m: (_l("i iv V i", "sad"), _l("i VI iv V", "sad", "dark"), _l("i VII VI V", "epic")),
    },
    "synthwave": {
        _m: (
            _l("i VI III VII", "dreamy", "epic"),
            _l("i iv VI V", "dark"),
            _l("i VI VII V", "energetic"),
            _l("i iv VII V", "dreamy"),
        ),
        _M: (_l("I V vi IV", "happy"), _l("I vi IV V", "dreamy")),
    },
}

#: Bridges set out away from the tonic and come back to it half-way (a bridge heard on its own
#: still has to say its key); the section then ends on the dominant.
BRIDGE_LOOPS: Mapping[Mode, tuple[str, ...]] = {
    _M: ("IV V I vi", "vi IV I V", "IV vi I V"),
    _m: ("VI VII i i", "iv VI VII i", "VI iv i V"),
}
_SEVENTH_BRIDGES: Mapping[str, Mapping[Mode, tuple[str, ...]]] = {
    "jazz": {
        _M: ("IVmaj7 iv7 Imaj7 VI7", "ii7 V7 Imaj7 VI7"),
        _m: ("iv7 VImaj7 i7 V7", "VImaj7 iiø i7 V7"),
    },
    "lofi": {
        _M: ("IVmaj7 V7 Iadd9 IVmaj7", "ii7 V7 Iadd9 IVmaj7"),
        _m: ("VImaj7 iv7 i7 V7", "iv7 VImaj7 i7 iv7"),
    },
}


def choose_loop(
    style: str, mode: Mode, mood: str | None, rng: random.Random, substyle: str | None = None
) -> str:
    """A loop for the style (and sub-style: :data:`.loops.SUBSTYLE_LOOPS`), favouring those
    that fit the mood."""
    options = LOOPS.get(style, LOOPS["pop"])[mode]
    extra = SUBSTYLE_LOOPS.get(substyle or "", {}).get(mode, ())
    weights = [3.0 if mood and mood in moods else 1.0 for _text, moods in options]
    texts = [text for text, _moods in options] + list(extra)
    return rng.choices(texts, weights=weights + [1.5] * len(extra))[0]


def bridge_loop(style: str, mode: Mode, rng: random.Random) -> str:
    table = _SEVENTH_BRIDGES.get(style, BRIDGE_LOOPS)
    options = table[mode]
    return options[rng.randrange(len(options))]


def _tonic(style: str, mode: Mode, bars: float) -> Chord:
    """The tonic chord that opens and closes sections.  Jazz and lo-fi colour it, with notes
    that belong to no other nearby key: add9 in major (no leading tone pulling to the dominant
    key), minor 6 in jazz minor (its major sixth is foreign to the relative major)."""
    if mode is Mode.MAJOR:
        name = "Iadd9" if style in ("jazz", "lofi") else "I"
    else:
        name = {"jazz": "i6", "lofi": "i7"}.get(style, "i")
    return parse_progression(f"{name}:{bars}", mode)[0]


def _cadence(style: str, mode: Mode, predominant: str | None = None) -> tuple[Chord, ...]:
    """The bar before the final tonic: a predominant then the dominant (with the raised leading
    tone in minor).  The predominant carries the scale's fourth degree, the one note that tells
    a key from its dominant key."""
    if predominant:
        five = "V7:0.5" if style in ("house", "hiphop", "jazz", "lofi") else "V:0.5"
        return parse_progression(f"{predominant}:0.5 {five}", mode)
    if style in ("jazz", "lofi"):
        two = "ii7:0.5" if mode is Mode.MAJOR else "iiø:0.5"
        return parse_progression(f"{two} V7:0.5", mode)
    four = "IV:0.5" if mode is Mode.MAJOR else "iv:0.5"
    five = "V7:0.5" if style in ("house", "hiphop") else "V:0.5"
    return parse_progression(f"{four} {five}", mode)


def _fill(loop: tuple[Chord, ...], bars: float) -> list[Chord]:
    out: list[Chord] = []
    total = 0.0
    i = 0
    while total < bars - 1e-6:
        chord = loop[i % len(loop)]
        length = min(chord.bars, bars - total)
        out.append(Chord(chord.root, chord.quality, length))
        total += length
        i += 1
    return out


def section_progression(
    style: str,
    mode: Mode,
    loop: str,
    bars: int,
    role: SectionRole,
    *,
    opening: str | None = None,
    closing: str | None = None,
    predominant: str | None = None,
) -> tuple[Chord, ...]:
    """Lay ``loop`` over ``bars`` bars and add the section's cadence.  ``opening``: the intro's
    chords before its last bar (default tonic and subdominant in turn); ``closing``: the chord
    that leads an outro into its cadence (default the subdominant); ``predominant``: the chord
    before the cadence's dominant (default by style); see :mod:`.colours`."""
    chords = parse_progression(loop, mode)
    dominant = parse_progression("V:1", mode)[0]
    if bars == 1:
        return (_tonic(style, mode, 1.0),)
    if role is SectionRole.INTRO:
        # The song's opening (by default tonic and subdominant in turn: the subdominant holds the
        # scale's fourth degree, which no neighbouring key's tonic triad has; other openings are
        # in .colours), and the last bar back on the tonic with only its
        # second half on the dominant: a short intro that ends on a whole bar of V (with the raised
        # leading tone in minor) is heard in the dominant's key, or in major.
        default = "I IV" if mode is Mode.MAJOR else "i iv"
        plain = parse_progression("I" if mode is Mode.MAJOR else "i", mode)[0]
        body = _fill(parse_progression(opening or default, mode), bars - 1)
        tonic_half = Chord(plain.root, plain.quality, 0.5)
        return (*body, tonic_half, Chord(dominant.root, dominant.quality, 0.5))
    if role is SectionRole.BUILDUP:
        # a build-up holds the tonic and turns to the dominant for the last half bar, so the
        # drop lands home (a whole section on V is heard in the dominant's key)
        plain = parse_progression("I" if mode is Mode.MAJOR else "i", mode)[0]
        held = Chord(plain.root, plain.quality, bars - 0.5)
        return (held, Chord(dominant.root, dominant.quality, 0.5))
    if role is SectionRole.BRIDGE:
        body = _fill(chords, bars - 1)
        if not any(c.root == 0 for c in body):  # a short bridge cut before its tonic: say it
            tonic = _tonic(style, mode, body[-1].bars)
            body[-1] = tonic
        return (*body, dominant)
    if bars == 2:
        half = _cadence(style, mode, predominant)
        return (_tonic(style, mode, 1.0), *_fill(half, 0.5), _tonic(style, mode, 0.5))
    cadence = _cadence(style, mode, predominant)
    lead_in: list[Chord] = []
    if role is SectionRole.OUTRO and bars >= 4:
        four = closing or ("IV" if mode is Mode.MAJOR else "iv")
        lead_in = list(parse_progression(f"{four}:1", mode))
    body = _fill(chords, bars - 2 - len(lead_in))
    return (*body, *lead_in, *cadence, _tonic(style, mode, 1.0))


_SUBS: Mapping[Mode, Mapping[tuple[int, str], tuple[int, str]]] = {
    _M: {
        (5, "maj"): (2, "min7"),
        (5, "maj7"): (2, "min7"),
        (2, "min"): (5, "maj"),
        (2, "min7"): (5, "maj7"),
        (9, "min"): (4, "min7"),
        (9, "min7"): (5, "maj7"),
        (4, "min"): (9, "min7"),
        (4, "min7"): (9, "min7"),
    },
    _m: {
        (8, "maj"): (5, "min7"),
        (8, "maj7"): (5, "min9"),
        (5, "min"): (8, "maj7"),
        (5, "min7"): (8, "maj7"),
        (3, "maj"): (8, "maj"),
        (10, "maj"): (3, "maj"),
    },
}


def substitute(progression: tuple[Chord, ...], mode: Mode, rng: random.Random) -> tuple[Chord, ...]:
    """One chord substitution (IV → ii7, VI → iv7 ...) away from the first chord and the cadence;
    the progression is returned unchanged when nothing can be substituted."""
    table = _SUBS[mode]
    candidates = [
        i for i, c in enumerate(progression[:-3]) if i > 0 and (c.root, c.quality) in table
    ]
    if not candidates:
        return progression
    i = candidates[rng.randrange(len(candidates))]
    root, quality = table[(progression[i].root, progression[i].quality)]
    chords = list(progression)
    chords[i] = Chord(root, quality, progression[i].bars)
    return tuple(chords)
