"""A melody as the composer uses it: notes on a beat grid, a tempo and a key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from models.melody.errors import MelodyError
from models.plan import Key, PlanError

__all__ = ["Melody", "MelodyNote", "MelodySource"]


class MelodySource(StrEnum):
    MIDI = "midi"
    AUDIO = "audio"


@dataclass(frozen=True, slots=True)
class MelodyNote:
    """``pitch`` is a MIDI note; ``start_beats``/``length_beats`` count beats (quarter notes for
    MIDI, the estimated beat for a recording) from the melody's first bar."""

    pitch: int
    start_beats: float
    length_beats: float


@dataclass(frozen=True, slots=True)
class Melody:
    """The tune a user brought.  Plain data: it travels to workers as JSON (notes, not audio)."""

    notes: tuple[MelodyNote, ...]
    bpm: float  # beats per minute, from the file or estimated
    key: Key  # estimated from the notes
    source: MelodySource
    tuning_cents: float = 0.0  # a recording's offset from A440 (taken out of ``notes``)
    bpm_from_file: bool = False  # MIDI tempo; a recording's tempo is always estimated

    @property
    def length_beats(self) -> float:
        return max((n.start_beats + n.length_beats for n in self.notes), default=0.0)

    @property
    def summary(self) -> str:
        """What was heard, e.g. ``"heard 14 notes in E minor at ~92 bpm"``."""
        verb = "heard" if self.source is MelodySource.AUDIO else "read"
        approx = "" if self.bpm_from_file else "~"
        return f"{verb} {len(self.notes)} notes in {self.key.name} at {approx}{self.bpm:.0f} bpm"

    def to_dict(self) -> dict[str, Any]:
        return {
            "notes": [[n.pitch, n.start_beats, n.length_beats] for n in self.notes],
            "bpm": self.bpm,
            "key": self.key.name,
            "source": self.source.value,
            "tuning_cents": self.tuning_cents,
            "bpm_from_file": self.bpm_from_file,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Melody:
        try:
            return cls(
                notes=tuple(MelodyNote(int(p), float(s), float(n)) for p, s, n in data["notes"]),
                bpm=float(data["bpm"]),
                key=Key.parse(str(data["key"])),
                source=MelodySource(data["source"]),
                tuning_cents=float(data.get("tuning_cents", 0.0)),
                bpm_from_file=bool(data.get("bpm_from_file", False)),
            )
        except (KeyError, TypeError, ValueError, PlanError) as exc:
            raise MelodyError(f"malformed melody: {exc}") from exc
