"""The vocabulary of a production chain: effects as plain, frozen data.

Each effect names what a mixing engineer would reach for (a drive pedal, a side-chained
compressor, a tape wobble); :mod:`models.embedded.production.chains` turns them into
``pedalboard`` plugins or, where no plugin fits (side-chain ducking keyed by the kick, a gate
keyed by the snare, vinyl crackle), into a few lines of numpy.  Times given in beats follow the
section's tempo.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "Bus",
    "Chorus",
    "Compress",
    "Crush",
    "Delay",
    "Drive",
    "Duck",
    "Effect",
    "GatedVerb",
    "HighPass",
    "LowPass",
    "Production",
    "Room",
    "Shelf",
    "Sweep",
    "Vinyl",
    "Wow",
]


@dataclass(frozen=True, slots=True)
class Drive:
    """Overdrive / distortion (tanh) with a speaker-cabinet band-pass after it."""

    drive_db: float
    low_cut_hz: float = 90.0
    high_cut_hz: float = 5500.0
    level_db: float = 0.0  # output level relative to the input's RMS


@dataclass(frozen=True, slots=True)
class Shelf:
    """A shelving EQ: ``gain_db`` above ``freq_hz`` (``high``) or below it (low shelf)."""

    freq_hz: float
    gain_db: float
    high: bool = True


@dataclass(frozen=True, slots=True)
class Compress:
    threshold_db: float = -18.0
    ratio: float = 3.0
    attack_ms: float = 10.0
    release_ms: float = 120.0
    makeup_db: float = 0.0


@dataclass(frozen=True, slots=True)
class Chorus:
    """A chorus; the two channels get LFOs of different rates, which widens a mono source."""

    rate_hz: float = 0.6
    depth: float = 0.35
    delay_ms: float = 8.0
    mix: float = 0.5


@dataclass(frozen=True, slots=True)
class Delay:
    """Tempo-synced echo: ``beats`` = 0.75 is a dotted eighth."""

    beats: float = 0.75
    feedback: float = 0.3
    mix: float = 0.2


@dataclass(frozen=True, slots=True)
class Crush:
    """Bit reduction (sampler grit)."""

    bits: float = 12.0


@dataclass(frozen=True, slots=True)
class LowPass:
    cutoff_hz: float


@dataclass(frozen=True, slots=True)
class HighPass:
    cutoff_hz: float


@dataclass(frozen=True, slots=True)
class Wow:
    """Tape wow and flutter: a slow and a fast pitch wobble (vibrato, fully wet)."""

    wow_hz: float = 0.55
    flutter_hz: float = 6.0
    depth: float = 0.25  # 0..1 of the chorus depth range


@dataclass(frozen=True, slots=True)
class Duck:
    """Side-chain pumping keyed by the kick drum: the bus dips ``depth_db`` at each kick and
    swells back over ``release_beats``."""

    depth_db: float = 6.0
    release_beats: float = 0.8


@dataclass(frozen=True, slots=True)
class GatedVerb:
    """The 1980s gated-reverb snare: a big room on the snare, cut ``hold_s`` after each hit."""

    room: float = 0.9
    level: float = 0.9
    hold_s: float = 0.26


@dataclass(frozen=True, slots=True)
class Sweep:
    """A low-pass opening across the section (house build-ups, intros): the cutoff rises
    exponentially from ``start_hz`` to ``end_hz`` in sections whose role is in ``roles``."""

    roles: tuple[str, ...] = ("intro",)
    start_hz: float = 350.0
    end_hz: float = 16_000.0


Effect = Drive | Compress | Chorus | Delay | Crush | LowPass | HighPass | Shelf | Wow | Duck | Sweep


@dataclass(frozen=True, slots=True)
class Bus:
    """The effects of one group of tracks, in order; ``GatedVerb`` applies to the snare alone."""

    effects: tuple[Effect, ...] = ()
    snare: GatedVerb | None = None


@dataclass(frozen=True, slots=True)
class Room:
    """The shared reverb that every track sends to (``Track.reverb_send``)."""

    wet: float = 0.25  # level of the room in the mix
    size: float = 0.55  # 0..1: small room … hall
    damping: float = 0.5  # 0..1: high frequencies die faster


@dataclass(frozen=True, slots=True)
class Vinyl:
    """Record noise added after the master bus: sparse crackle and a little hiss."""

    crackles_per_s: float = 6.0
    hiss_db: float = -56.0


@dataclass(frozen=True, slots=True)
class Production:
    """How one style (or sub-style) is produced.

    ``buses`` maps a key to a :class:`Bus`.  A track takes the bus of its GM instrument family
    (``"electric_guitar"``, ``"synth_pad"``…, see :data:`FAMILIES`), else of its role
    (``"drums"``, ``"bass"``, ``"harmony"``, ``"pad"``, ``"lead"``, ``"texture"``), else none.
    """

    name: str
    buses: dict[str, Bus] = field(default_factory=dict)
    master: tuple[Effect, ...] = ()
    room: Room = Room()
    vinyl: Vinyl | None = None
