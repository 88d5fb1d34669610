"""The data types of a style's arrangement (see :mod:`models.embedded.arrangements`)."""

from __future__ import annotations

from dataclasses import dataclass

from models.plan import InstrumentPart, PartRole

__all__ = ["B", "D", "H", "L", "P", "PartSpec", "StyleArrangement", "T"]


@dataclass(frozen=True, slots=True)
class PartSpec:
    role: PartRole
    program: int
    name: str
    pattern: str
    low: int = 48  # register, MIDI pitches
    high: int = 76
    level: float = 0.0  # dB relative to the role's default level in the mix
    pan: int = 64  # CC10, 0 = left, 127 = right
    send: float = 0.3  # reverb send 0..1
    velocity: int = 90  # base velocity at full energy
    min_energy: float = 0.0
    kit: int = 0  # drums only: GM kit (bank 128 preset)
    release_s: float | None = -1.0  # ring after note-off; None: natural; -1: the role's default
    voices: int = 5  # most notes in one chord (costly SoundFont presets get fewer)
    #: other instruments the seed may give this part: (GM program, name), same role and pattern
    alternatives: tuple[tuple[int, str], ...] = ()
    #: other patterns the seed may give this part (grooves for drums, riffs, comping...)
    patterns: tuple[str, ...] = ()

    @property
    def part(self) -> InstrumentPart:
        return InstrumentPart(self.role, self.program, self.name)


@dataclass(frozen=True, slots=True)
class StyleArrangement:
    style: str
    parts: tuple[PartSpec, ...]
    substyle: str = ""  # the models.substyles id this arrangement plays
    swing_grid_q: float = 0.5  # the note value swing delays (0.5 = eighths, 0.25 = sixteenths)
    timing_ms: float = 8.0  # humanise: timing spread (std dev) for pitched parts
    drum_timing_ms: float = 4.0
    velocity_spread: float = 6.0
    late_backbeat_ms: float = 0.0  # lazy snare (lo-fi)
    reverb_wet: float = 0.25  # level of the room in the mix
    reverb_decay_s: float = 1.4  # RT60 of the synthetic room
    drum_send_scale: float = 0.4  # drums and bass get less room than the rest
    gain_db: float = 0.0  # synth output gain
    tape: bool = False  # lo-fi: soft low-pass and vinyl crackle
    motif_feel: str = (
        "straight"  # rhythm family for motifs: straight, sparse, syncopated, slow, swing
    )


D, B, H, P, L, T = (
    PartRole.DRUMS,
    PartRole.BASS,
    PartRole.HARMONY,
    PartRole.PAD,
    PartRole.LEAD,
    PartRole.TEXTURE,
)
