"""The composed score of one section: tracks of notes in quarter-note time plus a tempo map.

A :class:`Score` is what the composer produces and what both the synthesiser
(:mod:`models.embedded.render`) and the MIDI writer (:mod:`models.midi`) consume, so the audio and
the downloadable MIDI always contain the same notes.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field

from models.plan import Key, Meter, PartRole

__all__ = ["ControlEvent", "Note", "Score", "TempoMap", "Track"]


@dataclass(frozen=True, slots=True)
class Note:
    """One note: start and length in quarter notes from the section's first downbeat."""

    start_q: float
    length_q: float
    pitch: int
    velocity: int

    @property
    def end_q(self) -> float:
        return self.start_q + self.length_q


@dataclass(frozen=True, slots=True)
class ControlEvent:
    """A channel event other than a note: ``kind`` is ``"cc"`` (``number``, ``value`` 0..127)
    or ``"bend"`` (``value`` -8192..8191, ``number`` unused)."""

    time_q: float
    kind: str
    number: int
    value: int


@dataclass(slots=True)
class Track:
    """One instrument: a MIDI channel (9 for drums), GM program, mix settings and its events."""

    name: str
    role: PartRole
    program: int
    channel: int
    is_drum: bool = False
    volume: int = 100  # CC7 (set from level_db by the renderer's calibration)
    level_db: float = 0.0  # wanted loudness of one note relative to the mix reference
    pan: int = 64  # CC10
    reverb_send: float = 0.3  # 0..1, into the shared room
    bend_range: int = 2  # semitones (808 glides use 12)
    notes: list[Note] = field(default_factory=list)
    controls: list[ControlEvent] = field(default_factory=list)
    drum_kit: int = 0  # GM2 drum kit (bank 128 preset) when is_drum
    release_s: float | None = None  # cut note releases this long after the note ends (synth)
    tuning: float = 0.0  # semitones; drum kits are tuned so the kick sits on the tonic or fifth

    def legalise(self, end_q: float) -> None:
        """Sort notes, clip them to ``[0, end_q]``, drop empty ones and cut overlapping notes of
        the same pitch so each note-off belongs to exactly one note-on."""
        cleaned: list[Note] = []
        for note in sorted(self.notes, key=lambda n: (n.start_q, n.pitch)):
            start = max(0.0, note.start_q)
            end = min(end_q, note.end_q)
            if end - start < 1e-3 or not 0 <= note.pitch <= 127:
                continue
            cleaned.append(Note(start, end - start, note.pitch, max(1, min(127, note.velocity))))
        last_by_pitch: dict[int, int] = {}
        for i, note in enumerate(cleaned):
            j = last_by_pitch.get(note.pitch)
            if j is not None and cleaned[j].end_q > note.start_q - 1e-3:
                prev = cleaned[j]
                cleaned[j] = Note(
                    prev.start_q,
                    max(1e-3, note.start_q - prev.start_q - 1e-3),
                    prev.pitch,
                    prev.velocity,
                )
            last_by_pitch[note.pitch] = i
        self.notes = [n for n in cleaned if n.length_q >= 1e-3]
        self.controls = sorted(
            (c for c in self.controls if 0.0 <= c.time_q <= end_q), key=lambda c: c.time_q
        )


class TempoMap:
    """Piecewise-constant tempo: ``segments`` of (start_q, seconds per quarter note)."""

    def __init__(self, segments: Sequence[tuple[float, float]]) -> None:
        if not segments or segments[0][0] != 0.0:
            raise ValueError("a tempo map starts at quarter 0")
        self.starts_q = [float(s) for s, _ in segments]
        self.spq = [float(v) for _, v in segments]
        self._starts_s = [0.0]
        for i in range(1, len(segments)):
            span = self.starts_q[i] - self.starts_q[i - 1]
            self._starts_s.append(self._starts_s[-1] + span * self.spq[i - 1])

    @classmethod
    def constant(cls, seconds_per_quarter: float) -> TempoMap:
        return cls([(0.0, seconds_per_quarter)])

    def seconds(self, q: float) -> float:
        i = max(0, bisect.bisect_right(self.starts_q, q) - 1)
        return self._starts_s[i] + (q - self.starts_q[i]) * self.spq[i]

    def spq_at(self, q: float) -> float:
        return self.spq[max(0, bisect.bisect_right(self.starts_q, q) - 1)]

    @property
    def segments(self) -> list[tuple[float, float]]:
        return list(zip(self.starts_q, self.spq, strict=True))


@dataclass(slots=True)
class Score:
    """A composed section."""

    key: Key
    meter: Meter
    bpm: float
    tempo: TempoMap
    body_q: float  # the final bar line, in quarter notes
    tracks: list[Track]
    title: str = ""

    def legalise(self) -> None:
        for track in self.tracks:
            track.legalise(self.body_q)

    @property
    def body_s(self) -> float:
        return self.tempo.seconds(self.body_q)

    @property
    def note_count(self) -> int:
        return sum(len(t.notes) for t in self.tracks)
