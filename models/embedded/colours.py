"""A song's harmonic colour, picked by its seed: how it opens, how it closes, its chord qualities.

Two seeds of one request (same style, key and tempo) used to open with the same i–iv intro and
close with the same iv–V–i outro, and a short song is mostly intro and outro, so their chords
sounded alike.  Now each seed draws, from the tables below:

* an **opening**: the chords of the intro before its last bar (cycled over the intro's bars);
  the last bar is still half tonic, half dominant, so the key is said before the song begins;
* a **closing**: the chord that leads into the outro's final cadence (predominant → V → i):
  the opening's second chord, so that the song's two ends rhyme (a song that opens on i–VI
  closes through VI) and differ from another seed's;
* a **predominant**: the chord before the dominant in every section's cadence;
* a **colour**: chord qualities for the whole song (sevenths, ninths, sixths, suspended
  chords, plain triads), the same in every section after the intro (and on the final chord)
  so that the song stays one song.

Numerals are in the key's own scale (natural minor in minor keys, see
:func:`.theory.parse_numeral`).  ``tags``: the styles and sub-styles an entry belongs to (empty:
all).  Outside colours (the dorian IV of lo-fi and boom-bap, the phrygian ♭II of trap and
drill, the mixolydian ♭VII of rock) sit between tonic chords, so the key is still heard.
The dominant (V, with the raised leading tone in minor) keeps its quality in every colour.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

from models.plan import Chord, Mode, SectionRole

__all__ = [
    "COLOURS",
    "OPENINGS",
    "PREDOMINANTS",
    "Colour",
    "Entry",
    "HarmonicColour",
    "choose_colour",
]

_M, _m = Mode.MAJOR, Mode.MINOR

#: the beat styles, whose seeds vary their chord colour and cadences (measured in key on
#: bench_substyle_keys; pop, rock, synthwave and jazz minor keys were heard in their relative
#: major with the colours, so those styles keep their chords as written)
_BEATS = frozenset({"lofi", "hiphop", "house"})
_LOFI = frozenset({"lofi", "jazz", "lofi-beat", "chillhop", "sleepy-lofi", "boom-bap"})
_DORIAN = frozenset({"lofi", "lofi-beat", "chillhop", "sleepy-lofi", "boom-bap", "deep-house"})
_PHRYGIAN = frozenset({"trap", "drill", "darksynth", "tech-house", "cinematic"})
_MIXOLYDIAN = frozenset({"rock", "classic-rock", "indie-rock", "punk", "synthwave", "outrun"})


@dataclass(frozen=True, slots=True)
class Entry:
    """A named choice (an opening's chords, a predominant) for the styles in ``tags``."""

    name: str
    numerals: str
    tags: frozenset[str] = frozenset()


#: mode → intro bodies (before the intro's last bar: tonic, then dominant)
OPENINGS: Mapping[Mode, tuple[Entry, ...]] = {
    _m: (
        Entry("tonic and subdominant", "i iv"),
        Entry("aeolian fall", "i VI iv"),
        Entry("andalusian", "i VII VI"),
        Entry("relative light", "i III iv"),
        Entry("minor plagal", "i iv VI"),
        Entry("dorian", "i IV i", _DORIAN),
        Entry("phrygian", "i bII i", _PHRYGIAN),
    ),
    _M: (
        Entry("tonic and subdominant", "I IV"),
        Entry("falling thirds", "I vi IV"),
        Entry("supertonic", "I ii IV"),
        Entry("mediant", "I iii IV"),
        Entry("mixolydian", "I bVII IV", _MIXOLYDIAN),
    ),
}

#: mode → the chord before the dominant in the cadences of every section, for the beat styles
#: (lo-fi, hip-hop, house; the others keep their style's cadence: measured, a pop, rock or
#: jazz chorus ending ii7–V was heard in the dominant's key).  Each carries the scale's fourth
#: degree, the note that tells the key from its dominant's key.
PREDOMINANTS: Mapping[Mode, tuple[Entry, ...]] = {
    _m: (
        Entry("subdominant", "iv", frozenset({"hiphop", "house"})),
        Entry("half-diminished supertonic", "iiø", _BEATS),
        Entry("minor seventh subdominant", "iv7", _BEATS),
        Entry("dorian subdominant", "IV", _DORIAN),
        Entry("neapolitan", "bII", _BEATS & _PHRYGIAN | {"trap", "drill", "tech-house"}),
    ),
    _M: (
        Entry("subdominant", "IV", frozenset({"hiphop", "house"})),
        Entry("supertonic", "ii7", _BEATS),
        Entry("major seventh subdominant", "IVmaj7", _BEATS),
        Entry("borrowed minor iv", "iv", frozenset({"lofi"})),
    ),
}

Qualities = Mapping[tuple[int, str], str]


@dataclass(frozen=True, slots=True)
class Colour:
    """Chord qualities for the whole song: (root above the tonic, quality) → new quality."""

    name: str
    minor: Qualities
    major: Qualities
    tags: frozenset[str] = frozenset()
    excluded: frozenset[str] = frozenset()

    def qualities(self, mode: Mode) -> Qualities:
        return self.major if mode is Mode.MAJOR else self.minor


COLOURS: tuple[Colour, ...] = (
    Colour("as written", {}, {}),
    Colour(
        "sevenths",
        {
            (0, "min"): "min7",
            (5, "min"): "min7",
            (8, "maj"): "maj7",
            (3, "maj"): "maj7",
            (10, "maj"): "dom7",
        },
        {
            (0, "maj"): "maj7",
            (5, "maj"): "maj7",
            (9, "min"): "min7",
            (2, "min"): "min7",
            (4, "min"): "min7",
        },
        tags=_BEATS,
    ),
    Colour(
        "ninths",
        {
            (0, "min"): "min9",
            (0, "min7"): "min9",
            (5, "min"): "min9",
            (5, "min7"): "min9",
            (8, "maj"): "maj9",
            (8, "maj7"): "maj9",
            (3, "maj"): "maj9",
            (3, "maj7"): "maj9",
        },
        {
            (0, "maj"): "add9",
            (0, "maj7"): "maj9",
            (5, "maj"): "maj9",
            (5, "maj7"): "maj9",
            (9, "min"): "min9",
            (9, "min7"): "min9",
            (2, "min"): "min9",
            (2, "min7"): "min9",
        },
        tags=_BEATS,
    ),
    Colour(
        "suspended",
        {
            (8, "maj"): "sus2",
            (8, "maj7"): "sus2",
            (3, "maj"): "sus2",
            (10, "maj"): "sus4",
        },
        {(5, "maj"): "sus2", (5, "maj7"): "sus2", (0, "maj"): "add9", (10, "maj"): "sus2"},
        tags=_BEATS,
    ),
    Colour(
        "sixths",
        {
            (8, "maj"): "maj6",
            (8, "maj7"): "maj6",
            (3, "maj"): "maj6",
            (3, "maj7"): "maj6",
            (5, "min"): "min6",
            (5, "min7"): "min6",
        },
        {(0, "maj"): "maj6", (0, "maj7"): "maj6", (5, "maj"): "maj6", (5, "maj7"): "maj6"},
        tags=frozenset({"lofi", "house", "boom-bap"}),
    ),
    Colour(
        "plain triads",
        {
            (0, "min7"): "min",
            (0, "min9"): "min",
            (5, "min7"): "min",
            (5, "min9"): "min",
            (8, "maj7"): "maj",
            (3, "maj7"): "maj",
            (3, "dom7"): "maj",
        },
        {
            (0, "maj7"): "maj",
            (0, "maj9"): "maj",
            (5, "maj7"): "maj",
            (9, "min7"): "min",
            (2, "min7"): "min",
        },
        tags=_BEATS,
        excluded=_LOFI | {"deep-house"},
    ),
)


def _fits(tags: frozenset[str], style: str, substyle: str) -> bool:
    return not tags or style in tags or substyle in tags


@dataclass(frozen=True, slots=True)
class HarmonicColour:
    """One song's picks from the tables above."""

    opening: str  # intro body numerals
    closing: str  # outro lead-in numeral
    predominant: str  # cadence predominant numeral ("": the style's own cadence)
    colour: Colour

    def apply(
        self, role: SectionRole, progression: tuple[Chord, ...], mode: Mode
    ) -> tuple[Chord, ...]:
        """The progression with this colour's qualities (the dominant, root 7, is kept).  The
        intro keeps its plain chords: measured, an A minor intro of Am7–Dm–Fsus2 was heard in
        C major (Am7 holds the C major triad)."""
        if role in (SectionRole.INTRO, SectionRole.BUILDUP):  # a held chord: plain, too
            return progression
        table = self.colour.qualities(mode)
        return tuple(
            Chord(c.root, table.get((c.root, c.quality), c.quality), c.bars) if c.root != 7 else c
            for c in progression
        )


def choose_colour(style: str, substyle: str, mode: Mode, rng: random.Random) -> HarmonicColour:
    """An opening, a closing and a colour that fit the style and sub-style, picked by ``rng``."""
    openings = [e for e in OPENINGS[mode] if _fits(e.tags, style, substyle)]
    colours = [
        c
        for c in COLOURS
        if _fits(c.tags, style, substyle) and style not in c.excluded
        and substyle not in c.excluded
    ]  # fmt: skip
    opening = openings[rng.randrange(len(openings))]
    colour = colours[rng.randrange(len(colours))]
    before = [e for e in PREDOMINANTS[mode] if _fits(e.tags, style, substyle)]
    predominant = before[rng.randrange(len(before))].numerals if before else ""
    closing = opening.numerals.split()[1]  # the opening's colour chord
    return HarmonicColour(opening.numerals, closing, predominant, colour)
