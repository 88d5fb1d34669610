"""The song plan: one shared description that every section of a song is composed from.

A song is one :class:`SongPlan` (key, tempo, meter, style, instruments, chord progressions, motif,
seed).  Each section is a :class:`SectionPlan` derived from it.  Every backend receives both, so the
sections of one song cannot drift apart in key, tempo or style.

Everything here is a frozen dataclass that round-trips through JSON (``to_dict``/``from_dict``):
plans travel to worker processes over a pipe and are stored with every clip.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = [
    "SONG_ORDER",
    "Chord",
    "InstrumentPart",
    "Key",
    "Meter",
    "Mode",
    "MotifNote",
    "PartRole",
    "PlanError",
    "SectionPlan",
    "SectionRole",
    "SongPlan",
]


class PlanError(ValueError):
    """A plan or one of its parts is invalid (bad key name, meter, tempo...)."""


class Mode(StrEnum):
    MAJOR = "major"
    MINOR = "minor"


class SectionRole(StrEnum):
    INTRO = "intro"
    VERSE = "verse"
    CHORUS = "chorus"
    BRIDGE = "bridge"
    BUILDUP = "buildup"  # a riser into the drop: snare roll, filter opening, bass out
    CLIMAX = "climax"
    OUTRO = "outro"


#: The canonical order of sections in a song.
SONG_ORDER: tuple[SectionRole, ...] = (
    SectionRole.INTRO,
    SectionRole.VERSE,
    SectionRole.CHORUS,
    SectionRole.BRIDGE,
    SectionRole.BUILDUP,
    SectionRole.CLIMAX,
    SectionRole.OUTRO,
)


class PartRole(StrEnum):
    """What a track does in the arrangement."""

    DRUMS = "drums"
    BASS = "bass"
    HARMONY = "harmony"  # chords: piano, guitar, organ, strings...
    PAD = "pad"  # sustained background
    LEAD = "lead"  # melody / motif
    TEXTURE = "texture"  # arpeggios, plucks, counter-lines


# Preferred spellings: flats for flat major keys, sharps for sharp minor keys.
_MAJOR_NAMES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_MINOR_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B")
_LETTER_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_KEY_RE = re.compile(
    r"^\s*([A-Ga-g])\s*(#|♯|b|♭|sharp|flat|-sharp|-flat)?\s*"
    r"(major|minor|maj|min|m|)\s*$",
    re.IGNORECASE,
)


def pitch_class(name: str) -> int:
    """Pitch class (0 = C) of a note name such as ``"F#"``, ``"Eb"``, ``"B♭"``."""
    match = _KEY_RE.match(name)
    if match is None or match.group(3):
        raise PlanError(f"not a note name: {name!r}")
    return _pc(match.group(1), match.group(2))


def _pc(letter: str, accidental: str | None) -> int:
    pc = _LETTER_PC[letter.upper()]
    acc = (accidental or "").lower().lstrip("-")
    if acc in ("#", "♯", "sharp"):
        pc += 1
    elif acc in ("b", "♭", "flat"):
        pc -= 1
    return pc % 12


@dataclass(frozen=True, slots=True)
class Key:
    """A key: tonic pitch class (0 = C ... 11 = B) and mode."""

    tonic: int
    mode: Mode

    def __post_init__(self) -> None:
        if not 0 <= self.tonic <= 11:
            raise PlanError(f"tonic pitch class must be 0..11, got {self.tonic}")

    @property
    def tonic_name(self) -> str:
        names = _MAJOR_NAMES if self.mode is Mode.MAJOR else _MINOR_NAMES
        return names[self.tonic]

    @property
    def name(self) -> str:
        """Canonical name, e.g. ``"A minor"``, ``"F# major"``, ``"Eb major"``."""
        return f"{self.tonic_name} {self.mode.value}"

    @property
    def relative(self) -> Key:
        """The relative major/minor (same pitches, other tonic)."""
        if self.mode is Mode.MAJOR:
            return Key((self.tonic + 9) % 12, Mode.MINOR)
        return Key((self.tonic + 3) % 12, Mode.MAJOR)

    @classmethod
    def parse(cls, text: str) -> Key:
        """Parse ``"A minor"``, ``"Am"``, ``"F# major"``, ``"Eb"``, ``"B♭ minor"``."""
        match = _KEY_RE.match(text)
        if match is None:
            raise PlanError(f"not a key: {text!r} (try e.g. 'A minor', 'F# major', 'Eb')")
        letter, accidental, mode_word = match.groups()
        mode_word = mode_word or ""
        if mode_word == "m" or mode_word.lower().startswith("min"):
            mode = Mode.MINOR
        else:
            mode = Mode.MAJOR
        return cls(_pc(letter, accidental), mode)

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Meter:
    """A time signature.  ``pulses_per_bar`` is the number of felt beats that ``bpm`` counts.

    4/4 → 4 quarter-note pulses; 3/4 → 3 quarter-note pulses; 6/8 → 2 dotted-quarter pulses.
    """

    numerator: int
    denominator: int

    def __post_init__(self) -> None:
        if (self.numerator, self.denominator) not in SUPPORTED_METERS:
            allowed = ", ".join(f"{n}/{d}" for n, d in SUPPORTED_METERS)
            raise PlanError(f"unsupported meter {self.numerator}/{self.denominator} ({allowed})")

    @property
    def compound(self) -> bool:
        return self.denominator == 8 and self.numerator % 3 == 0

    @property
    def pulses_per_bar(self) -> int:
        return self.numerator // 3 if self.compound else self.numerator

    @property
    def quarters_per_pulse(self) -> float:
        """Length of one counted pulse in quarter notes (1.5 for a dotted quarter)."""
        return 1.5 if self.compound else 4.0 / self.denominator

    @property
    def quarters_per_bar(self) -> float:
        return self.pulses_per_bar * self.quarters_per_pulse

    def bar_s(self, bpm: float) -> float:
        """Seconds per bar at ``bpm`` counted pulses per minute."""
        return self.pulses_per_bar * 60.0 / bpm

    @classmethod
    def parse(cls, text: str) -> Meter:
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
        if match is None:
            raise PlanError(f"not a meter: {text!r} (try 4/4, 3/4 or 6/8)")
        return cls(int(match.group(1)), int(match.group(2)))

    def __str__(self) -> str:
        return f"{self.numerator}/{self.denominator}"


SUPPORTED_METERS: tuple[tuple[int, int], ...] = ((4, 4), (3, 4), (6, 8))


@dataclass(frozen=True, slots=True)
class Chord:
    """A chord relative to the key: ``root`` in semitones above the tonic, a quality, a length.

    Qualities: ``maj``, ``min``, ``dim``, ``aug``, ``sus2``, ``sus4``, ``dom7``, ``maj7``,
    ``min7``, ``m7b5``, ``add9``, ``min9``, ``maj9``, ``dom9``, ``min6``, ``maj6``.
    """

    root: int
    quality: str
    bars: float = 1.0

    def __post_init__(self) -> None:
        if not 0 <= self.root <= 11:
            raise PlanError(f"chord root must be 0..11 semitones above the tonic, got {self.root}")
        if self.quality not in CHORD_INTERVALS:
            raise PlanError(f"unknown chord quality {self.quality!r}")
        if self.bars <= 0:
            raise PlanError("chord length must be positive")

    @property
    def intervals(self) -> tuple[int, ...]:
        return CHORD_INTERVALS[self.quality]

    def pitch_classes(self, key: Key) -> tuple[int, ...]:
        root = (key.tonic + self.root) % 12
        return tuple((root + i) % 12 for i in self.intervals)


CHORD_INTERVALS: Mapping[str, tuple[int, ...]] = {
    "maj": (0, 4, 7),
    "min": (0, 3, 7),
    "dim": (0, 3, 6),
    "aug": (0, 4, 8),
    "sus2": (0, 2, 7),
    "sus4": (0, 5, 7),
    "dom7": (0, 4, 7, 10),
    "maj7": (0, 4, 7, 11),
    "min7": (0, 3, 7, 10),
    "m7b5": (0, 3, 6, 10),
    "add9": (0, 4, 7, 14),
    "min9": (0, 3, 7, 10, 14),
    "maj9": (0, 4, 7, 11, 14),
    "dom9": (0, 4, 7, 10, 14),
    "min6": (0, 3, 7, 9),
    "maj6": (0, 4, 7, 9),
}


@dataclass(frozen=True, slots=True)
class MotifNote:
    """One note of the song's motif.

    ``degree`` is a scale degree relative to the tonic (0 = tonic, 7 = octave above, -1 = the
    degree below the tonic), ``start`` and ``length`` are in counted pulses from the motif's start.
    ``alter`` raises the degree by semitones (a user's melody may leave the scale).
    """

    degree: int
    start: float
    length: float
    accent: float = 1.0
    alter: int = 0


@dataclass(frozen=True, slots=True)
class InstrumentPart:
    """A track: its role, General MIDI program (0-127; ignored for drums) and a display name."""

    role: PartRole
    program: int
    name: str

    def __post_init__(self) -> None:
        if not 0 <= self.program <= 127:
            raise PlanError(f"GM program must be 0..127, got {self.program}")


@dataclass(frozen=True, slots=True)
class SectionPlan:
    """One section of a song, derived from its :class:`SongPlan`.

    ``index`` is the position in the song, ``start_bar`` the first bar counted from the song's
    start, ``energy`` 0..1 (an intro builds in, a climax is 1.0, an outro thins out).
    """

    role: SectionRole
    index: int
    bars: int
    start_bar: int
    energy: float
    progression: tuple[Chord, ...]

    def __post_init__(self) -> None:
        if self.bars < 1:
            raise PlanError("a section has at least one bar")
        if not 0.0 <= self.energy <= 1.0:
            raise PlanError("section energy must be within 0..1")
        if not self.progression:
            raise PlanError("a section needs a chord progression")


@dataclass(frozen=True, slots=True)
class SongPlan:
    """Everything the sections of one song share."""

    key: Key
    bpm: float
    meter: Meter
    style: str
    instruments: tuple[InstrumentPart, ...]
    motif: tuple[MotifNote, ...]
    sections: tuple[SectionPlan, ...]
    seed: int
    swing: float = 0.0
    mood: str | None = None
    prompt: str = ""
    extras: tuple[tuple[str, str], ...] = field(default=())
    #: The sub-style (an arrangement family, e.g. ``"trap"``, ``"deep-house"``; see
    #: :mod:`models.substyles`); empty for plans made before sub-styles existed.
    substyle: str = ""

    def __post_init__(self) -> None:
        if not 20.0 <= self.bpm <= 300.0:
            raise PlanError(f"tempo {self.bpm} bpm is outside 20..300")
        if not self.sections:
            raise PlanError("a song plan needs at least one section")
        if not 0.0 <= self.swing <= 0.5:
            raise PlanError("swing must be within 0..0.5")

    @property
    def bar_s(self) -> float:
        return self.meter.bar_s(self.bpm)

    @property
    def total_bars(self) -> int:
        return sum(section.bars for section in self.sections)

    @property
    def duration_s(self) -> float:
        """Nominal length: bars × bar length (an outro's ritardando makes it a little longer)."""
        return self.total_bars * self.bar_s

    def section(self, role: SectionRole) -> SectionPlan:
        for section in self.sections:
            if section.role is role:
                return section
        raise PlanError(f"this song has no {role.value}")

    def part(self, role: PartRole) -> InstrumentPart | None:
        for part in self.instruments:
            if part.role is role:
                return part
        return None

    def extra(self, name: str, default: str | None = None) -> str | None:
        return dict(self.extras).get(name, default)

    # --- JSON --------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key.name,
            "bpm": self.bpm,
            "meter": str(self.meter),
            "style": self.style,
            "instruments": [
                {"role": p.role.value, "program": p.program, "name": p.name}
                for p in self.instruments
            ],
            "motif": [
                [n.degree, n.start, n.length, n.accent, *([n.alter] if n.alter else [])]
                for n in self.motif
            ],
            "sections": [
                {
                    "role": s.role.value,
                    "index": s.index,
                    "bars": s.bars,
                    "start_bar": s.start_bar,
                    "energy": s.energy,
                    "progression": [[c.root, c.quality, c.bars] for c in s.progression],
                }
                for s in self.sections
            ],
            "seed": self.seed,
            "swing": self.swing,
            "mood": self.mood,
            "prompt": self.prompt,
            "extras": [list(pair) for pair in self.extras],
            "substyle": self.substyle,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SongPlan:
        try:
            return cls(
                key=Key.parse(data["key"]),
                bpm=float(data["bpm"]),
                meter=Meter.parse(data["meter"]),
                style=str(data["style"]),
                instruments=tuple(
                    InstrumentPart(PartRole(p["role"]), int(p["program"]), str(p["name"]))
                    for p in data["instruments"]
                ),
                motif=tuple(
                    MotifNote(int(d), float(s), float(n), float(a), int(alter[0]) if alter else 0)
                    for d, s, n, a, *alter in data["motif"]
                ),
                sections=tuple(
                    SectionPlan(
                        role=SectionRole(s["role"]),
                        index=int(s["index"]),
                        bars=int(s["bars"]),
                        start_bar=int(s["start_bar"]),
                        energy=float(s["energy"]),
                        progression=tuple(
                            Chord(int(r), str(q), float(b)) for r, q, b in s["progression"]
                        ),
                    )
                    for s in data["sections"]
                ),
                seed=int(data["seed"]),
                swing=float(data.get("swing", 0.0)),
                mood=data.get("mood"),
                prompt=str(data.get("prompt", "")),
                extras=tuple((str(k), str(v)) for k, v in data.get("extras", ())),
                substyle=str(data.get("substyle") or ""),
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, PlanError):
                raise
            raise PlanError(f"malformed song plan: {exc}") from exc
