"""The user's melody as its own track of the song's MIDI file ("Melody (as heard)"), in the
song's key and tempo, placed where the song first states it."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence

import mido

from models.melody.fit import STATING_ROLES
from models.plan import SongPlan

__all__ = ["MELODY_TRACK", "add_melody_track"]

MELODY_TRACK = "Melody (as heard)"


def _free_channel(mid: mido.MidiFile) -> int:
    used = {m.channel for t in mid.tracks for m in t if not m.is_meta and hasattr(m, "channel")}
    return next((c for c in range(16) if c != 9 and c not in used), 15)


def add_melody_track(plan: SongPlan, data: bytes, rendered: Sequence[int]) -> bytes:
    """``data`` (a song or section file written for ``plan``) plus the melody track.  The
    melody starts at the first rendered section that states it (else the first rendered one)."""
    raw = plan.extra("melody_notes")
    if not raw:
        return data
    notes = json.loads(raw)
    sections = [plan.sections[i] for i in rendered if 0 <= i < len(plan.sections)]
    if not sections:
        return data
    stating = [s for s in sections if s.role in STATING_ROLES]
    start_bar = min(s.start_bar for s in (stating or sections))
    mid = mido.MidiFile(file=io.BytesIO(data))
    tpq = mid.ticks_per_beat
    pulse_ticks = plan.meter.quarters_per_pulse * tpq
    origin = start_bar * plan.meter.quarters_per_bar * tpq
    channel = _free_channel(mid)
    events: list[tuple[int, int, mido.Message | mido.MetaMessage]] = [
        (0, 0, mido.MetaMessage("track_name", name=MELODY_TRACK)),
        (0, 1, mido.Message("program_change", channel=channel, program=0)),
    ]
    for pitch, start, length in notes:
        on = round(origin + float(start) * pulse_ticks)
        off = max(on + 1, round(origin + (float(start) + float(length)) * pulse_ticks) - 1)
        events.append(
            (on, 3, mido.Message("note_on", channel=channel, note=int(pitch), velocity=90))
        )
        events.append((off, 2, mido.Message("note_off", channel=channel, note=int(pitch))))
    events.sort(key=lambda e: (e[0], e[1]))
    track = mido.MidiTrack()
    now = 0
    for tick, _order, msg in events:
        msg.time = tick - now
        track.append(msg)
        now = tick
    mid.tracks.append(track)
    buf = io.BytesIO()
    mid.save(file=buf)
    return buf.getvalue()
