"""Turn score tracks into one sorted synth event list, routed over synth channels.

Long SoundFont releases (strings ~2 s, bells ~4 s, cymbals ~5 s) make both mud and CPU cost.
A track with a ``release_s`` limit is spread over two synth channels: successive note groups
alternate between them, and each group's channel gets an "all sound off" (a 10 ms fade)
``release_s`` after the group ends, or just before the channel's next group starts.  Drums get
the same treatment per cymbal (crash, ride) and a real hi-hat choke: a closed hat silences a
ringing open hat.  The bass drum gets a channel of its own, tuned to the key (``Track.tuning``)
as producers tune kicks; the rest of the kit stays as it is.  The MIDI file is unaffected: it
keeps one channel per track.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from models.embedded.score import Note, Score, TempoMap, Track

__all__ = ["BEND", "CONTROL", "NOTE_OFF", "NOTE_ON", "ChannelSetup", "route"]

NOTE_OFF, CONTROL, NOTE_ON = 0, 1, 2
BEND = -1  # CONTROL events with this controller number are pitch bends
_ALL_SOUND_OFF = 120
_GROUP_WINDOW_S = 0.06

_CRASHES = frozenset({49, 52, 55, 57})
_RIDES = frozenset({51, 53, 59})
_OPEN_HAT = 46
_KICKS = frozenset({35, 36})
_CLOSED_HATS = frozenset({42, 44})

Event = tuple[int, int, int, int, int]  # frame, kind, channel, a, b


@dataclass(frozen=True, slots=True)
class ChannelSetup:
    channel: int
    track: Track
    tuning: float = 0.0  # semitones (the bass drum is tuned to the key)


class _Router:
    def __init__(self, score: Score, sr: int, total: int) -> None:
        self.tempo: TempoMap = score.tempo
        self.sr = sr
        self.last = total - 1
        self.free = list(range(16))
        self.setups: list[ChannelSetup] = []
        self.events: list[Event] = []

    def frame(self, q: float) -> int:
        return min(self.last, round(self.tempo.seconds(q) * self.sr))

    def take(self, track: Track, fallback: int | None, tuning: float = 0.0) -> int | None:
        if not self.free:
            return fallback
        ch = self.free.pop(0)
        self.setups.append(ChannelSetup(ch, track, tuning))
        return ch

    def notes(self, ch: int, notes: Sequence[Note]) -> list[tuple[int, int]]:
        """Emit note on/off events; returns (on, off) frames per note."""
        spans = []
        for n in notes:
            on = self.frame(n.start_q)
            off = min(self.last, max(on + 1, self.frame(n.end_q)))
            self.events.append((on, NOTE_ON, ch, n.pitch, n.velocity))
            self.events.append((off, NOTE_OFF, ch, n.pitch, 0))
            spans.append((on, off))
        return spans

    def pooled(self, pool: list[int], notes: Sequence[Note], release_s: float) -> None:
        """Alternate note groups over ``pool`` and cut each group's release."""
        if not notes:
            return
        groups: list[list[Note]] = []
        window = _GROUP_WINDOW_S
        start_s = -1e9
        for n in sorted(notes, key=lambda n: (n.start_q, n.pitch)):
            t = self.tempo.seconds(n.start_q)
            if groups and t - start_s <= window:
                groups[-1].append(n)
            else:
                groups.append([n])
                start_s = t
        k = len(pool)
        bounds: list[tuple[int, int]] = []
        for g, group in enumerate(groups):
            spans = self.notes(pool[g % k], group)
            bounds.append((min(s for s, _e in spans), max(e for _s, e in spans)))
        release = round(release_s * self.sr)
        for g, (_on, end) in enumerate(bounds):
            kill = end + release
            if g + k < len(bounds):
                kill = min(kill, bounds[g + k][0])
            if kill < self.last:
                self.events.append((kill, CONTROL, pool[g % k], _ALL_SOUND_OFF, 0))

    def controls(self, ch: int, track: Track) -> None:
        for c in track.controls:
            number = BEND if c.kind == "bend" else c.number
            value = max(0, min(16383, c.value + 8192)) if c.kind == "bend" else c.value
            self.events.append((self.frame(c.time_q), CONTROL, ch, number, value))


def _drums(router: _Router, track: Track) -> None:
    main = router.take(track, None)
    if main is None:
        return
    kick = router.take(track, main, track.tuning)
    crash_pool = [c for c in (router.take(track, None), router.take(track, None)) if c is not None]
    ride_pool = [c for c in (router.take(track, None), router.take(track, None)) if c is not None]
    hat = router.take(track, None)
    crashes = [n for n in track.notes if n.pitch in _CRASHES]
    rides = [n for n in track.notes if n.pitch in _RIDES]
    opens = [n for n in track.notes if n.pitch == _OPEN_HAT]
    kicks = [n for n in track.notes if n.pitch in _KICKS]
    rest = [n for n in track.notes if n.pitch not in _CRASHES | _RIDES | _KICKS | {_OPEN_HAT}]
    router.notes(main, rest)
    if kick is None or kick == main:
        router.notes(main, kicks)
    else:  # one bass drum rings at a time, at most a second after its note
        router.pooled([kick], kicks, 1.0)
    for pool, notes, release in ((crash_pool, crashes, 2.0), (ride_pool, rides, 0.5)):
        if pool:
            router.pooled(pool, notes, release)
        else:
            router.notes(main, notes)
    if hat is None:
        router.notes(main, opens)
        return
    router.pooled([hat], opens, 1.0)
    for n in rest:
        if n.pitch in _CLOSED_HATS and opens:
            router.events.append((router.frame(n.start_q), CONTROL, hat, _ALL_SOUND_OFF, 0))


def route(
    score: Score, tracks: Sequence[Track], sr: int, total: int
) -> tuple[list[ChannelSetup], list[Event]]:
    """Channel setups and the sorted event list for rendering ``tracks`` of ``score``."""
    router = _Router(score, sr, total)
    for track in tracks:
        if track.is_drum:
            _drums(router, track)
            continue
        first = router.take(track, None)
        if first is None:
            continue
        if track.release_s is not None:
            second = router.take(track, None)
            pool = [first] if second is None else [first, second]
            router.pooled(pool, track.notes, track.release_s)
            for ch in pool:
                router.controls(ch, track)
        else:
            router.notes(first, track.notes)
            router.controls(first, track)
    router.events.sort()
    return router.setups, router.events
