"""Standard MIDI Files: write a composed section, join sections into a song, read notes back.

Files are type 1 at 480 ticks per quarter note: a conductor track (name, time signature, key
signature, tempo changes) then one track per instrument with its name, program change, volume
and pan, drums on channel 10 (index 9).  They open cleanly in any DAW.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from models.embedded.score import Score, Track
from models.plan import Key, Mode, SongPlan

if TYPE_CHECKING:  # mido is imported where it is used: a process that writes no MIDI never loads it
    import mido

__all__ = ["TICKS_PER_QUARTER", "NoteRecord", "join_midi", "read_notes", "section_midi"]

TICKS_PER_QUARTER = 480


@dataclass(frozen=True, slots=True)
class NoteRecord:
    """One note read from a MIDI file."""

    track: str
    program: int
    channel: int
    pitch: int
    velocity: int
    start_s: float
    end_s: float

    @property
    def is_drum(self) -> bool:
        return self.channel == 9


def _msg(kind: str, **fields: int) -> mido.Message:
    """A channel message from values the score already keeps in range (no per-field checks:
    they dominate the cost of writing a file)."""
    import mido

    return mido.Message(kind, skip_checks=True, **fields)


def _key_name(key: Key) -> str:
    return key.tonic_name + ("m" if key.mode is Mode.MINOR else "")


def _ticks(q: float) -> int:
    return round(q * TICKS_PER_QUARTER)


def _to_track(events: list[tuple[int, int, Any]]) -> mido.MidiTrack:
    """(abs tick, order, message) → a track with delta times."""
    import mido

    events.sort(key=lambda e: (e[0], e[1]))
    track = mido.MidiTrack()
    now = 0
    for tick, _order, msg in events:
        msg.time = tick - now  # messages are built for this track alone
        track.append(msg)
        now = tick
    return track


def _conductor(score: Score) -> list[tuple[int, int, Any]]:
    import mido

    meter = score.meter
    events: list[tuple[int, int, Any]] = [
        (0, 0, mido.MetaMessage("track_name", name=score.title or "composer-bot")),
        (
            0,
            1,
            mido.MetaMessage(
                "time_signature",
                numerator=meter.numerator,
                denominator=meter.denominator,
                clocks_per_click=24,
                notated_32nd_notes_per_beat=8,
            ),
        ),
        (0, 2, mido.MetaMessage("key_signature", key=_key_name(score.key))),
    ]
    for start_q, spq in score.tempo.segments:
        events.append((_ticks(start_q), 3, mido.MetaMessage("set_tempo", tempo=round(spq * 1e6))))
    return events


def _instrument(track: Track) -> list[tuple[int, int, Any]]:
    import mido

    ch = track.channel
    program = track.drum_kit if track.is_drum else track.program
    events: list[tuple[int, int, Any]] = [
        (0, 0, mido.MetaMessage("track_name", name=track.name)),
        (0, 1, mido.Message("program_change", channel=ch, program=program)),
        (0, 2, mido.Message("control_change", channel=ch, control=7, value=track.volume)),
        (0, 2, mido.Message("control_change", channel=ch, control=10, value=track.pan)),
    ]
    if track.bend_range != 2:
        for control, value in (
            (101, 0),
            (100, 0),
            (6, track.bend_range),
            (38, 0),
            (101, 127),
            (100, 127),
        ):
            events.append(
                (0, 3, mido.Message("control_change", channel=ch, control=control, value=value))
            )
    for c in track.controls:
        tick = _ticks(c.time_q)
        if c.kind == "bend":
            events.append((tick, 5, _msg("pitchwheel", channel=ch, pitch=c.value)))
        else:
            events.append(
                (tick, 5, _msg("control_change", channel=ch, control=c.number, value=c.value))
            )
    for n in track.notes:
        on = _ticks(n.start_q)
        off = max(on + 1, _ticks(n.end_q))
        events.append((on, 6, _msg("note_on", channel=ch, note=n.pitch, velocity=n.velocity)))
        events.append((off, 4, _msg("note_off", channel=ch, note=n.pitch, velocity=0)))
    return events


def section_midi(score: Score) -> bytes:
    """The section as a type-1 Standard MIDI File."""
    import mido

    mid = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_QUARTER)
    end = _ticks(score.body_q)
    conductor = _conductor(score)
    conductor.append((end, 9, mido.MetaMessage("marker", text="end")))
    mid.tracks.append(_to_track(conductor))
    for track in score.tracks:
        if track.notes:
            mid.tracks.append(_to_track(_instrument(track)))
    buf = io.BytesIO()
    mid.save(file=buf)
    return buf.getvalue()


def _abs_events(track: mido.MidiTrack, scale: float) -> list[tuple[int, Any]]:
    """``(tick at TICKS_PER_QUARTER, message)`` of ``track`` from its start, end marker left out."""
    out = []
    now = 0
    for msg in track:
        now += msg.time
        if msg.type == "end_of_track":
            continue
        out.append((round(now * scale), msg))
    return out


def _stale_lead_ticks(tracks: Sequence[list[tuple[int, Any]]], bar_ticks: float, bars: int) -> int:
    """Whole bars of silence before a part's notes (``tracks``: each track's events from
    :func:`_abs_events`) when its notes end more than a bar after its section should (a file
    that still carries its section's place in the song), else 0."""
    starts = [t for events in tracks for t, m in events if m.type == "note_on"]
    ends = [t for events in tracks for t, _m in events]
    if not starts or max(ends) <= (bars + 1) * bar_ticks:
        return 0
    excess_bars = (max(ends) - bars * bar_ticks) // bar_ticks
    return round(min(excess_bars, min(starts) // bar_ticks) * bar_ticks)


def join_midi(plan: SongPlan, parts: Sequence[tuple[int, bytes]]) -> bytes:
    """Join per-section files ``(section index, SMF bytes)`` into one file that follows the audio:
    the parts one after the other in the order given (the order they play), the first at 0,
    each lasting its section's bars; tracks merged by instrument (name, channel, program).  So a
    lone verse, an extension or a session song's takes start at 0 with no gaps, like their audio.
    """
    import mido

    if not parts:
        raise ValueError("join_midi needs at least one section")
    bar_ticks = plan.meter.quarters_per_bar * TICKS_PER_QUARTER
    for index, _data in parts:
        if not 0 <= index < len(plan.sections):
            raise ValueError(f"section index {index} is not in the plan")
    base_tempo = round(60e6 / (plan.bpm * plan.meter.quarters_per_pulse))
    meter = plan.meter
    conductor: list[tuple[int, int, Any]] = [
        (0, 0, mido.MetaMessage("track_name", name=f"{plan.style} ({plan.key.name})")),
        (
            0,
            0,
            mido.MetaMessage(
                "time_signature",
                numerator=meter.numerator,
                denominator=meter.denominator,
                clocks_per_click=24,
                notated_32nd_notes_per_beat=8,
            ),
        ),
        (0, 0, mido.MetaMessage("key_signature", key=_key_name(plan.key))),
        (0, 1, mido.MetaMessage("set_tempo", tempo=base_tempo)),
    ]
    merged: dict[tuple[str, int], list[tuple[int, int, Any]]] = {}
    order: list[tuple[str, int]] = []
    played_bars = 0  # where the next part starts
    for index, data in parts:
        mid = mido.MidiFile(file=io.BytesIO(data))
        scale = TICKS_PER_QUARTER / mid.ticks_per_beat
        section = plan.sections[index]
        offset = round(played_bars * bar_ticks)
        played_bars += section.bars
        end = round(played_bars * bar_ticks)
        # a clip stored before files followed their audio kept its song-time offset: drop it
        tracks = [_abs_events(track, scale) for track in mid.tracks]  # parsed once
        lead = _stale_lead_ticks(tracks, bar_ticks, section.bars)
        # back to the song's tempo where the section ends (after an outro's ritardando)
        conductor.append((end, 1, mido.MetaMessage("set_tempo", tempo=base_tempo)))
        for t_index, timeline in enumerate(tracks):
            events = [(max(offset, offset + t - lead), m) for t, m in timeline]
            if t_index == 0:
                conductor += [(tick, 2, m) for tick, m in events if m.type == "set_tempo"]
                continue
            name = next((m.name for _t, m in events if m.type == "track_name"), f"track {t_index}")
            channel = next((m.channel for _t, m in events if not m.is_meta), 0)
            ident = (name, channel)
            if ident not in merged:
                merged[ident] = [(0, 0, mido.MetaMessage("track_name", name=name))]
                order.append(ident)
            for tick, msg in events:
                if msg.type == "track_name":
                    continue
                rank = (
                    1
                    if msg.type in ("program_change", "control_change")
                    else (
                        2
                        if msg.type == "note_off" or (msg.type == "note_on" and msg.velocity == 0)
                        else 3
                    )
                )
                merged[ident].append((tick, rank, msg))
    song = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_QUARTER)
    song.tracks.append(_to_track(conductor))
    for ident in order:
        song.tracks.append(_to_track(merged[ident]))
    buf = io.BytesIO()
    song.save(file=buf)
    if plan.extra("melody_notes"):  # a user's melody: exported as its own track too
        from models.melody.export import add_melody_track

        return add_melody_track(plan, buf.getvalue(), [index for index, _data in parts])
    return buf.getvalue()


def _tempo_seconds(mid: mido.MidiFile) -> Callable[[int], float]:
    """A function tick → seconds from every set_tempo in the file."""
    changes: list[tuple[int, int]] = []
    for track in mid.tracks:
        now = 0
        for msg in track:
            now += msg.time
            if msg.type == "set_tempo":
                changes.append((now, msg.tempo))
    changes.sort()
    if not changes or changes[0][0] != 0:
        changes.insert(0, (0, 500_000))
    starts_s = [0.0]
    for (t0, tempo0), (t1, _tempo1) in itertools.pairwise(changes):
        starts_s.append(starts_s[-1] + (t1 - t0) * tempo0 / 1e6 / mid.ticks_per_beat)

    def seconds(tick: int) -> float:
        i = 0
        while i + 1 < len(changes) and changes[i + 1][0] <= tick:
            i += 1
        t0, tempo = changes[i]
        return float(starts_s[i] + (tick - t0) * tempo / 1e6 / mid.ticks_per_beat)

    return seconds


def read_notes(data: bytes) -> list[NoteRecord]:
    """Every note in a Standard MIDI File, sorted by (start, track, pitch)."""
    import mido

    mid = mido.MidiFile(file=io.BytesIO(data))
    seconds = _tempo_seconds(mid)
    notes: list[NoteRecord] = []
    for t_index, track in enumerate(mid.tracks):
        name = f"track {t_index}"
        programs: dict[int, int] = {}
        open_notes: dict[tuple[int, int], list[tuple[int, int]]] = {}
        now = 0
        for msg in track:
            now += msg.time
            if msg.type == "track_name":
                name = msg.name
            elif msg.type == "program_change":
                programs[msg.channel] = msg.program
            elif msg.type == "note_on" and msg.velocity > 0:
                open_notes.setdefault((msg.channel, msg.note), []).append((now, msg.velocity))
            elif msg.type in ("note_on", "note_off"):
                pending = open_notes.get((msg.channel, msg.note))
                if pending:
                    start, velocity = pending.pop(0)
                    notes.append(
                        NoteRecord(
                            name,
                            programs.get(msg.channel, 0),
                            msg.channel,
                            msg.note,
                            velocity,
                            seconds(start),
                            seconds(now),
                        )
                    )
    notes.sort(key=lambda r: (r.start_s, r.track, r.pitch))
    return notes
