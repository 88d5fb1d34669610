"""Mix-down helpers of the renderer: which tracks share a bus, the cues effect chains follow
(tempo, kick and snare onsets), and the shared room's reduced-rate send and return."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import numpy.typing as npt

from models.embedded.production import Bus, Production, bus_key
from models.embedded.production.chains import Cues
from models.embedded.score import Score, Track

__all__ = ["add_upsampled", "bus_groups", "decimate_into", "section_cues", "split_snares"]

Audio = npt.NDArray[np.float32]
_KICKS = frozenset({35, 36})
_SNARES = frozenset({37, 38, 39, 40})


def section_cues(score: Score, sr: int, section_role: str) -> Cues:
    """What the effect chains need to know of ``score``: tempo and kick and snare onsets."""
    kicks: set[int] = set()
    snares: set[int] = set()
    for track in score.tracks:
        if not track.is_drum:
            continue
        for n in track.notes:
            if n.pitch in _KICKS:
                kicks.add(round(score.tempo.seconds(n.start_q) * sr))
            elif n.pitch in _SNARES:
                snares.add(round(score.tempo.seconds(n.start_q) * sr))
    return Cues(
        sample_rate=sr,
        seconds_per_beat=score.tempo.spq_at(0.0),
        section_role=section_role,
        kick_frames=tuple(sorted(kicks)),
        snare_frames=tuple(sorted(snares)),
    )


def bus_groups(score: Score, production: Production) -> list[tuple[Bus | None, list[Track]]]:
    """Tracks grouped by bus, busiest first (ties in score order): tracks whose keys share a
    :class:`Bus` go through it in one pass; tracks without one are grouped by role (one room
    send each)."""
    groups: dict[Bus | str, list[Track]] = {}
    for track in score.tracks:
        key = bus_key(production, track.program, track.role.value, track.is_drum)
        groups.setdefault(track.role.value if key is None else production.buses[key], []).append(
            track
        )
    ordered = [(None if isinstance(k, str) else k, tracks) for k, tracks in groups.items()]
    # the busiest bus first: its effects, the longest, start while the synth does the others
    return sorted(ordered, key=lambda group: -_synth_cost(group[1]))


def _synth_cost(tracks: list[Track]) -> float:
    """Roughly what synthesising ``tracks`` costs: voice-time, each note's length plus a
    release."""
    return sum(n.length_q + 0.5 for t in tracks for n in t.notes)


def split_snares(tracks: list[Track], bus: Bus | None) -> tuple[list[Track], list[Track]]:
    """(snare-only copies of the drum tracks, the rest) when ``bus`` has a snare effect."""
    if bus is None or bus.snare is None or not any(t.is_drum for t in tracks):
        return [], tracks
    snares: list[Track] = []
    rest: list[Track] = []
    for t in tracks:
        if not t.is_drum:
            rest.append(t)
            continue
        snares.append(replace(t, notes=[n for n in t.notes if n.pitch in _SNARES]))
        rest.append(replace(t, notes=[n for n in t.notes if n.pitch not in _SNARES]))
    return snares, rest


def decimate_into(send: Audio, audio: Audio, factor: int, level: float) -> None:
    """Add ``audio`` × ``level`` to the reduced-rate mono ``send`` (box filter over ``factor``
    frames and both channels), in one pass."""
    m = min(audio.shape[0] // factor, send.shape[0])
    # a matrix-vector product (BLAS): some 15 times faster than numpy's sum over a short axis
    weights = np.full(factor * 2, level * 0.5 / factor, np.float32)
    acc = audio[: m * factor].reshape(m, factor * 2) @ weights
    send[:m, 0] += acc
    send[:m, 1] += acc


def add_upsampled(mix: Audio, room: Audio, factor: int) -> None:
    """Add the reduced-rate room into ``mix``, linearly interpolated back to full rate."""
    m = min(room.shape[0] - 1, mix.shape[0] // factor)
    step = room[1 : m + 1] - room[:m]
    for k in range(factor):
        mix[k : m * factor : factor] += room[:m] + step * np.float32(k / factor)
