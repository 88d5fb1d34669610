"""The melody line of a Standard MIDI File.

A track named like a melody (lead, melody, vocal, voice, tune, theme, solo) wins; otherwise the
busiest pitched (non-drum) track.  Its "skyline" — the highest note at each onset, held until
the next onset — makes it monophonic; its rhythm is kept in beats.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import mido

from models.melody.decode import MAX_DURATION_S
from models.melody.errors import AbsurdTempo, CorruptFile, DrumsOnly, NoNotes, TooLong

__all__ = ["MAX_BPM", "MIN_BPM", "MidiLine", "read_midi_line"]

MIN_BPM = 20.0
MAX_BPM = 300.0
_MELODY_NAMES = re.compile(r"lead|melod|vocal|voice|vox|sing|tune|theme|solo", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class MidiLine:
    notes: tuple[tuple[int, float, float], ...]  # (pitch, start beats, length beats)
    bpm: float
    track: str
    bar_beats: int = 4  # quarter beats per bar, from the file's time signature


@dataclass
class _Track:
    name: str
    notes: list[tuple[int, float, float]]  # pitch, start beats, end beats
    drums: bool


def _parse(data: bytes) -> mido.MidiFile:
    try:
        return mido.MidiFile(file=io.BytesIO(data))
    except (OSError, EOFError, ValueError, KeyError, IndexError) as exc:
        raise CorruptFile(f"that MIDI file is damaged or cut short ({exc})") from exc


def _tracks(mid: mido.MidiFile) -> tuple[list[_Track], list[tuple[int, int]], int]:
    tpb = mid.ticks_per_beat
    if tpb <= 0:
        raise CorruptFile("that MIDI file is damaged (it has no time base)")
    tracks: list[_Track] = []
    tempos: list[tuple[int, int]] = []
    bar_beats = 4
    for index, track in enumerate(mid.tracks):
        name = f"track {index}"
        now = 0
        open_notes: dict[tuple[int, int], list[int]] = {}
        by_channel: dict[int, list[tuple[int, float, float]]] = {}
        for msg in track:
            now += msg.time
            if msg.type == "track_name":
                name = msg.name
            elif msg.type == "set_tempo":
                tempos.append((now, msg.tempo))
            elif msg.type == "time_signature" and now == 0:
                bar_beats = max(1, round(msg.numerator * 4 / msg.denominator))
            elif msg.type == "note_on" and msg.velocity > 0:
                open_notes.setdefault((msg.channel, msg.note), []).append(now)
            elif msg.type in ("note_on", "note_off"):
                starts = open_notes.get((msg.channel, msg.note))
                if starts:
                    start = starts.pop(0)
                    by_channel.setdefault(msg.channel, []).append(
                        (msg.note, start / tpb, max(now, start + 1) / tpb)
                    )
        for channel, notes in sorted(by_channel.items()):
            tracks.append(_Track(name, sorted(notes, key=lambda n: (n[1], -n[0])), channel == 9))
    return tracks, tempos, bar_beats


def _skyline(notes: list[tuple[int, float, float]]) -> list[tuple[int, float, float]]:
    """Highest note at each onset, cut where the next onset begins."""
    tops: dict[float, tuple[int, float]] = {}
    for pitch, start, end in notes:
        key = round(start * 96) / 96
        if key not in tops or pitch > tops[key][0]:
            tops[key] = (pitch, end)
    starts = sorted(tops)
    line = []
    for i, start in enumerate(starts):
        pitch, end = tops[start]
        if i + 1 < len(starts):
            end = min(end, starts[i + 1])
        line.append((pitch, start, end - start))
    return line


def _snap(beats: float) -> float:
    """Nearest sixteenth or triplet-eighth position."""
    return min((round(beats * d) / d for d in (4, 3)), key=lambda b: abs(b - beats))


def _tidy(line: list[tuple[int, float, float]]) -> list[tuple[int, float, float]]:
    """Positions on the grid; a note released just before the next one is legato (the gap is
    articulation, not a rest)."""
    out = []
    for i, (pitch, start, length) in enumerate(line):
        s = _snap(start)
        end = _snap(start + length)
        if i + 1 < len(line):
            nxt = _snap(line[i + 1][1])
            if 0 < nxt - end <= 0.25 or end > nxt:
                end = nxt
        out.append((pitch, s, max(end - s, 0.25)))
    return out


def read_midi_line(data: bytes) -> MidiLine:
    """The melody of a MIDI file.  Raises :class:`CorruptFile`, :class:`DrumsOnly`,
    :class:`NoNotes`, :class:`AbsurdTempo` or :class:`TooLong`."""
    mid = _parse(data)
    tracks, tempos, bar_beats = _tracks(mid)
    for _tick, tempo in tempos:
        bpm = 60e6 / tempo if tempo > 0 else 0.0
        if not MIN_BPM <= bpm <= MAX_BPM:
            raise AbsurdTempo(
                f"that MIDI file's tempo is {bpm:.0f} bpm; a melody has to be between "
                f"{MIN_BPM:.0f} and {MAX_BPM:.0f} bpm"
            )
    bpm = 60e6 / sorted(tempos)[0][1] if tempos else 120.0
    pitched = [t for t in tracks if not t.drums and t.notes]
    if not pitched:
        if any(t.notes for t in tracks):
            raise DrumsOnly("that MIDI file only has drums: send one with a melody")
        raise NoNotes("that MIDI file has no notes in it")
    named = [t for t in pitched if _MELODY_NAMES.search(t.name)]
    chosen = max(named or pitched, key=lambda t: len(t.notes))
    line = _skyline(chosen.notes)
    if len(line) < 3:
        raise NoNotes(f"that MIDI file's melody has only {len(line)} note(s): a tune needs 3")
    first_bar = int(line[0][1] // bar_beats) * bar_beats
    notes = tuple((p, s - first_bar, n) for p, s, n in _tidy(line))
    length_s = (notes[-1][1] + notes[-1][2] - notes[0][1]) * 60.0 / bpm
    if length_s > MAX_DURATION_S + 0.5:
        raise TooLong(
            f"that melody is {length_s:.0f} s long; a melody can be at most "
            f"{MAX_DURATION_S:.0f} seconds"
        )
    return MidiLine(notes, bpm, chosen.name, bar_beats)
