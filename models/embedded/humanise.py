"""Feel: swing and human timing/velocity variation, all driven by seeded generators."""

from __future__ import annotations

import math

import numpy as np

from models.embedded.score import Note, Track

__all__ = ["humanise_track", "swing_q"]


def swing_q(q: float, swing: float, grid_q: float) -> float:
    """Delay every second ``grid_q`` note: the off-beat moves from 1/2 to (1 + swing)/2 of its
    pair (swing 1/3 gives the triplet feel of jazz).  A continuous warp of time, so lengths stay
    consistent and on-beat positions do not move."""
    if swing <= 0.0:
        return q
    cell = 2.0 * grid_q
    base = math.floor(q / cell + 1e-9) * cell
    f = (q - base) / cell
    mid = 0.5 + swing / 2.0
    g = f / 0.5 * mid if f <= 0.5 else mid + (f - 0.5) / 0.5 * (1.0 - mid)
    return base + g * cell


def humanise_track(
    track: Track,
    rng: np.random.Generator,
    *,
    swing: float,
    swing_grid_q: float,
    timing_q: float,
    velocity_spread: float,
) -> None:
    """Swing the track, then nudge each onset (notes struck together move together) and each
    velocity.  ``timing_q`` is the spread (std dev) of onset offsets in quarter notes."""
    if not track.notes:
        return
    shift_time = not any(c.kind == "bend" for c in track.controls)
    onsets = sorted({round(n.start_q, 4) for n in track.notes})
    offsets = rng.normal(0.0, 1.0, len(onsets)) if shift_time else np.zeros(len(onsets))
    offset_of = {
        q: float(np.clip(o, -2.5, 2.5)) * timing_q for q, o in zip(onsets, offsets, strict=True)
    }
    vel_noise = rng.normal(0.0, velocity_spread, len(track.notes))
    out = []
    for note, dv in zip(track.notes, vel_noise, strict=True):
        start = swing_q(note.start_q, swing, swing_grid_q)
        end = swing_q(note.end_q, swing, swing_grid_q)
        start += offset_of[round(note.start_q, 4)]
        end += offset_of[round(note.start_q, 4)] * 0.5
        if note.start_q <= 1e-9:
            start = max(0.0, start)
        velocity = round(note.velocity + float(dv))
        out.append(Note(start, max(0.02, end - start), note.pitch, max(1, min(127, velocity))))
    track.notes = out
